import Testing
import Foundation
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Access: taxpayer administration")
struct TaxpayerAdministrationTests {
    typealias C = Cast

    @Test("M2: an MA sets a TA's level per account, audited with before/after (U1) and mailed (N1)")
    func setLevel() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        try await cast.admin.setAccountLevel(
            ma, taxpayer: C.client, logon: C.ownTA, account: C.clientIncome, level: .viewOnly)
        let role = try #require(try await cast.world.store.role(of: C.ownTA, on: C.client)).value
        #expect(role.accountLevels == [C.clientAccount: .fileAndPay, C.clientIncome: .viewOnly])
        let event = try #require(try await cast.world.audit().last { $0.action == .roleChanged })
        #expect(event.actor == .logon(C.ownMA))
        #expect(
            event.before
                == .role(
                    RoleAssignment(
                        logon: C.ownTA, taxpayer: C.client, role: .taxAdministrator,
                        accountLevels: [C.clientAccount: .fileAndPay],
                        grantedAt: role.grantedAt)))
        #expect(event.after == .role(role))
        #expect(try await cast.world.mails(to: cast.email(C.ownTA)).count == 1)
        let message = try #require(try await cast.world.eMessages(of: C.ownTA).first)
        #expect(message.body.contains("View Only"))
        try await cast.expectMailCarriesNothingPersonal()
    }

    @Test("M2: removing an account takes it away; a level of none on an account it lacks is refused")
    func removeAccount() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        try await cast.admin.setAccountLevel(
            ma, taxpayer: C.client, logon: C.ownTA, account: C.clientAccount, level: nil)
        #expect(try await cast.world.store.role(of: C.ownTA, on: C.client)?.value.accountLevels == [:])
        await expectRefusal(.invalidInput, field: "account") {
            try await cast.admin.setAccountLevel(
                ma, taxpayer: C.client, logon: C.ownTA, account: C.clientIncome, level: AccessLevel.none)
        }
    }

    @Test(
        "M2: bad input gets specific refusals",
        arguments: [
            (AccountID("AP1"), AccessLevel.viewOnly, AccessError.Code.invalidInput),  // another taxpayer's account
            (AccountID("AC1"), AccessLevel.fileAndPay, AccessError.Code.conflict),  // no change
        ])
    func setLevelRefusals(account: AccountID, level: AccessLevel, code: AccessError.Code) async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        await expectRefusal(code) {
            try await cast.admin.setAccountLevel(ma, taxpayer: C.client, logon: C.ownTA, account: account, level: level)
        }
    }

    @Test("M2, L4: a closed account cannot be given")
    func closedAccount() async throws {
        let cast = try await Cast.make()
        try await cast.world.account("AC3", of: C.client, type: .meals, status: .closed)
        let ma = try await cast.token(C.ownMA)
        await expectRefusal(.invalidInput, field: "account") {
            try await cast.admin.setAccountLevel(
                ma, taxpayer: C.client, logon: C.ownTA, account: "AC3", level: .viewOnly)
        }
    }

    @Test("M2: promote a TA, demote another MA; never the last active MA")
    func promoteAndDemote() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        // The only active MA may not demote itself (D1 and D2 are MAs but not active).
        await expectRefusal(.conflict) { try await cast.admin.demote(ma, taxpayer: C.client, logon: C.ownMA) }
        try await cast.admin.promote(ma, taxpayer: C.client, logon: C.ownTA)
        #expect(try await cast.world.store.role(of: C.ownTA, on: C.client)?.value.role == .masterAdministrator)
        await expectRefusal(.conflict) { try await cast.admin.promote(ma, taxpayer: C.client, logon: C.ownTA) }
        // Now the new MA demotes the first one.
        let newMA = try await cast.token(C.ownTA)
        try await cast.admin.demote(newMA, taxpayer: C.client, logon: C.ownMA)
        let demoted = try #require(try await cast.world.store.role(of: C.ownMA, on: C.client)).value
        #expect(demoted.role == .taxAdministrator)
        #expect(demoted.accountLevels == [C.clientAccount: .allAccess, C.clientIncome: .allAccess])
        // And the demoted logon administers nothing any more (L3).
        await expectRefusal(.notAuthorized) { try await cast.admin.promote(ma, taxpayer: C.client, logon: C.ownMA) }
        // The last active MA again cannot go.
        await expectRefusal(.conflict) { try await cast.admin.demote(newMA, taxpayer: C.client, logon: C.ownTA) }
    }

    @Test("M3: cancelling a TA is irreversible; only a new grant restores access")
    func cancelIsIrreversible() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        try await cast.admin.cancelAccess(ma, taxpayer: C.client, logon: C.ownTA)
        let role = try #require(try await cast.world.store.role(of: C.ownTA, on: C.client)).value
        #expect(role.status == .cancelled)
        #expect(role.cancellation?.by == .logon(C.ownMA))
        #expect(role.cancellation?.capacity == "the taxpayer's Master Administrator")
        await expectRefusal(.notFound) {
            try await cast.admin.setAccountLevel(
                ma, taxpayer: C.client, logon: C.ownTA, account: C.clientAccount, level: .viewOnly)
        }
        await expectRefusal(.notFound) { try await cast.admin.promote(ma, taxpayer: C.client, logon: C.ownTA) }
        await expectRefusal(.notFound) { try await cast.admin.cancelAccess(ma, taxpayer: C.client, logon: C.ownTA) }
        // A new grant.
        try await cast.admin.grantTaxAdministrator(
            ma, taxpayer: C.client, logon: C.ownTA, levels: [C.clientIncome: .viewOnly])
        let restored = try #require(try await cast.world.store.role(of: C.ownTA, on: C.client)).value
        #expect(restored.status == .active)
        #expect(restored.accountLevels == [C.clientIncome: .viewOnly])
        #expect(restored.cancellation == nil)
        await expectRefusal(.conflict) {
            try await cast.admin.grantTaxAdministrator(
                ma, taxpayer: C.client, logon: C.ownTA, levels: [C.clientIncome: .viewOnly])
        }
    }

    @Test("M3: an MA is demoted, not cancelled; grants go to live, non-secondary logons with some level")
    func cancelAndGrantRefusals() async throws {
        let cast = try await Cast.make()
        let ma = try await cast.token(C.ownMA)
        await expectRefusal(.conflict) { try await cast.admin.cancelAccess(ma, taxpayer: C.client, logon: C.ownMA) }
        await expectRefusal(.invalidInput, field: "logon") {
            try await cast.admin.grantTaxAdministrator(
                ma, taxpayer: C.client, logon: C.secondaryTA, levels: [C.clientAccount: .viewOnly])
        }
        await expectRefusal(.invalidInput, field: "logon") {
            try await cast.admin.grantTaxAdministrator(
                ma, taxpayer: C.client, logon: C.deactivated, levels: [C.clientAccount: .viewOnly])
        }
        await expectRefusal(.invalidInput, field: "levels") {
            try await cast.admin.grantTaxAdministrator(ma, taxpayer: C.client, logon: C.stranger, levels: [:])
        }
        await expectRefusal(.invalidInput, field: "levels") {
            try await cast.admin.grantTaxAdministrator(
                ma, taxpayer: C.client, logon: C.stranger, levels: [C.prospectAccount: .viewOnly])
        }
        await expectRefusal(.notFound) {
            try await cast.admin.grantTaxAdministrator(
                ma, taxpayer: C.client, logon: "NOBODY", levels: [C.clientAccount: .viewOnly])
        }
    }

    @Test("M4: any logon cancels its own access; a secondary has none of its own")
    func cancelOwn() async throws {
        let cast = try await Cast.make()
        try await cast.admin.cancelOwnAccess(try await cast.token(C.ownTA), taxpayer: C.client)
        let role = try #require(try await cast.world.store.role(of: C.ownTA, on: C.client)).value
        #expect(role.status == .cancelled)
        #expect(role.cancellation?.capacity == "the logon itself")
        // The third party too (X9 through M4).
        try await cast.admin.cancelOwnAccess(try await cast.token(C.parent), taxpayer: C.client)
        #expect(try await cast.world.store.grant(of: C.parent, on: C.client)?.value.status == .cancelled)
        await expectRefusal(.notFound) {
            try await cast.admin.cancelOwnAccess(try await cast.token(C.secondaryMA), taxpayer: C.client)
        }
        await expectRefusal(.notFound) {
            try await cast.admin.cancelOwnAccess(try await cast.token(C.stranger), taxpayer: C.client)
        }
        // The MA was told that the TA left (N1: the mail says only that there is something new).
        #expect(try await cast.world.eMessages(of: C.ownMA).contains { $0.body.contains("Terry Clerk") })
        try await cast.expectMailCarriesNothingPersonal()
    }

    @Test("W1, M1, L3: an MA lists live logons, secondaries included, with levels and routes; MA only")
    func whoHasAccess() async throws {
        let cast = try await Cast.make()
        try await cast.world.account("AC4", of: C.client, type: .meals)  // opened later: the MA has it too (L3)
        let holders = try await cast.admin.whoHasAccess(try await cast.token(C.ownMA), taxpayer: C.client)
        #expect(
            holders == [
                AccessHolder(
                    logon: C.ownMA, fullName: "Pat Client", routes: [.masterAdministrator],
                    accounts: [C.clientAccount: .allAccess, C.clientIncome: .allAccess, "AC4": .allAccess]),
                AccessHolder(
                    logon: C.ownTA, fullName: "Terry Clerk", routes: [.taxAdministrator],
                    accounts: [C.clientAccount: .fileAndPay]),
                AccessHolder(
                    logon: C.parent, fullName: "Acme Owner", routes: [.thirdParty],
                    accounts: [C.clientAccount: .fileAndPay]),
                // W1: the third party's secondary logons reach the taxpayer through it, and are listed too.
                AccessHolder(
                    logon: C.secondaryMA, fullName: "Acme Manager", routes: [.secondary(of: C.parent)],
                    accounts: [C.clientAccount: .fileAndPay]),
                AccessHolder(
                    logon: C.secondaryTA, fullName: "Acme Clerk", routes: [.secondary(of: C.parent)],
                    accounts: [C.clientAccount: .fileAndPay]),
            ])
        // The service's answer is the resolver's (W1): the same logons, routes and levels.
        #expect(
            holders.map { LogonAccess(logon: $0.logon, routes: $0.routes, accounts: $0.accounts) }
                == cast.world.portal.resolver.whoHasAccess(taxpayer: C.client))
        await expectRefusal(.notAuthorized) {
            _ = try await cast.admin.whoHasAccess(try await cast.token(C.ownTA), taxpayer: C.client)
        }
        await expectRefusal(.notAuthorized) {
            _ = try await cast.admin.whoHasAccess(try await cast.token(C.parent), taxpayer: C.client)
        }
    }
}
