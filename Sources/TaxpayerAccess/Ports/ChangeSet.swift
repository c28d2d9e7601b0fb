/// What a write expects to find: optimistic concurrency (the storage contract: Documentation/Architecture.md).
public enum ExpectedVersion: Hashable, Sendable, Codable {
    /// The record must not exist yet.
    case absent
    /// The record must exist at exactly this version.
    case version(Int)
}

/// One write of a ``ChangeSet``.
public struct RecordWrite: Hashable, Sendable {
    public var record: Record
    public var expected: ExpectedVersion
    package init(record: Record, expected: ExpectedVersion) {
        self.record = record
        self.expected = expected
    }
}

/// One deletion of a ``ChangeSet``.
public struct RecordDeletion: Hashable, Sendable {
    public var key: RecordKey
    public var expectedVersion: Int
    package init(key: RecordKey, expectedVersion: Int) {
        self.key = key
        self.expectedVersion = expectedVersion
    }
}

/// Everything one decision writes, committed all or nothing by ``AccessStore/commit(_:)``: records with the
/// versions they were read at, audit events (RULES U1) and outbox mail (RULES N2).
///
/// ```swift
/// var changes = ChangeSet()
/// changes.insert(.logon(newLogon))
/// changes.update(.role(role), from: current.version)
/// changes.audit(AuditEvent(time: now, actor: .logon(id), action: .roleChanged, subject: "role/\(role.key)"))
/// changes.send(mail)
/// try await store.commit(changes)
/// ```
public struct ChangeSet: Hashable, Sendable {
    public var writes: [RecordWrite]
    public var deletions: [RecordDeletion]
    public var auditEvents: [AuditEvent]

    package init(writes: [RecordWrite] = [], deletions: [RecordDeletion] = [], auditEvents: [AuditEvent] = []) {
        self.writes = writes
        self.deletions = deletions
        self.auditEvents = auditEvents
    }

    /// Whether the change set writes nothing at all.
    public var isEmpty: Bool { writes.isEmpty && deletions.isEmpty && auditEvents.isEmpty }

    /// Adds a record that must not exist yet.
    package mutating func insert(_ record: Record) { writes.append(RecordWrite(record: record, expected: .absent)) }

    /// Adds a new version of a record read at `version`.
    package mutating func update(_ record: Record, from version: Int) {
        writes.append(RecordWrite(record: record, expected: .version(version)))
    }

    /// Inserts when `version` is `nil`, else updates from it.
    package mutating func put(_ record: Record, from version: Int?) {
        if let version { update(record, from: version) } else { insert(record) }
    }

    /// Deletes a record read at `version`.
    package mutating func delete(_ key: RecordKey, from version: Int) {
        deletions.append(RecordDeletion(key: key, expectedVersion: version))
    }

    /// Appends an audit event.
    package mutating func audit(_ event: AuditEvent) { auditEvents.append(event) }

    /// Writes a mail to the outbox in this same commit (RULES N2).
    package mutating func send(_ mail: OutboxMail) { insert(.mail(mail)) }

    /// Appends another change set's contents.
    package mutating func append(_ other: ChangeSet) {
        writes += other.writes
        deletions += other.deletions
        auditEvents += other.auditEvents
    }

    /// The outbox mail this change set writes.
    public var mail: [OutboxMail] {
        writes.compactMap { if case .mail(let m) = $0.record, $0.expected == .absent { m } else { nil } }
    }
}

/// One committed change set as the change feed carries it (``AccessStore/changes(after:limit:)``).
public struct Change: Hashable, Sendable, Codable {
    /// 1, 2, 3, … with no gaps, in commit order.
    public var sequence: UInt64
    /// The records as written, with their new versions.
    public var written: [Versioned<Record>]
    /// The keys deleted.
    public var deleted: [RecordKey]

    public init(sequence: UInt64, written: [Versioned<Record>], deleted: [RecordKey]) {
        self.sequence = sequence
        self.written = written
        self.deleted = deleted
    }
}
