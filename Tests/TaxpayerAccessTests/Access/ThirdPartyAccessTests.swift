import Testing
import Foundation
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Access: third parties")
struct ThirdPartyAccessTests {
    typealias C = Cast

    /// The parent asks for File and Pay on the prospect's account.
    func request(
        _ cast: Cast, channel: ApprovalChannel = .online, name: String = "Chris O'Brien-Smith",
        by logon: LogonID = C.parent
    ) async throws -> AccessRequestReceipt {
        try await cast.thirdParty.requestAccess(
            try await cast.token(logon), idType: .ssn, idNumber: "987654321", legalName: name,
            accounts: [C.prospectAccount: .fileAndPay], channel: channel)
    }

    @Test("X1: a third party needs client management and its own SSN or FEIN, never ITIN")
    func eligibility() async throws {
        let cast = try await Cast.make()
        await expectRefusal(.notEligible) { _ = try await request(cast, by: C.ownMA) }  // no client management
        try await cast.world.logon("ITIN1", clientManagement: true, ownTaxpayer: "TX")
        await expectRefusal(.notEligible) { _ = try await request(cast, by: "ITIN1") }
        await expectRefusal(.notAuthorized) { _ = try await request(cast, by: C.secondaryTA) }
        // A secondary MA asks for its firm (S1): the request belongs to the parent.
        let receipt = try await request(cast, by: C.secondaryMA)
        #expect(try await cast.world.store.accessRequest(receipt.request)?.value.thirdParty == C.parent)
    }

    @Test(
        "X2: the name matches ignoring case, punctuation and repeated spaces",
        arguments: [
            "Chris O'Brien-Smith", "CHRIS  OBRIENSMITH", "chris o'brien-smith.", "  Chris   O'Brien-Smith ",
        ])
    func nameMatches(name: String) async throws {
        let cast = try await Cast.make()
        let receipt = try await request(cast, name: name.replacingOccurrences(of: "OBRIENSMITH", with: "O.BRIEN-SMITH"))
        #expect(receipt.confirmationNumber.wholeMatch(of: /\d-\d{3}-\d{3}-\d{3}/) != nil)
    }

    @Test("X2: a wrong name gets exactly the refusal of an unknown taxpayer")
    func mismatchRevealsNothing() async throws {
        let cast = try await Cast.make()
        let token = try await cast.token(C.parent)
        var errors: [AccessError] = []
        for (number, name) in [("987654321", "Chris Brown"), ("555555555", "Chris O'Brien-Smith")] {
            do {
                _ = try await cast.thirdParty.requestAccess(
                    token, idType: .ssn, idNumber: number, legalName: name, accounts: ["AP1": .viewOnly],
                    channel: .online)
            } catch let error as AccessError { errors.append(error) }
        }
        // Same ID number under another ID type is unknown too.
        do {
            _ = try await cast.thirdParty.requestAccess(
                token, idType: .fein, idNumber: "987654321", legalName: "Chris O'Brien-Smith",
                accounts: ["AP1": .viewOnly],
                channel: .online)
        } catch let error as AccessError { errors.append(error) }
        #expect(errors.count == 3)
        #expect(errors.allSatisfy { $0.code == .taxpayerNotMatched && $0.message == errors[0].message })
        #expect(try await cast.world.store.records(ofKind: .accessRequest).isEmpty)
    }

    @Test(
        "X2: bad input gets specific refusals",
        arguments: [
            ("12345", "Chris O'Brien-Smith", ["AP1": AccessLevel.viewOnly], "idNumber"),
            ("98765432x", "Chris O'Brien-Smith", ["AP1": .viewOnly], "idNumber"),
            ("987654321", "  ", ["AP1": .viewOnly], "legalName"),
            ("987654321", "Chris O'Brien-Smith", [:], "accounts"),
            ("987654321", "Chris O'Brien-Smith", ["AP1": .none], "accounts"),
        ] as [(String, String, [AccountID: AccessLevel], String)])
    func badInput(number: String, name: String, accounts: [AccountID: AccessLevel], field: String) async throws {
        let cast = try await Cast.make()
        await expectRefusal(.invalidInput, field: field) {
            _ = try await cast.thirdParty.requestAccess(
                try await cast.token(C.parent), idType: .ssn, idNumber: number, legalName: name, accounts: accounts,
                channel: .online)
        }
    }

