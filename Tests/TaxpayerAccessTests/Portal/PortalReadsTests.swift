import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// The reads and acts a portal needs: who am I, the e-message inbox (N3), a matched taxpayer's requestable accounts
/// (X2), and a third party's per-account cancel (X9).
@Suite("Portal: who am I, the inbox, requestable accounts, per-account cancel (N3, X2, X9, P3)")
struct PortalReadsTests {
    typealias C = Cast

    @Test("P3, R12, A3: who am I tells the stage, so the portal can choose set-up, code entry or signed-in pages")
    func whoAmI() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let first = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let setUp = try await world.profile.whoAmI(try await world.caller(first.sessionToken))
        #expect(setUp.stage == .awaitingTwoStepSetup && setUp.methods.isEmpty && setUp.roles.isEmpty)
        #expect(setUp.username == "pat.client")
        #expect(setUp.fullName.isEmpty, "a password alone does not tell whose logon it is (A3)")
        try await world.setUpEmailCodes(username: "pat.client", email: "pat@client.example")
        let (token, _) = try await world.loginWithCode()
        let me = try await world.profile.whoAmI(try await world.caller(token))
        #expect(me.stage == .authenticated && me.methods.map(\.kind) == [.email])
        #expect(me.roles.map(\.relationship) == [.masterAdministrator])
        #expect(!me.fullName.isEmpty)
    }

    @Test("N3: the inbox lists newest first with an unread count; opening marks read; delete; nobody else can")
    func inbox() async throws {
        let cast = try await Cast.make()
        let now = cast.world.clock.now()
        for (id, offset) in [("E1", 0.0), ("E2", 60.0), ("E3", 120.0)] {
            try await cast.world.put(
                .eMessage(
                    EMessage(
                        id: MessageID(id), logon: C.ownMA, subject: "Message \(id)", body: "Details \(id)",
                        createdAt: now.addingTimeInterval(offset))))
        }
        try await cast.world.put(
            .eMessage(EMessage(id: "EX", logon: C.ownTA, subject: "Not yours", body: "Private", createdAt: now)))
        let inbox = cast.world.portal.inbox
        let mine = try await cast.token(C.ownMA)
        let listing = try await inbox.messages(mine)
        #expect(listing.messages.map(\.id) == ["E3", "E2", "E1"] && listing.unread == 3)
        let opened = try await inbox.open(mine, message: "E2")
        #expect(opened.read && opened.body == "Details E2")
        #expect(try await inbox.messages(mine).unread == 2)
        try await inbox.delete(mine, message: "E1")
        #expect(try await inbox.messages(mine).messages.map(\.id) == ["E3", "E2"])
        #expect(try await cast.world.audit().contains { $0.action == .messageDeleted && $0.subject == "eMessage/E1" })
        // L4, N3: another's message answers as one that does not exist, and is left as it was.
        let unknown = await #expect(throws: AccessError.self) { try await inbox.open(mine, message: "E404") }
        let others = await #expect(throws: AccessError.self) { try await inbox.open(mine, message: "EX") }
        #expect(unknown?.code == .notFound && unknown?.message == others?.message)
        await #expect(throws: AccessError(.notFound, "")) { try await inbox.delete(mine, message: "EX") }
        #expect(try await cast.world.store.record(RecordKey(.eMessage, "EX"))?.eMessage?.value.read == false)
    }

    @Test("X2: once ID and name match, the requestable accounts show type and a masked number only; choices request")
    func requestableAccounts() async throws {
        let cast = try await Cast.make()
        let parent = try await cast.token(C.parent)
        let access = cast.thirdParty
        // A mismatch is the answer of an unknown taxpayer, audited.
        let wrong = await #expect(throws: AccessError.self) {
            try await access.requestableAccounts(
                parent, idType: .ssn, idNumber: "987654321", legalName: "Chris Brown")
        }
        #expect(wrong?.code == .taxpayerNotMatched)
        #expect(try await cast.world.audit().contains { $0.action == .requestNotMatched })
        let offered = try await access.requestableAccounts(
            parent, idType: .ssn, idNumber: "987-65-4321", legalName: "CHRIS  O'BRIEN-SMITH")
        #expect(offered.count == 1 && offered[0].type == .salesAndUse)
        #expect(offered[0].maskedNumber == Masking.accountNumber(C.prospectAccount.rawValue))
        #expect(!offered[0].maskedNumber.contains(C.prospectAccount.rawValue))
        #expect(!offered[0].choice.rawValue.contains(C.prospectAccount.rawValue))
        let receipt = try await access.requestAccess(
            parent, idType: .ssn, idNumber: "987654321", legalName: "Chris O'Brien-Smith",
            choices: [offered[0].choice: .viewOnly], channel: .online)
        let request = try #require(try await cast.world.store.accessRequest(receipt.request)).value
        #expect(request.accounts == [C.prospectAccount: .viewOnly])
        // A choice of another taxpayer, or made up, is the answer of a wrong name.
        await #expect(throws: AccessError(.taxpayerNotMatched, "")) {
            _ = try await access.requestAccess(
                try await cast.token(C.otherParent), idType: .ssn, idNumber: "987654321",
                legalName: "Chris O'Brien-Smith", choices: [AccountChoice(rawValue: "c-made-up"): .viewOnly],
                channel: .online)
        }
    }

    @Test("X9: a third party cancels its own access to one account, then to the rest; the grant ends with the last")
    func perAccountCancel() async throws {
        let cast = try await Cast.make()
        try await cast.world.grant(C.parent, on: C.client, [C.clientAccount: .fileAndPay, C.clientIncome: .viewOnly])
        let parent = try await cast.token(C.parent)
        let resolver = cast.world.portal.resolver
        try await cast.thirdParty.cancelOwnAccess(parent, taxpayer: C.client, accounts: [C.clientIncome])
        #expect(resolver.level(logon: C.parent, account: C.clientIncome) == .none)
        #expect(resolver.level(logon: C.parent, account: C.clientAccount) == .fileAndPay)
        #expect(try await cast.world.store.grant(of: C.parent, on: C.client)?.value.status == .active)
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await cast.thirdParty.cancelOwnAccess(parent, taxpayer: C.client, accounts: [C.clientIncome])
        }
        try await cast.thirdParty.cancelOwnAccess(parent, taxpayer: C.client, accounts: [C.clientAccount])
        #expect(try await cast.world.store.grant(of: C.parent, on: C.client)?.value.status == .cancelled)
        #expect(resolver.level(logon: C.parent, account: C.clientAccount) == .none)
        // L4: on a taxpayer that does not exist, the answer of one without access.
        let unknown = await #expect(throws: AccessError.self) {
            try await cast.thirdParty.cancelOwnAccess(parent, taxpayer: "T-none", accounts: nil)
        }
        let without = await #expect(throws: AccessError.self) {
            try await cast.thirdParty.cancelOwnAccess(parent, taxpayer: C.prospect, accounts: nil)
        }
        #expect(unknown?.code == .notFound && unknown?.message == without?.message)
    }
}
