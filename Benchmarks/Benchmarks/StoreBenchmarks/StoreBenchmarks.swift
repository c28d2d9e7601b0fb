// The stores' write and feed paths side by side (issue 13): commits per second of a small realistic change set (a
// session's activity touched, one record) with 1 writer and with 8 concurrent writers, and a follower's catch-up
// (`changes(after:)` from sequence 0, 10,000 feed entries in pages of 500). SQLite always; PostgreSQL when the
// package's `PostgreSQL` trait is on and TAXPAYER_ACCESS_POSTGRES_URL names a server (a fresh database per run).
// Results: Documentation/Benchmarks.md, "Stores: commits and catch-up".
import Benchmark
import Foundation
import Synchronization
import TaxpayerAccess
import TaxpayerAccessSQLite
import TaxpayerAccessTesting

#if PostgreSQL
import Logging
import PostgresNIO
import TaxpayerAccessPostgres
#endif

/// Feed entries the catch-up reads, and its page size.
let catchUpEntries = 10_000
let catchUpPage = 500
/// Commits each writer makes in one iteration of a commit benchmark.
let commitsPerWriter = 20

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
}

/// One logon with `writers` signed-in sessions, one per writer; a writer touches only its own session, so writers
/// never conflict and each knows its session's version.
final class Writers: Sendable {
    let store: any AccessStore
    private let sessions: [SeededSession]
    private let versions: Mutex<[Int]>

    init(store: any AccessStore, writers: Int) async throws {
        let now = Date()
        try await store.seed([
            .logon(
                Logon(
                    id: "L1", username: "pat.client", email: "pat@client.example", fullName: "Pat Client",
                    twoStep: TwoStepSettings(methods: [.email(address: nil)]), activated: true, createdAt: now))
        ])
        sessions = try await store.seedSessions(logon: "L1", count: writers, createdAt: now, random: SecureRandom())
        self.store = store
        versions = Mutex(Array(repeating: 1, count: writers))
    }

    var count: Int { sessions.count }

    /// Commits writer `writer`'s session with a new activity time: one record written, one feed entry.
    func touch(_ writer: Int) async throws {
        let version = versions.withLock { $0[writer] }
        try await store.seedUpdate(sessions[writer].touched(at: Date()), from: version)
        versions.withLock { $0[writer] = version + 1 }
    }

    /// Every writer at once, each committing `commits` times in a row.
    func touchAll(commits: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<count {
                group.addTask {
                    for _ in 0..<commits { try await self.touch(writer) }
                }
            }
            try await group.waitForAll()
        }
    }
}

/// The stores this run measures, by the name used in the benchmarks' names.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite = "SQLite"
    case postgres = "PostgreSQL"

    static var available: [StoreKind] {
        #if PostgreSQL
        if let url = ProcessInfo.processInfo.environment["TAXPAYER_ACCESS_POSTGRES_URL"], !url.isEmpty {
            return [.sqlite, .postgres]
        }
        print("StoreBenchmarks: PostgreSQL skipped, TAXPAYER_ACCESS_POSTGRES_URL is not set")
        #endif
        return [.sqlite]
    }

    /// A new, empty store: a SQLite file in a fresh temporary folder, or a fresh database on the server.
    func freshStore() async throws -> any AccessStore {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("store-bench-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            return try SQLiteAccessStore(path: folder.appendingPathComponent("access.db").path)
        case .postgres:
            #if PostgreSQL
            let base = ProcessInfo.processInfo.environment["TAXPAYER_ACCESS_POSTGRES_URL"] ?? ""
            let name = "ta_bench_" + UUID().uuidString.filter { $0 != "-" }.lowercased()
            let admin = PostgresClient(
                configuration: try PostgresStoreConfiguration(url: base, tls: .disable).clientConfiguration())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await admin.run() }
                try await admin.query(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "StoreBenchmarks"))
                group.cancelAll()
            }
            var configuration = try PostgresStoreConfiguration(url: base, tls: .disable, maximumConnections: 16)
            configuration.database = name
            return try await PostgresAccessStore(configuration: configuration)
            #else
            throw BenchmarkFailure(description: "built without the PostgreSQL trait")
            #endif
        }
    }
}

/// Set-up made once per process and store, whatever the number of iterations (the benchmark closure runs once per
/// iteration).
final class Fixtures: Sendable {
    private let writers = Mutex<[String: Task<Writers, any Error>]>([:])

    /// `count` writers on a fresh store of `kind`; the catch-up's ones also hold a feed of `catchUpEntries` entries.
    func writers(_ kind: StoreKind, count: Int, feed: Bool) async throws -> Writers {
        let task = writers.withLock { cache in
            let key = "\(kind) \(count) \(feed)"
            if let task = cache[key] { return task }
            let task = Task {
                let writers = try await Writers(store: try await kind.freshStore(), writers: count)
                if feed {
                    // Two entries from the set-up commits (the logon, the sessions), the rest session touches spread
                    // over the writers.
                    let touches = catchUpEntries - 2
                    try await writers.touchAll(commits: touches / count)
                    for writer in 0..<(touches % count) { try await writers.touch(writer) }
                }
                return writers
            }
            cache[key] = task
            return task
        }
        return try await task.value
    }
}

let fixtures = Fixtures()

let benchmarks: @Sendable () -> Void = {
    let commitsPerSecond = BenchmarkMetric.custom("commits/s", polarity: .prefersLarger, useScalingFactor: false)
    let commitConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, commitsPerSecond], timeUnits: .milliseconds, warmupIterations: 2,
        maxDuration: .seconds(3), maxIterations: 200)
    let catchUpConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal], timeUnits: .milliseconds, warmupIterations: 1,
        maxDuration: .seconds(3), maxIterations: 50)

    for kind in StoreKind.available {
        for count in [1, 8] {
            // One iteration: every writer commits `commitsPerWriter` session touches in a row, all writers at once.
            Benchmark(
                "commit session touch, \(kind.rawValue), \(count) writer\(count == 1 ? "" : "s")",
                configuration: commitConfiguration
            ) { benchmark in
                let writers = try await fixtures.writers(kind, count: count, feed: false)
                let start = ContinuousClock.now
                benchmark.startMeasurement()
                try await writers.touchAll(commits: commitsPerWriter)
                benchmark.stopMeasurement()
                let elapsed = (ContinuousClock.now - start) / .seconds(1)
                benchmark.measurement(commitsPerSecond, Int(Double(count * commitsPerWriter) / elapsed))
            }
        }

        // One iteration: a follower starting from sequence 0 reads the whole feed, page by page.
        Benchmark(
            "changes(after:) catch-up 10,000 in pages of 500, \(kind.rawValue)", configuration: catchUpConfiguration
        ) { benchmark in
            let store = try await fixtures.writers(kind, count: 8, feed: true).store
            benchmark.startMeasurement()
            var sequence: UInt64 = 0
            var read = 0
            while read < catchUpEntries {
                let page = try await store.changes(after: sequence, limit: catchUpPage)
                guard let last = page.last, page.count == catchUpPage else {
                    throw BenchmarkFailure(description: "page after \(sequence) held \(page.count) entries")
                }
                read += page.count
                sequence = last.sequence
                blackHole(page)
            }
            benchmark.stopMeasurement()
            guard sequence == UInt64(catchUpEntries) else {
                throw BenchmarkFailure(description: "the feed ended at \(sequence), not \(catchUpEntries)")
            }
        }
    }
}
