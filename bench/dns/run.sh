#!/usr/bin/env bash
# dnsperf benchmark: ordinal vs knotd on the same zone, one server at a time on core 1,
# dnsperf on core 0. Every load run is bounded: dnsperf -l 10 inside timeout 30.
#
#   bench/dns/run.sh gen                 generate manifests, zone file, query files
#   bench/dns/run.sh matrix [RUNS]       max mode, every server x mix, RUNS (3) x 10 s, plus one -v run
#   bench/dns/run.sh key [FIRST LAST]   extra interleaved runs (numbered 4..8) of (a) and (b -e), knotd and ordinal
#   bench/dns/run.sh rate [N]           fixed rate at half of ordinal's max QPS, mixes (a) and (b -e)
#   bench/dns/run.sh workers [RUNS]      ordinal --workers 1 vs 2, nothing pinned but dnsperf, mix (a)
#   bench/dns/run.sh profile            ordinal under --cpu-prof, mix (c), one run
#   bench/dns/run.sh one SERVER MIX MODE N
#   bench/dns/run.sh compare            dig knotd and ordinal on a sample of names (compare.ts)
#   bench/dns/run.sh report             print the markdown tables (report.ts)
# Results go to bench/out/results/<server>__<mix>__<mode>__<n>.{txt,mpstat,lat}.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-$ROOT/bench/out}
PORT=${PORT:-25353}
NODE=$ROOT/node_modules/.bin/node
RES=$OUT/results
mkdir -p "$RES" "$OUT/logs"

# --- servers ---------------------------------------------------------------------------
knot_conf() { # PAYLOAD [PORT]
  local port=${2:-$PORT}
  cat > "$OUT/knot/knot-$1-$port.conf" <<EOF
server:
    listen: 127.0.0.1@$port
    rundir: $OUT/knot/run-$port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    udp-max-payload: $1
log:
  - target: stderr
    any: warning
database:
    storage: $OUT/knot/run-$port
zone:
  - domain: cluster.local
    storage: $OUT/knot
    file: cluster.local.zone
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
EOF
  mkdir -p "$OUT/knot/run-$port"
  echo "$OUT/knot/knot-$1-$port.conf"
}

wait_ready() { # PORT
  for _ in $(seq 1 120); do
    if dig @127.0.0.1 -p "$1" +norec +time=1 +tries=1 +short web-0.web.default.svc.cluster.local A 2>/dev/null | grep -q '^10\.'; then return 0; fi
    sleep 0.25
  done
  echo "server on port $1 did not become ready" >&2; return 1
}

port_free() {
  if [ -n "$(ss -Hulnt "sport = :$1")" ]; then echo "port $1 is in use (another server?): set PORT=" >&2; return 1; fi
}

# Every server has its own port, so several can stay resident (idle servers cost no CPU) and
# runs of different servers can be interleaved: slow drifts in the box's other load then hit
# every server alike instead of whichever happened to run during a busy minute.
declare -A PID SPORT
SPORT=([knot]=$PORT [ord]=$((PORT + 2)) [knot4096]=$((PORT + 4)) [ord4096]=$((PORT + 6))
       [ordw1u]=$((PORT + 8)) [ordw2u]=$((PORT + 10)) [ordprof]=$((PORT + 12)))

