public import TaxpayerAccess
import Synchronization

/// An `AccessStore` that passes every call on to another store and counts it by kind — never by the ids or the
/// values in it — so a test can assert that two requests an attacker wants to tell apart do **the same work**
/// (RULES A1, R5, V1, V2).
///
/// ## What is compared, and why
///
/// Someone who cannot read an answer can still time it. Against a real store the costs that show are, from the
/// largest: each commit (a transaction, an fsync on SQLite or PostgreSQL), the number of records each commit
/// writes and of which kinds (every kind has its own table, rows and unique-key indexes), the outbox mail and audit
/// events it appends, and, far smaller but countable, each read and what it reads by. Slow hashes are counted by
/// ``CountingSecretHasher``. A ``Work`` value is exactly that, and nothing more:
///
/// - every read, by what it reads by: the `RecordKind` of a key read, the name of a unique key (`username`,
///   `email`, …) or of an index (`linksOf`, …), the kind of a whole-kind scan;
/// - every commit, by its ``CommitShape``: how many records of each kind it writes and deletes, how many audit events
///   and outbox mails it carries; and whether the store took it or refused it (a refused commit rolls back before
///   any fsync, so it costs less, and counts apart);
/// - the feed reads (`AccessStore.changes(after:limit:)` and the like), which services should never make.
///
/// A ``Work`` is a multiset — how many calls of each kind, in no order — because an observer sees the sum of the
/// costs, not their order. It leaves out what the attacker's own input decides or what costs the same either way:
/// ids and key values, the bytes of a record, and whether a write inserts a record or updates one (one row is
/// written either way).
///
/// ```swift
/// let store = CountingAccessStore(wrapping: InMemoryAccessStore())
/// let recovery = Recovery(context: contextUsing(store))
/// let known = await store.measure { try await recovery.forgotUsername(email: "pat@client.example") }
/// let unknown = await store.measure { try await recovery.forgotUsername(email: "nobody@client.example") }
/// #expect(known.work == unknown.work, "\(known.work.difference(from: unknown.work))")  // RULES V1
/// ```
///
/// Calls made concurrently by several tasks are all counted, in the order they reach the store.
public final class CountingAccessStore: AccessStore {
    /// One call to the store, by kind.
    public enum Call: Hashable, Sendable, CustomStringConvertible {
        /// `AccessStore.record(_:)` of a key of this kind.
        case read(RecordKind)
        /// `AccessStore.record(unique:)` by a unique key of this name (`username`, `email`, `linkToken`, …).
        case uniqueRead(String)
        /// `AccessStore.records(indexedBy:)` by an index key of this name (`linksOf`, `rolesOfLogon`, …).
        case indexRead(String)
        /// `AccessStore.records(ofKind:)` of this kind.
        case kindScan(RecordKind)
        /// A `AccessStore.commit(_:)` the store took.
        case commit(CommitShape)
        /// A `AccessStore.commit(_:)` the store refused (a version conflict, a unique key taken, …).
        case refusedCommit(CommitShape)
        /// `AccessStore.changes(after:limit:)`.
        case changeFeedRead
        /// `AccessStore.lastSequence()`.
        case sequenceRead
        /// `AccessStore.auditEvents(after:limit:)`.
        case auditLogRead

        public var description: String {
            switch self {
            case .read(let kind): "read \(kind.rawValue)"
            case .uniqueRead(let name): "unique read \(name)"
            case .indexRead(let name): "index read \(name)"
            case .kindScan(let kind): "scan \(kind.rawValue)"
            case .commit(let shape): "commit \(shape)"
            case .refusedCommit(let shape): "refused commit \(shape)"
            case .changeFeedRead: "change feed read"
            case .sequenceRead: "sequence read"
            case .auditLogRead: "audit log read"
            }
        }
    }

    /// What one commit writes, by kind: what it costs a real store, without the ids and values in it.
    public struct CommitShape: Hashable, Sendable, CustomStringConvertible {
        /// Records written (inserted or updated), by kind; outbox mail included, as kind `RecordKind.mail`.
        public var writes: [RecordKind: Int]
        /// Records deleted, by kind.
        public var deletions: [RecordKind: Int]
        /// Audit events appended (RULES U1).
        public var auditEvents: Int
        /// Outbox mails inserted (RULES N2); also counted in ``writes`` under `RecordKind.mail`.
        public var mail: Int

        public init(
            writes: [RecordKind: Int] = [:], deletions: [RecordKind: Int] = [:], auditEvents: Int = 0, mail: Int = 0
        ) {
            self.writes = writes
            self.deletions = deletions
            self.auditEvents = auditEvents
            self.mail = mail
        }

