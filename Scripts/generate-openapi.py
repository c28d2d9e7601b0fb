#!/usr/bin/env python3
# Writes Sources/TaxpayerAccessHummingbird/Resources/openapi.json, the OpenAPI 3.1 document of the HTTP routes
# (Documentation/HTTP.md): python3 Scripts/generate-openapi.py > Sources/TaxpayerAccessHummingbird/Resources/openapi.json
import json
S = lambda **p: {"type": "object", "properties": p}
def obj(required, **props):
    return {"type": "object", "required": required, "properties": props, "additionalProperties": True}
string = {"type": "string"}
nstring = {"type": ["string", "null"]}
boolean = {"type": "boolean"}
integer = {"type": "integer"}
datetime = {"type": "string", "format": "date-time"}
level = {"type": "string", "enum": ["none", "viewOnly", "fileAndPay", "allAccess"]}
levels = {"type": "object", "additionalProperties": level}
ref = lambda n: {"$ref": f"#/components/schemas/{n}"}

schemas = {
 "Problem": obj(["type", "title", "status", "code"], type=string, title=string, status=integer, detail=string, code=string, field=string),
 "Registration": obj(["idType","idNumber","idNumberAgain","accountType","proof","fullName","phoneNumber","pin","email","emailAgain","username","password","passwordAgain","securityAnswer","acceptedTerms"],
    idType={"type":"string","enum":["SSN","ITIN","FEIN"]}, idNumber=string, idNumberAgain=string, accountType=string,
    proof=obj(["kind"], kind={"type":"string","enum":["amountDue","refund","lineItem","letterID"]}, amount=string, name=string, letterID=string),
    fullName=string, phoneCountryCode=string, phoneType={"type":"string","enum":["mobile","landline","work"]}, phoneNumber=string, pin=string,
    email=string, emailAgain=string, username=string, password=string, passwordAgain=string,
    securityQuestion={"type":"string","enum":["firstPet","motherMaidenName","birthCity","firstSchool","favouriteTeacher","firstCar","childhoodStreet"]},
    securityAnswer=string, clientManagement=boolean, acceptedTerms=boolean),
 "Receipt": obj(["registration","confirmationNumber","submittedAt","approved"], registration=string, confirmationNumber=string, submittedAt=datetime, approved=boolean),
 "Preview": obj(["role","message"], role=string, accountType=string, level=string, message=string),
 "Token": obj(["token"], token=string),
 "Login": obj(["username","password"], username=string, password=string, bearer=boolean, deviceToken=string),
 "Method": obj(["kind","destination"], kind={"type":"string","enum":["email","text","authenticator"]}, destination=string),
 "LoginAnswer": obj(["stage","methods"], stage={"type":"string","enum":["awaitingCode","awaitingTwoStepSetup","authenticated"]}, codeMethod=string, codeSentTo=string, methods={"type":"array","items":ref("Method")}, sessionToken=string),
 "SendCode": obj([], method={"type":"string","enum":["email","text","authenticator"]}),
 "Sent": obj(["sentTo"], sentTo=string),
 "Verify": obj(["code"], code=string, trustDevice=boolean),
 "Verified": obj(["stage"], stage=string, deviceToken=string),
 "Setup": obj(["method"], method={"type":"string","enum":["email","otherEmail","text","authenticator"]}, email=string, countryCode=string, number=string, algorithm={"type":"string","enum":["SHA1","SHA256","SHA512"]}),
 "Challenge": obj(["kind"], kind=string, codeSentTo=string, secret=string, provisioningURI=string),
 "Code": obj(["code"], code=string),
 "Me": obj(["logon","username","fullName","stage","methods","roles"], logon=string, username=string, fullName=string, stage=string,
    methods={"type":"array","items":ref("Method")},
    roles={"type":"array","items":obj(["taxpayer","legalName","maskedID","relationship","accounts"], taxpayer=string, legalName=string, maskedID=string, relationship=string, parent=string,
        accounts={"type":"array","items":obj(["account","type","level"], account=string, type=string, level=string)})}),
 "Message": obj(["id","subject","body","createdAt","read"], id=string, subject=string, body=string, createdAt=datetime, read=boolean),
 "Inbox": obj(["unread","messages"], unread=integer, messages={"type":"array","items":ref("Message")}),
 "AccessRequestBody": obj(["idType","idNumber","legalName"], idType={"type":"string","enum":["SSN","ITIN","FEIN"]}, idNumber=string, legalName=string, accounts=levels, choices=levels, channel={"type":"string","enum":["online","printedForm"]}),
 "TaxpayerMatch": obj(["idType","idNumber","legalName"], idType={"type":"string","enum":["SSN","ITIN","FEIN"]}, idNumber=string, legalName=string),
 "Requestable": obj(["choice","type","maskedNumber"], choice=string, type=string, maskedNumber=string),
 "Authorization": obj(["printableAuthorization"], printableAuthorization=string),
 "CancelOwn": obj([], accounts={"type":["array","null"],"items":string}, all=boolean),
 "MyAccessRequest": obj(["id","confirmationNumber","taxpayer","accounts","channel","status","createdAt","expiresAt"], id=string, confirmationNumber=string, taxpayer=string, accounts={"type":"array","items":obj(["maskedNumber","level"], maskedNumber=string, level=level)}, channel=string, status=string, createdAt=datetime, expiresAt=datetime),
 "RegistrationReview": obj(["registration","confirmationNumber","logon","taxpayer","provedAccount","status","submittedAt"], registration=string, confirmationNumber=string, logon=string, username=string, fullName=string, taxpayer=string, provedAccount=string, status={"type":"string","enum":["submitted","approved","rejected"]}, submittedAt=datetime, decidedAt=datetime),
 "PrintedDecision": obj(["approve"], approve=boolean, levels=levels),
 "AgencyEmail": obj(["username","newEmail"], username=string, newEmail=string),
 "Correspondence": obj(["notified"], notified={"type":"array","items":string}),
 "RequestReceipt": obj(["request","confirmationNumber","expiresAt"], request=string, confirmationNumber=string, expiresAt=datetime, printableAuthorization=string),
 "AccessRequest": obj(["id","confirmationNumber","thirdParty","taxpayer","accounts","channel","status","createdAt","expiresAt"], id=string, confirmationNumber=string, thirdParty=string, taxpayer=string, accounts=levels, channel=string, status=string, createdAt=datetime, expiresAt=datetime),
 "Levels": obj(["levels"], levels=levels),
 "OptionalLevels": obj([], levels=levels),
 "Level": obj([], level={"type":["string","null"],"enum":["none","viewOnly","fileAndPay","allAccess",None]}),
 "Grant": obj(["logon","levels"], logon=string, levels=levels),
 "Holder": obj(["logon","fullName","routes","accounts"], logon=string, fullName=string, routes={"type":"array","items":obj(["kind"], kind={"type":"string","enum":["masterAdministrator","taxAdministrator","thirdParty","secondary"]}, parent=string)}, accounts=levels),
 "Client": obj(["taxpayer","legalName","maskedTaxID","isOwnBusiness","isFavourite","accounts"], taxpayer=string, legalName=string, maskedTaxID=string, isOwnBusiness=boolean, isFavourite=boolean, accounts=levels),
 "Favourite": obj(["favourite"], favourite=boolean),
 "Check": obj(["account","action","allowed"], account=string, action=string, allowed=boolean),
 "Email": obj(["email"], email=string),
 "Username": obj(["username"], username=string),
 "Question": obj([], securityQuestion=string, text=string),
 "Reset": obj(["token","newPassword","confirmation"], token=string, securityAnswer=string, newPassword=string, confirmation=string),
 "ChangePassword": obj(["currentPassword","newPassword","confirmation"], currentPassword=string, newPassword=string, confirmation=string),
 "ChangeEmail": obj(["currentPassword","newEmail","confirmation"], currentPassword=string, newEmail=string, confirmation=string),
 "ChangePIN": obj(["currentPassword","newPIN","confirmation"], currentPassword=string, newPIN=string, confirmation=string),
 "Secondary": obj(["fullName","email","accessType"], fullName=string, email=string, accessType={"type":"string","enum":["masterAdministrator","taxAdministrator"]}, cap=level, accountTypes={"type":"array","items":string}, groups={"type":"array","items":string}),
 "Completion": obj(["token","username","password"], token=string, username=string, password=string),
 "Logon": obj(["logon"], logon=string),
 "SecondaryLogon": obj(["logon","username","fullName","status"], logon=string, username=string, fullName=string, status=string),
 "Group": obj(["id","name","isDefault"], id=string, name=string, isDefault=boolean),
 "GroupBody": obj(["name"], name=string),
 "Groups": obj(["groups"], groups={"type":"array","items":string}),
 "AccessType": obj(["accessType"], accessType={"type":"string","enum":["masterAdministrator","taxAdministrator"]}, cap=level),
 "AccountTypes": obj([], accountTypes={"type":["array","null"],"items":string}),
 "TaxpayerBody": obj(["taxpayer"], taxpayer=string),
 "ChangePhone": obj(["currentPassword","number"], currentPassword=string, countryCode=string, type={"type":"string","enum":["mobile","landline","work"]}, number=string),
 "ChangeQuestion": obj(["currentPassword","question","answer"], currentPassword=string, question={"type":"string","enum":["firstPet","motherMaidenName","birthCity","firstSchool","favouriteTeacher","firstCar","childhoodStreet"]}, answer=string),
 "AddMethod": obj(["currentPassword","method"], currentPassword=string, method={"type":"string","enum":["email","otherEmail","text","authenticator"]}, email=string, countryCode=string, number=string, algorithm={"type":"string","enum":["SHA1","SHA256","SHA512"]}),
 "CurrentPassword": obj(["currentPassword"], currentPassword=string),
}

