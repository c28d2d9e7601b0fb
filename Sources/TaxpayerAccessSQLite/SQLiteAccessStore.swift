public import TaxpayerAccess
import GRDB
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An `AccessStore` in one SQLite file through GRDB: the durable embedded default.
///
/// The file is opened in WAL mode with `synchronous=FULL`, so a commit that returned survives a crash or a power cut.
/// A commit is one SQLite transaction: version checks, records, unique and index keys, the feed entry and the audit
/// events land together or not at all. Unique keys (username, email, …) are a primary key SQLite enforces inside that
/// transaction, never a check before the insert. The schema is migrated on open; a file written by a newer version is
/// refused with `StoreError.Code.schemaTooNew`.
///
/// ```swift
/// let store = try SQLiteAccessStore(path: "taxpayer-access.sqlite")
/// try await store.commit(changes)
/// let logon = try await store.logon(byUsername: "pat.client")
/// ```
public final class SQLiteAccessStore: AccessStore {
    private let database: SQLiteDatabase

    /// Opens the database file at `path`, creating and migrating it as needed.
    ///
    /// - Throws: `StoreError` — `StoreError.Code.schemaTooNew` when a newer version wrote the file,
    ///   `StoreError.Code.corrupt` when it is not a database, `StoreError.Code.unavailable` when it cannot be opened.
    public init(path: String) throws {
        database = try SQLiteDatabase(path: path)
    }

    private init(database: SQLiteDatabase) {
        self.database = database
    }

    /// A new, empty store in memory (tests and examples); gone when the value is.
    ///
    /// ```swift
    /// let store = try SQLiteAccessStore.inMemory()
    /// ```
    public static func inMemory() throws -> SQLiteAccessStore {
        SQLiteAccessStore(database: try SQLiteDatabase())
    }

    /// The database file, or `nil` for a store in memory.
    public var path: String? { database.path }

    /// The schema migrations this version of the library knows, oldest first.
    public static var knownMigrations: [String] { SQLiteDatabase.migrator.migrations }

    /// Copies the whole database, consistently and while it stays in use, to a new SQLite file at `path` (SQLite's
    /// online backup). The copy opens with ``init(path:)``.
    ///
    /// ```swift
    /// try await store.backup(to: "backups/taxpayer-access-2026-01-31.sqlite")
    /// ```
    public func backup(to path: String) async throws {
        let source = database.writer
        try await SQLiteErrors.mapping {
            let destination = try DatabaseQueue(path: path, configuration: SQLiteDatabase.configuration())
            try source.backup(to: destination)
            try destination.close()
        }
    }

    /// How the connection that writes is set up for durability.
    public struct Durability: Sendable, Hashable {
        /// `wal` for a file, `memory` in memory.
        public var journalMode: String
        /// `full` when every commit reaches the disk before it returns.
        public var synchronous: String
    }

    /// The journal mode and synchronous setting of the writing connection, as SQLite reports them.
    ///
    /// ```swift
    /// let durability = try await store.durability()   // journalMode "wal", synchronous "full"
    /// ```
    public func durability() async throws -> Durability {
        try await SQLiteErrors.mapping {
            try await database.writer.writeWithoutTransaction { db in
                let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown"
                let level = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
                let names = [0: "off", 1: "normal", 2: "full", 3: "extra"]
                return Durability(journalMode: journal.lowercased(), synchronous: names[level] ?? "\(level)")
            }
        }
    }

    // MARK: Reads

