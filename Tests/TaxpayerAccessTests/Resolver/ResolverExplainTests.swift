#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import TaxpayerAccess

@Suite("Resolver explain")
struct ResolverExplainTests {
    @Test("X8: a cancelled grant names who cancelled it and when")
    func cancelledGrant() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.logon("L1")
        world.grant(
            "L1", "T1", ["A1": .fileAndPay],
            cancelled: Cancellation(
                by: .logon("L9"), at: .day(2026, 3, 4), capacity: "the taxpayer's Master Administrator"))
        let why = world.resolver.explain(logon: "L1", account: "A1")
        #expect(why.level == .none)
        #expect(why.grantingPaths.isEmpty)
        #expect(
            why.reasons.contains {
                $0.hasPrefix("Access was cancelled by the taxpayer's Master Administrator on 2026-03-04")
            })
    }

    @Test("L3: granting paths in words")
    func grantingPaths() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.logon("L1")
        world.ma("L1", "T1")
        world.grant("L1", "T1", ["A1": .viewOnly])
        let why = world.resolver.explain(logon: "L1", account: "A1")
        #expect(why.level == .allAccess)
        #expect(
            why.grantingPaths.contains(
                "This logon is a Master Administrator of T1 Inc, which gives All Access on every account."))
        #expect(why.grantingPaths.contains("T1 Inc gave this logon third-party access with View Only on this account."))
        #expect(why.summary.hasPrefix("All Access."))
    }

    @Test("L4: closed account, deactivated logon")
    func deadEnds() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)], closed: ["A1"])
        world.logon("L1", status: .deactivated)
        world.ma("L1", "T1")
        let why = world.resolver.explain(logon: "L1", account: "A1")
        #expect(why.level == .none)
        #expect(why.reasons.contains("The logon is deactivated."))
        #expect(why.reasons.contains { $0.hasPrefix("The account is closed") })
    }

    @Test("S6: the path through the parent, and each way it fails")
    func secondary() {
        let resolver = WorldBuilder.firm(
            secondary: SecondaryProfile(
                parent: "L1", accessType: .taxAdministrator(.fileAndPay), groups: ["G2"], accountTypes: [.withholding])
        ).resolver
        let granted = resolver.explain(logon: "L2", account: "A90")
        #expect(granted.level == .fileAndPay)
        #expect(granted.grantingPaths.count == 1)
        #expect(granted.grantingPaths[0].contains("Through the parent logon user.L1"))
        #expect(granted.grantingPaths[0].contains("security group \"Payroll clients\""))

        let wrongType = resolver.explain(logon: "L2", account: "A91")
        #expect(wrongType.reasons == ["This logon applies only to withholding accounts."])

        let otherGroup = resolver.explain(logon: "L2", account: "AF1")
        #expect(
            otherGroup.reasons == [
                "TF Inc sits in security group \"Default\" of the parent logon user.L1, which this logon is not in."
            ])
    }

    @Test("S7: the parent not active, or the parent's access cancelled")
    func parentDeadEnds() {
        var world = WorldBuilder.firm()
        world.logon("L1", status: .deactivated)
        let inactive = world.resolver.explain(logon: "L2", account: "A90")
        #expect(inactive.reasons.contains { $0.hasPrefix("The parent logon user.L1 is not active") })

        var cancelled = WorldBuilder.firm()
        cancelled.grant(
            "L1", "T9", ["A90": .fileAndPay],
            cancelled: Cancellation(
                by: .logon("L3"), at: .day(2026, 3, 4), capacity: "the taxpayer's Master Administrator"))
        let why = cancelled.resolver.explain(logon: "L2", account: "A90")
        #expect(why.level == .none)
        #expect(why.reasons.contains("The parent logon user.L1 has no access to this account."))
        #expect(why.reasons.contains { $0.contains("cancelled by the taxpayer's Master Administrator on 2026-03-04") })
    }

    @Test("S6: a refinement of none takes the account away")
    func refinementNone() {
        var world = WorldBuilder.firm()
        world.refine("L2", "T9", ["A90": .none])
        let why = world.resolver.explain(logon: "L2", account: "A90")
        #expect(why.level == .none)
        #expect(why.reasons == ["The parent logon user.L1 took this account of T9 Inc away from this logon."])
    }

    @Test("unknown logon, nothing reaches")
    func nothing() {
        let resolver = WorldBuilder.firm().resolver
        #expect(resolver.explain(logon: "L404", account: "A90").reasons == ["This logon is not known."])
        var world = WorldBuilder.firm()
        world.logon("L7")
        #expect(
            world.resolver.explain(logon: "L7", account: "A90").reasons
                == ["No role, third-party grant or parent logon reaches this account."])
    }
}
