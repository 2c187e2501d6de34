#!/usr/bin/env bash
# npm run image [-- --local-base] [-- --tag TAG]
# Builds the container image from ./Dockerfile with podman (or docker), named as
# deploy/kustomization.yaml names it and tagged with the package version, so the image, the
# package and deploy/ agree. Prints the image reference on the last line.
#   --local-base  make the Node base image from Debian packages first (scripts/image-base.sh),
#                 for machines with no container registry; the build then never pulls.
#   --tag TAG     another tag than the package version.
set -euo pipefail
cd "$(dirname "$0")/.."

local_base=0
tag=""
while (($#)); do
  case $1 in
    --local-base) local_base=1 ;;
    --tag) tag=${2:?--tag needs a value}; shift ;;
    *) echo "usage: npm run image -- [--local-base] [--tag TAG]" >&2; exit 2 ;;
  esac
  shift
done

name=$(sed -n 's/^ *newName: *//p' deploy/kustomization.yaml)
version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json)
tag=${tag:-$version}
base=$(sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile)
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ "$commit" = unknown ] || git diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"

if command -v podman >/dev/null; then
  # chroot isolation builds without an OCI runtime, which is all some sandboxes allow.
  build=(podman build --isolation chroot)
elif command -v docker >/dev/null; then
  build=(docker build)
else
  echo "image: podman or docker is required" >&2
  exit 1
fi
if ((local_base)); then
  bash scripts/image-base.sh "$base"
  build+=(--pull=never)
fi
"${build[@]}" --build-arg "ORDINAL_COMMIT=$commit" -t "$name:$tag" -f Dockerfile . >&2
echo "$name:$tag"
