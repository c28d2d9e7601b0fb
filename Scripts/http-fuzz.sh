#!/usr/bin/env bash
# Fuzzes `taxpayer-access serve` against its own OpenAPI document with schemathesis (PyPI): a new database in a
# temporary folder with one taxpayer, the server on a loopback port, one logon registered, activated and signed in
# with a code by email (its bearer token is sent with every case, so the signed-in routes are reached), then a
# bounded number of cases per operation. Fails on any 5xx, and on any answer whose status, content type or body the
# document does not describe. Needs the HTTP trait's build and `pip install schemathesis`.
#
#   bash Scripts/http-fuzz.sh [path/to/taxpayer-access] [max examples per operation, default 20]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TA=$(realpath "${1:-.build/debug/taxpayer-access}")
MAX_EXAMPLES=${2:-20}
WORK=$(mktemp -d)
cd "$WORK"
PORT=${PORT:-18090}
API=http://127.0.0.1:$PORT

# Pat, signed in with a code by email (PAT), and the server (SERVER) on PORT.
source "$HERE/http-signed-in.sh"

# Signing out would end the token every later case uses: that one operation is left to the HTTP tests. Every route
# that takes one of Pat's secrets can lock Pat out when fuzzed (A2: wrong current passwords under /api/me/, wrong
# codes under /api/session/, and sign-ins, which may be as pat.client, a username GET /api/me shows), and a
# lock-out ends Pat's sessions — so those run last, in a second pass: in one pass, the guesses signed Pat out and
# every signed-in route after them was fuzzed as a stranger (401 only).
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance
schemathesis run "$API/openapi.json" --max-examples "$MAX_EXAMPLES" --checks "$CHECKS" \
    -H "Authorization: Bearer $PAT" --exclude-operation-id delete_session --exclude-path-regex '^/api/(me/|session)'
signed_in=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $PAT" "$API/api/me")
if [ "$signed_in" != 200 ]; then echo "the first pass ended Pat's session (GET /api/me: $signed_in)"; exit 1; fi
schemathesis run "$API/openapi.json" --max-examples "$MAX_EXAMPLES" --checks "$CHECKS" \
    -H "Authorization: Bearer $PAT" --exclude-operation-id delete_session --include-path-regex '^/api/(me/|session)'
kill -TERM $SERVER
wait $SERVER
trap - EXIT
if grep -q 'error' server.log; then grep 'error' server.log; exit 1; fi
echo "fuzzing done in $WORK"
