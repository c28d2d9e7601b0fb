#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import TaxpayerAccess

@Suite("Resolver rules")
struct ResolverRuleTests {
    // L1, L2: each action needs its level.
    @Test(
        "L2: action → level needed",
        arguments: [
            (AccountAction.view, AccessLevel.viewOnly), (.file, .fileAndPay), (.pay, .fileAndPay),
            (.amend, .fileAndPay),
            (.manageAccount, .allAccess),
        ])
    func actionLevels(action: AccountAction, needed: AccessLevel) {
        #expect(action.requiredLevel == needed)
        for level in AccessLevel.allCases {
            #expect(action.isAllowed(at: level) == (level >= needed && level != .none))
        }
    }

    @Test("L3: an MA has All Access on every active account, including one opened later")
    func masterAdministratorEveryAccount() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .meals)])
        world.logon("L1")
        world.ma("L1", "T1")
        let resolver = world.resolver
        #expect(resolver.level(logon: "L1", account: "A1") == .allAccess)
        #expect(resolver.check(logon: "L1", account: "A2", action: .manageAccount))
        resolver.apply(
            Change(
                sequence: 1,
                written: [Versioned(.account(TaxAccount(id: "A3", taxpayer: "T1", type: .roomOccupancy)), version: 1)],
                deleted: []))
        #expect(resolver.level(logon: "L1", account: "A3") == .allAccess)
    }

    @Test("L3: a TA has exactly the per-account levels it was given")
    func taxAdministratorLevels() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .meals)])
        world.logon("L1")
        world.ta("L1", "T1", ["A1": .viewOnly])
        let resolver = world.resolver
        #expect(resolver.level(logon: "L1", account: "A1") == .viewOnly)
        #expect(!resolver.check(logon: "L1", account: "A1", action: .file))
        #expect(resolver.level(logon: "L1", account: "A2") == .none)
    }

    @Test("L4: the level is the highest over every path")
    func highestPath() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.logon("L1")
        world.ta("L1", "T1", ["A1": .viewOnly])
        world.grant("L1", "T1", ["A1": .fileAndPay])
        #expect(world.resolver.level(logon: "L1", account: "A1") == .fileAndPay)
    }

    @Test(
        "L4: deactivated, deleted and unapproved logons have no path",
        arguments: [
            LogonStatus.deactivated, .deleted, .pendingApproval,
        ])
    func inactiveLogons(status: LogonStatus) {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.logon("L1", status: status)
        world.ma("L1", "T1")
        let resolver = world.resolver
        #expect(resolver.level(logon: "L1", account: "A1") == .none)
        #expect(resolver.clients(of: "L1").isEmpty)
        #expect(resolver.whoHasAccess(taxpayer: "T1").isEmpty)
    }

    @Test("L4: a closed account gives no access to anyone")
    func closedAccount() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .meals)], closed: ["A2"])
        world.logon("L1")
        world.ma("L1", "T1")
        let resolver = world.resolver
        #expect(resolver.level(logon: "L1", account: "A2") == .none)
        #expect(
            resolver.whoHasAccess(taxpayer: "T1") == [
                LogonAccess(logon: "L1", routes: [.masterAdministrator], accounts: ["A1": .allAccess])
            ])
    }

    @Test("L4: unknown logon or account is simply denied")
    func unknownIDs() {
        let resolver = WorldBuilder.firm().resolver
        #expect(resolver.level(logon: "nobody", account: "A90") == .none)
        #expect(!resolver.check(logon: "L1", account: "nothing", action: .view))
    }

    @Test("M3, X8: a cancelled role or grant gives no path")
    func cancelled() {
        let cancellation = Cancellation(
            by: .logon("L9"), at: .day(2026, 3, 4), capacity: "the taxpayer's Master Administrator")
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.logon("L1")
        world.logon("L2")
        world.ta("L1", "T1", ["A1": .allAccess], cancelled: cancellation)
        world.grant("L2", "T1", ["A1": .allAccess], cancelled: cancellation)
        let resolver = world.resolver
        #expect(resolver.level(logon: "L1", account: "A1") == .none)
        #expect(resolver.level(logon: "L2", account: "A1") == .none)
        #expect(resolver.whoHasAccess(taxpayer: "T1").isEmpty)
    }

    @Test("S4, X7: an approved client sits in the parent's Default group and reaches Default secondaries")
    func defaultGroup() {
        // S5: no groups means Default.
        let secondary = SecondaryProfile(parent: "L1", accessType: .taxAdministrator(.allAccess))
        let resolver = WorldBuilder.firm(secondary: secondary, clientInG2: false).resolver
        #expect(resolver.clients(of: "L1") == ["T9", "TF"])
        #expect(resolver.clients(of: "L2") == ["T9", "TF"])
        #expect(resolver.level(logon: "L2", account: "A90") == .fileAndPay)
    }

    @Test("S4, S5: a secondary in a custom group does not reach taxpayers in Default")
    func customGroupOnly() {
        let resolver = WorldBuilder.firm().resolver
        #expect(resolver.clients(of: "L2") == ["T9"])
        #expect(resolver.level(logon: "L2", account: "AF1") == .none)
    }

    @Test("S4: deleting a custom group moves its taxpayers back to Default")
    func deletedGroup() {
        let secondary = SecondaryProfile(parent: "L1", accessType: .masterAdministrator, groups: ["G1"])
        let resolver = WorldBuilder.firm(secondary: secondary).resolver
        #expect(resolver.level(logon: "L2", account: "A90") == .none)
        resolver.apply(Change(sequence: 1, written: [], deleted: [RecordKey(.securityGroup, "G2")]))
        #expect(resolver.level(logon: "L2", account: "A90") == .fileAndPay)
    }

    @Test(
        "S6: level = min(parent's level, cap)",
        arguments: [
            (AccessLevel.viewOnly, AccessLevel.fileAndPay, AccessLevel.viewOnly),
            (.allAccess, .fileAndPay, .fileAndPay),
            (.allAccess, .allAccess, .allAccess),
            (.fileAndPay, .allAccess, .fileAndPay),
        ])
    func capAndParent(cap: AccessLevel, parentLevel: AccessLevel, expected: AccessLevel) {
        let secondary = SecondaryProfile(parent: "L1", accessType: .taxAdministrator(cap), groups: ["G2"])
        let resolver = WorldBuilder.firm(clientLevels: ["A90": parentLevel], secondary: secondary).resolver
        #expect(resolver.level(logon: "L2", account: "A90") == expected)
    }

    @Test("S6: a refinement replaces the cap per account; none takes the account away")
    func refinement() {
        var world = WorldBuilder.firm(
            clientLevels: ["A90": .allAccess, "A91": .allAccess],
            secondary: SecondaryProfile(parent: "L1", accessType: .masterAdministrator, groups: ["G2"]))
        world.refine("L2", "T9", ["A90": .viewOnly, "A91": .none])
        let resolver = world.resolver
        #expect(resolver.level(logon: "L2", account: "A90") == .viewOnly)
        #expect(resolver.level(logon: "L2", account: "A91") == .none)
    }

    @Test("S6: a secondary reaches only the account types it applies to")
    func accountTypes() {
        let secondary = SecondaryProfile(
            parent: "L1", accessType: .masterAdministrator, groups: ["G2"], accountTypes: [.withholding])
        let resolver = WorldBuilder.firm(secondary: secondary).resolver
        #expect(resolver.level(logon: "L2", account: "A90") == .fileAndPay)
        #expect(resolver.level(logon: "L2", account: "A91") == .none)
    }

    @Test("S7, X8: lowering or cancelling the parent's access lowers or removes the secondary's at once")
    func parentChanges() {
        let secondary = SecondaryProfile(parent: "L1", accessType: .masterAdministrator, groups: ["G2"])
        let resolver = WorldBuilder.firm(secondary: secondary).resolver
        #expect(resolver.level(logon: "L2", account: "A90") == .fileAndPay)
        resolver.apply(
            Change(
                sequence: 1,
                written: [
                    Versioned(
                        .grant(ThirdPartyGrant(taxpayer: "T9", thirdParty: "L1", accounts: ["A90": .viewOnly])),
                        version: 2)
                ], deleted: []))
        #expect(resolver.level(logon: "L2", account: "A90") == .viewOnly)
        let cancelled = ThirdPartyGrant(
            taxpayer: "T9", thirdParty: "L1", accounts: ["A90": .viewOnly], status: .cancelled,
            cancellation: Cancellation(
                by: .logon("L3"), at: .day(2026, 3, 4), capacity: "the taxpayer's Master Administrator"))
        resolver.apply(Change(sequence: 2, written: [Versioned(.grant(cancelled), version: 3)], deleted: []))
        #expect(resolver.level(logon: "L2", account: "A90") == .none)
        #expect(resolver.clients(of: "L2").isEmpty)
        #expect(resolver.whoHasAccess(taxpayer: "T9").isEmpty)
    }

    @Test("L4, S7: a secondary needs an active parent", arguments: [LogonStatus.deactivated, .deleted])
    func parentInactive(status: LogonStatus) {
        var world = WorldBuilder.firm()
        world.logon("L1", status: status)  // replaces L1's record
        #expect(world.resolver.level(logon: "L2", account: "A90") == .none)
    }

    @Test("W1: whoHasAccess lists secondaries too, sorted by logon id, only accounts above none, each with its route")
    func whoHasAccess() {
        var world = WorldBuilder.firm()
        world.logon("L0")
        world.ma("L0", "T9")
        #expect(
            world.resolver.whoHasAccess(taxpayer: "T9") == [
                LogonAccess(
                    logon: "L0", routes: [.masterAdministrator], accounts: ["A90": .allAccess, "A91": .allAccess]),
                LogonAccess(logon: "L1", routes: [.thirdParty], accounts: ["A90": .fileAndPay, "A91": .viewOnly]),
                LogonAccess(
                    logon: "L2", routes: [.secondary(of: "L1")], accounts: ["A90": .fileAndPay, "A91": .viewOnly]),
            ])
    }

    @Test("W1, L4: a logon holding two paths is listed once with both routes and the higher level on each account")
    func whoHasAccessTwoRoutes() {
        var world = WorldBuilder.firm()
        world.ta("L1", "T9", ["A90": .viewOnly, "A91": .allAccess])
        world.ta("L2", "T9", ["A91": .viewOnly])
        let entries = world.resolver.whoHasAccess(taxpayer: "T9")
        #expect(
            entries == [
                LogonAccess(
                    logon: "L1", routes: [.taxAdministrator, .thirdParty],
                    accounts: ["A90": .fileAndPay, "A91": .allAccess]),
                LogonAccess(
                    // A91: its own View Only, or through L1 (All Access as TA) capped at its File and Pay.
                    logon: "L2", routes: [.taxAdministrator, .secondary(of: "L1")],
                    accounts: ["A90": .fileAndPay, "A91": .fileAndPay]),
            ])
    }

    @Test("W1: a path that gives nothing above none is no route; a secondary of a disabled parent is not listed")
    func whoHasAccessOnlyLiveRoutes() {
        var world = WorldBuilder.firm()
        world.ta("L3", "T9", ["A90": .none])
        world.logon("L3")
        #expect(world.resolver.whoHasAccess(taxpayer: "T9").map(\.logon) == ["L1", "L2"])
        world.logon("L1", status: .deactivated)
        #expect(world.resolver.whoHasAccess(taxpayer: "T9").isEmpty)
    }

    @Test("resolver is safe from many threads at once")
    func concurrentReads() async {
        let resolver = WorldBuilder.firm().resolver
        await withTaskGroup(of: Bool.self) { group in
            for index in 0..<16 {
                group.addTask {
                    var ok = true
                    for step in 0..<2_000 {
                        if index == 0 && step % 100 == 0 {
                            resolver.apply(
                                Change(
                                    sequence: UInt64(step + 1),
                                    written: [
                                        Versioned(
                                            .taxpayer(
                                                Taxpayer(
                                                    id: "T9", taxID: TaxIdentifier(type: .fein, number: "0000T9"),
                                                    legalName: "T9 Inc", kind: .business)), version: step + 2)
                                    ], deleted: []))
                        }
                        ok = ok && resolver.check(logon: "L2", account: "A90", action: .file)
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
