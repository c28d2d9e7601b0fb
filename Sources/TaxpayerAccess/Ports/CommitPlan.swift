/// The one commit algorithm every ``AccessStore`` adapter shares: what a ``ChangeSet`` does to the records it
/// touches, judged against the versions the store holds now.
///
/// Public so that adapters in other modules (in-memory, SQLite, PostgreSQL, your own) apply the same rules; not meant
/// for services, which commit through ``AccessStore/commit(_:)``. An adapter, inside its own transaction or lock:
/// 1. stages the change set with ``init(_:currentVersion:)`` — deletions first, then writes, in the order given; a
///    record touched twice is judged against its staged state; a version that does not hold is a
///    ``StoreError/Code/versionConflict``;
/// 2. releases the unique and index keys of every touched record (``touched``);
/// 3. writes ``steps`` in ``writeOrder`` (kind, then id in byte order: two commits touching the same records lock
///    them in the same order and cannot deadlock);
/// 4. claims (``claims()``) — each unique key the outcome holds, sorted — refusing a key another record still holds with
///    ``StoreError/uniqueKeyTaken(_:)`` (the error names the key, never its value);
/// 5. appends ``change(sequence:)`` to the feed.
///
/// ```swift
/// let plan = try CommitPlan(changes) { key in state.records[key]?.version }
/// try plan.checkUniqueKeys { unique in state.unique[unique] }
/// ```
public struct CommitPlan: Sendable, Hashable {
    /// What one touched record becomes.
    public struct Step: Sendable, Hashable {
        public var key: RecordKey
        /// The version the store held before the commit; `nil` when the record did not exist.
        public var previousVersion: Int?
        /// The record as written with its new version, or `nil` for a deletion.
        public var new: Versioned<Record>?
    }

    /// Every touched record, in the order the change set first touched it.
    public let steps: [Step]

    /// Stages `changes` against `currentVersion`, the version the store holds now for a key (`nil`: absent).
    ///
    /// - Throws: ``StoreError/Code/versionConflict`` when an expected version does not hold; whatever
    ///   `currentVersion` throws.
    public init(_ changes: ChangeSet, currentVersion: (RecordKey) throws -> Int?) throws {
        var previous: [RecordKey: Int?] = [:]
        var staged: [RecordKey: Versioned<Record>?] = [:]
        var order: [RecordKey] = []
        func held(_ key: RecordKey) throws -> Int? {
            if let entry = staged[key] { return entry?.version }
            let version = try currentVersion(key)
            previous[key] = .some(version)
            order.append(key)
            return version
        }
        for deletion in changes.deletions {
            guard let version = try held(deletion.key), version == deletion.expectedVersion else {
                throw StoreError.versionConflict(deletion.key, expected: "version \(deletion.expectedVersion)")
            }
            staged[deletion.key] = .some(nil)
        }
        for write in changes.writes {
            let key = write.record.key
            let version = try held(key)
            switch (write.expected, version) {
            case (.absent, nil): break
            case (.version(let v), let e?) where e == v: break
            default: throw StoreError.versionConflict(key, expected: "\(write.expected)")
            }
            staged[key] = .some(Versioned(write.record, version: (version ?? 0) + 1))
        }
        steps = order.map { Step(key: $0, previousVersion: previous[$0] ?? nil, new: staged[$0] ?? nil) }
    }

    /// The touched records' keys, in ``writeOrder``.
    public var touched: [RecordKey] { writeOrder.map(\.key) }

    /// ``steps`` ordered by kind, then id in byte order: the fixed order in which an adapter that locks rows writes
    /// them, so that two commits over the same records cannot deadlock.
    public var writeOrder: [Step] {
        steps.sorted { a, b in
            a.key.kind.rawValue != b.key.kind.rawValue
                ? a.key.kind.rawValue.utf8.lexicographicallyPrecedes(b.key.kind.rawValue.utf8)
                : a.key.id.utf8.lexicographicallyPrecedes(b.key.id.utf8)
        }
    }

    /// Every unique key the outcome holds with the record that holds it, sorted by name then value (byte order).
    ///
    /// - Throws: ``StoreError/uniqueKeyTaken(_:)`` when two records of this very commit would hold one key.
    public func claims() throws -> [(key: UniqueKey, holder: RecordKey)] {
        var claimed: [UniqueKey: RecordKey] = [:]
        for step in steps {
            guard let new = step.new else { continue }
            for unique in new.value.uniqueKeys {
                if let other = claimed[unique], other != step.key { throw StoreError.uniqueKeyTaken(unique.name) }
                claimed[unique] = step.key
            }
        }
        return claimed.map { (key: $0.key, holder: $0.value) }.sorted { a, b in
            a.key.name.rawValue != b.key.name.rawValue
                ? a.key.name.rawValue.utf8.lexicographicallyPrecedes(b.key.name.rawValue.utf8)
                : a.key.value.utf8.lexicographicallyPrecedes(b.key.value.utf8)
        }
    }

    /// Judges the unique keys on the outcome, for stores that look up holders rather than let a constraint refuse:
    /// a key is taken when a record outside this commit holds it, or a touched record holds it and keeps it.
    ///
    /// - Parameter holder: the record holding a unique key in the store now, or `nil`.
    /// - Throws: ``StoreError/uniqueKeyTaken(_:)``.
    public func checkUniqueKeys(holder: (UniqueKey) throws -> RecordKey?) throws {
        let outcome = Dictionary(steps.map { ($0.key, $0.new) }, uniquingKeysWith: { $1 })
        for claim in try claims() {
            guard let current = try holder(claim.key), current != claim.holder else { continue }
            if let touched = outcome[current] {
                guard touched?.value.uniqueKeys.contains(claim.key) ?? false else { continue }
            }
            throw StoreError.uniqueKeyTaken(claim.key.name)
        }
    }

    /// The records written, with their new versions, in the order the change set first touched them.
    public var written: [Versioned<Record>] { steps.compactMap(\.new) }

    /// The keys deleted, in the order the change set first touched them.
    public var deleted: [RecordKey] { steps.filter { $0.new == nil }.map(\.key) }

    /// The feed entry of this commit at `sequence`.
    public func change(sequence: UInt64) -> Change {
        Change(sequence: sequence, written: written, deleted: deleted)
    }
}
