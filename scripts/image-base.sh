#!/usr/bin/env bash
# Make the Node 24 slim base image locally, for machines that cannot reach a container registry
# (this project's CI). The result is tagged with the very name the Dockerfile uses, so the
# Dockerfile stays the standard one that users build against the real registry.
#
# The root filesystem is Debian bookworm's minbase from Debian's packages (mmdebstrap, with the
# machine's apt sources), plus what the official image adds on top: the Node binary in
# /usr/local/bin (here the one the npm package `node` ships, already in node_modules), npm in
# /usr/local/lib/node_modules (from the npm registry) and the user `node` (uid/gid 1000).
# The root filesystem is cached in $ORDINAL_IMAGE_CACHE (default ~/.cache/ordinal/image).
#
# Usage: scripts/image-base.sh IMAGE_NAME     e.g. docker.io/library/node:24-bookworm-slim
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: $0 IMAGE_NAME}
cache=${ORDINAL_IMAGE_CACHE:-$HOME/.cache/ordinal/image}
node_bin=$(readlink -f node_modules/.bin/node)
[ -x "$node_bin" ] || { echo "image-base: node_modules/.bin/node is missing: run npm ci first" >&2; exit 1; }
node_version=$("$node_bin" --version)
npm_version=${ORDINAL_IMAGE_NPM_VERSION:-11}
for tool in mmdebstrap podman; do
  command -v "$tool" >/dev/null || { echo "image-base: $tool is required (apt-get install -y mmdebstrap podman)" >&2; exit 1; }
done

mkdir -p "$cache"
rootfs=$cache/bookworm-minbase-node-$node_version.tar
if [ ! -s "$rootfs" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  npm pack --silent "npm@$npm_version" --pack-destination "$work" >/dev/null
  mkdir "$work/npm" && tar -xzf "$work"/npm-*.tgz -C "$work/npm" --strip-components=1
  echo "image-base: debootstrapping bookworm minbase with $node_version" >&2
  # The hooks run on the host with the new root in "$1".
  mmdebstrap --variant=minbase --quiet \
    --customize-hook="install -D -m 0755 '$node_bin' \"\$1/usr/local/bin/node\"" \
    --customize-hook="mkdir -p \"\$1/usr/local/lib/node_modules\" && cp -a '$work/npm' \"\$1/usr/local/lib/node_modules/npm\"" \
    --customize-hook='ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm" && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"' \
    --customize-hook='chroot "$1" groupadd --gid 1000 node && chroot "$1" useradd --uid 1000 --gid node --shell /bin/bash --create-home node' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*' \
    bookworm "$rootfs.partial.tar"
  mv "$rootfs.partial.tar" "$rootfs"
fi
# The builds' npm must trust what this machine trusts: where the machine reaches the registry
# through a TLS-intercepting proxy, its CA bundle goes into this local stand-in of the base (and
# so into images built on it here), never into the Dockerfile. Added at import time so a changed
# bundle is always current.
ca=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change "ENV NODE_VERSION=${node_version#v}" --change 'CMD ["node"]')
tarball=$rootfs
work=${work:-$(mktemp -d)}
trap 'rm -rf "$work"' EXIT
extra=()
# The official image has Node's headers in /usr/local/include/node, which the build stage compiles
# the UDP addon against. The npm package `node` ships none, so the stand-in takes this machine's
# (Debian's nodejs headers): Node-API is ABI-stable, so older headers build an addon Node 24 loads.
headers=${ORDINAL_NODE_HEADERS:-/usr/include/node}
if [ -f "$headers/node_api.h" ]; then
  mkdir -p "$work/extra/usr/local/include"
  cp -rL "$headers" "$work/extra/usr/local/include/node"
  extra+=(usr/local/include/node)
fi
if [ -n "$ca" ] && [ "$ca" != null ] && [ -s "$ca" ]; then
  mkdir -p "$work/extra/usr/local/share/ordinal-build"
  cp "$ca" "$work/extra/usr/local/share/ordinal-build/ca-bundle.crt"
  extra+=(usr/local/share/ordinal-build/ca-bundle.crt)
  changes+=(--change 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ordinal-build/ca-bundle.crt')
fi
if ((${#extra[@]})); then
  cp "$rootfs" "$work/rootfs.tar"
  tar --append -f "$work/rootfs.tar" -C "$work/extra" "${extra[@]}"
  tarball=$work/rootfs.tar
fi
podman image rm -f "$name" >/dev/null 2>&1 || true
podman import --quiet "${changes[@]}" "$tarball" "$name" >/dev/null
echo "image-base: $name from $rootfs" >&2
