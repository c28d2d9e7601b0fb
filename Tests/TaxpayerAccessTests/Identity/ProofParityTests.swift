import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// A directory that logs every call by method name, and passes it on.
final class LoggingDirectory: TaxpayerDirectory {
    let inner: any TaxpayerDirectory
    private let log = Mutex<[String]>([])
    init(wrapping inner: any TaxpayerDirectory) { self.inner = inner }
    var calls: [String] { log.withLock { $0 } }
    func reset() { log.withLock { $0 = [] } }
    func entry(for taxID: TaxIdentifier) async throws -> DirectoryEntry? {
        log.withLock { $0.append("entry") }
        return try await inner.entry(for: taxID)
    }
    func filedReturns(for taxID: TaxIdentifier, accountType: AccountType) async throws -> [FiledReturn] {
        log.withLock { $0.append("filedReturns") }
        return try await inner.filedReturns(for: taxID, accountType: accountType)
    }
    func signUpLetters(for taxID: TaxIdentifier) async throws -> [SignUpLetter] {
        log.withLock { $0.append("signUpLetters") }
        return try await inner.signUpLetters(for: taxID)
    }
}

/// A store that logs every call by method and record kind (not by id), and passes it on.
final class LoggingStore: AccessStore {
    let inner: any AccessStore
    private let log = Mutex<[String]>([])
    init(wrapping inner: any AccessStore) { self.inner = inner }
    var calls: [String] { log.withLock { $0 } }
    func reset() { log.withLock { $0 = [] } }
    private func note(_ call: String) { log.withLock { $0.append(call) } }
    func record(_ key: RecordKey) async throws -> Versioned<Record>? {
        note("record \(key.kind)")
        return try await inner.record(key)
    }
    func record(unique key: UniqueKey) async throws -> Versioned<Record>? {
        note("unique \(key.name)")
        return try await inner.record(unique: key)
    }
    func records(indexedBy key: IndexKey) async throws -> [Versioned<Record>] {
        note("index \(key.name)")
        return try await inner.records(indexedBy: key)
    }
    func records(ofKind kind: RecordKind) async throws -> [Versioned<Record>] {
        note("kind \(kind)")
        return try await inner.records(ofKind: kind)
    }
    func commit(_ changes: ChangeSet) async throws -> UInt64 {
        note("commit \(changes.writes.map(\.record.key.kind.rawValue)) \(changes.auditEvents.map(\.action.rawValue))")
        return try await inner.commit(changes)
    }
    func changes(after sequence: UInt64, limit: Int) async throws -> [Change] {
        try await inner.changes(after: sequence, limit: limit)
    }
    func lastSequence() async throws -> UInt64 { try await inner.lastSequence() }
    func auditEvents(after sequence: UInt64, limit: Int) async throws -> [LoggedAuditEvent] {
        try await inner.auditEvents(after: sequence, limit: limit)
    }
}

@Suite("Identity: proofing reveals nothing (R3)")
struct ProofParityTests {
    @Test("R3: an unknown ID and a wrong amount do the same directory, store and hashing work, and get one answer")
    func unknownIDAndWrongAmountDoTheSameWork() async throws {
        let world = IdentityWorld()
        let directory = LoggingDirectory(wrapping: world.directory)
        let store = LoggingStore(wrapping: world.store)
        let c = world.context
        let context = ServiceContext(
            store: store, directory: directory, clock: c.clock, random: c.random, hasher: c.hasher, policy: c.policy,
            keys: c.keys, links: c.links)
        let registration = RegistrationService(context: context)

        func attempt(_ application: RegistrationService.Application) async throws
            -> (error: AccessError?, directory: [String], store: [String], hashes: Int)
        {
            directory.reset()
            store.reset()
            world.hasher.reset()
            var refusal: AccessError?
            do { _ = try await registration.submit(application) } catch let error as AccessError { refusal = error }
            return (refusal, directory.calls, store.calls, world.hasher.calls)
        }
        let unknown = try await attempt(world.application(taxID: TaxIdentifier(type: .ssn, number: "555443333")))
        let wrongAmount = try await attempt(world.application(proof: .amountDue(1234_57)))
        let wrongType = try await attempt(world.application(accountType: .meals))
        #expect(unknown.error == RegistrationRules.proofFailed)
        #expect(unknown.error?.message == wrongAmount.error?.message)
        #expect(unknown.error?.message == wrongType.error?.message)
        #expect(unknown.directory == wrongAmount.directory, "R3: the directory work differs")
        #expect(unknown.directory == wrongType.directory, "R3: the directory work differs")
        #expect(unknown.store == wrongAmount.store, "R3: the store work differs")
        #expect(unknown.hashes == wrongAmount.hashes)
    }
}
