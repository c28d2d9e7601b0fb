#if PostgreSQL
public import TaxpayerAccess
import PostgresNIO
import Logging
import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An `AccessStore` on PostgreSQL through postgres-nio: several portal processes share one database.
///
/// One transaction per commit at READ COMMITTED, staged by the shared `CommitPlan`: the commit id first (a retried
/// commit lands once), records in (kind, id) order, unique keys through `ON CONFLICT DO NOTHING`, the feed number
/// last from one counter row (dense, in commit order), then `pg_notify`. The audit log is append-only in the
/// database itself (a trigger refuses UPDATE and DELETE). Key columns use `COLLATE "C"` (byte order).
///
/// ```swift
/// let store = try await PostgresAccessStore(configuration: .init(url: "postgres://portal@db/access"))
/// try await store.commit(changes)
/// ```
public final class PostgresAccessStore: AccessStore {
    let client: PostgresClient
    let configuration: PostgresStoreConfiguration
    private let runner: Task<Void, Never>
    let logger = Logger(label: "TaxpayerAccessPostgres")

    /// Connects, and migrates the schema (each migration in its own transaction under an advisory lock).
    ///
    /// - Throws: `StoreError.Code.schemaTooNew` when a newer version wrote the database.
    public init(configuration: PostgresStoreConfiguration) async throws {
        let client = PostgresClient(configuration: try configuration.clientConfiguration())
        self.client = client
        self.configuration = configuration
        runner = Task { await client.run() }
        try await PostgresMigrations.migrate(client, logger: logger)
    }

    deinit { runner.cancel() }

    /// The schema migrations this version knows, oldest first.
    public static var knownMigrations: [String] { PostgresMigrations.all.map(\.name) }

    // MARK: Reads

    public func record(_ key: RecordKey) async throws -> Versioned<Record>? {
        try await first(
            "SELECT version, body FROM records WHERE kind = \(key.kind.rawValue) AND id = \(key.id)")
    }

    public func record(unique key: UniqueKey) async throws -> Versioned<Record>? {
        try await first(
            """
            SELECT r.version, r.body FROM unique_keys u JOIN records r ON r.kind = u.kind AND r.id = u.id
            WHERE u.name = \(key.name.rawValue) AND u.value = \(key.value)
            """)
    }

