#!/usr/bin/env bash
# Fuzzes `taxpayer-access serve` against its own OpenAPI document with schemathesis (PyPI): a new database in a
# temporary folder with one taxpayer, the server on a loopback port, one logon registered, activated and signed in
# with a code by email (its bearer token is sent with every case, so the signed-in routes are reached), then a
# bounded number of cases per operation. Fails on any 5xx, and on any answer whose status, content type or body the
# document does not describe. Needs the HTTP trait's build and `pip install schemathesis`.
#
#   bash Scripts/http-fuzz.sh [path/to/taxpayer-access] [max examples per operation, default 20]
set -euo pipefail
TA=$(realpath "${1:-.build/debug/taxpayer-access}")
MAX_EXAMPLES=${2:-20}
WORK=$(mktemp -d)
cd "$WORK"
PORT=${PORT:-18090}
API=http://127.0.0.1:$PORT

"$TA" taxpayer add --id T1 --id-type SSN --id-number 123-45-6789 --legal-name "Pat Q Client" --kind individual
"$TA" account add --taxpayer T1 --id A1 --type personalIncome
"$TA" taxpayer return --taxpayer T1 --account A1 --period 2025 --amount-due 1234.56
"$TA" serve --port "$PORT" >server.log 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$API/health" >/dev/null && break; sleep 0.2; done

J=(-H 'Content-Type: application/json' -H 'X-CSRF-Protection: 1')
token() { sleep 2; grep -h -o 'token=[A-Za-z0-9_-]*' $(ls -t taxpayer-access.db-mail/*.eml) | head -1 | cut -d= -f2; }
code() { sleep 2; grep -h -o 'code is [0-9]\{6\}' $(ls -t taxpayer-access.db-mail/*.eml) | head -1 | cut -c9-; }
curl -fs "${J[@]}" $API/api/registrations -o /dev/null -d '{"idType":"SSN","idNumber":"123-45-6789",
  "idNumberAgain":"123456789","accountType":"personalIncome","proof":{"kind":"amountDue","amount":"1234.56"},
  "fullName":"Pat Q Client","phoneNumber":"617-555-0134","pin":"0417","email":"pat@client.example",
  "emailAgain":"pat@client.example","username":"pat.client","password":"Harbor2026q","passwordAgain":"Harbor2026q",
  "securityQuestion":"firstPet","securityAnswer":"Mr. Whiskers","acceptedTerms":true}'
curl -fs "${J[@]}" $API/api/activation -d "{\"token\":\"$(token)\"}"
PAT=$(curl -fs "${J[@]}" $API/api/session -d '{"username":"pat.client","password":"Harbor2026q","bearer":true}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["sessionToken"])')
A=(-H "Authorization: Bearer $PAT" -H 'Content-Type: application/json')
curl -fs "${A[@]}" $API/api/session/two-step -o /dev/null -d '{"method":"email"}'
curl -fs "${A[@]}" $API/api/session/two-step/complete -d "{\"code\":\"$(code)\"}"

# Signing out would end the token every later case uses: that one operation is left to the HTTP tests.
schemathesis run "$API/openapi.json" --max-examples "$MAX_EXAMPLES" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    -H "Authorization: Bearer $PAT" --exclude-operation-id delete_session
kill -TERM $SERVER
wait $SERVER
trap - EXIT
if grep -q 'error' server.log; then grep 'error' server.log; exit 1; fi
echo "fuzzing done in $WORK"
