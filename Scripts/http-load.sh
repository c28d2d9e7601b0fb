#!/usr/bin/env bash
# Load on `taxpayer-access serve` with wrk (Debian): a new database in a temporary folder with one taxpayer and one
# logon signed in with a code by email, then wrk against liveness, the authenticated access-check route and the
# sign-in route, each for DURATION on loopback, with latency percentiles (Documentation/Benchmarks.md). Build the
# server in release mode first: `swift build -c release --traits HTTP --product taxpayer-access`.
#
#   bash Scripts/http-load.sh [path/to/taxpayer-access] [duration, default 10s] [connections, default 8]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TA=$(realpath "${1:-.build/release/taxpayer-access}")
DURATION=${2:-10s}
CONNECTIONS=${3:-8}
WORK=$(mktemp -d)
cd "$WORK"
PORT=${PORT:-18100}
API=http://127.0.0.1:$PORT

# Pat, signed in with a code by email (PAT), and the server (SERVER) on PORT.
source "$HERE/http-signed-in.sh"

# A trusted device (RULES A6), so a sign-in is the password alone: no code is sent, and the send limit (A4) is not
# what gets measured.
SECOND=$(curl -fs "${J[@]}" $API/api/session -d '{"username":"pat.client","password":"Harbor2026q","bearer":true}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["sessionToken"])')
DEVICE=$(curl -fs -H "Authorization: Bearer $SECOND" -H 'Content-Type: application/json' $API/api/session/verify \
    -d "{\"code\":\"$(code)\",\"trustDevice\":true}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["deviceToken"])')
cat >login.lua <<LUA
wrk.method = "POST"
wrk.body = '{"username":"pat.client","password":"Harbor2026q","bearer":true,"deviceToken":"$DEVICE"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-CSRF-Protection"] = "1"
LUA
echo "=== GET /health"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$API/health"
echo "=== GET /api/accounts/A1/actions/view (bearer; the check allows)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $PAT" "$API/api/accounts/A1/actions/view"
# One connection: RULES A2 counts a sign-in try before its slow check, so more concurrent sign-ins of one logon than
# the lockout threshold lock it (401) — the rule working, not a load figure.
echo "=== POST /api/session (password sign-in, Argon2id at the policy's cost; one connection)"
wrk -t1 -c1 -d"$DURATION" --latency -s login.lua "$API/api/session"
kill -TERM $SERVER
wait $SERVER
trap - EXIT