schemas["AccessRequestBody"]["description"] = "Exactly one of accounts (by id) and choices (by the choices POST /api/access-requests/accounts listed)."

problem = {"description": "A refusal or failure (RFC 9457; Documentation/Errors.md).", "content": {"application/problem+json": {"schema": ref("Problem")}}}
def responses(ok_status, ok_schema=None, desc="OK", array=False):
    r = {}
    if ok_schema is None:
        r[str(ok_status)] = {"description": desc}
    else:
        sch = {"type":"array","items":ref(ok_schema)} if array else ref(ok_schema)
        r[str(ok_status)] = {"description": desc, "content": {"application/json": {"schema": sch}}}
    r["default"] = problem
    return r

paths = {}
def op(method, path, summary, tag, body=None, ok=200, out=None, array=False, auth=True, params=(), operator=False):
    o = {"summary": summary, "tags": [tag], "operationId": (method + path.replace("/api", "").replace("/", "_").replace("{", "").replace("}", "").replace("-", "_")),
         "responses": responses(ok, out, array=array)}
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    if operator:
        o["security"] = [{"operatorToken": []}]
    elif not auth:
        o["security"] = [{}] if method == "get" else [{"csrfHeader": []}]
    elif method != "get":
        o["security"] = [{"bearer": []}, {"sessionCookie": [], "csrfHeader": []}]
    ps = [{"name": p, "in": "path", "required": True, "schema": (string if p != "action" else {"type":"string","enum":["view","file","pay","amend","manageAccount"]})} for p in params]
    if ps: o["parameters"] = ps
    paths.setdefault(path, {})[method] = o