# SERVER names: knot, knot4096 (knotd, udp-workers 1, payload 1232/4096, all threads on core 1);
# ord, ord4096 (ordinal --max-udp-size 1232/4096 on core 1); ordw1u, ordw2u (--workers 1/2 on
# cores 0-1); ordprof (ord with --cpu-prof, sources).
start_server() {
  local name=$1 log=$OUT/logs/$1.log port=${SPORT[$1]}
  port_free "$port"
  local ord=("$NODE" bin/ordinal.js serve --manifests "$OUT/manifests/cluster.json" --dns-listen "127.0.0.1:$port"
             --http-listen 127.0.0.1:0 --log-level warn)
  case $name in
    knot|knot4096)
      local payload=1232; [ "$name" = knot4096 ] && payload=4096
      taskset -c 1 knotd -c "$(knot_conf $payload "$port")" >"$log" 2>&1 &
      PID[$name]=$!
      wait_ready "$port"
      # knotd pins its UDP worker to a CPU by itself (worker i -> CPU i): re-pin every thread.
      taskset -a -cp 1 "${PID[$name]}" >/dev/null ;;
    ord)      taskset -c 1 "${ord[@]}" >"$log" 2>&1 & PID[$name]=$! ;;
    ord4096)  taskset -c 1 "${ord[@]}" --max-udp-size 4096 >"$log" 2>&1 & PID[$name]=$! ;;
    ordw1u)   taskset -c 0,1 "${ord[@]}" --workers 1 >"$log" 2>&1 & PID[$name]=$! ;;
    ordw2u)   taskset -c 0,1 "${ord[@]}" --workers 2 >"$log" 2>&1 & PID[$name]=$! ;;
    ordprof)
      rm -rf "$OUT/prof"; mkdir -p "$OUT/prof"
      ORDINAL_FROM_SRC=1 taskset -c 1 "$NODE" --cpu-prof --cpu-prof-dir "$OUT/prof" "${ord[@]:1}" >"$log" 2>&1 &
      PID[$name]=$! ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  wait_ready "$port"
  # The tree is shared and src/ changes under a long run: record what this server loaded.
  echo "$name started $(date -u +%T) at $(git rev-parse --short HEAD)$(git status --porcelain -- src | grep -q . && echo '+dirty src')" \
    >>"$OUT/logs/servers.log"
  for t in /proc/"${PID[$name]}"/task/*; do
    echo "$(basename "$t") $(cat "$t/comm") $(awk '/Cpus_allowed_list/ { print $2 }' "$t/status")"
  done >"$OUT/logs/$name.threads"
}

stop_server() {
  local pid=${PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "PID[$1]"
}
stop_all() { for s in "${!PID[@]}"; do stop_server "$s"; done; }
trap stop_all EXIT

# --- one measurement ---------------------------------------------------------------------
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

mix_args() {
  case $1 in
    pods)      echo "-d $OUT/q/pods.txt" ;;
    srv100)    echo "-d $OUT/q/srv100.txt" ;;
    srv100e)   echo "-d $OUT/q/srv100.txt -e" ;;
    svca100e)  echo "-d $OUT/q/svca100.txt -e" ;;
    mixe)      echo "-d $OUT/q/mix.txt -e" ;;
    srv100tcp) echo "-d $OUT/q/srv100.txt -e -m tcp" ;;
    *) echo "unknown mix $1" >&2; return 1 ;;
  esac
}

mode_args() {
  case $1 in
    max)  echo "-q 100" ;;
    maxv) echo "-q 100 -v" ;;
    rate*) echo "-Q ${1#rate} -q 1000 -v" ;;
  esac
}

# measure SERVER MIX MODE N: the server must be running.
measure() {
  local server=$1 mix=$2 mode=$3 n=$4 cpus=${DNSPERF_CPUS:-0}
  local base=$RES/${server}__${mix}__${mode}__${n}
  local raw=$OUT/logs/dnsperf-raw.txt
  local t0 t1
  {
    echo "server=$server mix=$mix mode=$mode n=$n date=$(date -u +%FT%TZ)"
    echo "load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >"$base.txt"
  mpstat -P 0,1 1 10 >"$base.mpstat" 2>&1 &
  local mp=$!
  t0=$(ticks "${PID[$server]}")
  # shellcheck disable=SC2046
  taskset -c "$cpus" /usr/bin/time -f "dnsperf_cpu_s=%U+%S wall=%e" \
    timeout 30 dnsperf -s 127.0.0.1 -p "${SPORT[$server]}" -l 10 -c 4 $(mix_args "$mix") $(mode_args "$mode") >"$raw" 2>"$raw.err" || true
  t1=$(ticks "${PID[$server]}")
  wait "$mp" 2>/dev/null || true
  {
    grep -v '^> ' "$raw" || true
    cat "$raw.err"
    echo "server_ticks=$((t1 - t0)) clk_tck=$(getconf CLK_TCK)"
    echo "load_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  } >>"$base.txt"
  # Per-query latencies (seconds) of -v runs, sorted, for p50/p99 in report.ts.
  if grep -q '^> ' "$raw"; then awk '/^> / { print $NF }' "$raw" | sort -g >"$base.lat"; fi
  rm -f "$raw" "$raw.err"
  grep -E 'Queries per second|Queries lost' "$base.txt" | tr -s ' ' | paste -sd' ' | sed "s|^|$server $mix $mode $n: |"
}

# --- suites --------------------------------------------------------------------------------
MIXES=(pods srv100 srv100e svca100e mixe srv100tcp)

suite_matrix() { # RUNS: knotd and ordinal resident, runs interleaved knot, ord, knot, ord, ...
  local runs=${1:-3}
  start_server knot; start_server ord; start_server knot4096; start_server ord4096
  for mix in "${MIXES[@]}"; do
    local servers=(knot ord)
    [[ $mix == srv100e || $mix == svca100e || $mix == mixe ]] && servers=(knot ord knot4096 ord4096)
    for n in $(seq 1 "$runs"); do for s in "${servers[@]}"; do measure "$s" "$mix" max "$n"; done; done
    for s in "${servers[@]}"; do measure "$s" "$mix" maxv 1; done
  done
  stop_all
}

suite_key() { # FIRST LAST: more interleaved runs of the two target mixes, numbered FIRST..LAST
  start_server knot; start_server ord
  for n in $(seq "$1" "$2"); do
    for s in knot ord; do measure "$s" pods max "$n"; measure "$s" srv100e max "$n"; done
  done
  stop_all
}

# Half of ordinal's median max QPS for a mix, from the matrix results.
half_of_ord() {
  grep -h 'Queries per second' "$RES"/ord__"$1"__max__*.txt | awk '{ print $4 }' | sort -g |
    awk '{ v[NR] = $1 } END { printf "%d\n", v[int((NR + 1) / 2)] / 2 }'
}

# A fresh server's first seconds are not its steady state (ordinal's JIT warms up and its answer
# cache fills), so fixed-rate runs follow an unrecorded 3-s run of the same mix and rate.
warm() { # SERVER MIX RATE
  # shellcheck disable=SC2046
  taskset -c 0 timeout 20 dnsperf -s 127.0.0.1 -p "${SPORT[$1]}" -l 3 -c 4 $(mix_args "$2") -Q "$3" -q 1000 >/dev/null 2>&1 || true
}

suite_rate() { # [N]: run number
  local ra rb n=${1:-1}; ra=$(half_of_ord pods); rb=$(half_of_ord srv100e)
  start_server knot; start_server ord
  for s in knot ord; do warm "$s" pods "$ra"; warm "$s" srv100e "$rb"; done
  for s in knot ord; do measure "$s" pods "rate$ra" "$n"; done
  for s in knot ord; do measure "$s" srv100e "rate$rb" "$n"; done
  stop_all
}

suite_workers() {
  local runs=${1:-3}
  start_server ordw1u; start_server ordw2u
  for n in $(seq 1 "$runs"); do for s in ordw1u ordw2u; do measure "$s" pods max "$n"; done; done
  stop_all
}

suite_profile() {
  start_server ordprof
  measure ordprof mixe max 1
  stop_server ordprof
  ls -la "$OUT/prof"
}

case ${1:-} in
  gen) "$NODE" bench/dns/gen.ts "$OUT" ;;
  matrix) suite_matrix "${2:-3}" ;;
  key) suite_key "${2:-4}" "${3:-8}" ;;
  rate) suite_rate "${2:-1}" ;;
  workers) suite_workers "${2:-3}" ;;
  profile) suite_profile ;;
  one) start_server "$2"; measure "$2" "$3" "$4" "$5" ;;
  compare)
    # knotd on PORT+1 (payload 1232), ordinal on PORT.
    start_server knot; start_server ord
    "$NODE" bench/dns/compare.ts "${SPORT[knot]}" "${SPORT[ord]}" "$OUT" || rc=$?
    exit "${rc:-0}" ;;
  report) "$NODE" bench/dns/report.ts "$RES" ;;
  *) sed -n '2,14p' "$0"; exit 2 ;;
esac
