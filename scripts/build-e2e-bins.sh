#!/usr/bin/env bash
# Build the binaries the e2e suites run: kube-apiserver, kube-controller-manager and kubectl
# (k8s.io/kubernetes), etcd (go.etcd.io/etcd/server/v3) and a slim CoreDNS, all from the Go
# module proxy. See /work/shared/reference/control-plane.md §1–3 and §6 for the recipe.
#
# Output goes to a cache outside the repository, keyed by version:
#   $CACHE/k8s-<v>/{kube-apiserver,kube-controller-manager,kubectl}
#   $CACHE/etcd-<v>/etcd
#   $CACHE/coredns-<v>-<template hash>/coredns
#   $CACHE/bin-k8s-<v>-etcd-<v>-coredns-<v>-<hash>/   symlinks to all five (printed on the last line)
# with CACHE=${ORDINAL_E2E_CACHE:-$HOME/.cache/ordinal/e2e}. Generated wrapper modules live in
# $CACHE/src/ and are never part of the repository.
#
# Idempotent: a binary that exists is not rebuilt. Each binary is built under a temporary name and
# renamed into place only after `go build` succeeded, so an interrupted run never counts as done.
#
# Usage: scripts/build-e2e-bins.sh [--print-bin-dir]
set -euo pipefail

K8S_VERSION=${ORDINAL_E2E_K8S_VERSION:-v1.36.3}
ETCD_VERSION=${ORDINAL_E2E_ETCD_VERSION:-v3.6.16}
COREDNS_VERSION=${ORDINAL_E2E_COREDNS_VERSION:-v1.14.7}
CACHE=${ORDINAL_E2E_CACHE:-$HOME/.cache/ordinal/e2e}

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEMPLATES=$HERE/e2e
K8S_DIR=$CACHE/k8s-$K8S_VERSION
ETCD_DIR=$CACHE/etcd-$ETCD_VERSION
# The slim CoreDNS is keyed by its plugin list too, so editing the template rebuilds it.
COREDNS_KEY=$COREDNS_VERSION-$(sha256sum "$TEMPLATES/coredns-main.go.tmpl" | cut -c1-8)
COREDNS_DIR=$CACHE/coredns-$COREDNS_KEY
BIN_DIR=$CACHE/bin-k8s-$K8S_VERSION-etcd-$ETCD_VERSION-coredns-$COREDNS_KEY
TIMES=$CACHE/build-times.log

if [[ ${1:-} == --print-bin-dir ]]; then
  echo "$BIN_DIR"
  exit 0
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--print-bin-dir]" >&2
  exit 2
fi

command -v go >/dev/null || { echo "go is required (Go >= 1.26 for Kubernetes 1.36)" >&2; exit 1; }

export CGO_ENABLED=0
export GOFLAGS=-buildvcs=false

log() { echo "[build-e2e-bins] $*" >&2; }

# record <name> <seconds>: keep cold-build timings next to the binaries for the README.
record() {
  log "$1 built in $2 s"
  echo "$(date -u +%FT%TZ) $1 $2s" >>"$TIMES"
}

