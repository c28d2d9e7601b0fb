import Testing
import Foundation
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Access: firm administration")
struct FirmAdministrationTests {
    typealias C = Cast

    func firm(_ cast: Cast) -> FirmAdministration { cast.world.portal.firm }
    func level(_ cast: Cast, _ logon: LogonID, _ account: AccountID) async throws -> AccessLevel {
        try await AccessResolver.load(from: cast.world.store).level(logon: logon, account: account)
    }

    @Test("S2: a secondary holds access from the commit that mails its link; the person completes it once")
    func addAndComplete() async throws {
        let cast = try await Cast.make()
        let token = try await cast.token(C.parent)
        let id = try await firm(cast).addSecondary(
            token,
            NewSecondary(
                fullName: "Kim Clerk", email: "Kim@Acme.example", accessType: .taxAdministrator(.viewOnly)))
        let logon = try #require(try await cast.world.store.logon(id)).value
        #expect(logon.status == .active && !logon.activated)
        #expect(logon.secondary?.groups == [SecurityGroup.defaultID(of: C.parent)])
        #expect(logon.accessTypeLabel == "Parent Web Logon")  // S9
        #expect(try await level(cast, id, C.clientAccount) == .viewOnly)  // before completion
        let mail = try #require(try await cast.world.mails(to: "kim@acme.example").first)
        let link = try #require(FixtureWorld.linkToken(in: mail))
        // Only the hash is stored.
        let stored = try await cast.world.store.linkTokens(of: id)
        #expect(stored.count == 1 && stored[0].value.tokenHash == SecretToken.hash(link))
        #expect(try await cast.world.store.records(ofKind: .linkToken).allSatisfy { !"\($0)".contains(link) })
        await expectRefusal(.invalidInput, field: "password") {
            try await firm(cast).completeSecondary(linkToken: link, username: "kim.clerk", password: "short")
        }
        await expectRefusal(.usernameTaken) {
            try await firm(cast).completeSecondary(linkToken: link, username: "SMA", password: "Secret123x")
        }
        try await firm(cast).completeSecondary(linkToken: link, username: "kim.clerk", password: "Secret123x")
        let completed = try #require(try await cast.world.store.logon(byUsername: "KIM.CLERK")).value
        #expect(completed.id == id && completed.activated && completed.credentials.passwordHash != nil)
        await expectRefusal(.invalidLink) {
            try await firm(cast).completeSecondary(linkToken: link, username: "kim.other", password: "Secret123x")
        }
    }

    @Test("S2: bad input gets specific refusals")
    func addRefusals() async throws {
        let cast = try await Cast.make()
        let token = try await cast.token(C.parent)
        let f = firm(cast)
        await expectRefusal(.emailTaken) {
            try await f.addSecondary(
                token, NewSecondary(fullName: "Kim", email: "CM@example.test", accessType: .masterAdministrator))
        }
        await expectRefusal(.invalidInput, field: "email") {
            try await f.addSecondary(
                token, NewSecondary(fullName: "Kim", email: "not-an-email", accessType: .masterAdministrator))
        }
        await expectRefusal(.invalidInput, field: "fullName") {
            try await f.addSecondary(
                token, NewSecondary(fullName: " ", email: "k@a.example", accessType: .masterAdministrator))
        }
        await expectRefusal(.invalidInput, field: "accessType") {
            try await f.addSecondary(
                token, NewSecondary(fullName: "Kim", email: "k@a.example", accessType: .taxAdministrator(.none)))
        }
        await expectRefusal(.invalidInput, field: "groups") {
            try await f.addSecondary(
                token,
                NewSecondary(
                    fullName: "Kim", email: "k@a.example", accessType: .masterAdministrator,
                    groups: [SecurityGroup.defaultID(of: C.otherParent)]))
        }
        await expectRefusal(.invalidInput, field: "accountTypes") {
            try await f.addSecondary(
                token,
                NewSecondary(
                    fullName: "Kim", email: "k@a.example", accessType: .masterAdministrator,
                    accountTypes: []))
        }
        await expectRefusal(.invalidLink) {
            try await f.completeSecondary(linkToken: "forged", username: "kim.clerk", password: "Secret123x")
        }
    }

    @Test("S3: Default always exists; custom groups are unique per parent, renamed, deleted")
    func groups() async throws {
        let cast = try await Cast.make()
        let f = firm(cast)
        let token = try await cast.token(C.secondaryMA)  // S1: a secondary MA administers the firm
        #expect(try await f.groups(token).map(\.name) == ["Default"])
        let payroll = try await f.createGroup(token, name: "  Payroll   clients ")
        // The Default group is created on the parent's first firm action.
        #expect(try await cast.world.store.securityGroup(SecurityGroup.defaultID(of: C.parent)) != nil)
        #expect(try await f.groups(token).map(\.name) == ["Default", "Payroll clients"])
        await expectRefusal(.conflict) { try await f.createGroup(token, name: "PAYROLL CLIENTS") }
        await expectRefusal(.conflict) { try await f.createGroup(token, name: "default") }
        await expectRefusal(.invalidInput, field: "name") { try await f.createGroup(token, name: "   ") }
        // Another parent may use the same name: groups are each parent's own.
        try await f.createGroup(try await cast.token(C.otherParent), name: "Payroll clients")
        try await f.renameGroup(token, group: payroll, to: "Payroll")
        #expect(try await cast.world.store.securityGroup(payroll)?.value.name == "Payroll")
        await expectRefusal(.conflict) {
            try await f.renameGroup(token, group: SecurityGroup.defaultID(of: C.parent), to: "X")
        }
        await expectRefusal(.conflict) { try await f.deleteGroup(token, group: SecurityGroup.defaultID(of: C.parent)) }
        await expectRefusal(.notFound) { try await f.deleteGroup(token, group: "G-nope") }
        try await f.deleteGroup(token, group: payroll)
        #expect(try await cast.world.store.securityGroup(payroll) == nil)
    }

