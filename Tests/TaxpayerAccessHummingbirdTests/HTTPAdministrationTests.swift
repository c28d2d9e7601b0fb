#if HTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessTesting

/// Each administration change over real HTTP on loopback — a taxpayer's own logons (M2–M4), third-party access
/// (X2, X8, X9) and the agency's operator routes (R10, X4, X11) — checked afterwards through the access-check route
/// and who-has-access (W1), never by calling handlers.
@Suite("HTTP administration routes over loopback")
struct HTTPAdministrationTests {
    static let robinPassword = "Robin2026xq"
    /// A second person of Pat's household registering with the same proof: R11 makes it a Tax Administrator.
    static var robin: [String: Any] {
        application(
            idType: "SSN", idNumber: Cast.patSSN, accountType: "personalIncome",
            proof: ["kind": "amountDue", "amount": "1234.56"], fullName: "Robin Q Client",
            email: "robin@client.example", username: "robin.client", password: robinPassword)
    }

    /// The status of the access check of `browser` for `action` on Pat's account.
    static func check(_ browser: inout Browser, _ action: String) async throws -> Int {
        try await browser.send(.get, "/api/accounts/A101/actions/\(action)").status
    }

    /// Who has access to Pat's taxpayer, by logon: the route kinds and the level on A101.
    static func holders(_ browser: inout Browser) async throws -> [String: (kinds: Set<String>, level: String?)] {
        let answer = try await browser.send(.get, "/api/taxpayers/T100/access")
        #expect(answer.status == 200, "\(answer.text)")
        var result: [String: (kinds: Set<String>, level: String?)] = [:]
        for holder in answer.list {
            guard let logon = holder["logon"] as? String else { continue }
            let kinds = Set((holder["routes"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
            result[logon] = (kinds, (holder["accounts"] as? [String: String])?["A101"])
        }
        return result
    }

    @Test("RULES M2, M3, M4, W1, L2: levels, promote, demote, cancel and grant, each over HTTP, seen by the check")
    func taxpayerAdministration() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            var (pat, patSecrets) = try await registerAndSignIn(
                world, client: client, body: HTTPFlowTests.pat, email: "pat@client.example",
                username: "pat.client", password: Cast.patPassword)
            var (robin, robinSecrets) = try await registerAndSignIn(
                world, client: client, body: Self.robin, email: "robin@client.example", username: "robin.client",
                password: Self.robinPassword)
            let patID = try #require(try await pat.send(.get, "/api/me").json["logon"] as? String)
            let robinID = try #require(try await robin.send(.get, "/api/me").json["logon"] as? String)
            let logons = "/api/taxpayers/T100/logons"

            // R11: Robin is a Tax Administrator of the one account it proved; Pat the Master Administrator.
            var listed = try await Self.holders(&pat)
            #expect(listed[patID]?.kinds == ["masterAdministrator"])
            #expect(listed[robinID]?.kinds == ["taxAdministrator"])

            // M2: a level per account.
            let lowered = try await pat.send(.put, "\(logons)/\(robinID)/accounts/A101", ["level": "viewOnly"])
            #expect(lowered.status == 204, "\(lowered.text)")
            #expect(try await Self.check(&robin, "view") == 200)
            #expect(try await Self.check(&robin, "file") == 403, "View Only does not file (L2)")
            #expect(try await Self.holders(&pat)[robinID]?.level == "viewOnly")

            // L3: a Tax Administrator administers nothing — its own level included.
            let raised = try await robin.send(.put, "\(logons)/\(robinID)/accounts/A101", ["level": "allAccess"])
            #expect(raised.status == 403, "\(raised.text)")
            #expect(try await Self.check(&robin, "file") == 403, "the refused change changed nothing")

            // M2: removing the account takes the path away.
            let removed = try await pat.send(.put, "\(logons)/\(robinID)/accounts/A101", ["level": NSNull()])
            #expect(removed.status == 204, "\(removed.text)")
            #expect(try await Self.check(&robin, "view") == 403)
            let restored = try await pat.send(.put, "\(logons)/\(robinID)/accounts/A101", ["level": "fileAndPay"])
            #expect(restored.status == 204)
            #expect(try await Self.check(&robin, "file") == 200)

            // M2: promote; the new Master Administrator has All Access.
            let promoted = try await pat.send(.post, "\(logons)/\(robinID)/promote")
            #expect(promoted.status == 204, "\(promoted.text)")
            #expect(try await Self.check(&robin, "manageAccount") == 200)
            #expect(try await Self.holders(&pat)[robinID]?.kinds == ["masterAdministrator"])

            // M2: demote another Master Administrator, to the levels given.
            let demoted = try await robin.send(.post, "\(logons)/\(patID)/demote", ["levels": ["A101": "fileAndPay"]])
            #expect(demoted.status == 204, "\(demoted.text)")
            #expect(try await Self.check(&pat, "file") == 200)
            #expect(try await Self.check(&pat, "manageAccount") == 403)
            listed = try await Self.holders(&robin)
            #expect(listed[patID]?.kinds == ["taxAdministrator"])
            #expect(listed[patID]?.level == "fileAndPay")

            // M2: never the last active Master Administrator.
            let last = try await robin.send(.post, "\(logons)/\(robinID)/demote", [:])
            #expect(last.status != 204, "the last Master Administrator cannot be demoted: \(last.text)")
            #expect(last.contentType == "application/problem+json")
            #expect(try await Self.check(&robin, "manageAccount") == 200)

            // M3: cancel a Tax Administrator's access; only a new grant restores it.
            let cancelled = try await robin.send(.delete, "\(logons)/\(patID)")
            #expect(cancelled.status == 204, "\(cancelled.text)")
            #expect(try await Self.check(&pat, "view") == 403)
            #expect(try await Self.holders(&robin)[patID] == nil, "W1: a cancelled logon is not listed")
            let granted = try await robin.send(
                .post, "/api/taxpayers/T100/tax-administrators", ["logon": patID, "levels": ["A101": "viewOnly"]])
            #expect(granted.status == 204, "\(granted.text)")
            #expect(try await Self.check(&pat, "view") == 200)
            #expect(try await Self.check(&pat, "file") == 403)

            // M4: any logon may cancel its own access.
            let own = try await pat.send(.delete, "\(logons)/\(patID)")
            #expect(own.status == 204, "\(own.text)")
            #expect(try await Self.check(&pat, "view") == 403)
            #expect(try await Self.holders(&robin)[patID] == nil)
            try expectNoSecrets(patSecrets + robinSecrets, in: log)
        }
    }

    @Test("RULES X2, X5, X8, X9, W1: accounts by choice, a third party's levels changed, its own cancel, the MA's")
    func thirdPartyChanges() async throws {
        let world = try await Cast.world()
        try await withServer(world, log: CapturedLog()) { client in
            var (pat, _) = try await registerAndSignIn(
                world, client: client, body: HTTPFlowTests.pat, email: "pat@client.example",
                username: "pat.client", password: Cast.patPassword)
            var (acme, _) = try await registerAndSignIn(
                world, client: client, body: HTTPFlowTests.acme, email: "alex@acme.example",
                username: "acme.owner", password: Cast.acmePassword)
            let acmeID = try #require(try await acme.send(.get, "/api/me").json["logon"] as? String)
            let taxpayer = ["idType": "SSN", "idNumber": "123456789", "legalName": "Pat Q Client"]

            // X2: nothing about the accounts before ID and name match; then type and masked number only.
            var wrongName = taxpayer
            wrongName["legalName"] = "Pat Someone Else"
            let mismatch = try await acme.send(.post, "/api/access-requests/accounts", wrongName)
            #expect(mismatch.status == 404, "\(mismatch.text)")
            #expect(mismatch.json["code"] as? String == "taxpayerNotMatched")
            let offered = try await acme.send(.post, "/api/access-requests/accounts", taxpayer)
            #expect(offered.status == 200, "\(offered.text)")
            #expect(offered.list.count == 1)
            let choice = try #require(offered.list.first?["choice"] as? String)
            #expect(offered.list.first?["type"] as? String == "personalIncome")
            #expect(!offered.text.contains("A101"), "the account id is not told")

            var byChoice: [String: Any] = taxpayer
            byChoice["choices"] = [choice: "fileAndPay"]
            let asked = try await acme.send(.post, "/api/access-requests", byChoice)
            #expect(asked.status == 201, "\(asked.text)")
            let request = try #require(asked.json["request"] as? String)
            // X2: asked by choice, the request is shown to its third party with the account masked, never its id;
            // so is the receipt's e-message.
            let mine = try await acme.send(.get, "/api/access-requests")
            #expect(mine.status == 200)
            let shown = try #require(mine.list.first { $0["id"] as? String == request })
            #expect((shown["accounts"] as? [[String: Any]])?.first?["maskedNumber"] as? String == "***1")
            #expect(!mine.text.contains("A101"), "\(mine.text)")
            #expect(!(try await acme.send(.get, "/api/inbox").text.contains("A101")))
            let approved = try await pat.send(
                .post, "/api/access-requests/\(request)/approve", ["levels": ["A101": "fileAndPay"]])
            #expect(approved.status == 204, "\(approved.text)")
            #expect(try await Self.check(&acme, "file") == 200)

            // X8: the Master Administrator lowers the level.
            let changed = try await pat.send(
                .put, "/api/taxpayers/T100/third-parties/\(acmeID)", ["levels": ["A101": "viewOnly"]])
            #expect(changed.status == 204, "\(changed.text)")
            #expect(try await Self.check(&acme, "file") == 403)
            #expect(try await Self.check(&acme, "view") == 200)
            #expect(try await Self.holders(&pat)[acmeID]?.level == "viewOnly")

            // X9: the third party cancels its own access to the account.
            let dropped = try await acme.send(.post, "/api/clients/T100/cancel", ["accounts": ["A101"]])
            #expect(dropped.status == 204, "\(dropped.text)")
            #expect(try await Self.check(&acme, "view") == 403)
            let clients = try await acme.send(.get, "/api/clients")
            #expect(clients.status == 200)
            #expect(!clients.list.contains { $0["taxpayer"] as? String == "T100" }, "no longer a client")
            let again = try await acme.send(.post, "/api/clients/T100/cancel", ["all": true])
            #expect(again.status == 404, "nothing left to cancel: \(again.text)")
            let unnamed = try await acme.send(.post, "/api/clients/T100/cancel", [:])
            #expect(unnamed.status == 422, "an empty body cancels nothing: \(unnamed.text)")
            #expect(unnamed.json["field"] as? String == "accounts")

            // X8: asked again and approved; the Master Administrator cancels, for good.
            var byAccount: [String: Any] = taxpayer
            byAccount["accounts"] = ["A101": "viewOnly"]
            let second = try await acme.send(.post, "/api/access-requests", byAccount)
            #expect(second.status == 201, "\(second.text)")
            let secondID = try #require(second.json["request"] as? String)
            let yes = try await pat.send(
                .post, "/api/access-requests/\(secondID)/approve", ["levels": ["A101": "viewOnly"]])
            #expect(yes.status == 204)
            #expect(try await Self.check(&acme, "view") == 200)
            let cancelled = try await pat.send(.delete, "/api/taxpayers/T100/third-parties/\(acmeID)")
            #expect(cancelled.status == 204, "\(cancelled.text)")
            #expect(try await Self.check(&acme, "view") == 403)
            #expect(try await Self.holders(&pat)[acmeID] == nil)

            // Both or neither of accounts and choices is refused, naming the field.
            var both = byAccount
            both["choices"] = [choice: "viewOnly"]
            let refused = try await acme.send(.post, "/api/access-requests", both)
            #expect(refused.status == 422)
            #expect(refused.json["field"] as? String == "accounts")
        }
    }

    @Test("RULES R10, V3, X4, X11, U1: the agency's operator routes need an operator token and record the operator")
    func agencyOperatorRoutes() async throws {
        var policy = Policy.massTaxConnect.forTesting
        policy.automaticApproval = false
        let world = try await Cast.world(policy: policy)
        let (token, clerk) = AgencyOperators.issue(name: "clerk 12")
        let (otherToken, _) = AgencyOperators.issue(name: "not kept")
        let operators = try AgencyOperators([clerk])
        let log = CapturedLog()
        let configuration = PortalHTTPConfiguration(policy: policy, operators: operators)
        try await withServer(world, log: log, configuration: configuration) { client in
            var applicant = Browser(client)
            let receipt = try await applicant.send(.post, "/api/registrations", HTTPFlowTests.pat)
            #expect(receipt.status == 201, "\(receipt.text)")
            #expect(receipt.json["approved"] as? Bool == false, "R10: waits for the agency's review")
            let number = try #require(receipt.json["confirmationNumber"] as? String)
            #expect(try await world.mails(to: "pat@client.example").compactMap(FixtureWorld.linkToken).isEmpty)

            var agency = Browser(client)
            let path = "/api/agency/registrations/\(number)"
            let anonymous = try await agency.send(.get, path)
            #expect(anonymous.status == 401)
            #expect(anonymous.json["code"] as? String == "operatorUnauthorized")
            agency.extra = [AgencyOperators.headerName: otherToken]
            let unknown = try await agency.send(.post, "\(path)/approve", csrf: false)
            #expect(unknown.status == 401, "an unknown token is refused like none")
            #expect(unknown.json["code"] as? String == "operatorUnauthorized")

            agency.extra = [AgencyOperators.headerName: token]
            let shown = try await agency.send(.get, path)
            #expect(shown.status == 200, "\(shown.text)")
            #expect(shown.json["status"] as? String == "submitted")
            #expect(shown.json["username"] as? String == "pat.client")
            // No CSRF header: a custom header a browser cannot send across sites is its own defence.
            let approved = try await agency.send(.post, "\(path)/approve", csrf: false)
            #expect(approved.status == 204, "\(approved.text)")
            #expect(try await agency.send(.get, path).json["status"] as? String == "approved")
            let twice = try await agency.send(.post, "\(path)/approve", csrf: false)
            #expect(twice.status == 409, "already decided: \(twice.text)")
            #expect(try await agency.send(.get, "/api/agency/registrations/0-000-000-000").status == 404)
            let audit = try await world.audit()
            #expect(audit.contains { $0.actor == .agency(operator: "clerk 12") }, "U1: the operator is the actor")

            // R10: a rejected request never activates.
            var robin = Browser(client)
            let robinReceipt = try await robin.send(.post, "/api/registrations", Self.robin)
            let robinNumber = try #require(robinReceipt.json["confirmationNumber"] as? String)
            let rejected = try await agency.send(.post, "/api/agency/registrations/\(robinNumber)/reject")
            #expect(rejected.status == 204, "\(rejected.text)")
            let robinAfter = try await agency.send(.get, "/api/agency/registrations/\(robinNumber)")
            #expect(robinAfter.json["status"] as? String == "rejected")
            #expect(try await world.mails(to: "robin@client.example").compactMap(FixtureWorld.linkToken).isEmpty)

            // Pat activates and signs in; Acme registers through review too.
            var (pat, patSecrets) = try await activateAndSignIn(
                world, client: client, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            var acmeApplicant = Browser(client)
            let acmeReceipt = try await acmeApplicant.send(.post, "/api/registrations", HTTPFlowTests.acme)
            let acmeNumber = try #require(acmeReceipt.json["confirmationNumber"] as? String)
            #expect(try await agency.send(.post, "/api/agency/registrations/\(acmeNumber)/approve").status == 204)
            var (acme, acmeSecrets) = try await activateAndSignIn(
                world, client: client, email: "alex@acme.example", username: "acme.owner",
                password: Cast.acmePassword)
            let acmeID = try #require(try await acme.send(.get, "/api/me").json["logon"] as? String)

            // X4: a printed-form request; its authorization again later; the agency records the signed decision.
            let asked = try await acme.send(
                .post, "/api/access-requests",
                [
                    "idType": "SSN", "idNumber": Cast.patSSN, "legalName": "Pat Q Client",
                    "accounts": ["A101": "fileAndPay"], "channel": "printedForm",
                ])
            #expect(asked.status == 201, "\(asked.text)")
            let request = try #require(asked.json["request"] as? String)
            let form = try #require(asked.json["confirmationNumber"] as? String)
            #expect((asked.json["printableAuthorization"] as? String)?.contains(form) == true)
            let printed = try await acme.send(.get, "/api/access-requests/\(request)/authorization")
            #expect(printed.status == 200, "\(printed.text)")
            #expect((printed.json["printableAuthorization"] as? String)?.contains(form) == true)
            #expect(try await pat.send(.get, "/api/access-requests/\(request)/authorization").status == 404)

            let denialWithLevels = try await agency.send(
                .post, "/api/agency/access-requests/\(form)/decision",
                ["approve": false, "levels": ["A101": "viewOnly"]])
            #expect(denialWithLevels.status == 422)
            #expect(denialWithLevels.json["field"] as? String == "levels")
            let decided = try await agency.send(
                .post, "/api/agency/access-requests/\(form)/decision",
                ["approve": true, "levels": ["A101": "viewOnly"]])
            #expect(decided.status == 204, "\(decided.text)")
            #expect(try await Self.check(&acme, "view") == 200)
            #expect(try await Self.check(&acme, "file") == 403, "the level the taxpayer wrote, not the one asked")
            let redecided = try await agency.send(
                .post, "/api/agency/access-requests/\(form)/decision", ["approve": false])
            #expect(redecided.status == 409, "\(redecided.text)")

            // X11: correspondence about the account tells its third party, by email and e-message.
            let mailsBefore = try await world.mails(to: "alex@acme.example").count
            let inboxBefore = try await acme.send(.get, "/api/inbox").json["unread"] as? Int ?? -1
            let told = try await agency.send(.post, "/api/agency/accounts/A101/correspondence")
            #expect(told.status == 200, "\(told.text)")
            #expect(told.json["notified"] as? [String] == [acmeID])
            #expect(try await world.mails(to: "alex@acme.example").count == mailsBefore + 1)
            #expect(try await acme.send(.get, "/api/inbox").json["unread"] as? Int == inboxBefore + 1)
            #expect(try await agency.send(.post, "/api/agency/accounts/A999/correspondence").status == 404)
            // V3: only the agency changes the email of a locked-out logon; an unlocked one is refused.
            let email = "/api/agency/logons/email"
            let unlocked = try await agency.send(
                .post, email, ["username": "acme.owner", "newEmail": "alex@new.example"])
            #expect(unlocked.status == 409, "not locked out: \(unlocked.text)")
            var guesser = Browser(client)
            for _ in 0..<world.policy.lockoutThreshold {
                try await guesser.send(.post, "/api/session", ["username": "acme.owner", "password": "Wrong2026pass"])
            }
            let lockedOut = try await guesser.send(
                .post, "/api/session", ["username": "acme.owner", "password": Cast.acmePassword])
            // A2: locked — the right password now gets a wrong one's answer; the agency's change below, refused
            // above while the logon was not locked, is what shows the lock.
            #expect(lockedOut.status == 401, "\(lockedOut.text)")
            let oldBefore = try await world.mails(to: "alex@acme.example").count
            let changed = try await agency.send(
                .post, email, ["username": "acme.owner", "newEmail": "alex@new.example"])
            #expect(changed.status == 204, "\(changed.text)")
            #expect(try await world.mails(to: "alex@new.example").count == 1, "the new address is told")
            #expect(try await world.mails(to: "alex@acme.example").count == oldBefore + 1, "and the old one")
            let events = try await world.audit()
            #expect(events.contains { $0.actor == .agency(operator: "clerk 12") && $0.subject == "logon/\(acmeID)" })

            // A portal session is no operator.
            let bySession = try await pat.send(.post, "/api/agency/accounts/A101/correspondence")
            #expect(bySession.status == 401)
            // The operator header exempts only the agency's routes from the CSRF header: elsewhere a cookie request
            // with it still needs one.
            pat.extra = [AgencyOperators.headerName: token]
            let forged = try await pat.send(.post, "/api/me/pin", ["currentPassword": "x"], csrf: false)
            #expect(forged.status == 403, "\(forged.text)")
            #expect(forged.json["code"] as? String == "csrfRejected")
            try expectNoSecrets(patSecrets + acmeSecrets + [token, otherToken], in: log)
        }
    }
}
#endif