        /// The shape of a change set.
        public init(of changes: ChangeSet) {
            var writes: [RecordKind: Int] = [:]
            for write in changes.writes { writes[write.record.key.kind, default: 0] += 1 }
            var deletions: [RecordKind: Int] = [:]
            for deletion in changes.deletions { deletions[deletion.key.kind, default: 0] += 1 }
            self.init(
                writes: writes, deletions: deletions, auditEvents: changes.auditEvents.count, mail: changes.mail.count)
        }

        /// How many records the commit writes and deletes in all.
        public var recordCount: Int { writes.values.reduce(0, +) + deletions.values.reduce(0, +) }

        public var description: String {
            func list(_ counts: [RecordKind: Int]) -> String {
                counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)×\($0.value)" }
                    .joined(separator: " ")
            }
            var parts = ["writes [\(list(writes))]"]
            if !deletions.isEmpty { parts.append("deletes [\(list(deletions))]") }
            parts.append("audit×\(auditEvents)")
            parts.append("mail×\(mail)")
            return "{" + parts.joined(separator: ", ") + "}"
        }
    }

    /// The work of some calls: how many of each ``Call``, in no order. Two requests did the same work when their
    /// `Work` values are equal (see the type's discussion).
    public struct Work: Hashable, Sendable, CustomStringConvertible {
        /// How many calls of each kind.
        public private(set) var counts: [Call: Int]

        public init(_ calls: [Call] = []) {
            var counts: [Call: Int] = [:]
            for call in calls { counts[call, default: 0] += 1 }
            self.counts = counts
        }

        /// Every call, as many times as it was made.
        public var calls: Int { counts.values.reduce(0, +) }

        /// The commits the store took, with their shapes, largest first.
        public var commits: [CommitShape] {
            counts.flatMap { call, count -> [CommitShape] in
                if case .commit(let shape) = call { return Array(repeating: shape, count: count) }
                return []
            }
            .sorted { ($0.recordCount, $0.description) > ($1.recordCount, $1.description) }
        }

        /// Every call and its count, one per line, in a stable order.
        public var description: String {
            guard !counts.isEmpty else { return "(no store calls)" }
            return counts.map { "\($0.value)× \($0.key)" }.sorted().joined(separator: "\n")
        }

        /// What `self` does that `other` does not and the reverse, for a test's failure message; empty when the two
        /// are the same work.
        public func difference(from other: Work) -> String {
            var lines: [String] = []
            for call in Set(counts.keys).union(other.counts.keys) {
                let mine = counts[call] ?? 0
                let theirs = other.counts[call] ?? 0
                if mine != theirs { lines.append("\(call): \(mine) vs \(theirs)") }
            }
            return lines.sorted().joined(separator: "; ")
        }
    }

    /// The store every call goes on to.
    public let inner: any AccessStore
    private let log = Mutex<[Call]>([])

    /// Counts the calls made to `inner`, which answers them.
    public init(wrapping inner: any AccessStore) { self.inner = inner }

    /// Every call since the start or the last ``reset()``, in the order made.
    public var calls: [Call] { log.withLock { $0 } }

    /// The work of every call since the start or the last ``reset()``.
    public var work: Work { Work(calls) }

    /// Forgets every call counted so far.
    public func reset() { log.withLock { $0.removeAll() } }

    /// Counts the work of `body` alone: resets, runs it, and returns its outcome with the work it did. A thrown
    /// error is the outcome, not a failure: the paired requests of a same-work test are often refusals.
    public func measure<T>(_ body: () async throws -> T) async -> (outcome: Result<T, any Error>, work: Work) {
        reset()
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        return (outcome, work)
    }

    private func note(_ call: Call) { log.withLock { $0.append(call) } }

    public func record(_ key: RecordKey) async throws -> Versioned<Record>? {
        note(.read(key.kind))
        return try await inner.record(key)
    }

    public func record(unique key: UniqueKey) async throws -> Versioned<Record>? {
        note(.uniqueRead(key.name.rawValue))
        return try await inner.record(unique: key)
    }

    public func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>] {
        note(.indexRead(key.name.rawValue))
        return try await inner.records(indexedBy: key)
    }

    public func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>] {
        note(.kindScan(kind))
        return try await inner.records(ofKind: kind)
    }

    @discardableResult
    public func commit(_ changes: ChangeSet) async throws -> UInt64 {
        let shape = CommitShape(of: changes)
        do {
            let sequence = try await inner.commit(changes)
            note(.commit(shape))
            return sequence
        } catch {
            note(.refusedCommit(shape))
            throw error
        }
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        note(.changeFeedRead)
        return try await inner.changes(after: sequence, limit: limit)
    }

    public func lastSequence() async throws -> UInt64 {
        note(.sequenceRead)
        return try await inner.lastSequence()
    }

    public func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        note(.auditLogRead)
        return try await inner.auditEvents(after: sequence, limit: limit)
    }
}
