/// The storage port (the storage contract: Documentation/Architecture.md).
///
/// A store keeps ``Record`` values with versions, enforces their ``Record/uniqueKeys`` itself, commits a
/// ``ChangeSet`` all or nothing, keeps an ordered change feed and an append-only audit log. Every adapter proves
/// itself with `TaxpayerAccessTesting.AccessStoreConformance`.
///
/// ```swift
/// let store: any AccessStore = InMemoryAccessStore()
/// try await store.commit(changes)
/// let logon = try await store.logon(byUsername: "pat.client")
/// ```
public protocol AccessStore: Sendable {
    /// The record at `key` with its version, or `nil`.
    func record(_ key: RecordKey) async throws -> Versioned<Record>?

    /// The record holding a unique key right now, or `nil`.
    func record(unique key: UniqueKey) async throws -> Versioned<Record>?

    /// Every record carrying an index key, in key order.
    func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>]

    /// Every record of a kind, ordered by id (byte order).
    func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>]

    /// Commits a change set all or nothing.
    ///
    /// - Returns: the change's place in the feed.
    /// - Throws: ``StoreError`` with ``StoreError/Code/versionConflict`` when a write's expected version does not
    ///   hold, ``StoreError/Code/uniqueKeyTaken`` when a unique key belongs to another record, and nothing is written.
    @discardableResult
    func commit(_ changes: ChangeSet) async throws -> UInt64

    /// Committed changes after `sequence`, oldest first, at most `limit` of them.
    func changes(after sequence: UInt64, limit: Int) async throws -> [Change]

    /// The sequence of the last committed change; 0 when none.
    func lastSequence() async throws -> UInt64

    /// Audit events after `sequence`, oldest first, at most `limit` of them.
    func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent]

    /// Hints that the feed may have grown, so that a follower (`Portal.follow(every:)`) catches up sooner than its
    /// interval; `nil` (the default) when the store offers none. Each call makes a new stream for one follower; it
    /// ends when the follower stops iterating.
    ///
    /// A hint is never the truth: hints may be lost, repeated or early, and a follower reads the feed itself with
    /// ``changes(after:limit:)``, and keeps polling, whatever the hints say. A store that can miss changes while it
    /// is not listening (a dropped connection) yields a hint when it listens again.
    ///
    /// ```swift
    /// if let hints = store.changeHints() {
    ///     for await _ in hints { try await portal.catchUp() }
    /// }
    /// ```
    func changeHints() -> AsyncStream<Void>?

    /// Claims records for one worker of several (the outbox's, ``OutboxDelivery``): writes each claim's record over
    /// the version it names, in the order given, until `limit` are written, skipping a claim whose version no longer
    /// holds or whose record another worker is claiming at this moment, and returns the keys written.
    ///
    /// The default commits the claims one by one, a version conflict skipping one. A store that several processes
    /// share may write them in one commit and pass over records another worker holds instead of waiting for them
    /// (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so that concurrent workers take disjoint batches.
    ///
    /// ```swift
    /// let mine = try await store.claim(due.map { RecordClaim(.mail(leased($0.value)), over: $0.version) }, limit: 100)
    /// ```
    ///
    /// - Throws: ``StoreError`` when the store fails (claims the default committed before stay written).
    func claim(_ claims: [RecordClaim], limit: Int) async throws -> [RecordKey]
}

/// A record's new state, to be written only while the store still holds it at `expectedVersion`
/// (``AccessStore/claim(_:limit:)``).
public struct RecordClaim: Hashable, Sendable {
    /// The record as the claim leaves it.
    public var record: Record
    /// The version the claim replaces.
    public var expectedVersion: Int

    /// - Parameters:
    ///   - record: the record as the claim leaves it.
    ///   - version: the version the claim replaces.
    package init(_ record: Record, over version: Int) {
        self.record = record
        expectedVersion = version
    }
}

extension AccessStore {
    /// No hints: a follower polls on its interval only.
    public func changeHints() -> AsyncStream<Void>? { nil }

    /// One commit per claim, in order, until `limit` are written; a version conflict skips that claim.
    public func claim(_ claims: [RecordClaim], limit: Int) async throws -> [RecordKey] {
        var claimed: [RecordKey] = []
        for claim in claims where claimed.count < limit {
            var changes = ChangeSet()
            changes.update(claim.record, from: claim.expectedVersion)
            do {
                try await commit(changes)
                claimed.append(claim.record.key)
            } catch let error as StoreError where error.code == .versionConflict {
                continue
            }
        }
        return claimed
    }
}

/// A storage failure (an infrastructure error, not a refusal).
public struct StoreError: CategorizedError, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable {
            case versionConflict, uniqueKeyTaken, unavailable, corrupt, schemaTooNew
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        /// A write's expected version did not hold.
        public static let versionConflict = Code(.versionConflict)
        /// A unique key already belongs to another record.
        public static let uniqueKeyTaken = Code(.uniqueKeyTaken)
        /// The backend could not be reached or failed.
        public static let unavailable = Code(.unavailable)
        /// Stored data could not be read back.
        public static let corrupt = Code(.corrupt)
        /// The database was written by a newer version of the library.
        public static let schemaTooNew = Code(.schemaTooNew)
        public var description: String { "\(kind)" }
    }

    public let code: Code
    /// What the failure concerns: a record's kind and id, or a unique key's name (`username`, `email`, …) — never a
    /// key's value, which may be a username or an email.
    public let subject: String
    public let message: String

    public init(_ code: Code, subject: String = "", message: String) {
        self.code = code
        self.subject = subject
        self.message = message
    }

    /// The unique key that was taken, for ``Code/uniqueKeyTaken``: its name (`username`, `email`, …).
    public var uniqueKeyName: UniqueKey.Name? {
        guard code == .uniqueKeyTaken else { return nil }
        return subject.split(separator: ":", maxSplits: 1).first.map { UniqueKey.Name(rawValue: String($0)) }
    }

    /// The refusal of a commit that would give `name` to a second record: the subject is the key's name only.
    public static func uniqueKeyTaken(_ name: UniqueKey.Name) -> StoreError {
        StoreError(.uniqueKeyTaken, subject: name.rawValue, message: "\(name) is taken")
    }

    /// The refusal of a commit whose expected version of `key` does not hold.
    public static func versionConflict(_ key: RecordKey, expected: String) -> StoreError {
        StoreError(.versionConflict, subject: key.description, message: "\(key) is not at \(expected)")
    }

    /// A conflict for ``Code/versionConflict`` and ``Code/uniqueKeyTaken`` (the services turn the ones a person can
    /// mend into refusals), else the portal's own fault.
    public var category: ErrorCategory {
        code == .versionConflict || code == .uniqueKeyTaken ? .conflict : .portalFault
    }

    /// Never shown: a store's message is for the operators.
    public var safeMessage: String? { nil }

    public var description: String { "StoreError.\(code): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.subject == rhs.subject }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(subject)
    }
}
