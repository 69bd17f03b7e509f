#!/usr/bin/env bash
# build-image.sh builds the container image of deploy/Containerfile with
# podman (or buildah): a static binary built here (CGO_ENABLED=0), the host's
# CA certificates and tzdata, no base image pulled.
#   deploy/build-image.sh [tag]     (default tag: statusphere:latest)
set -euo pipefail

tag=${1:-statusphere:latest}
root=$(cd "$(dirname "$0")/.." && pwd)
if command -v podman >/dev/null; then
  build=(podman build)
elif command -v buildah >/dev/null; then
  build=(buildah bud)
else
  echo "build-image: neither podman nor buildah is installed (apt-get install podman)" >&2
  exit 1
fi
certs=/etc/ssl/certs/ca-certificates.crt
zoneinfo=/usr/share/zoneinfo
[[ -f $certs ]] || { echo "build-image: no $certs on this host (apt-get install ca-certificates)" >&2; exit 1; }
[[ -d $zoneinfo ]] || { echo "build-image: no $zoneinfo on this host (apt-get install tzdata)" >&2; exit 1; }

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
(cd "$root" && CGO_ENABLED=0 go build -buildvcs=auto -trimpath -ldflags=-s -o "$ctx/statusphere" ./cmd/statusphere)
cp "$certs" "$ctx/ca-certificates.crt"
cp -RL "$zoneinfo" "$ctx/zoneinfo"
mkdir "$ctx/data"
"${build[@]}" --pull=never -f "$root/deploy/Containerfile" -t "$tag" "$ctx"
