#if PostgreSQL
import TaxpayerAccess
import PostgresNIO
import Logging

/// The versioned schema: each migration runs once, in its own transaction, under an advisory lock so that processes
/// starting together migrate one at a time; a database migrated by a newer version is refused (`schemaTooNew`).
enum PostgresMigrations {
    struct Migration: Sendable {
        let name: String
        let statements: [String]
    }

    /// The advisory lock key every process migrates under.
    static let lockKey: Int64 = 0x5441_5849_4E47

    static let all: [Migration] = [
        Migration(
            name: "v1: records, keys, feed, audit, commits",
            statements: [
                """
                CREATE TABLE records (kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL,
                    version bigint NOT NULL, body text NOT NULL, PRIMARY KEY (kind, id))
                """,
                """
                CREATE TABLE unique_keys (name text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL,
                    kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, PRIMARY KEY (name, value))
                """,
                "CREATE INDEX unique_keys_holder ON unique_keys (kind, id)",
                """
                CREATE TABLE index_keys (name text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL,
                    kind text COLLATE "C" NOT NULL, id text COLLATE "C" NOT NULL, PRIMARY KEY (name, value, id, kind))
                """,
                "CREATE INDEX index_keys_holder ON index_keys (kind, id)",
                // One row: the feed's and the audit log's last numbers, taken as a commit's last statement.
                """
                CREATE TABLE feed_head (one boolean PRIMARY KEY DEFAULT true CHECK (one),
                    last_sequence bigint NOT NULL, last_audit bigint NOT NULL)
                """,
                "INSERT INTO feed_head (one, last_sequence, last_audit) VALUES (true, 0, 0)",
                "CREATE TABLE changes (sequence bigint PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE audit (sequence bigint PRIMARY KEY, body text NOT NULL)",
                "CREATE TABLE commits (commit_id text COLLATE \"C\" PRIMARY KEY, sequence bigint)",
                // Append-only, refused by the database itself (RULES U1), whoever connects.
                """
                CREATE FUNCTION taxpayer_access_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$
                """,
                """
                CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
                FOR EACH STATEMENT EXECUTE FUNCTION taxpayer_access_append_only()
                """,
            ])
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        do {
            try await client.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL)",
                logger: logger)
        } catch {
            // Two processes creating it at once: the loser's error is harmless; the lock below orders the rest.
        }
        for (offset, migration) in all.enumerated() {
            let version = offset + 1
            try await client.withConnection { db in
                try await db.query("BEGIN", logger: logger)
                do {
                    try await db.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
                    let rows = try await db.query(
                        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
                    var applied = 0
                    for try await value in rows.decode(Int32.self) { applied = Int(value) }
                    if applied > all.count {
                        throw StoreError(
                            .schemaTooNew,
                            message: "the database is at schema \(applied); this version knows \(all.count)")
                    }
                    if applied < version {
                        for statement in migration.statements {
                            try await db.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        let name = migration.name
                        try await db.query(
                            "INSERT INTO schema_migrations (version, name) VALUES (\(Int32(version)), \(name))",
                            logger: logger)
                    }
                    try await db.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await db.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }
}
#endif
