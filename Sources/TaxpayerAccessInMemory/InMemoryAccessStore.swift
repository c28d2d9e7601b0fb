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

    /// Validates every write against the current state first, then applies them all; on any refusal the state is
    /// untouched.
    private static func commit(_ changes: ChangeSet, to state: inout State) throws -> UInt64 {
        var staged: [RecordKey: Versioned<Record>?] = [:]
        var order: [RecordKey] = []
        func current(_ key: RecordKey) -> Versioned<Record>? {
            if let entry = staged[key] { return entry }
            return state.records[key]
        }
        for deletion in changes.deletions {
            guard let existing = current(deletion.key), existing.version == deletion.expectedVersion else {
                throw StoreError(
                    .versionConflict, subject: deletion.key.description,
                    message: "\(deletion.key) is not at version \(deletion.expectedVersion)")
            }
            if staged[deletion.key] == nil { order.append(deletion.key) }
            staged[deletion.key] = .some(nil)
        }
        for write in changes.writes {
            let key = write.record.key
            let existing = current(key)
            switch (write.expected, existing) {
            case (.absent, nil): break
            case (.version(let v), let e?) where e.version == v: break
            default:
                throw StoreError(
                    .versionConflict, subject: key.description,
                    message: "\(key) was changed by someone else (expected \(write.expected))")
            }
            if staged[key] == nil { order.append(key) }
            staged[key] = .some(Versioned(write.record, version: (existing?.version ?? 0) + 1))
        }
        // Unique keys: what each staged key will hold, checked against every other holder.
        var claimed: [UniqueKey: RecordKey] = [:]
        for key in order {
            guard let new = staged[key] ?? nil else { continue }
            for unique in new.value.uniqueKeys {
                if let other = claimed[unique], other != key {
                    throw StoreError(.uniqueKeyTaken, subject: unique.name, message: "\(unique.name) is taken")
                }
                claimed[unique] = key
                if let holder = state.unique[unique], holder != key {
                    let holderStillHolds: Bool
                    if let stagedHolder = staged[holder] {
                        holderStillHolds = stagedHolder?.value.uniqueKeys.contains(unique) ?? false
                    } else {
                        holderStillHolds = true
                    }
                    if holderStillHolds {
                        throw StoreError(
                            .uniqueKeyTaken, subject: unique.name, message: "\(unique.name) is taken")
                    }
                }
            }
        }
        // Apply.
        var written: [Versioned<Record>] = []
        var deleted: [RecordKey] = []
        for key in order {
            if let old = state.records[key] {
                for unique in old.value.uniqueKeys where state.unique[unique] == key { state.unique[unique] = nil }
                for index in old.value.indexKeys { state.index[index]?.remove(key) }
            }
            if let new = staged[key] ?? nil {
                state.records[key] = new
                state.byKind[key.kind, default: []].insert(key.id)
                for index in new.value.indexKeys { state.index[index, default: []].insert(key) }
                written.append(new)
            } else {
                state.records[key] = nil
                state.byKind[key.kind]?.remove(key.id)
                deleted.append(key)
            }
        }
        for key in order {
            guard let new = staged[key] ?? nil else { continue }
            for unique in new.value.uniqueKeys { state.unique[unique] = key }
        }
        for event in changes.auditEvents {
            state.audit.append(LoggedAuditEvent(sequence: UInt64(state.audit.count + 1), event: event))
        }
        let sequence = UInt64(state.feed.count + 1)
        state.feed.append(Change(sequence: sequence, written: written, deleted: deleted))
        return sequence
    }
}
