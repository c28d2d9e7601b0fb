# Sourced by Scripts/http-fuzz.sh and Scripts/http-load.sh, from an empty working folder, with TA (the binary), PORT and
# API set: loads one taxpayer (Pat, SSN 123-45-6789, a filed return to prove), starts `taxpayer-access serve` on PORT
# (SERVER: its pid; stopped on exit), registers and activates Pat, and signs Pat in with a code by email. Leaves PAT
# (the bearer session token), J and A (curl's headers without and with it), and the functions `token` and `code`
# (the newest link token and security code in the mail folder).
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
