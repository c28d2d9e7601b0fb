#!/usr/bin/env bash
# The README's curl walk-through of `taxpayer-access serve`, end to end: loads two taxpayers into a new database in a
# temporary folder, starts the server on a free loopback port, registers and activates Pat and Acme's owner, signs
# each in with a code by email, has Acme ask for access to Pat's account and Pat approve it, and checks. Stops the
# server with SIGTERM (graceful shutdown). Needs the HTTP trait's build: `swift build --traits HTTP`.
#
#   bash Scripts/http-walkthrough.sh [path/to/taxpayer-access]
set -euo pipefail
TA=$(realpath "${1:-.build/debug/taxpayer-access}")
WORK=$(mktemp -d)
cd "$WORK"
PORT=${PORT:-18080}
API=http://127.0.0.1:$PORT

# The agency's taxpayers, accounts and proofing facts (a filed return, a sign-up letter).
"$TA" taxpayer add --id T1 --id-type SSN --id-number 123-45-6789 --legal-name "Pat Q Client" --kind individual
"$TA" account add --taxpayer T1 --id A1 --type personalIncome
"$TA" taxpayer return --taxpayer T1 --account A1 --period 2025 --amount-due 1234.56
"$TA" taxpayer add --id T2 --id-type FEIN --id-number 04-1234567 --legal-name "Acme Tax Preparers LLC" --kind business
"$TA" account add --taxpayer T2 --id A2 --type withholding
"$TA" taxpayer letter --taxpayer T2 --account A2 --letter-id L0417-2026

"$TA" serve --port "$PORT" >server.log 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "$API/health" >/dev/null && break; sleep 0.2; done

J=(-H 'Content-Type: application/json' -H 'X-CSRF-Protection: 1')
# newest token or code in the mail folder (the outbox worker writes a .eml file per mail within a second)
token() { sleep 2; grep -h -o 'token=[A-Za-z0-9_-]*' $(ls -t taxpayer-access.db-mail/*.eml) | head -1 | cut -d= -f2; }
code() { sleep 2; grep -h -o 'code is [0-9]\{6\}' $(ls -t taxpayer-access.db-mail/*.eml) | head -1 | cut -c9-; }

# 1. Pat registers, proving the amount due on her 2025 return, and activates from the email's link.
curl -s "${J[@]}" $API/api/registrations -d '{"idType":"SSN","idNumber":"123-45-6789","idNumberAgain":"123456789",
  "accountType":"personalIncome","proof":{"kind":"amountDue","amount":"1234.56"},"fullName":"Pat Q Client",
  "phoneNumber":"617-555-0134","pin":"0417","email":"pat@client.example","emailAgain":"pat@client.example",
  "username":"pat.client","password":"Harbor2026q","passwordAgain":"Harbor2026q","securityQuestion":"firstPet",
  "securityAnswer":"Mr. Whiskers","acceptedTerms":true}'; echo
curl -s -o /dev/null -w '%{http_code}\n' "${J[@]}" $API/api/activation -d "{\"token\":\"$(token)\"}"

# 2. She signs in (bearer token for curl), sets up codes by email and enters the code.
PAT=$(curl -s "${J[@]}" $API/api/session -d '{"username":"pat.client","password":"Harbor2026q","bearer":true}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["sessionToken"])')
curl -s -H "Authorization: Bearer $PAT" -H 'Content-Type: application/json' $API/api/session/two-step -d '{"method":"email"}'; echo
curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $PAT" -H 'Content-Type: application/json' \
  $API/api/session/two-step/complete -d "{\"code\":\"$(code)\"}"
curl -s -H "Authorization: Bearer $PAT" $API/api/me; echo

# 3. Acme's owner registers with client management, proving the sign-up letter, and signs in the same way.
curl -s "${J[@]}" $API/api/registrations -d '{"idType":"FEIN","idNumber":"04-1234567","idNumberAgain":"041234567",
  "accountType":"withholding","proof":{"kind":"letterID","letterID":"L0417-2026"},"fullName":"Alex Owner",
  "phoneNumber":"617-555-0199","pin":"2468","email":"alex@acme.example","emailAgain":"alex@acme.example",
  "username":"acme.owner","password":"Ledger4Acme","passwordAgain":"Ledger4Acme","securityQuestion":"firstCar",
  "securityAnswer":"Volvo","clientManagement":true,"acceptedTerms":true}'; echo
curl -s -o /dev/null -w '%{http_code}\n' "${J[@]}" $API/api/activation -d "{\"token\":\"$(token)\"}"
ACME=$(curl -s "${J[@]}" $API/api/session -d '{"username":"acme.owner","password":"Ledger4Acme","bearer":true}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["sessionToken"])')
curl -s -o /dev/null -H "Authorization: Bearer $ACME" -H 'Content-Type: application/json' $API/api/session/two-step -d '{"method":"email"}'
curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ACME" -H 'Content-Type: application/json' \
  $API/api/session/two-step/complete -d "{\"code\":\"$(code)\"}"

# 4. Acme asks for File and Pay on Pat's A1; Pat approves at View Only.
curl -s -H "Authorization: Bearer $ACME" $API/api/accounts/A1/actions/view; echo
curl -s -H "Authorization: Bearer $ACME" -H 'Content-Type: application/json' $API/api/access-requests \
  -d '{"idType":"SSN","idNumber":"123-45-6789","legalName":"PAT Q. CLIENT","accounts":{"A1":"fileAndPay"}}'; echo
REQUEST=$(curl -s -H "Authorization: Bearer $PAT" $API/api/access-requests/pending |
  python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $PAT" -H 'Content-Type: application/json' \
  $API/api/access-requests/$REQUEST/approve -d '{"levels":{"A1":"viewOnly"}}'

# 5. The check: Acme may view A1, not file on it; who has access to Pat.
curl -s -H "Authorization: Bearer $ACME" $API/api/accounts/A1/actions/view; echo
curl -s -H "Authorization: Bearer $ACME" $API/api/accounts/A1/actions/file; echo
curl -s -H "Authorization: Bearer $PAT" $API/api/taxpayers/T1/access; echo

kill -TERM $SERVER
wait $SERVER
trap - EXIT
grep -q 'GET /api/taxpayers/T1/access 200' server.log
echo "walk-through done in $WORK"
