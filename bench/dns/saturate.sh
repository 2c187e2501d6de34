#!/usr/bin/env bash
# Saturate one server with the batched load generator (loadgen.c), where dnsperf would measure
# itself: ordinal --udp-io batch, ordinal --udp-io dgram and knotd (if installed), each on
# core 1, loadgen on core 0, runs interleaved so drifts in the box's other load hit all alike.
# Server CPU per query comes from /proc/PID/task/*/schedstat (loadgen -P).
#
#   bench/dns/saturate.sh [RUNS] [SECONDS] [MIX]     MIX: pods (default) | srv100e | mixe | srv100tcp
#   QPS=195000 bench/dns/saturate.sh ...              fixed rate (open loop) instead of max mode
#   TICK=100 QPS=98000 bench/dns/saturate.sh 3 10 srv100tcp
#                                                     over TCP (4 pipelined connections), the
#                                                     generator waking at most every TICK µs
# Needs `bench/dns/run.sh gen` first (manifests, zone file and query files in bench/out).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT=${OUT:-$ROOT/bench/out}
RUNS=${1:-3}
SECS=${2:-10}
MIX=${3:-pods}
PORT=${PORT:-26353}
NODE=$ROOT/node_modules/.bin/node
LG=$OUT/loadgen
[ -x "$LG" ] && [ "$LG" -nt bench/dns/loadgen.c ] || cc -O2 -Wall -o "$LG" bench/dns/loadgen.c
case $MIX in
  pods) QARGS=(-d "$OUT/q/pods.txt") ;;
  srv100e) QARGS=(-d "$OUT/q/srv100.txt" -e) ;;
  mixe) QARGS=(-d "$OUT/q/mix.txt" -e) ;;
  # 25 queries in flight per connection, as dnsperf -c 4 -q 100: at 256 a connection holds 1.9 MB
  # of replies, and loopback TCP collapses to ~30k/s for knotd and ordinal alike.
  srv100tcp) QARGS=(-d "$OUT/q/srv100.txt" -e -T ${TICK:+-i "$TICK"}); WINDOW=${WINDOW:-25} ;;
  *) echo "unknown mix $MIX" >&2; exit 2 ;;
esac
[ -f "$OUT/manifests/cluster.json" ] || { echo "run bench/dns/run.sh gen first" >&2; exit 1; }

declare -A PID
stop_all() { for s in "${!PID[@]}"; do kill -INT "${PID[$s]}" 2>/dev/null || true; wait "${PID[$s]}" 2>/dev/null || true; done; }
trap stop_all EXIT
wait_ready() {
  for _ in $(seq 1 120); do
    dig @127.0.0.1 -p "$1" +time=1 +tries=1 +short web-0.web.default.svc.cluster.local A 2>/dev/null | grep -q '^10\.' && return 0
    sleep 0.25
  done
  echo "server on port $1 not ready" >&2; return 1
}

SERVERS=(batch dgram)
declare -A SPORT=([batch]=$PORT [dgram]=$((PORT + 2)) [knot]=$((PORT + 4)))
for io in batch dgram; do
  taskset -c 1 "$NODE" bin/ordinal.js serve --manifests "$OUT/manifests/cluster.json" --dns-listen "127.0.0.1:${SPORT[$io]}" \
    --http-listen 127.0.0.1:0 --log-level warn --udp-io "$io" >"$OUT/saturate-$io.log" 2>&1 &
  PID[$io]=$!
done
if command -v knotd >/dev/null && [ -f "$OUT/knot/cluster.local.zone" ]; then
  mkdir -p "$OUT/knot/sat-run"
  cat >"$OUT/knot/sat.conf" <<CONF
server:
    listen: 127.0.0.1@${SPORT[knot]}
    rundir: $OUT/knot/sat-run
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: warning
database:
    storage: $OUT/knot/sat-run
zone:
  - domain: cluster.local
    storage: $OUT/knot
    file: cluster.local.zone
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
CONF
  taskset -c 1 knotd -c "$OUT/knot/sat.conf" >"$OUT/saturate-knot.log" 2>&1 &
  PID[knot]=$!
  SERVERS+=(knot)
fi
for s in "${SERVERS[@]}"; do wait_ready "${SPORT[$s]}"; done
# knotd pins its UDP worker by itself: re-pin every thread to core 1.
[ -n "${PID[knot]:-}" ] && taskset -a -cp 1 "${PID[knot]}" >/dev/null

# A 3-s warm-up per server, not reported: the JIT and the answer cache, as the dnsperf harnesses do.
for s in "${SERVERS[@]}"; do
  taskset -c 0 timeout 30 "$LG" -s 127.0.0.1 -p "${SPORT[$s]}" "${QARGS[@]}" -l 3 -c 4 -w "${WINDOW:-256}" >/dev/null
done
for n in $(seq 1 "$RUNS"); do
  for s in "${SERVERS[@]}"; do
    echo "run=$n server=$s mix=$MIX${QPS:+ qps_target=$QPS} $(taskset -c 0 timeout $((SECS + 20)) "$LG" -s 127.0.0.1 -p "${SPORT[$s]}" "${QARGS[@]}" -l "$SECS" -c 4 -w "${WINDOW:-256}" ${QPS:+-Q "$QPS"} -P "${PID[$s]}")"
  done
done
