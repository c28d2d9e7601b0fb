import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting
import Synchronization

/// A store that breaks the contract in one way, to prove the conformance suite catches it.
final class ForgetfulStore: AccessStore {
    let inner = InMemoryAccessStore()
    /// When set, usernames are compared case-sensitively (a broken store).
    let caseSensitiveUsernames: Bool
    /// When set, commits are applied write by write, so a failure leaves the earlier writes behind.
    let partialCommits: Bool
    init(caseSensitiveUsernames: Bool = false, partialCommits: Bool = false) {
        self.caseSensitiveUsernames = caseSensitiveUsernames
        self.partialCommits = partialCommits
    }
    func record(_ key: RecordKey) async throws -> Versioned<Record>? { try await inner.record(key) }
    func record(unique key: UniqueKey) async throws -> Versioned<Record>? { try await inner.record(unique: key) }
    func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>] {
        try await inner.records(indexedBy: key)
    }
    func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>] { try await inner.records(ofKind: kind) }
    func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        try await inner.changes(after: sequence, limit: limit)
    }
    func lastSequence() async throws -> UInt64 { try await inner.lastSequence() }
    func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        try await inner.auditEvents(after: sequence, limit: limit)
    }
    func commit(_ changes: ChangeSet) async throws -> UInt64 {
        if caseSensitiveUsernames {
            // Rewrites usernames so that the store's own lower-casing cannot see the clash.
            var copy = changes
            copy.writes = copy.writes.map { write in
                guard case .logon(var logon) = write.record else { return write }
                logon.username = logon.username.unicodeScalars.map { ("A"..."Z").contains($0) ? "^\($0)" : "\($0)" }
                    .joined()
                return RecordWrite(record: .logon(logon), expected: write.expected)
            }
            return try await inner.commit(copy)
        }
        if partialCommits {
            var last: UInt64 = 0
            for write in changes.writes { last = try await inner.commit(ChangeSet(writes: [write])) }
            if !changes.auditEvents.isEmpty || !changes.deletions.isEmpty {
                last = try await inner.commit(ChangeSet(deletions: changes.deletions, auditEvents: changes.auditEvents))
            }
            return last
        }
        return try await inner.commit(changes)
    }
}

@Suite("AccessStoreConformance catches broken stores")
struct ConformanceSuiteTests {
    @Test("a store that commits write by write fails atomicCommit")
    func partialCommitsAreCaught() async {
        await #expect(throws: AccessStoreConformance.Failure.self) {
            try await AccessStoreConformance { ForgetfulStore(partialCommits: true) }.run(.atomicCommit)
        }
    }

    // R5
    @Test("a store comparing usernames case-sensitively fails usernameUnique")
    func caseSensitiveUsernamesAreCaught() async {
        await #expect(throws: AccessStoreConformance.Failure.self) {
            try await AccessStoreConformance { ForgetfulStore(caseSensitiveUsernames: true) }.run(.usernameUnique)
        }
    }

    @Test("the in-memory store passes every check")
    func inMemoryPasses() async throws {
        try await AccessStoreConformance { InMemoryAccessStore() }.runAll()
    }
}
