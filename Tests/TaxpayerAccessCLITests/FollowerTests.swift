import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessSQLite

/// The front door's feed follower across processes: two processes on one SQLite file, a commit of one reaching the
/// other's resolver through `Portal.follow(every:)` alone — no `catchUp` call by the test.
@Suite("Portal follower across processes")
struct FollowerTests {
    @Test(
        "L4, X5: an operator's approval committed by another process reaches this portal's checks within the interval")
    func commitOfAnotherProcessReachesTheResolver() async throws {
        let cli = try CLI()
        let number = try await OperatorCommandTests.printedFormRequest(in: cli)
        let store = try SQLiteAccessStore(path: cli.database.path)
        let portal = try await Portal.open(
            store: store, directory: EmptyDirectory(), mailer: NoMail(), texts: NoTexts(),
            keys: SealingKeyRing(
                current: try SealingKey(try OperatorCommandTests.sealingKey(of: cli, random: SecureRandom()))),
            policy: .massTaxConnect, links: .standard(portalURL: "https://portal.example.gov"))
        #expect(portal.resolver.level(logon: "L1", account: "A90") == .none)

        let interval = Duration.milliseconds(300)
        let follower = Task { try await portal.follow(every: interval) }
        defer { follower.cancel() }
        // Another process — the operator's command line — approves the request (X4, X5) and exits.
        let decided = try cli.run(
            "requests", "decide", "--confirmation", number, "--approve", "--level", "A90=viewOnly",
            "--level", "A91=fileAndPay", "--operator", "clerk")
        try #require(decided.status == 0, "stderr: \(decided.stderr)")
        let committed = FeedPosition(sequence: try await store.lastSequence())
        #expect(portal.position < committed, "the other process's commit is not this process's own write")

        // The follower wakes every interval; allow one interval plus a second of grace for a loaded machine.
        let clock = ContinuousClock()
        let deadline = clock.now + interval + .seconds(1)
        while portal.position < committed, clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(portal.position >= committed)
        #expect(portal.resolver.level(logon: "L1", account: "A90") == .viewOnly)
        #expect(portal.resolver.level(logon: "L1", account: "A91") == .fileAndPay)
        #expect(portal.resolver.whoHasAccess(taxpayer: "T9").map(\.logon).contains("L1"))
    }
}