    public func record(_ key: RecordKey) async throws -> Versioned<TaxpayerAccess.Record>? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT version, body FROM records WHERE kind = ? AND id = ?",
                arguments: [key.kind.rawValue, key.id]
            ).map(Self.versioned)
        }
    }

    public func record(unique key: UniqueKey) async throws -> Versioned<TaxpayerAccess.Record>? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT r.version, r.body FROM unique_keys u JOIN records r ON r.kind = u.kind AND r.id = u.id
                    WHERE u.name = ? AND u.value = ?
                    """, arguments: [key.name.rawValue, key.value]
            ).map(Self.versioned)
        }
    }

    public func records(indexedBy key: IndexKey) async throws -> [Versioned<TaxpayerAccess.Record>] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT r.version, r.body FROM index_keys i JOIN records r ON r.kind = i.kind AND r.id = i.id
                    WHERE i.name = ? AND i.value = ? ORDER BY i.id, i.kind
                    """, arguments: [key.name.rawValue, key.value]
            ).map(Self.versioned)
        }
    }

    public func records(ofKind kind: RecordKind) async throws -> [Versioned<TaxpayerAccess.Record>] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT version, body FROM records WHERE kind = ? ORDER BY id",
                arguments: [kind.rawValue]
            ).map(Self.versioned)
        }
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        guard limit > 0 else { return [] }
        return try await read { db in
            try Data.fetchAll(
                db, sql: "SELECT body FROM changes WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [Int64(clamping: sequence), limit]
            )
            .map { try StoredJSON.decode(Change.self, from: $0) }
        }
    }

    public func lastSequence() async throws -> UInt64 {
        try await read { db in UInt64(try Self.lastSequence(in: "changes", db)) }
    }

    public func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        guard limit > 0 else { return [] }
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT sequence, body FROM audit WHERE sequence > ? ORDER BY sequence LIMIT ?",
                arguments: [Int64(clamping: sequence), limit]
            )
            .map { row in
                let sequence: Int64 = row["sequence"]
                let body: Data = row["body"]
                return LoggedAuditEvent(
                    sequence: UInt64(sequence), event: try StoredJSON.decode(AuditEvent.self, from: body))
            }
        }
    }

    // MARK: Commit

    @discardableResult
    public func commit(_ changes: ChangeSet) async throws -> UInt64 {
        try await SQLiteErrors.mapping {
            try await database.writer.write { db in try Self.apply(changes, in: db) }
        }
    }

    /// Checks and writes one change set inside the caller's transaction; throwing rolls everything back.
    private static func apply(_ changes: ChangeSet, in db: Database) throws -> UInt64 {
        // 1. Versions: the shared plan, judged against what the database holds now.
        let plan = try CommitPlan(changes) { key in
            try Int.fetchOne(
                db, sql: "SELECT version FROM records WHERE kind = ? AND id = ?",
                arguments: [key.kind.rawValue, key.id])
        }
        let claims = try plan.claims()

        // 2. Release the keys of every touched record, so keys can move between records within one commit.
        for key in plan.touched {
            let arguments: StatementArguments = [key.kind.rawValue, key.id]
            try db.execute(sql: "DELETE FROM unique_keys WHERE kind = ? AND id = ?", arguments: arguments)
            try db.execute(sql: "DELETE FROM index_keys WHERE kind = ? AND id = ?", arguments: arguments)
        }

        // 3. Records and index keys, in the plan's fixed order.
        for step in plan.writeOrder {
            let key = step.key
            if let new = step.new {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO records (kind, id, version, body) VALUES (?, ?, ?, ?)",
                    arguments: [key.kind.rawValue, key.id, new.version, try StoredJSON.encode(new.value)])
                for index in new.value.indexKeys {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO index_keys (name, value, kind, id) VALUES (?, ?, ?, ?)",
                        arguments: [index.name.rawValue, index.value, key.kind.rawValue, key.id])
                }
            } else {
                try db.execute(
                    sql: "DELETE FROM records WHERE kind = ? AND id = ?", arguments: [key.kind.rawValue, key.id])
            }
        }

        // 4. Unique keys, judged on the outcome: SQLite's primary key refuses a second holder.
        for claim in claims {
            do {
                try db.execute(
                    sql: "INSERT INTO unique_keys (name, value, kind, id) VALUES (?, ?, ?, ?)",
                    arguments: [claim.key.name.rawValue, claim.key.value, claim.holder.kind.rawValue, claim.holder.id])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw StoreError.uniqueKeyTaken(claim.key.name)
            }
        }

        // 5. Audit events and the feed entry.
        var auditSequence = try lastSequence(in: "audit", db)
        for event in changes.auditEvents {
            auditSequence += 1
            try db.execute(
                sql: "INSERT INTO audit (sequence, body) VALUES (?, ?)",
                arguments: [auditSequence, try StoredJSON.encode(event)])
        }
        let sequence = try lastSequence(in: "changes", db) + 1
        let change = plan.change(sequence: UInt64(sequence))
        try db.execute(
            sql: "INSERT INTO changes (sequence, body) VALUES (?, ?)",
            arguments: [sequence, try StoredJSON.encode(change)])
        return UInt64(sequence)
    }

    // MARK: Helpers

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await SQLiteErrors.mapping { try await database.writer.read(body) }
    }

    private static func lastSequence(in table: String, _ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM \(table)") ?? 0
    }

    private static func versioned(_ row: Row) throws -> Versioned<Record> {
        let version: Int = row["version"]
        let body: Data = row["body"]
        return Versioned(try StoredJSON.decode(Record.self, from: body), version: version)
    }
}
