#if HTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessTesting

/// The main flows end to end over real HTTP on loopback (HummingbirdTesting's `.live` framework: a real socket).
@Suite("HTTP flows over loopback")
struct HTTPFlowTests {
    static var pat: [String: Any] {
        application(
            idType: "SSN", idNumber: Cast.patSSN, accountType: "personalIncome",
            proof: ["kind": "amountDue", "amount": "1234.56"], fullName: "Pat Q Client", email: "pat@client.example",
            username: "pat.client", password: Cast.patPassword)
    }
    static var acme: [String: Any] {
        application(
            idType: "FEIN", idNumber: Cast.acmeFEIN, accountType: "withholding",
            proof: ["kind": "letterID", "letterID": "L0417-2026"], fullName: "Alex Owner", email: "alex@acme.example",
            username: "acme.owner", password: Cast.acmePassword, clientManagement: true)
    }

    @Test("RULES R1–R12, A3, A7, P3: register, activate by POST, set up email codes, who am I, sign out")
    func registrationAndSignIn() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var (pat, secrets) = try await registerAndSignIn(
                world, client: client, body: Self.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            let me = try await pat.send(.get, "/api/me")
            #expect(me.status == 200)
            #expect(me.json["username"] as? String == "pat.client")
            #expect(me.json["stage"] as? String == "authenticated")
            let roles = me.json["roles"] as? [[String: Any]] ?? []
            #expect(roles.first?["relationship"] as? String == "masterAdministrator")
            #expect(roles.first?["taxpayer"] as? String == "T100")

            // A7: sign-out ends the session and clears the cookie; the old cookie no longer works.
            let oldCookie = pat.cookie
            let out = try await pat.send(.delete, "/api/session")
            #expect(out.status == 204)
            #expect(out.setCookies.contains { $0.hasPrefix("__Host-ta_session=;") && $0.contains("Max-Age=0") })
            pat.cookie = oldCookie
            let after = try await pat.send(.get, "/api/me")
            #expect(after.status == 401)
            #expect(after.json["code"] as? String == "sessionExpired")

            // A3: the next sign-in asks for a code by email; the code signs in; a wrong one is refused (A4). The
            // clock moves on first, so the new code's mail is the newest.
            world.advance(by: .seconds(5))
            var again = Browser(client)
            let login = try await again.send(
                .post, "/api/session", ["username": "pat.client", "password": Cast.patPassword])
            #expect(login.json["stage"] as? String == "awaitingCode")
            let wrong = try await again.send(.post, "/api/session/verify", ["code": "000000"])
            #expect(wrong.status == 401)
            #expect(wrong.contentType == "application/problem+json")
            let code = try await code(world, to: "pat@client.example")
            let verified = try await again.send(.post, "/api/session/verify", ["code": code, "trustDevice": true])
            #expect(verified.status == 200)
            #expect(verified.json["stage"] as? String == "authenticated")
            #expect(verified.json["deviceToken"] == nil, "a cookie session gets its device token as a cookie only")
            #expect(verified.setCookies.contains { $0.hasPrefix("__Host-ta_device=") })
            secrets.append(code)
            secrets.append(again.cookie ?? "")
            try expectNoSecrets(secrets, in: log)
        }
    }

    @Test("RULES P2: Delete My Profile over HTTP, confirmed by the password; the session ends and no sign-in follows")
    func deleteProfile() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var (pat, secrets) = try await registerAndSignIn(
                world, client: client, body: Self.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            let wrong = try await pat.send(.post, "/api/me/delete", ["currentPassword": "Wrong2026pass"])
            #expect(wrong.status == 422, "\(wrong.text)")
            #expect(wrong.json["field"] as? String == "currentPassword", "as every profile change says it")
            #expect(try await pat.send(.get, "/api/me").status == 200, "a wrong password deletes nothing")

            let oldCookie = pat.cookie
            let deleted = try await pat.send(.post, "/api/me/delete", ["currentPassword": Cast.patPassword])
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(deleted.setCookies.contains { $0.hasPrefix("__Host-ta_session=;") && $0.contains("Max-Age=0") })
            pat.cookie = oldCookie
            #expect(try await pat.send(.get, "/api/me").status == 401, "the session ended with the profile")

            var again = Browser(client)
            let login = try await again.send(
                .post, "/api/session", ["username": "pat.client", "password": Cast.patPassword])
            #expect(login.status == 401, "never logs in again: \(login.text)")
            #expect(login.json["code"] as? String == "invalidCredentials")
            secrets.append(oldCookie ?? "")
            try expectNoSecrets(secrets, in: log)
        }
    }

    @Test("RULES X1–X7, L2, M4: a firm asks for access, the taxpayer approves, the check and who-has-access agree")
    func thirdPartyAccess() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var (pat, patSecrets) = try await registerAndSignIn(
                world, client: client, body: Self.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            var (acme, acmeSecrets) = try await registerAndSignIn(
                world, client: client, body: Self.acme, email: "alex@acme.example", username: "acme.owner",
                password: Cast.acmePassword)

            let before = try await acme.send(.get, "/api/accounts/A101/actions/view")
            #expect(before.status == 403)
            #expect(before.json["code"] as? String == "notAuthorized")

            let asked = try await acme.send(
                .post, "/api/access-requests",
                [
                    "idType": "SSN", "idNumber": "123-45-6789", "legalName": "PAT Q. CLIENT",
                    "accounts": ["A101": "fileAndPay"], "channel": "online",
                ])
            #expect(asked.status == 201, "\(asked.text)")
            let pending = try await pat.send(.get, "/api/access-requests/pending")
            #expect(pending.status == 200)
            let request = try #require(pending.list.first?["id"] as? String)
            let approved = try await pat.send(
                .post, "/api/access-requests/\(request)/approve", ["levels": ["A101": "viewOnly"]])
            #expect(approved.status == 204, "\(approved.text)")

            let view = try await acme.send(.get, "/api/accounts/A101/actions/view")
            #expect(view.status == 200)
            #expect(view.json["allowed"] as? Bool == true)
            let file = try await acme.send(.get, "/api/accounts/A101/actions/file")
            #expect(file.status == 403, "View Only does not file")

            let holders = try await pat.send(.get, "/api/taxpayers/T100/access")
            #expect(holders.status == 200)
            // W1: each holder says how it reaches the taxpayer.
            let thirdParty = holders.list.first {
                ($0["routes"] as? [[String: Any]])?.contains { $0["kind"] as? String == "thirdParty" } == true
            }
            #expect(thirdParty?["fullName"] as? String == "Alex Owner")
            #expect((thirdParty?["accounts"] as? [String: String])?["A101"] == "viewOnly")

            let clients = try await acme.send(.get, "/api/clients")
            #expect(clients.list.contains { $0["taxpayer"] as? String == "T100" })
            let inbox = try await pat.send(.get, "/api/inbox")
            #expect(inbox.status == 200)
            #expect(inbox.json["messages"] is [Any])
            try expectNoSecrets(patSecrets + acmeSecrets, in: log)
        }
    }

    @Test(
        "CSRF: a cookie session's state-changing request without the custom header, or from another origin, is refused")
    func csrfRefusal() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var (pat, _) = try await registerAndSignIn(
                world, client: client, body: Self.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            let forged = try await pat.send(.delete, "/api/session", csrf: false)
            #expect(forged.status == 403)
            #expect(forged.contentType == "application/problem+json")
            #expect(forged.json["code"] as? String == "csrfRejected")
            let me = try await pat.send(.get, "/api/me", csrf: false)
            #expect(me.status == 200, "a GET needs no header, and the forged sign-out changed nothing")

            let guarded = Application(
                router: PortalHTTP.router(
                    portal: world.portal,
                    configuration: PortalHTTPConfiguration(
                        policy: world.portal.policy, allowedOrigins: ["https://portal.example.gov"])),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: log.logger)
            let patCookie = pat.cookie
            try await guarded.test(.live) { other in
                var browser = Browser(other)
                browser.cookie = patCookie
                let foreign = try await browser.send(.delete, "/api/session", origin: "https://evil.example")
                #expect(foreign.status == 403)
                #expect(foreign.json["code"] as? String == "csrfRejected")
                let own = try await browser.send(.get, "/api/me", origin: "https://portal.example.gov")
                #expect(own.status == 200)
            }

            // A bearer client needs no CSRF header: a browser never sends Authorization on its own.
            var program = Browser(client)
            let login = try await program.send(
                .post, "/api/session", ["username": "pat.client", "password": Cast.patPassword, "bearer": true])
            #expect(login.setCookies.isEmpty, "a bearer sign-in sets no cookie")
            program.bearer = try #require(login.json["sessionToken"] as? String)
            let sent = try await program.send(.post, "/api/session/code", [:], csrf: false)
            #expect(sent.status == 200, "\(sent.text)")
        }
    }

    @Test("RULES S2–S6, S8: a firm adds a secondary logon over HTTP; it completes from its link; deactivation")
    func firmAdministration() async throws {
        let world = try await Cast.world()
        try await withServer(world, log: CapturedLog()) { client in
            var (acme, _) = try await registerAndSignIn(
                world, client: client, body: Self.acme, email: "alex@acme.example", username: "acme.owner",
                password: Cast.acmePassword)
            let group = try await acme.send(.post, "/api/firm/groups", ["name": "Individual clients"])
            #expect(group.status == 201)
            let groupID = try #require(group.json["id"] as? String)
            let added = try await acme.send(
                .post, "/api/firm/secondaries",
                [
                    "fullName": "Kim Clerk", "email": "kim@acme.example", "accessType": "taxAdministrator",
                    "cap": "fileAndPay", "groups": [groupID],
                ])
            #expect(added.status == 201, "\(added.text)")
            let kim = try #require(added.json["logon"] as? String)
            let link = try #require(
                try await world.mails(to: "kim@acme.example").compactMap { FixtureWorld.linkToken(in: $0) }.last)
            var stranger = Browser(client)
            let completed = try await stranger.send(
                .post, "/api/secondary-completion", ["token": link, "username": "kim.clerk", "password": "Clerk2026xy"])
            #expect(completed.status == 201, "\(completed.text)")
            #expect(completed.json["logon"] as? String == kim)
            let again = try await stranger.send(
                .post, "/api/secondary-completion", ["token": link, "username": "kim.other", "password": "Clerk2026xy"])
            #expect(again.status == 410, "a used link is gone (S2)")

            let groups = try await acme.send(.get, "/api/firm/groups")
            #expect(groups.list.contains { $0["name"] as? String == "Individual clients" })
            let listed = try await acme.send(.get, "/api/firm/secondaries")
            #expect(listed.list.first { $0["logon"] as? String == kim }?["username"] as? String == "kim.clerk")
            let deactivated = try await acme.send(.post, "/api/firm/secondaries/\(kim)/deactivate")
            #expect(deactivated.status == 204)
            let after = try await acme.send(.get, "/api/firm/secondaries")
            #expect(after.list.first { $0["logon"] as? String == kim }?["status"] as? String == "deactivated")
        }
    }

    @Test("RULES A7: the session cookie is HttpOnly, Secure, SameSite=Strict, Path=/, with the policy's Max-Age")
    func cookieAttributes() async throws {
        let world = try await Cast.world()
        try await withServer(world, log: CapturedLog()) { client in
            _ = try await registerAndSignIn(
                world, client: client, body: Self.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            var browser = Browser(client)
            let login = try await browser.send(
                .post, "/api/session", ["username": "pat.client", "password": Cast.patPassword])
            let cookie = try #require(login.setCookies.first { $0.hasPrefix("__Host-ta_session=") })
            let attributes = Set(
                cookie.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("Secure"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/"))
            let maxAge = Int(world.portal.policy.sessionAbsoluteLifetime.components.seconds)
            #expect(attributes.contains("Max-Age=\(maxAge)"))
            #expect(login.json["sessionToken"] == nil, "a cookie sign-in never shows the token to scripts")
        }
    }

    @Test("Errors.md: refusals are application/problem+json with the table's status and only what may be shown")
    func problemBodies() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var browser = Browser(client)
            // A1: a wrong password and an unknown username get the same answer.
            let wrong = try await browser.send(.post, "/api/session", ["username": "nobody", "password": "Wrong1234x"])
            #expect(wrong.status == 401)
            #expect(wrong.contentType == "application/problem+json")
            #expect(wrong.json["type"] as? String == "urn:taxpayer-access:invalidCredentials")
            #expect(wrong.json["status"] as? Int == 401)
            #expect(wrong.json["title"] as? String == "Unauthorized")
            #expect(!(wrong.json["detail"] as? String ?? "").isEmpty)

            // R3: a failed proof is 422 and says nothing of the cause.
            var bad = Self.pat
            bad["proof"] = ["kind": "amountDue", "amount": "1.00"]
            let proof = try await browser.send(.post, "/api/registrations", bad)
            #expect(proof.status == 422)
            #expect(proof.json["code"] as? String == "proofFailed")

            // R1: an invalid field is 422 and names the field.
            var short = Self.pat
            short["password"] = "short"
            short["passwordAgain"] = "short"
            let invalid = try await browser.send(.post, "/api/registrations", short)
            #expect(invalid.status == 422)
            #expect(invalid.json["field"] as? String == "password")

            let link = try await browser.send(.post, "/api/activation", ["token": "not-a-real-token"])
            #expect(link.status == 410)
            #expect(link.json["code"] as? String == "invalidLink")

            let notJSON = try await browser.send(.post, "/api/session", nil)
            #expect(notJSON.status == 400)
            let signedOut = try await browser.send(.get, "/api/inbox")
            #expect(signedOut.status == 401)
            let nowhere = try await browser.send(.get, "/api/nowhere")
            #expect(nowhere.status == 404)
            #expect(nowhere.contentType == "application/problem+json")
            #expect(!log.all.contains { $0.contains("Wrong1234x") || $0.contains("not-a-real-token") })
        }
    }

    @Test("The OpenAPI document is served at /openapi.json and names every main route")
    func openAPIDocument() async throws {
        try await withServer(try await Cast.world(), log: CapturedLog()) { client in
            var browser = Browser(client)
            let document = try await browser.send(.get, "/openapi.json")
            #expect(document.status == 200)
            #expect(document.json["openapi"] as? String == "3.1.0")
            let paths = document.json["paths"] as? [String: Any] ?? [:]
            for path in [
                "/api/registrations", "/api/activation", "/api/session", "/api/session/verify", "/api/me",
                "/api/inbox", "/api/access-requests", "/api/access-requests/{request}/approve",
                "/api/taxpayers/{taxpayer}/access", "/api/accounts/{account}/actions/{action}",
            ] {
                #expect(paths[path] != nil, "\(path) is described")
            }
        }
    }
}

/// No secret — link token, code, password, session cookie — appears in any line the server logged, and the log
/// holds the request lines (so the check looked at something).
func expectNoSecrets(_ secrets: [String], in log: CapturedLog) throws {
    let lines = log.all
    #expect(lines.contains { $0.contains("POST /api/session") }, "the request lines were captured")
    for secret in secrets where secret.count >= 6 {
        let value =
            secret.hasPrefix("__Host-ta_session=") ? String(secret.dropFirst("__Host-ta_session=".count)) : secret
        #expect(!lines.contains { $0.contains(value) }, "a secret reached the log")
    }
}
#endif
