#!/usr/bin/env bash
# bench_emulator.sh - how fast graph-emulator is (it must never be what limits
# a benchmark): 1,000,000-user tenant generation time, and small-request
# throughput with wrk (--limits off, no latency) on loopback.
#
#   tests/bench/bench_emulator.sh [PATH-TO-graph-emulator] [SECONDS]
#
# Not run in CI. Needs wrk and curl.
set -euo pipefail

EMU=${1:-build/tests/emulator/graph-emulator}
DURATION=${2:-10}
TENANT=5f1c2b3a-7e6d-4c5b-9a8f-000000e1a1c0
CLIENT=8d4e3f2a-1b0c-4d9e-8f7a-000000c11e47
WORK=$(mktemp -d)
PID=
cleanup() {
	if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT

echo "== 1,000,000-user tenant generation"
start=$(date +%s.%N)
"$EMU" --users 1000000 --no-serve 2>&1 | sed 's/^/   /'
end=$(date +%s.%N)
printf '   wall time including exit: %.2f s\n' "$(echo "$end - $start" | bc)"

echo "== small requests with wrk (--limits off, 1,000 users, ${DURATION}s)"
"$EMU" --users 1000 --limits off --port 0 --port-file "$WORK/port" >/dev/null 2>&1 &
PID=$!
for _ in $(seq 1 500); do [ -s "$WORK/port" ] && break; sleep 0.01; done
PORT=$(cat "$WORK/port")
BASE=http://127.0.0.1:$PORT
TOKEN=$(curl -sf -X POST "$BASE/$TENANT/oauth2/v2.0/token" -d grant_type=client_credentials \
	-d client_id=$CLIENT -d client_secret=emulator-secret \
	--data-urlencode scope=https://graph.microsoft.com/.default |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
USER_ID=$(curl -sf "$BASE/v1.0/users?\$top=1&\$select=id" -H "Authorization: Bearer $TOKEN" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["value"][0]["id"])')

run() {
	echo "-- $1"
	shift
	wrk "$@" | sed 's/^/   /'
}
run "GET /beta/users/{id}/authentication/requirements (token checked, JSON body)" \
	-t1 -c64 -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
	"$BASE/beta/users/$USER_ID/authentication/requirements"
run "GET /_emulator/health (no token)" -t1 -c64 -d"${DURATION}s" "$BASE/_emulator/health"
run "GET /v1.0/users?\$top=999&\$select=id,userPrincipalName,perUserMfaState (a full page)" \
	-t1 -c16 -d"${DURATION}s" -H "Authorization: Bearer $TOKEN" \
	"$BASE/v1.0/users?\$top=999&\$select=id,userPrincipalName,perUserMfaState"