# build_one <dest-file> <dir-of-module> <ldflags> <package>
build_one() {
  local dest=$1 mod=$2 ldflags=$3 pkg=$4
  local name tmp start
  name=$(basename "$dest")
  if [[ -x $dest ]]; then
    log "$name: cached at $dest"
    return
  fi
  # Leftovers of an interrupted run are never trusted.
  rm -f "$(dirname "$dest")/.$name.partial."*
  tmp=$(dirname "$dest")/.$name.partial.$$
  start=$SECONDS
  log "$name: building $pkg"
  (cd "$mod" && go build -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg")
  mv -f "$tmp" "$dest"
  record "$name" $((SECONDS - start))
}

# --- Kubernetes ---------------------------------------------------------------------------------
# k8s.io/kubernetes requires its staging modules at v0.0.0 and maps them to ./staging/src, which
# only works inside its own repository. The wrapper replaces every staging module named in the
# downloaded go.mod with its published tag v0.<minor>.<patch> (ref §1.2–1.3).
k8s_wrapper() {
  local src=$CACHE/src/k8s-$K8S_VERSION staging=v0${K8S_VERSION#v1}
  [[ -f $src/.ready ]] && { echo "$src"; return; }
  local gomod start=$SECONDS
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f $gomod ]] || { log "could not find go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  rm -rf "$src" && mkdir -p "$src"
  {
    echo "module ordinal.invalid/e2e/k8s"
    echo
    echo "go 1.26.0"
    echo
    # A dependency's godebug line is ignored; copy upstream's runtime defaults explicitly.
    echo "godebug default=go1.26"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    grep -Eo '^[[:space:]]*k8s\.io/[a-z0-9.-]+ => \./staging/src/k8s\.io/[a-z0-9.-]+' "$gomod" |
      awk -v v="$staging" '{ print "\t" $1 " => " $1 " " v }'
    echo ")"
  } >"$src/go.mod"
  local n
  n=$(grep -c '=> k8s.io/' "$src/go.mod")
  [[ $n -ge 30 ]] || { log "only $n staging replaces derived from $gomod"; exit 1; }
  log "k8s wrapper: $n staging replaces at $staging"
  cp "$TEMPLATES/k8s-tools.go.tmpl" "$src/tools.go"
  (cd "$src" && go mod tidy)
  record "k8s-modules-download" $((SECONDS - start))
  touch "$src/.ready"
  echo "$src"
}

build_k8s() {
  mkdir -p "$K8S_DIR"
  if [[ -x $K8S_DIR/kube-apiserver && -x $K8S_DIR/kube-controller-manager && -x $K8S_DIR/kubectl ]]; then
    log "kubernetes $K8S_VERSION: cached"
    return
  fi
  local src minor ldflags p
  src=$(k8s_wrapper)
  minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  # Same variables hack/lib/version.sh stamps, without the vendor/ prefix (module mode); without
  # them /version and `kubectl version` report v0.0.0-master (ref §1.5).
  ldflags=""
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    ldflags+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  build_one "$K8S_DIR/kube-apiserver" "$src" "$ldflags" k8s.io/kubernetes/cmd/kube-apiserver
  build_one "$K8S_DIR/kube-controller-manager" "$src" "$ldflags" k8s.io/kubernetes/cmd/kube-controller-manager
  build_one "$K8S_DIR/kubectl" "$src" "$ldflags" k8s.io/kubernetes/cmd/kubectl
}

# --- etcd ---------------------------------------------------------------------------------------
# Its own wrapper module so MVS does not mix etcd's and Kubernetes' grpc/otel versions (ref §2.2).
build_etcd() {
  mkdir -p "$ETCD_DIR"
  [[ -x $ETCD_DIR/etcd ]] && { log "etcd $ETCD_VERSION: cached"; return; }
  local src=$CACHE/src/etcd-$ETCD_VERSION
  if [[ ! -f $src/.ready ]]; then
    rm -rf "$src" && mkdir -p "$src"
    printf 'module ordinal.invalid/e2e/etcd\n\ngo 1.24.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' \
      "$ETCD_VERSION" >"$src/go.mod"
    cp "$TEMPLATES/etcd-main.go.tmpl" "$src/main.go"
    local start=$SECONDS
    (cd "$src" && go mod tidy)
    record "etcd-modules-download" $((SECONDS - start))
    touch "$src/.ready"
  fi
  build_one "$ETCD_DIR/etcd" "$src" "" .
}

# --- CoreDNS ------------------------------------------------------------------------------------
build_coredns() {
  mkdir -p "$COREDNS_DIR"
  [[ -x $COREDNS_DIR/coredns ]] && { log "coredns $COREDNS_VERSION: cached"; return; }
  local src=$CACHE/src/coredns-$COREDNS_KEY
  if [[ ! -f $src/.ready ]]; then
    rm -rf "$src" && mkdir -p "$src"
    printf 'module ordinal.invalid/e2e/coredns\n\ngo 1.25.0\n\nrequire github.com/coredns/coredns %s\n' \
      "$COREDNS_VERSION" >"$src/go.mod"
    cp "$TEMPLATES/coredns-main.go.tmpl" "$src/main.go"
    local start=$SECONDS
    (cd "$src" && go mod tidy)
    record "coredns-modules-download" $((SECONDS - start))
    touch "$src/.ready"
  fi
  build_one "$COREDNS_DIR/coredns" "$src" "" .
}

mkdir -p "$CACHE"
total_start=$SECONDS
build_etcd
build_k8s
build_coredns

# check_version <binary> <expected substring> <args...>: a wrong stamp fails the build, not a test.
check_version() {
  local bin=$1 want=$2 got
  shift 2
  # The whole output, not `| head`: under pipefail, head closing early can SIGPIPE the binary and
  # fail the build (exit 141) when the machine is slow.
  got=$("$bin" "$@" 2>&1) || true
  [[ $got == *"$want"* ]] || { log "$bin reports '${got:0:300}', expected $want"; exit 1; }
}
check_version "$K8S_DIR/kube-apiserver" "$K8S_VERSION" --version
check_version "$K8S_DIR/kube-controller-manager" "$K8S_VERSION" --version
check_version "$K8S_DIR/kubectl" "$K8S_VERSION" version --client
check_version "$ETCD_DIR/etcd" "${ETCD_VERSION#v}" --version
check_version "$COREDNS_DIR/coredns" "${COREDNS_VERSION#v}" -version
plugins=$("$COREDNS_DIR/coredns" -plugins)
for p in kubernetes forward errors log cache ready health prometheus reload loop bind transfer; do
  grep -qx "[[:space:]]*$p" <<<"$plugins" || { log "coredns lacks plugin $p"; exit 1; }
done

mkdir -p "$BIN_DIR"
for f in "$K8S_DIR/kube-apiserver" "$K8S_DIR/kube-controller-manager" "$K8S_DIR/kubectl" \
  "$ETCD_DIR/etcd" "$COREDNS_DIR/coredns"; do
  ln -sfn "$f" "$BIN_DIR/$(basename "$f")"
done
log "done in $((SECONDS - total_start)) s"
echo "$BIN_DIR"
