public import TaxpayerAccess
import Synchronization

/// An `AccessStore` in memory: the embedded default for tests and examples, and the reference the conformance
/// suite is written against. A commit is all or nothing under one lock.
///
/// ```swift
/// let store = InMemoryAccessStore()
/// var changes = ChangeSet()
/// changes.insert(.taxpayer(taxpayer))
/// try await store.commit(changes)
/// ```
public final class InMemoryAccessStore: AccessStore {
    struct State {
        var records: [RecordKey: Versioned<Record>] = [:]
        var unique: [UniqueKey: RecordKey] = [:]
        var index: [IndexKey: Set<RecordKey>] = [:]
        var byKind: [RecordKind: Set<String>] = [:]
        var feed: [Change] = []
        var audit: [LoggedAuditEvent] = []
    }

    private let state = Mutex(State())

    /// An empty store.
    public init() {}

    public func record(_ key: RecordKey) async throws -> Versioned<Record>? {
        state.withLock { $0.records[key] }
    }

    public func record(unique key: UniqueKey) async throws -> Versioned<Record>? {
        state.withLock { state in state.unique[key].flatMap { state.records[$0] } }
    }

    public func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>] {
        state.withLock { state in
            (state.index[key] ?? []).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
                .compactMap { state.records[$0] }
        }
    }

    public func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>] {
        state.withLock { state in
            (state.byKind[kind] ?? []).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                .compactMap { state.records[RecordKey(kind, $0)] }
        }
    }

    @discardableResult
    public func commit(_ changes: ChangeSet) async throws -> UInt64 {
        try state.withLock { state in try Self.commit(changes, to: &state) }
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        state.withLock { state in
            let start = Int(min(sequence, UInt64(state.feed.count)))
            return Array(state.feed[start..<min(state.feed.count, start + max(0, limit))])
        }
    }

    public func lastSequence() async throws -> UInt64 {
        state.withLock { UInt64($0.feed.count) }
    }

    public func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        state.withLock { state in
            let start = Int(min(sequence, UInt64(state.audit.count)))
            return Array(state.audit[start..<min(state.audit.count, start + max(0, limit))])
        }
    }

    /// Stages the change set with the shared ``CommitPlan`` against the current state first, then applies it; on
    /// any refusal the state is untouched.
    private static func commit(_ changes: ChangeSet, to state: inout State) throws -> UInt64 {
        let plan = try CommitPlan(changes) { state.records[$0]?.version }
        try plan.checkUniqueKeys { state.unique[$0] }
        for step in plan.steps {
            let key = step.key
            if let old = state.records[key] {
                for unique in old.value.uniqueKeys where state.unique[unique] == key { state.unique[unique] = nil }
                for index in old.value.indexKeys { state.index[index]?.remove(key) }
            }
            if let new = step.new {
                state.records[key] = new
                state.byKind[key.kind, default: []].insert(key.id)
                for index in new.value.indexKeys { state.index[index, default: []].insert(key) }
            } else {
                state.records[key] = nil
                state.byKind[key.kind]?.remove(key.id)
            }
        }
        for claim in try plan.claims() { state.unique[claim.key] = claim.holder }
        for event in changes.auditEvents {
            state.audit.append(LoggedAuditEvent(sequence: UInt64(state.audit.count + 1), event: event))
        }
        let sequence = UInt64(state.feed.count + 1)
        state.feed.append(plan.change(sequence: sequence))
        return sequence
    }
}