    @Test("X3: online, every MA is emailed (N1) and sees the request listed")
    func onlineRequest() async throws {
        let cast = try await Cast.make()
        try await cast.world.logon("PM2", name: "Second Admin", ownTaxpayer: C.prospect)
        try await cast.world.role("PM2", on: C.prospect, .masterAdministrator)
        let receipt = try await request(cast)
        #expect(receipt.printableAuthorization == nil)
        #expect(try await cast.world.mails(to: cast.email(C.prospectMA)).count == 1)
        #expect(try await cast.world.mails(to: cast.email("PM2")).count == 1)
        let message = try #require(try await cast.world.eMessages(of: C.prospectMA).first)
        #expect(message.body.contains(receipt.confirmationNumber) && message.body.contains("Acme Owner"))
        let pending = try await cast.thirdParty.pendingRequests(try await cast.token(C.prospectMA))
        #expect(pending.map(\.id) == [receipt.request])
        #expect(try await cast.thirdParty.pendingRequests(try await cast.token(C.ownMA)).isEmpty)
        try await cast.expectMailCarriesNothingPersonal()
    }

    @Test("X4: printed form carries the confirmation number; the agency records the signed decision")
    func printedForm() async throws {
        let cast = try await Cast.make()
        let receipt = try await request(cast, channel: .printedForm)
        let form = try #require(receipt.printableAuthorization)
        #expect(form.contains(receipt.confirmationNumber))
        #expect(form.contains("***-**-4321") && !form.contains("987654321"))
        // X2: the third party prints it, so the account shows masked, as the requestable listing showed it.
        #expect(form.contains(Masking.accountNumber(C.prospectAccount.rawValue)))
        #expect(!form.contains(C.prospectAccount.rawValue))
        #expect(try await cast.world.mails(to: cast.email(C.prospectMA)).isEmpty)
        #expect(
            try await cast.thirdParty.printableAuthorization(try await cast.token(C.parent), request: receipt.request)
                == form)
        await expectRefusal(.notFound) {
            try await cast.thirdParty.recordPrintedDecision(
                confirmationNumber: "0-000-000-000", approve: true,
                levels: [C.prospectAccount: .viewOnly], by: "clerk 7")
        }
        try await cast.thirdParty.recordPrintedDecision(
            confirmationNumber: receipt.confirmationNumber, approve: true, levels: [C.prospectAccount: .viewOnly],
            by: "clerk 7")
        let grant = try #require(try await cast.world.store.grant(of: C.parent, on: C.prospect)).value
        #expect(grant.accounts == [C.prospectAccount: .viewOnly])
        let decided = try #require(try await cast.world.store.accessRequest(receipt.request)).value
        #expect(decided.decidedBy == .agency(operator: "clerk 7"))
    }

    @Test("X4: the agency cannot decide an online request")
    func agencyOnlyForPrinted() async throws {
        let cast = try await Cast.make()
        let receipt = try await request(cast)
        await expectRefusal(.conflict) {
            try await cast.thirdParty.recordPrintedDecision(
                confirmationNumber: receipt.confirmationNumber, approve: false, by: "clerk 7")
        }
    }

    @Test("X5, X6, X7: the MA approves with any level; both sides are told; the client appears in Default")
    func approve() async throws {
        let cast = try await Cast.make()
        let receipt = try await request(cast)
        let ma = try await cast.token(C.prospectMA)
        await expectRefusal(.invalidInput, field: "levels") {
            try await cast.thirdParty.approve(ma, request: receipt.request, levels: ["AP9": .viewOnly])
        }
        await expectRefusal(.invalidInput, field: "levels") {
            try await cast.thirdParty.approve(ma, request: receipt.request, levels: [C.prospectAccount: .none])
        }
        // L4: the MA of another taxpayer gets the answer of a request that does not exist.
        await expectRefusal(.notFound) {
            try await cast.thirdParty.approve(
                try await cast.token(C.ownMA), request: receipt.request,
                levels: [C.prospectAccount: .viewOnly])
        }
        // Asked File and Pay; given All Access (X5: any level, whatever was asked).
        try await cast.thirdParty.approve(ma, request: receipt.request, levels: [C.prospectAccount: .allAccess])
        let grant = try #require(try await cast.world.store.grant(of: C.parent, on: C.prospect)).value
        #expect(
            grant.accounts == [C.prospectAccount: .allAccess] && grant.status == .active
                && grant.request == receipt.request)
        #expect(try await cast.world.eMessages(of: C.parent).contains { $0.subject == "Your request was approved" })
        #expect(
            try await cast.world.eMessages(of: C.prospectMA).contains {
                $0.subject == "A third-party request was approved"
            })
        let group = try #require(try await cast.world.store.securityGroup(SecurityGroup.defaultID(of: C.parent))).value
        #expect(group.isDefault && group.name == "Default")
        #expect(try await cast.world.store.groupAssignments(of: C.parent).isEmpty)  // Default (S4)
        let clients = try await cast.thirdParty.clients(try await cast.token(C.parent))
        #expect(clients.map(\.taxpayer) == [C.firm, C.client, C.prospect])
        // Decided once only.
        await expectRefusal(.conflict) { try await cast.thirdParty.deny(ma, request: receipt.request) }
        try await cast.expectMailCarriesNothingPersonal()
    }

    @Test("X5, X6: the MA denies; no grant; the third party is told")
    func deny() async throws {
        let cast = try await Cast.make()
        let receipt = try await request(cast)
        try await cast.thirdParty.deny(try await cast.token(C.prospectMA), request: receipt.request)
        #expect(try await cast.world.store.grant(of: C.parent, on: C.prospect) == nil)
        #expect(try await cast.world.store.accessRequest(receipt.request)?.value.status == .denied)
        #expect(try await cast.world.eMessages(of: C.parent).contains { $0.subject == "Your request was denied" })
        #expect(try await cast.world.mails(to: cast.email(C.parent)).count == 2)  // receipt + decision
    }

    @Test("X8: the MA raises, lowers and cancels; a cancel is irreversible")
    func raiseLowerCancel() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        try await cast.thirdParty.changeAccess(
            ma, taxpayer: C.client, thirdParty: C.parent,
            levels: [C.clientAccount: .allAccess, C.clientIncome: .viewOnly])
        #expect(
            try await cast.world.store.grant(of: C.parent, on: C.client)?.value.accounts
                == [C.clientAccount: .allAccess, C.clientIncome: .viewOnly])
        try await cast.thirdParty.changeAccess(
            ma, taxpayer: C.client, thirdParty: C.parent, levels: [C.clientIncome: .none])
        #expect(
            try await cast.world.store.grant(of: C.parent, on: C.client)?.value.accounts == [
                C.clientAccount: .allAccess
            ])
        await expectRefusal(.invalidInput, field: "levels") {
            try await cast.thirdParty.changeAccess(
                ma, taxpayer: C.client, thirdParty: C.parent, levels: [C.clientAccount: .none])
        }
        await expectRefusal(.notAuthorized) {
            try await cast.thirdParty.changeAccess(
                try await cast.token(C.parent), taxpayer: C.client, thirdParty: C.parent,
                levels: [C.clientAccount: .allAccess])
        }
        try await cast.thirdParty.cancelAccess(ma, taxpayer: C.client, thirdParty: C.parent)
        let grant = try #require(try await cast.world.store.grant(of: C.parent, on: C.client)).value
        #expect(grant.status == .cancelled && grant.cancellation?.by == .logon(C.ownMA))
        await expectRefusal(.notFound) {
            try await cast.thirdParty.changeAccess(
                ma, taxpayer: C.client, thirdParty: C.parent, levels: [C.clientAccount: .viewOnly])
        }
        #expect(try await cast.thirdParty.clients(try await cast.token(C.parent)).map(\.taxpayer) == [C.firm])
        // Only a new request restores it.
        let receipt = try await cast.thirdParty.requestAccess(
            try await cast.token(C.parent), idType: .ssn, idNumber: "123-45-6789", legalName: "pat client",
            accounts: [C.clientAccount: .viewOnly], channel: .online)
        try await cast.thirdParty.approve(ma, request: receipt.request, levels: [C.clientAccount: .viewOnly])
        #expect(try await cast.world.store.grant(of: C.parent, on: C.client)?.value.status == .active)
    }

    @Test("X9: the third party cancels its own access")
    func thirdPartyCancels() async throws {
        let cast = try await Cast.make()
        await expectRefusal(.notAuthorized) {
            try await cast.thirdParty.cancelOwnAccess(try await cast.token(C.secondaryTA), taxpayer: C.client)
        }
        try await cast.thirdParty.cancelOwnAccess(try await cast.token(C.parent), taxpayer: C.client)
        let grant = try #require(try await cast.world.store.grant(of: C.parent, on: C.client)).value
        #expect(grant.status == .cancelled && grant.cancellation?.capacity == "the third party itself")
        #expect(try await cast.world.eMessages(of: C.ownMA).contains { $0.subject == "Third-party access cancelled" })
        await expectRefusal(.notFound) {
            try await cast.thirdParty.cancelOwnAccess(try await cast.token(C.parent), taxpayer: C.client)
        }
    }

    @Test("X10: one pending request per pair; it expires after the policy's lifetime")
    func onePendingAndExpiry() async throws {
        let cast = try await Cast.make()
        let first = try await request(cast)
        await expectRefusal(.conflict) { _ = try await request(cast, channel: .printedForm) }
        cast.world.advance(by: cast.world.policy.requestLifetime)
        await expectRefusal(.conflict) {
            try await cast.thirdParty.approve(
                try await cast.token(C.prospectMA), request: first.request,
                levels: [C.prospectAccount: .viewOnly])
        }
        #expect(try await cast.thirdParty.pendingRequests(try await cast.token(C.prospectMA)).isEmpty)
        #expect(try await cast.world.store.accessRequest(first.request)?.value.status == .expired)  // lazily, on read
        let second = try await request(cast)
        #expect(second.confirmationNumber != first.confirmationNumber)
        cast.world.advance(by: .seconds(31 * 86400))
        #expect(try await cast.thirdParty.expirePending() == 1)
        #expect(try await cast.world.store.accessRequest(second.request)?.value.status == .expired)
        #expect(try await cast.thirdParty.expirePending() == 0)
    }

    @Test("X11: correspondence about an account tells every third party with access to it")
    func correspondence() async throws {
        let cast = try await Cast.make()
        try await cast.world.grant(C.otherParent, on: C.client, [C.clientIncome: .viewOnly])
        let correspondence = cast.world.portal.correspondence
        #expect(try await correspondence.noticeMailed(account: C.clientAccount, by: "clerk 3") == [C.parent])
        #expect(try await correspondence.noticeMailed(account: C.clientIncome, by: "clerk 3") == [C.otherParent])
        #expect(try await correspondence.noticeMailed(account: C.prospectAccount, by: "clerk 3") == [])
        #expect(try await cast.world.mails(to: cast.email(C.parent)).count == 1)
        #expect(try await cast.world.eMessages(of: C.parent).first?.body.contains("AC1") == true)
        await expectRefusal(.notFound) { _ = try await correspondence.noticeMailed(account: "NOPE", by: "clerk 3") }
        await expectRefusal(.invalidInput, field: "operator") {
            _ = try await correspondence.noticeMailed(account: C.clientAccount, by: " ")
        }
        try await cast.expectMailCarriesNothingPersonal()
    }

    @Test("W2: a third party lists its own business and its clients, and marks favourites")
    func clientsAndFavourites() async throws {
        let cast = try await Cast.make()
        let token = try await cast.token(C.parent)
        var clients = try await cast.thirdParty.clients(token)
        #expect(clients.map(\.taxpayer) == [C.firm, C.client])
        #expect(clients[0].isOwnBusiness && !clients[1].isOwnBusiness)
        #expect(clients[1].accounts == [C.clientAccount: .fileAndPay])
        #expect(clients[1].maskedTaxID == "***-**-6789")
        try await cast.thirdParty.setFavourite(token, taxpayer: C.client, favourite: true)
        clients = try await cast.thirdParty.clients(token)
        #expect(clients[1].isFavourite)
        try await cast.thirdParty.setFavourite(token, taxpayer: C.client, favourite: false)
        #expect(try await cast.thirdParty.clients(token)[1].isFavourite == false)
        await expectRefusal(.notFound) {
            try await cast.thirdParty.setFavourite(token, taxpayer: C.prospect, favourite: true)
        }
        // A secondary TA sees the parent's clients in its groups, capped by its access type (S6).
        let secondary = try await cast.thirdParty.clients(try await cast.token(C.secondaryTA))
        #expect(secondary.map(\.taxpayer) == [C.firm, C.client])
        #expect(secondary[0].accounts == [C.firmAccount: .fileAndPay])
    }
}
