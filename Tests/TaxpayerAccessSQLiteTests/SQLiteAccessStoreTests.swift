import Foundation
import GRDB
import Testing
import TaxpayerAccess
import TaxpayerAccessSQLite
import TaxpayerAccessTesting

@Suite("SQLiteAccessStore")
struct SQLiteAccessStoreTests {
    // R4 R5 N2 U1: the storage contract on SQLite in memory.
    @Test(arguments: AccessStoreConformance.Check.allCases)
    func conformanceInMemory(_ check: AccessStoreConformance.Check) async throws {
        try await AccessStoreConformance { try SQLiteAccessStore.inMemory() }.run(check)
    }

    // R4 R5 N2 U1: the storage contract on a WAL file.
    @Test(arguments: AccessStoreConformance.Check.allCases)
    func conformanceOnFile(_ check: AccessStoreConformance.Check) async throws {
        let folder = try TemporaryDirectory()
        try await AccessStoreConformance { try SQLiteAccessStore(path: folder.path("store.sqlite")) }.run(check)
    }

    @Test("records, the feed and the audit log survive closing and reopening the file")
    func reopen() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("store.sqlite")
        let time = Date(timeIntervalSinceReferenceDate: 800_000_000.123_456_789)
        do {
            let store = try SQLiteAccessStore(path: path)
            var changes = ChangeSet()
            changes.insert(
                .logon(
                    Logon(
                        id: "L1", username: "Pat.Client", email: "pat@example.com", fullName: "Pat",
                        createdAt: time)))
            changes.audit(AuditEvent(time: time, actor: .system, action: .recordWritten, subject: "logon/L1"))
            try await store.commit(changes)
        }
        let store = try SQLiteAccessStore(path: path)
        let logon = try #require(try await store.logon(byUsername: "pat.client"))
        #expect(logon.version == 1)
        // Sub-millisecond dates read back equal: the JSON keeps the exact Double.
        #expect(logon.value.createdAt == time)
        #expect(try await store.lastSequence() == 1)
        let events = try await store.auditEvents(after: 0, limit: 10)
        #expect(events.map(\.event.time) == [time])
        #expect(try await store.changes(after: 0, limit: 10).first?.written.first?.value == logon.value.asRecord)
    }

    @Test(
        "every record kind round-trips through the stored JSON unchanged",
        arguments: [
            Date(timeIntervalSinceReferenceDate: 0),
            Date(timeIntervalSinceReferenceDate: 812_345_678.000_000_1),
            Date(timeIntervalSince1970: 1_798_761_600.987_654_321),
        ])
    func datesRoundTrip(_ time: Date) async throws {
        let store = try SQLiteAccessStore.inMemory()
        let mail = OutboxMail(
            id: "M1", to: "a@example.com", subject: "s", sealedBody: [1, 2, 3], createdAt: time,
            nextAttemptAt: time.addingTimeInterval(0.000_3))
        var changes = ChangeSet()
        changes.send(mail)
        try await store.commit(changes)
        #expect(try await store.mail("M1")?.value == mail)
    }

    @Test("a database written by a newer schema is refused, never downgraded")
    func newerSchemaRefused() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("store.sqlite")
        _ = try SQLiteAccessStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        try queue.close()
        do {
            _ = try SQLiteAccessStore(path: path)
            Issue.record("a newer schema was opened")
        } catch let error as StoreError {
            #expect(error.code == .schemaTooNew)
            #expect(error.message.contains("v99-from-the-future"))
            #expect(error.message.contains("newer version"))
        }
        // Nothing was touched: the unknown migration is still recorded.
        let check = try DatabaseQueue(path: path)
        let ids = try await check.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(ids.contains("v99-from-the-future"))
        #expect(Set(ids).isSuperset(of: SQLiteAccessStore.knownMigrations))
    }

    @Test("a file that is not a database is refused as corrupt")
    func notADatabase() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try SQLiteAccessStore(path: path) }
        do {
            _ = try SQLiteAccessStore(path: path)
        } catch let error as StoreError {
            #expect(error.code == .corrupt)
        } catch {
            Issue.record("expected a StoreError, got \(error)")
        }
    }

    @Test("the file runs in WAL mode with synchronous=FULL")
    func walAndFullSync() async throws {
        let folder = try TemporaryDirectory()
        let store = try SQLiteAccessStore(path: folder.path("store.sqlite"))
        let durability = try await store.durability()
        #expect(durability.journalMode == "wal")
        #expect(durability.synchronous == "full")
        // Another process opening the file sees WAL too: the mode is stored in the file.
        let queue = try DatabaseQueue(path: folder.path("store.sqlite"))
        #expect(try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test("SQLite's online backup copies a store that opens with every record")
    func onlineBackup() async throws {
        let folder = try TemporaryDirectory()
        let store = try SQLiteAccessStore(path: folder.path("live.sqlite"))
        var changes = ChangeSet()
        changes.insert(
            .taxpayer(
                Taxpayer(
                    id: "T1", taxID: TaxIdentifier(type: .ssn, number: "123456789"),
                    legalName: "Pat", kind: .individual)))
        changes.audit(
            AuditEvent(
                time: Date(timeIntervalSince1970: 1_800_000_000), actor: .system,
                action: .taxpayerLoaded, subject: "taxpayer/T1"))
        try await store.commit(changes)
        try await store.backup(to: folder.path("copy.sqlite"))
        let copy = try SQLiteAccessStore(path: folder.path("copy.sqlite"))
        #expect(try await copy.taxpayer("T1")?.value.legalName == "Pat")
        #expect(try await copy.lastSequence() == 1)
        #expect(try await copy.auditEvents(after: 0, limit: 10).count == 1)
    }

    // U1: the audit log cannot be rewritten, even by SQL from outside the library.
    @Test("the audit table refuses updates and deletes")
    func auditAppendOnlyInSQL() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("store.sqlite")
        let store = try SQLiteAccessStore(path: path)
        var changes = ChangeSet()
        changes.audit(
            AuditEvent(
                time: Date(timeIntervalSince1970: 1_800_000_000), actor: .system,
                action: .recordWritten, subject: "x"))
        try await store.commit(changes)
        let queue = try DatabaseQueue(path: path)
        await #expect(throws: DatabaseError.self) {
            try await queue.write { db in try db.execute(sql: "DELETE FROM audit") }
        }
        await #expect(throws: DatabaseError.self) {
            try await queue.write { db in try db.execute(sql: "UPDATE audit SET body = x'00'") }
        }
        #expect(try await store.auditEvents(after: 0, limit: 10).count == 1)
    }
}

extension Logon {
    var asRecord: Record { .logon(self) }
}
