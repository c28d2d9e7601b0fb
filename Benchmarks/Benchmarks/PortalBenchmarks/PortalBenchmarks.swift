// Authenticated requests on the embedded SQLite store (issue 11): what authenticating a session costs when its
// activity is written on every request (`sessionActivityInterval` 0, as before) and when it is written at most once
// a minute (the default). Both run in the same process on the same file, so their ratio is the figure to read.
// Results: Documentation/Benchmarks.md, "Authenticated requests".
import Benchmark
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSQLite
import TaxpayerAccessTesting

/// A SQLite file in a fresh temporary folder with one active logon and one signed-in session; returns a portal over
/// it with the given activity interval, and the session's token.
func signedInPortal(activityInterval: Duration) async throws -> (Portal, String) {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("portal-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let store = try SQLiteAccessStore(path: folder.appendingPathComponent("access.db").path)
    let random = SecureRandom()
    let now = Date()
    try await store.seed([
        .logon(
            Logon(
                id: "L1", username: "pat.client", email: "pat@client.example", fullName: "Pat Client",
                twoStep: TwoStepSettings(methods: [.email(address: nil)]), activated: true, createdAt: now))
    ])
    let token = try await store.seedSession(
        logon: "L1", createdAt: now, lastActivityAt: now.addingTimeInterval(-120), random: random)
    var policy = Policy.massTaxConnect.forTesting
    policy.sessionActivityInterval = activityInterval
    let portal = Portal(
        unchecked: store, directory: InMemoryTaxpayerDirectory(), mailer: RecordingMailer(),
        texts: RecordingTextMessenger(), keys: SealingKeyRing(current: SealingKey.generate(using: random)),
        policy: policy, links: .standard(portalURL: "https://portal.example.gov"), hasher: FixtureHasher())
    return (portal, token)
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 10,
        maxDuration: .seconds(3), maxIterations: 100_000)

    // Before: every authenticated request commits the session's activity (an fsync on SQLite).
    Benchmark("authenticate, SQLite, activity written every request", configuration: configuration) { benchmark in
        let (portal, token) = try await signedInPortal(activityInterval: .zero)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await portal.authenticate(sessionToken: token))
        }
    }

    // After: the activity is written at most once a minute; a request is a session read and a logon read.
    Benchmark("authenticate, SQLite, activity written once a minute", configuration: configuration) { benchmark in
        let (portal, token) = try await signedInPortal(activityInterval: .seconds(60))
        _ = try await portal.authenticate(sessionToken: token)  // the one write of this minute
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try await portal.authenticate(sessionToken: token))
        }
    }

    // An authenticated access check, the way a request that only reads pays it: authenticate, then the resolver.
    Benchmark("authenticate then check, SQLite", configuration: configuration) { benchmark in
        let (portal, token) = try await signedInPortal(activityInterval: .seconds(60))
        _ = try await portal.authenticate(sessionToken: token)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            let caller = try await portal.authenticate(sessionToken: token)
            blackHole(portal.check(caller, account: "A1", action: .view))
        }
    }
}