    public func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>] {
        try await all(
            """
            SELECT r.version, r.body FROM index_keys i JOIN records r ON r.kind = i.kind AND r.id = i.id
            WHERE i.name = \(key.name.rawValue) AND i.value = \(key.value) ORDER BY i.id, i.kind
            """)
    }

    public func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>] {
        try await all("SELECT version, body FROM records WHERE kind = \(kind.rawValue) ORDER BY id")
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        guard limit > 0 else { return [] }
        let after = Int64(clamping: sequence)
        return try await mapped { [client, logger] in
            let rows = try await client.query(
                "SELECT body FROM changes WHERE sequence > \(after) ORDER BY sequence LIMIT \(limit)",
                logger: logger)
            var out: [Change] = []
            for try await body in rows.decode(String.self) { out.append(try Self.decode(Change.self, body)) }
            return out
        }
    }

    public func lastSequence() async throws -> UInt64 {
        try await mapped { [client, logger] in
            let rows = try await client.query("SELECT last_sequence FROM feed_head", logger: logger)
            for try await value in rows.decode(Int64.self) { return UInt64(value) }
            return 0
        }
    }

    public func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        guard limit > 0 else { return [] }
        let after = Int64(clamping: sequence)
        return try await mapped { [client, logger] in
            let rows = try await client.query(
                "SELECT sequence, body FROM audit WHERE sequence > \(after) ORDER BY sequence LIMIT \(limit)",
                logger: logger)
            var out: [LoggedAuditEvent] = []
            for try await (number, body) in rows.decode((Int64, String).self) {
                out.append(
                    LoggedAuditEvent(sequence: UInt64(number), event: try Self.decode(AuditEvent.self, body)))
            }
            return out
        }
    }

    // MARK: Commit

    @discardableResult
    public func commit(_ changes: ChangeSet) async throws -> UInt64 {
        try await commit(changes, commitID: UUID().uuidString)
    }

    /// The commit under a given commit id: a second call with the same id (the retry of a COMMIT whose outcome was
    /// unknown) lands nothing more and answers the first one's sequence.
    func commit(_ changes: ChangeSet, commitID: String) async throws -> UInt64 {
        try await retrying(commitID: commitID) { connection, commitID in
            try await self.commit(changes, id: commitID, on: connection)
        }
    }

    /// Claims in one transaction: locks the claimed records still at their expected versions with `FOR UPDATE SKIP
    /// LOCKED`, passing over those another worker's claim holds, then commits the claims it could lock (one feed
    /// entry), so concurrent workers, in any process, take disjoint batches.
    public func claim(_ claims: [RecordClaim], limit: Int) async throws -> [RecordKey] {
        guard limit > 0, !claims.isEmpty else { return [] }
        return try await retrying { db, commitID in
            try await db.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: self.logger)
            do {
                var chosen: [RecordClaim] = []
                var next = claims.startIndex
                while chosen.count < limit, next < claims.endIndex {
                    let chunk = claims[next..<min(claims.endIndex, next + limit - chosen.count)]
                    next = chunk.endIndex
                    let kinds = chunk.map(\.record.key.kind.rawValue)
                    let ids = chunk.map(\.record.key.id)
                    let rows = try await db.query(
                        """
                        SELECT r.kind, r.id, r.version FROM records r
                        WHERE (r.kind, r.id) IN (
                            SELECT k COLLATE "C", i COLLATE "C" FROM unnest(\(kinds)::text[], \(ids)::text[]) AS t (k, i))
                        FOR UPDATE OF r SKIP LOCKED
                        """, logger: self.logger)
                    var locked: [RecordKey: Int] = [:]
                    for try await (kind, id, version) in rows.decode((String, String, Int64).self) {
                        guard let kind = RecordKind(rawValue: kind) else { continue }
                        locked[RecordKey(kind, id)] = Int(version)
                    }
                    chosen += chunk.filter { locked[$0.record.key] == $0.expectedVersion }
                }
                if chosen.isEmpty {
                    try await db.query("ROLLBACK", logger: self.logger)
                    return []
                }
                var changes = ChangeSet()
                for claim in chosen { changes.update(claim.record, from: claim.expectedVersion) }
                _ = try await self.stage(changes, id: commitID, on: db)
                try await db.query("COMMIT", logger: self.logger)
                return chosen.map(\.record.key)
            } catch {
                await self.rollBack(after: error, on: db)
                throw error
            }
        }
    }

    /// Runs one transaction on a pooled connection under a commit id of its own, retrying a serialization failure,
    /// a deadlock, or a COMMIT whose outcome is unknown: the same commit id makes the retry land once or find itself
    /// landed.
    ///
    /// Each attempt has `PostgresStoreConfiguration.attemptTimeout`: in postgres-nio a query sent on a connection that
    /// has just closed (the server killed) never returns, and a lease can wait on a pool that reconnects. An attempt
    /// past its time is abandoned, its connection closed, and counted as one whose outcome is unknown: retried under
    /// the same commit id, so a commit that landed is found landed, never reported failed.
    private func retrying<T: Sendable>(
        commitID: String = UUID().uuidString, _ body: @escaping @Sendable (PostgresConnection, String) async throws -> T
    ) async throws -> T {
        var attempt = 0
        var closedLeases = 0
        while true {
            attempt += 1
            let leased = Leased()
            do {
                let answer = try await Self.bounded(configuration.attemptTimeout) { [client] in
                    try await Leased.$current.withValue(leased) {
                        try await client.withConnection { connection in
                            leased.connection.withLock { $0 = connection }
                            if connection.isClosed { throw ConnectionClosed() }
                            return try await body(connection, commitID)
                        }
                    }
                }
                if let answer { return answer }
                leased.closeAbandoned()
                logger.warning(
                    "PostgreSQL attempt past its time, abandoned and retried",
                    metadata: [
                        "attempt": "\(attempt)", "leased": "\(leased.wasLeased)",
                        "step": "\(leased.step.withLock { $0 })",
                    ])
                if attempt < 5 { continue }
                throw StoreError(
                    .unavailable, message: "PostgreSQL did not answer within \(configuration.attemptTimeout), 5 times")
            } catch let error as StoreError {
                throw error
            } catch is ConnectionClosed where closedLeases < 10 {
                // Nothing was sent on it, so this was no attempt of the commit: give the pool a moment to drop the
                // dead connection (after a lost reply or a restart it may hand the same one out again at once) and
                // lease again — 50 ms, 100 ms, … up to a second, at most ten times.
                closedLeases += 1
                attempt -= 1
                try await Task.sleep(for: .milliseconds(min(1_000, 50 * closedLeases)))
                continue
            } catch let error as PSQLError where attempt < 5 && Self.isRetryable(error) {
                // Serialization failure, deadlock, or a COMMIT whose outcome is unknown: the same commit id makes the
                // retry land once or find itself landed.
                continue
            } catch {
                throw StoreError(.unavailable, message: "PostgreSQL commit failed: \(String(reflecting: error))")
            }
        }
    }

    /// A pooled connection found closed before its first query: nothing was sent, the attempt is retried.
    struct ConnectionClosed: Error {}

    /// The connection an attempt leased, to close it when the attempt is abandoned (so the pool drops it).
    final class Leased: Sendable {
        let connection = Mutex<PostgresConnection?>(nil)
        /// The statement the attempt last sent, for the log line of an abandoned attempt.
        let step = Mutex("lease")

        /// The attempt running in this task, if any.
        @TaskLocal static var current: Leased?

        static func note(_ step: String) { current?.step.withLock { $0 = step } }

        var wasLeased: Bool { connection.withLock { $0 != nil } }

        func closeAbandoned() {
            guard let connection = connection.withLock({ $0 }) else { return }
            // Not awaited: closing an already dead channel must not hold the caller either.
            Task { try? await connection.close() }
        }
    }

    /// `operation`'s answer, or nil once `limit` has passed: the operation, in a task of its own, is then cancelled
    /// and left behind (a query postgres-nio never answers cannot be cancelled, so awaiting it would hang the caller).
    static func bounded<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        let race = Race<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.continuation.withLock { $0 = continuation }
            let work = Task {
                do { race.finish(.success(try await operation())) } catch { race.finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: limit)
                if race.finish(.success(nil)) { work.cancel() }
            }
        }
    }

    /// Whichever of an attempt and its timer finishes first resumes the caller, once.
    final class Race<T: Sendable>: Sendable {
        let continuation = Mutex<CheckedContinuation<T?, any Error>?>(nil)

        @discardableResult
        func finish(_ result: Result<T?, any Error>) -> Bool {
            guard
                let continuation = continuation.withLock({ value in
                    defer { value = nil }
                    return value
                })
            else {
                return false
            }
            continuation.resume(with: result)
            return true
        }
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        if let state = error.serverInfo?[.sqlState] { return state == "40001" || state == "40P01" }
        return isConnectionLost(error)
    }

    static func isConnectionLost(_ error: PSQLError) -> Bool {
        error.code == .serverClosedConnection || error.code == .uncleanShutdown
    }

    /// ROLLBACK after a failed statement, unless the connection is gone: the server has rolled back on its own, and a
    /// query sent on a closed postgres-nio connection never returns (a lost COMMIT would hang the commit forever
    /// instead of retrying).
    private func rollBack(after error: any Error, on db: PostgresConnection) async {
        if db.isClosed { return }
        if let error = error as? PSQLError, Self.isConnectionLost(error) { return }
        _ = try? await db.query("ROLLBACK", logger: logger)
    }

    private func commit(_ changes: ChangeSet, id commitID: String, on db: PostgresConnection) async throws -> UInt64 {
        Leased.note("BEGIN")
        try await db.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
        do {
            let sequence = try await stage(changes, id: commitID, on: db)
            Leased.note("COMMIT")
            try await db.query("COMMIT", logger: logger)
            return sequence
        } catch {
            await rollBack(after: error, on: db)
            throw error
        }
    }

    private func stage(_ changes: ChangeSet, id commitID: String, on db: PostgresConnection) async throws -> UInt64 {
        // 1. The commit id: no row back means this very commit already landed.
        Leased.note("stage: commit id")
        let claimed = try await db.query(
            "INSERT INTO commits (commit_id) VALUES (\(commitID)) ON CONFLICT DO NOTHING RETURNING 1", logger: logger)
        var fresh = false
        for try await _ in claimed.decode(Int32.self) { fresh = true }
        if !fresh {
            let rows = try await db.query(
                "SELECT sequence FROM commits WHERE commit_id = \(commitID)", logger: logger)
            for try await value in rows.decode(Int64?.self) { if let value { return UInt64(value) } }
            throw StoreError(.unavailable, message: "commit \(commitID) is recorded without a sequence")
        }

        // 2. Versions, locked in (kind, id) order, then the shared plan.
        Leased.note("stage: versions")
        var keys = Set(changes.writes.map(\.record.key))
        keys.formUnion(changes.deletions.map(\.key))
        let ordered = keys.sorted {
            $0.kind.rawValue != $1.kind.rawValue
                ? $0.kind.rawValue.utf8.lexicographicallyPrecedes($1.kind.rawValue.utf8)
                : $0.id.utf8.lexicographicallyPrecedes($1.id.utf8)
        }
        var versions: [RecordKey: Int] = [:]
        for key in ordered {
            let rows = try await db.query(
                "SELECT version FROM records WHERE kind = \(key.kind.rawValue) AND id = \(key.id) FOR UPDATE",
                logger: logger)
            for try await version in rows.decode(Int64.self) { versions[key] = Int(version) }
        }
        let plan = try CommitPlan(changes) { versions[$0] }
        let claims = try plan.claims()

        // 3. Records in the fixed order; zero rows touched is a version conflict.
        Leased.note("stage: records")
        for step in plan.writeOrder {
            let kind = step.key.kind.rawValue
            let id = step.key.id
            try await db.query("DELETE FROM unique_keys WHERE kind = \(kind) AND id = \(id)", logger: logger)
            try await db.query("DELETE FROM index_keys WHERE kind = \(kind) AND id = \(id)", logger: logger)
            var touched = false
            if let new = step.new {
                let body = try Self.encode(new.value)
                let version = Int64(new.version)
                let rows: PostgresRowSequence
                if let previous = step.previousVersion {
                    let expected = Int64(previous)
                    rows = try await db.query(
                        """
                        UPDATE records SET version = \(version), body = \(body)
                        WHERE kind = \(kind) AND id = \(id) AND version = \(expected) RETURNING 1
                        """, logger: logger)
                } else {
                    rows = try await db.query(
                        """
                        INSERT INTO records (kind, id, version, body) VALUES (\(kind), \(id), \(version), \(body))
                        ON CONFLICT DO NOTHING RETURNING 1
                        """, logger: logger)
                }
                for try await _ in rows.decode(Int32.self) { touched = true }
                for index in new.value.indexKeys {
                    try await db.query(
                        """
                        INSERT INTO index_keys (name, value, kind, id)
                        VALUES (\(index.name.rawValue), \(index.value), \(kind), \(id)) ON CONFLICT DO NOTHING
                        """, logger: logger)
                }
            } else if let previous = step.previousVersion {
                let expected = Int64(previous)
                let rows = try await db.query(
                    "DELETE FROM records WHERE kind = \(kind) AND id = \(id) AND version = \(expected) RETURNING 1",
                    logger: logger)
                for try await _ in rows.decode(Int32.self) { touched = true }
            } else {
                touched = true  // created and deleted within this commit: nothing stored
            }
            guard touched else { throw StoreError.versionConflict(step.key, expected: "the version read") }
        }

        // 4. Unique keys, sorted; a key not returned is taken.
        for claim in claims {
            let rows = try await db.query(
                """
                INSERT INTO unique_keys (name, value, kind, id)
                VALUES (\(claim.key.name.rawValue), \(claim.key.value), \(claim.holder.kind.rawValue), \(claim.holder.id))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger)
            var inserted = false
            for try await _ in rows.decode(Int32.self) { inserted = true }
            guard inserted else { throw StoreError.uniqueKeyTaken(claim.key.name) }
        }

        // 5. Last: the counter row, then the body, the audit rows and the notification under that number.
        let auditCount = Int64(changes.auditEvents.count)
        let head = try await db.query(
            """
            UPDATE feed_head SET last_sequence = last_sequence + 1, last_audit = last_audit + \(auditCount)
            RETURNING last_sequence, last_audit
            """, logger: logger)
        var sequence: Int64 = 0
        var lastAudit: Int64 = 0
        for try await (s, a) in head.decode((Int64, Int64).self) { (sequence, lastAudit) = (s, a) }
        let body = try Self.encode(plan.change(sequence: UInt64(sequence)))
        try await db.query("INSERT INTO changes (sequence, body) VALUES (\(sequence), \(body))", logger: logger)
        var number = lastAudit - auditCount
        for event in changes.auditEvents {
            number += 1
            let eventBody = try Self.encode(event)
            try await db.query("INSERT INTO audit (sequence, body) VALUES (\(number), \(eventBody))", logger: logger)
        }
        Leased.note("stage: feed")
        try await db.query(
            "UPDATE commits SET sequence = \(sequence) WHERE commit_id = \(commitID)", logger: logger)
        let payload = String(sequence)
        try await db.query("SELECT pg_notify(\(Self.changeChannel), \(payload))", logger: logger)
        return UInt64(sequence)
    }

    // MARK: Helpers

    /// A read, within `attemptTimeout` (a query on a connection the server just dropped never returns otherwise).
    private func mapped<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let answer: T?
        do { answer = try await Self.bounded(configuration.attemptTimeout, body) } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, message: "PostgreSQL failed: \(String(reflecting: error))")
        }
        guard let answer else {
            throw StoreError(.unavailable, message: "PostgreSQL did not answer within \(configuration.attemptTimeout)")
        }
        return answer
    }

    private func first(_ query: PostgresQuery) async throws -> Versioned<Record>? {
        try await all(query).first
    }

    private func all(_ query: PostgresQuery) async throws -> [Versioned<Record>] {
        try await mapped { [client, logger] in
            let rows = try await client.query(query, logger: logger)
            var out: [Versioned<Record>] = []
            for try await (version, body) in rows.decode((Int64, String).self) {
                out.append(Versioned(try Self.decode(Record.self, body), version: Int(version)))
            }
            return out
        }
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(body.utf8)) } catch {
            throw StoreError(.corrupt, message: "a stored \(type) could not be read back")
        }
    }
}
#endif