    @Test("S4, S5, S6: groups decide which clients a secondary reaches; deleting a group moves all back to Default")
    func customerSecurity() async throws {
        let cast = try await Cast.make()
        let f = firm(cast)
        let token = try await cast.token(C.parent)
        let payroll = try await f.createGroup(token, name: "Payroll")
        try await f.assignTaxpayer(token, taxpayer: C.client, to: payroll)
        await expectRefusal(.conflict) { try await f.assignTaxpayer(token, taxpayer: C.client, to: payroll) }
        await expectRefusal(.notFound) { try await f.assignTaxpayer(token, taxpayer: C.prospect, to: payroll) }
        await expectRefusal(.invalidInput, field: "group") {
            try await f.assignTaxpayer(token, taxpayer: C.client, to: "G-nope")
        }
        // The secondary TA is in Default only: it no longer reaches the client, still the firm (S6).
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .none)
        #expect(try await level(cast, C.secondaryTA, C.firmAccount) == .fileAndPay)
        try await f.setGroups(token, secondary: C.secondaryTA, groups: [payroll])
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .fileAndPay)
        #expect(try await level(cast, C.secondaryTA, C.firmAccount) == .none)
        // S6: refinement caps one account for this client.
        try await f.setRefinement(
            token, secondary: C.secondaryTA, taxpayer: C.client, accounts: [C.clientAccount: .viewOnly])
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .viewOnly)
        await expectRefusal(.invalidInput, field: "accounts") {
            try await f.setRefinement(
                token, secondary: C.secondaryTA, taxpayer: C.client, accounts: [C.firmAccount: .viewOnly])
        }
        try await f.setRefinement(token, secondary: C.secondaryTA, taxpayer: C.client, accounts: [:])
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .fileAndPay)
        // S6: account types.
        try await f.setAccountTypes(token, secondary: C.secondaryTA, to: [.personalIncome])
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .none)
        try await f.setAccountTypes(token, secondary: C.secondaryTA, to: nil)
        // S4, S5: deleting the group sends the client and the secondary back to Default.
        try await f.deleteGroup(token, group: payroll)
        #expect(try await cast.world.store.groupAssignments(of: C.parent).isEmpty)
        #expect(
            try await cast.world.store.logon(C.secondaryTA)?.value.secondary?.groups == [
                SecurityGroup.defaultID(of: C.parent)
            ])
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .fileAndPay)
        // S5: an empty list means Default.
        try await f.setAccessType(token, secondary: C.secondaryTA, to: .taxAdministrator(.viewOnly))
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .viewOnly)
        await expectRefusal(.conflict) { try await f.setGroups(token, secondary: C.secondaryTA, groups: []) }
    }

    @Test("S7: when the client cancels the firm, every secondary loses access at once")
    func parentLosesAccess() async throws {
        let cast = try await Cast.make()
        #expect(try await level(cast, C.secondaryMA, C.clientAccount) == .fileAndPay)
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .fileAndPay)
        try await cast.world.portal.thirdParties
            .cancelAccess(try await cast.token(C.ownMA), taxpayer: C.client, thirdParty: C.parent)
        #expect(try await level(cast, C.secondaryMA, C.clientAccount) == .none)
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .none)
    }

    @Test("S8: deactivate (no access at once), reactivate, cancel for ever")
    func status() async throws {
        let cast = try await Cast.make()
        let f = firm(cast)
        let token = try await cast.token(C.parent)
        let clerk = try await cast.world.signIn(C.secondaryTA)  // a session token: each request authenticates it
        try await f.deactivate(token, secondary: C.secondaryTA)
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .none)
        await expectRefusal(.sessionExpired) {
            _ = try await cast.world.portal.thirdParties.clients(try await cast.world.portal.caller(clerk))
        }
        await expectRefusal(.conflict) { try await f.deactivate(token, secondary: C.secondaryTA) }
        try await f.reactivate(token, secondary: C.secondaryTA)
        #expect(try await level(cast, C.secondaryTA, C.clientAccount) == .fileAndPay)
        try await f.cancel(token, secondary: C.secondaryTA)
        #expect(try await cast.world.store.logon(C.secondaryTA)?.value.status == .deleted)
        await expectRefusal(.conflict) { try await f.reactivate(token, secondary: C.secondaryTA) }
        await expectRefusal(.notFound) { try await f.deactivate(token, secondary: C.otherSecondary) }
        await expectRefusal(.notFound) { try await f.deactivate(token, secondary: C.ownTA) }
        let event = try #require(try await cast.world.audit().last { $0.action == .secondaryChanged })
        #expect(event.actor == .logon(C.parent))
        if case .logon(let after) = event.after {
            #expect(after.status == .deleted)
        } else {
            Issue.record("U1: no after record")
        }
    }

    @Test("S9: the agency reads a secondary as Parent Web Logon, an additional logon as Web Logon")
    func labels() async throws {
        let cast = try await Cast.make()
        #expect(try await cast.world.store.logon(C.secondaryTA)?.value.accessTypeLabel == "Parent Web Logon")
        #expect(try await cast.world.store.logon(C.ownTA)?.value.accessTypeLabel == "Web Logon")
        let listed = try await firm(cast).secondaries(try await cast.token(C.parent))
        #expect(listed.map(\.id) == [C.secondaryMA, C.secondaryTA])
        #expect(listed.allSatisfy { $0.credentials.passwordHash == nil })  // no secrets
    }
}
