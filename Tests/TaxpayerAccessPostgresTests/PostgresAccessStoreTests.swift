#if PostgreSQL
import Testing
import TaxpayerAccess
import TaxpayerAccessPostgres
import TaxpayerAccessTesting
import PostgresNIO
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fresh database per store on the server named by `TAXPAYER_ACCESS_POSTGRES_URL`; `nil` (and one printed line)
/// without it.
enum TestServer {
    static let url: String? = {
        let value = ProcessInfo.processInfo.environment["TAXPAYER_ACCESS_POSTGRES_URL"]
        if value == nil || value == "" {
            print("TaxpayerAccessPostgresTests: skipped, TAXPAYER_ACCESS_POSTGRES_URL is not set")
            return nil
        }
        return value
    }()

    /// A new, empty database and a store on it with a pool of `connections`.
    static func freshStore(connections: Int = 40) async throws -> PostgresAccessStore {
        try await PostgresAccessStore(configuration: try await freshDatabase(connections: connections))
    }

    /// A new, empty database on the server.
    static func freshDatabase(connections: Int) async throws -> PostgresStoreConfiguration {
        let base = try #require(url)
        let name = "ta_" + UUID().uuidString.filter { $0 != "-" }.lowercased()
        let admin = PostgresClient(
            configuration: try PostgresStoreConfiguration(url: base, tls: .disable).clientConfiguration())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await admin.run() }
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: Logger(label: "test"))
            group.cancelAll()
        }
        var configuration = try PostgresStoreConfiguration(url: base, tls: .disable, maximumConnections: connections)
        configuration.database = name
        return configuration
    }
}

func taxpayer(_ id: String, number: Int) -> Taxpayer {
    Taxpayer(
        id: TaxpayerID(id), taxID: TaxIdentifier(type: .ssn, number: String(number)),
        legalName: "Taxpayer \(id)", kind: .individual)
}

@Suite("PostgresAccessStore", .enabled(if: TestServer.url != nil))
struct PostgresAccessStoreTests {
    @Test("conformance (the 32-racer check on a pool of 40)", arguments: AccessStoreConformance.Check.allCases)
    func conformance(_ check: AccessStoreConformance.Check) async throws {
        try await AccessStoreConformance { try await TestServer.freshStore() }.run(check)
    }

    @Test("byte order: ids B, Z, _x, a, b come back in byte order")
    func byteOrder() async throws {
        let store = try await TestServer.freshStore(connections: 4)
        var changes = ChangeSet()
        for id in ["b", "_x", "Z", "a", "B"] {
            changes.insert(.taxpayer(taxpayer(id, number: 100_000_000 + Int(id.utf8.first ?? 0))))
        }
        try await store.commit(changes)
        let ids = try await store.records(ofKind: .taxpayer).map(\.value.key.id)
        #expect(ids == ["B", "Z", "_x", "a", "b"])
    }

    @Test("rollback gap: a refused commit leaves the feed dense")
    func rollbackGap() async throws {
        let store = try await TestServer.freshStore(connections: 4)
        var first = ChangeSet()
        first.insert(.taxpayer(taxpayer("T1", number: 100_000_001)))
        #expect(try await store.commit(first) == 1)
        await #expect(throws: StoreError.self) { try await store.commit(first) }
        var second = ChangeSet()
        second.insert(.taxpayer(taxpayer("T2", number: 100_000_002)))
        #expect(try await store.commit(second) == 2)
        #expect(try await store.changes(after: 0, limit: 10).map(\.sequence) == [1, 2])
    }

    @Test("deadlock: commits touching two records in opposite orders all finish")
    func oppositeOrders() async throws {
        let store = try await TestServer.freshStore(connections: 8)
        var setup = ChangeSet()
        setup.insert(.taxpayer(taxpayer("A", number: 100_000_011)))
        setup.insert(.taxpayer(taxpayer("B", number: 100_000_012)))
        try await store.commit(setup)
        let rounds = 20
        try await withThrowingTaskGroup(of: Void.self) { group in
            for forward in [true, false] {
                group.addTask {
                    var done = 0
                    while done < rounds {
                        let a = try #require(try await store.record(RecordKey(.taxpayer, "A")))
                        let b = try #require(try await store.record(RecordKey(.taxpayer, "B")))
                        var changes = ChangeSet()
                        let pair = forward ? [a, b] : [b, a]
                        for held in pair { changes.update(held.value, from: held.version) }
                        do {
                            try await store.commit(changes)
                            done += 1
                        } catch let error as StoreError where error.code == .versionConflict {
                            continue  // the other side won this round; never a deadlock or an outage
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let a = try #require(try await store.record(RecordKey(.taxpayer, "A")))
        #expect(a.version == 1 + 2 * rounds)
        #expect(try await store.lastSequence() == UInt64(1 + 2 * rounds))
    }

    @Test("the audit log is append-only in the database itself: UPDATE and DELETE are refused (RULES U1)")
    func auditRefusedByDatabase() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 4)
        let store = try await PostgresAccessStore(configuration: configuration)
        var changes = ChangeSet()
        changes.insert(.taxpayer(taxpayer("T1", number: 100_000_021)))
        changes.audit(
            AuditEvent(
                time: Date(timeIntervalSince1970: 0), actor: .agency(operator: "op"), action: AuditAction("test"),
                subject: "taxpayer/T1"))
        try await store.commit(changes)
        let direct = PostgresClient(configuration: try configuration.clientConfiguration())
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await direct.run() }
            let logger = Logger(label: "test")
            await #expect(throws: PSQLError.self) {
                try await direct.query("UPDATE audit SET body = '{}'", logger: logger)
            }
            await #expect(throws: PSQLError.self) { try await direct.query("DELETE FROM audit", logger: logger) }
            group.cancelAll()
        }
        #expect(try await store.auditEvents(after: 0, limit: 10).count == 1)
    }
}
#endif
