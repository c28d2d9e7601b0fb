#if PostgreSQL
import Testing
import TaxpayerAccess
@testable import TaxpayerAccessPostgres
import TaxpayerAccessTesting
import PostgresNIO
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether some connection to `database` is waiting for a lock right now.
func someoneWaitsForALock(_ client: PostgresClient, database: String) async throws -> Bool {
    let rows = try await client.query(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = \(database) AND wait_event_type = 'Lock'",
        logger: Logger(label: "test"))
    for try await count in rows.decode(Int64.self) { return count > 0 }
    return false
}

@Suite("The PostgreSQL feed: holes and lost commits", .enabled(if: TestServer.url != nil))
struct PostgresFeedTests {
    @Test(
        "feed hole: A takes its number and holds its transaction open; B commits; a reader sees nothing until A commits, then 1, 2"
    )
    func feedHole() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 4)
        let store = try await PostgresAccessStore(configuration: configuration)
        let reader = try await PostgresAccessStore(configuration: configuration)
        let logger = Logger(label: "test")
        try await withDirectClient(configuration) { client in
            try await client.withConnection { a in
                // A: a commit by hand, as the store makes it, stopped between its number and its COMMIT.
                try await a.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
                let head = try await a.query(
                    "UPDATE feed_head SET last_sequence = last_sequence + 1 RETURNING last_sequence", logger: logger)
                var number: Int64 = 0
                for try await value in head.decode(Int64.self) { number = value }
                #expect(number == 1)
                let record = Record.taxpayer(taxpayer("TA", number: 100_000_201))
                let body = try PostgresAccessStore.encode(record)
                let change = try PostgresAccessStore.encode(
                    Change(sequence: 1, written: [Versioned(record, version: 1)], deleted: []))
                try await a.query(
                    "INSERT INTO records (kind, id, version, body) VALUES ('taxpayer', 'TA', 1, \(body))",
                    logger: logger)
                try await a.query("INSERT INTO changes (sequence, body) VALUES (1, \(change))", logger: logger)

                // B commits meanwhile: it waits behind A for the counter row, visible to no reader, nor is A.
                let b = Task { try await commitTaxpayer(store, "TB", number: 100_000_202) }
                let waiting = try await eventually(within: .seconds(20)) {
                    try await someoneWaitsForALock(client, database: configuration.database)
                }
                #expect(waiting, "B never reached the counter row")
                #expect(try await reader.changes(after: 0, limit: 10).isEmpty)
                #expect(try await reader.lastSequence() == 0)

                try await a.query("COMMIT", logger: logger)
                #expect(try await b.value == 2)
            }
        }
        #expect(try await reader.changes(after: 0, limit: 10).map(\.sequence) == [1, 2])
        #expect(try await reader.changes(after: 1, limit: 10).map(\.sequence) == [2])
    }

    @Test("lost COMMIT: the retry with the same commit id lands nothing more and answers the first sequence")
    func retryWithTheSameCommitID() async throws {
        let store = try await TestServer.freshStore(connections: 8)
        var changes = ChangeSet()
        changes.insert(.taxpayer(taxpayer("T1", number: 100_000_211)))
        let id = UUID().uuidString
        let first = try await store.commit(changes, commitID: id)
        // The COMMIT landed but its answer was lost: the adapter retries the whole transaction under the same id.
        let retried = try await store.commit(changes, commitID: id)
        #expect(retried == first)
        // Both attempts in flight at once (the retry on a fresh connection while the original still commits).
        var other = ChangeSet()
        other.insert(.taxpayer(taxpayer("T2", number: 100_000_212)))
        let otherID = UUID().uuidString
        async let one = store.commit(other, commitID: otherID)
        async let two = store.commit(other, commitID: otherID)
        let (x, y) = try await (one, two)
        #expect(x == y)
        #expect(try await store.changes(after: 0, limit: 10).map(\.sequence) == [1, 2])
        #expect(try await store.lastSequence() == 2)
        #expect(try await store.records(ofKind: .taxpayer).map(\.version) == [1, 1])
    }
}
#endif
