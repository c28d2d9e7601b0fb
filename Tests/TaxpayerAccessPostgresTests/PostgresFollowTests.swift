#if PostgreSQL
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessPostgres
import TaxpayerAccessTesting
import PostgresNIO
import Logging

/// A portal over `store`, as one process of several would hold, with a resolver that starts empty.
func followerPortal(_ store: any AccessStore) throws -> Portal {
    Portal(
        unchecked: store, directory: InMemoryTaxpayerDirectory(), mailer: RecordingMailer(),
        texts: RecordingTextMessenger(),
        keys: SealingKeyRing(current: try SealingKey([UInt8](repeating: 7, count: 32))),
        links: .standard(portalURL: "https://portal.example.gov"), hasher: FixtureHasher())
}

/// Whether `condition` holds within `timeout`, asked every 20 ms.
func eventually(within timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

/// Runs `body` with a client of its own on the database of `configuration`, for what a test asks the server itself.
func withDirectClient<T: Sendable>(
    _ configuration: PostgresStoreConfiguration, _ body: (PostgresClient) async throws -> T
) async throws -> T {
    let client = PostgresClient(configuration: try configuration.clientConfiguration())
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

/// The server's process ids of the change listeners connected to `database` that are listening (their last query,
/// run after LISTEN, has returned).
func listenerBackends(_ client: PostgresClient, database: String) async throws -> [Int32] {
    let rows = try await client.query(
        """
        SELECT pid FROM pg_stat_activity WHERE datname = \(database)
        AND application_name = 'taxpayer_access_listener' AND query = 'SELECT 1' AND state = 'idle'
        """, logger: Logger(label: "test"))
    var pids: [Int32] = []
    for try await pid in rows.decode(Int32.self) { pids.append(pid) }
    return pids
}

/// One commit of a new taxpayer through `store` (another process's write); returns its feed number.
func commitTaxpayer(_ store: any AccessStore, _ id: String, number: Int) async throws -> UInt64 {
    var changes = ChangeSet()
    changes.insert(.taxpayer(taxpayer(id, number: number)))
    return try await store.commit(changes)
}

@Suite("Following other processes on PostgreSQL", .enabled(if: TestServer.url != nil))
struct PostgresFollowTests {
    @Test("a notification wakes the follower long before its interval of an hour")
    func notificationWakesFollower() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 4)
        let mine = try await PostgresAccessStore(configuration: configuration)
        let other = try await PostgresAccessStore(configuration: configuration)
        let portal = try followerPortal(mine)
        let follower = Task { try await portal.follow(every: .seconds(3600)) }
        defer { follower.cancel() }
        let listening = try await withDirectClient(configuration) { client in
            try await eventually(within: .seconds(20)) {
                try await !listenerBackends(client, database: configuration.database).isEmpty
            }
        }
        #expect(listening, "the follower's store never listened")

        let sequence = try await commitTaxpayer(other, "T1", number: 100_000_101)
        let reached = try await eventually(within: .seconds(30)) { portal.position.sequence >= sequence }
        #expect(reached, "the resolver stayed at \(portal.position.sequence), the commit was \(sequence)")
        #expect(portal.resolver.lastSequence == sequence)
    }

    @Test("a lost notification: the listener's connection is killed, the follower still catches up and listens again")
    func listenerKilled() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 4)
        let mine = try await PostgresAccessStore(configuration: configuration)
        let other = try await PostgresAccessStore(configuration: configuration)
        let portal = try followerPortal(mine)
        let follower = Task { try await portal.follow(every: .milliseconds(500)) }
        defer { follower.cancel() }
        try await withDirectClient(configuration) { client in
            let database = configuration.database
            let found = try await eventually(within: .seconds(20)) {
                try await !listenerBackends(client, database: database).isEmpty
            }
            #expect(found, "the follower's store never listened")
            let killed = try await listenerBackends(client, database: database)
            for pid in killed {
                try await client.query("SELECT pg_terminate_backend(\(pid))", logger: Logger(label: "test"))
            }
            // Committed while nobody listens: its notification reaches no one.
            let lost = try await commitTaxpayer(other, "T1", number: 100_000_111)
            #expect(try await eventually(within: .seconds(30)) { portal.position.sequence >= lost })

            let again = try await eventually(within: .seconds(30)) {
                let now = try await listenerBackends(client, database: database)
                return !now.isEmpty && Set(now).isDisjoint(with: killed)
            }
            #expect(again, "the listener did not connect again")
            let later = try await commitTaxpayer(other, "T2", number: 100_000_112)
            #expect(try await eventually(within: .seconds(30)) { portal.position.sequence >= later })
        }
    }

    @Test("polling only (a pooler that drops LISTEN): no listener, and the follower catches up on its interval")
    func pollingOnly() async throws {
        var configuration = try await TestServer.freshDatabase(connections: 4)
        configuration.followMode = .pollingOnly
        let mine = try await PostgresAccessStore(configuration: configuration)
        #expect(mine.changeHints() == nil)
        let other = try await PostgresAccessStore(configuration: configuration)
        let portal = try followerPortal(mine)
        let follower = Task { try await portal.follow(every: .milliseconds(200)) }
        defer { follower.cancel() }
        var sequences: [UInt64] = []
        for index in 1...3 {
            sequences.append(try await commitTaxpayer(other, "T\(index)", number: 100_000_120 + index))
        }
        let last = try #require(sequences.last)
        #expect(try await eventually(within: .seconds(30)) { portal.position.sequence >= last })
        let listeners = try await withDirectClient(configuration) { client in
            try await listenerBackends(client, database: configuration.database)
        }
        #expect(listeners.isEmpty)
    }
}
#endif
