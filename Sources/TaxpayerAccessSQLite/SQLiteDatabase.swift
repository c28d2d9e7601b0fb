import GRDB
import TaxpayerAccess

/// The one value that owns the SQLite connection(s) and the schema: a GRDB `DatabaseWriter` (a WAL
/// `DatabasePool` on a file, a `DatabaseQueue` in memory) that has run the ``migrator``.
struct SQLiteDatabase: Sendable {
    let writer: any DatabaseWriter
    /// Where the database lives; `nil` in memory.
    let path: String?

    /// Opens (creating if needed) the database file at `path` in WAL mode with `synchronous=FULL`, and migrates it.
    init(path: String) throws {
        let writer: any DatabaseWriter
        do {
            writer = try DatabasePool(path: path, configuration: Self.configuration())
        } catch {
            throw SQLiteErrors.map(error, opening: path)
        }
        try self.init(writer: writer, path: path)
    }

    /// A fresh database in memory (tests and examples).
    init() throws {
        let writer: any DatabaseWriter
        do {
            writer = try DatabaseQueue(configuration: Self.configuration())
        } catch {
            throw SQLiteErrors.map(error, opening: ":memory:")
        }
        try self.init(writer: writer, path: nil)
    }

    private init(writer: any DatabaseWriter, path: String?) throws {
        self.writer = writer
        self.path = path
        do {
            // Refuse a schema written by a newer version before touching anything: never a silent downgrade.
            let unknown = try writer.read { db in
                try Self.migrator.appliedIdentifiers(db).subtracting(Self.migrator.migrations)
            }
            if !unknown.isEmpty {
                throw StoreError(
                    .schemaTooNew, subject: path ?? ":memory:",
                    message: "The database \(path ?? ":memory:") was written by a newer version of TaxpayerAccess "
                        + "(unknown schema migrations: \(unknown.sorted().joined(separator: ", "))); this version knows "
                        + "\(Self.migrator.migrations.joined(separator: ", ")). Upgrade TaxpayerAccess to open it, or "
                        + "restore an export made by this version.")
            }
            try Self.migrator.migrate(writer)
            // Every commit is on disk before `commit` returns, even through a power cut (WAL + FULL). Set on the one
            // writing connection after opening: GRDB's WAL set-up lowers it to NORMAL after `prepareDatabase` runs.
            try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw SQLiteErrors.map(error, opening: path ?? ":memory:")
        }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "TaxpayerAccessSQLite"
        // Another process (the harness, a second service instance) may hold the write lock for a moment.
        config.busyMode = .timeout(10)
        return config
    }

    /// The schema, one versioned migration per change. Never edit a registered migration: append a new one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-records-feed-audit") { db in
            // Every record as its JSON body, with the version optimistic concurrency checks.
            try db.execute(
                sql: """
                    CREATE TABLE records (
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        body BLOB NOT NULL,
                        PRIMARY KEY (kind, id)
                    ) WITHOUT ROWID;
                    -- Unique keys (username, email, taxID, tokens, ...): the primary key makes SQLite itself refuse a
                    -- second holder inside the commit transaction.
                    CREATE TABLE unique_keys (
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        PRIMARY KEY (name, value)
                    ) WITHOUT ROWID;
                    CREATE INDEX unique_keys_by_record ON unique_keys (kind, id);
                    CREATE TABLE index_keys (
                        name TEXT NOT NULL,
                        value TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        id TEXT NOT NULL,
                        PRIMARY KEY (name, value, id, kind)
                    ) WITHOUT ROWID;
                    CREATE INDEX index_keys_by_record ON index_keys (kind, id);
                    -- The change feed: 1, 2, 3, ... without gaps, each the JSON of a Change.
                    CREATE TABLE changes (
                        sequence INTEGER PRIMARY KEY,
                        body BLOB NOT NULL
                    );
                    -- The append-only audit log (RULES U1).
                    CREATE TABLE audit (
                        sequence INTEGER PRIMARY KEY,
                        body BLOB NOT NULL
                    );
                    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
                    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                    """)
        }
        return migrator
    }()
}