op("get", "/health", "Liveness", "server", ok=204, auth=False)
op("post", "/api/registrations", "Create My Logon (RULES R1–R12)", "identity", "Registration", 201, "Receipt", auth=False)
op("post", "/api/registrations/preview", "What a registration would make of the applicant (R11)", "identity", "Registration", 200, "Preview", auth=False)
op("post", "/api/activation", "Redeem the activation link's token (R12)", "identity", "Token", 204, auth=False)
op("post", "/api/recovery/username", "Forgotten username: mail it (V1)", "identity", "Email", 202, auth=False)
op("post", "/api/recovery/password", "Forgotten password: mail a reset link (V1)", "identity", "Username", 202, auth=False)
op("post", "/api/recovery/reset/question", "The security question of a reset link (V2)", "identity", "Token", 200, "Question", auth=False)
op("post", "/api/recovery/reset", "Set a new password with a reset link (V2)", "identity", "Reset", 204, auth=False)
op("post", "/api/secondary-completion", "Complete a secondary logon from its link (S2)", "identity", "Completion", 201, "Logon", auth=False)
op("post", "/api/session", "Sign in with username and password (A1, A2, A6)", "session", "Login", 200, "LoginAnswer", auth=False)
op("delete", "/api/session", "Sign out (A7)", "session", ok=204)
op("post", "/api/session/code", "Send a security code (A3, A4)", "session", "SendCode", 200, "Sent")
op("post", "/api/session/verify", "Enter the security code (A4, A6)", "session", "Verify", 200, "Verified")
op("post", "/api/session/two-step", "Begin setting up two-step verification (R12, A3, A8)", "session", "Setup", 200, "Challenge")
op("post", "/api/session/two-step/complete", "Finish setting up two-step verification", "session", "Code", 204)
op("get", "/api/me", "Who am I: logon, stage, methods, roles and rights (P3)", "profile", ok=200, out="Me")
op("post", "/api/me/password", "Change the password (P1)", "profile", "ChangePassword", 204)
op("post", "/api/me/email", "Change the email (P1)", "profile", "ChangeEmail", 204)
op("post", "/api/me/pin", "Change the PIN (P1)", "profile", "ChangePIN", 204)
op("post", "/api/me/phone", "Change the phone number (P1)", "profile", "ChangePhone", 204)
op("post", "/api/me/security-question", "Change the security question (P1)", "profile", "ChangeQuestion", 204)
op("post", "/api/me/two-step-methods", "Add a two-step method (P1, A3, A8)", "profile", "AddMethod", 200, "Challenge")
op("post", "/api/me/two-step-methods/confirm", "Confirm the method being added with its code (P1)", "profile", "Code", 204)
op("post", "/api/me/delete", "Delete My Profile: every role, grant and membership ends; no sign-in again (P2)", "profile", "CurrentPassword", 204)
paths.setdefault("/api/me/two-step-methods/{kind}/remove", {})["post"] = {"summary": "Remove a two-step method (P1)", "tags": ["profile"], "operationId": "post_me_two_step_methods_kind_remove", "security": [{"bearer": []}, {"sessionCookie": [], "csrfHeader": []}], "parameters": [{"name": "kind", "in": "path", "required": True, "schema": {"type": "string", "enum": ["email", "text", "authenticator"]}}], "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CurrentPassword")}}}, "responses": responses(204)}
op("get", "/api/inbox", "The e-message inbox (N3)", "inbox", ok=200, out="Inbox")
op("post", "/api/inbox/{message}/open", "Open an e-message (N3)", "inbox", ok=200, out="Message", params=["message"])
op("delete", "/api/inbox/{message}", "Delete an e-message (N3)", "inbox", ok=204, params=["message"])
op("post", "/api/access-requests", "Ask a taxpayer for access (X1–X3)", "third parties", "AccessRequestBody", 201, "RequestReceipt")
op("post", "/api/access-requests/accounts", "The accounts of a matched taxpayer the caller may ask for, by choice (X2)", "third parties", "TaxpayerMatch", 200, "Requestable", array=True)
op("get", "/api/access-requests/{request}/authorization", "The printable authorization of the caller's own request (X4)", "third parties", ok=200, out="Authorization", params=["request"])
op("get", "/api/access-requests", "The caller's own requests, accounts masked (X2, X4)", "third parties", ok=200, out="MyAccessRequest", array=True)
op("get", "/api/access-requests/pending", "Requests waiting for the caller's decision (X5)", "third parties", ok=200, out="AccessRequest", array=True)
op("post", "/api/access-requests/{request}/approve", "Approve, at these levels (X5–X7)", "third parties", "Levels", 204, params=["request"])
op("post", "/api/access-requests/{request}/deny", "Deny (X5)", "third parties", ok=204, params=["request"])
op("get", "/api/clients", "The firm's clients (W2)", "third parties", ok=200, out="Client", array=True)
op("put", "/api/clients/{taxpayer}/favourite", "Mark a client as favourite (W2)", "third parties", "Favourite", 204, params=["taxpayer"])
op("post", "/api/clients/{taxpayer}/cancel", "Cancel the caller's own access to a client: the accounts given, or all with `all: true`; an empty body cancels nothing (X9)", "third parties", "CancelOwn", 204, params=["taxpayer"])
op("get", "/api/accounts/{account}/actions/{action}", "Access check: may the caller do this on the account now (L2, L4)", "access", ok=200, out="Check", params=["account","action"])
op("get", "/api/taxpayers/{taxpayer}/access", "Who has access to the taxpayer (M4, W1)", "administration", ok=200, out="Holder", array=True, params=["taxpayer"])
op("put", "/api/taxpayers/{taxpayer}/logons/{logon}/accounts/{account}", "Set a logon's level on an account (M1)", "administration", "Level", 204, params=["taxpayer","logon","account"])
op("post", "/api/taxpayers/{taxpayer}/logons/{logon}/promote", "Promote to Master Administrator (M2)", "administration", ok=204, params=["taxpayer","logon"])
op("post", "/api/taxpayers/{taxpayer}/logons/{logon}/demote", "Demote to Tax Administrator (M2)", "administration", "OptionalLevels", 204, params=["taxpayer","logon"])
op("delete", "/api/taxpayers/{taxpayer}/logons/{logon}", "Cancel a Tax Administrator's access (M3), or, naming the caller itself, its own access (M4)", "administration", ok=204, params=["taxpayer","logon"])
op("post", "/api/taxpayers/{taxpayer}/tax-administrators", "Grant a Tax Administrator (M1)", "administration", "Grant", 204, params=["taxpayer"])
op("put", "/api/taxpayers/{taxpayer}/third-parties/{logon}", "Change a third party's levels (X8)", "administration", "Levels", 204, params=["taxpayer","logon"])
op("delete", "/api/taxpayers/{taxpayer}/third-parties/{logon}", "Cancel a third party's access (X8)", "administration", ok=204, params=["taxpayer","logon"])
op("get", "/api/firm/secondaries", "The firm's secondary logons (S1)", "firm", ok=200, out="SecondaryLogon", array=True)
op("post", "/api/firm/secondaries", "Add a secondary logon (S2)", "firm", "Secondary", 201, "Logon")
op("delete", "/api/firm/secondaries/{logon}", "Cancel a secondary logon (S8)", "firm", ok=204, params=["logon"])
op("put", "/api/firm/secondaries/{logon}/groups", "Set a secondary's security groups (S5)", "firm", "Groups", 204, params=["logon"])
op("put", "/api/firm/secondaries/{logon}/access-type", "Set a secondary's access type and cap (S2)", "firm", "AccessType", 204, params=["logon"])
op("put", "/api/firm/secondaries/{logon}/account-types", "Limit a secondary to account types (S2, S6)", "firm", "AccountTypes", 204, params=["logon"])
op("put", "/api/firm/secondaries/{logon}/refinements/{taxpayer}", "Refine a secondary's levels on a client (S6)", "firm", "Levels", 204, params=["logon","taxpayer"])
op("post", "/api/firm/secondaries/{logon}/deactivate", "Deactivate a secondary (S8)", "firm", ok=204, params=["logon"])
op("post", "/api/firm/secondaries/{logon}/reactivate", "Reactivate a secondary (S8)", "firm", ok=204, params=["logon"])
op("get", "/api/firm/groups", "The firm's security groups (S3)", "firm", ok=200, out="Group", array=True)
op("post", "/api/firm/groups", "Create a security group (S3)", "firm", "GroupBody", 201, "Group")
op("put", "/api/firm/groups/{group}", "Rename a security group (S3)", "firm", "GroupBody", 204, params=["group"])
op("delete", "/api/firm/groups/{group}", "Delete a security group; its clients go back to Default (S3, S4)", "firm", ok=204, params=["group"])
op("post", "/api/firm/groups/{group}/taxpayers", "Move a client into a group (S4)", "firm", "TaxpayerBody", 204, params=["group"])
op("get", "/api/agency/registrations/{confirmation}", "A registration waiting for the agency's review (R10)", "agency", ok=200, out="RegistrationReview", params=["confirmation"], operator=True)
op("post", "/api/agency/registrations/{confirmation}/approve", "The agency approves a registration (R10, R11)", "agency", ok=204, params=["confirmation"], operator=True)
op("post", "/api/agency/registrations/{confirmation}/reject", "The agency rejects a registration (R10)", "agency", ok=204, params=["confirmation"], operator=True)
op("post", "/api/agency/access-requests/{confirmation}/decision", "The taxpayer's signed decision on a printed-form request (X4)", "agency", "PrintedDecision", 204, params=["confirmation"], operator=True)
op("post", "/api/agency/logons/email", "The agency changes the email of a locked-out logon that lost its email (V3)", "agency", "AgencyEmail", 204, operator=True)
op("post", "/api/agency/accounts/{account}/correspondence", "The agency mailed correspondence about an account: its third parties are told (X11)", "agency", ok=200, out="Correspondence", params=["account"], operator=True)
paths["/openapi.json"] = {"get": {"summary": "This document", "tags": ["server"], "operationId": "get_openapi", "security": [{}], "responses": {"200": {"description": "The OpenAPI 3.1 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}}

doc = {
 "openapi": "3.1.0",
 "info": {"title": "TaxpayerAccess portal API", "version": "0.1.0",
   "description": "The JSON API of `taxpayer-access serve` (Documentation/HTTP.md). Every refusal is an RFC 9457 problem (application/problem+json) with the status of Documentation/Errors.md. A state-changing request authenticated by the session cookie, and every unauthenticated one, must send `X-CSRF-Protection: 1`; a bearer request need not."},
 "servers": [{"url": "http://127.0.0.1:8080"}],
 "security": [{"bearer": []}, {"sessionCookie": []}],
 "paths": paths,
 "components": {"schemas": schemas, "securitySchemes": {
   "bearer": {"type": "http", "scheme": "bearer", "description": "The session token of a sign-in with `bearer: true`."},
   "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "__Host-ta_session", "description": "HttpOnly; Secure; SameSite=Strict; Path=/"},
   "operatorToken": {"type": "apiKey", "in": "header", "name": "X-Operator-Token", "description": "An agency operator's token (`taxpayer-access operator add`); the /api/agency routes only."},
   "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRF-Protection", "description": "Any value, e.g. 1 (CSRF defence, Documentation/HTTP.md)."}}},
}
print(json.dumps(doc, indent=2, ensure_ascii=False))
