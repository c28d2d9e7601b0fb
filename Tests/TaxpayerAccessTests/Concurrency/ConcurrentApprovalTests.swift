import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// A store that, once armed, holds every `commit` at a gate until the test opens it, and counts the commits that
/// reached it: so a test can let concurrent decisions all read before any of them writes, without sleeping.
final class GateStore: AccessStore {
    let inner: any AccessStore
    init(wrapping inner: any AccessStore) { self.inner = inner }

    /// Holds every `commit` while armed (``Gate``).
    let gate = Gate()
    /// From now on, `commit` waits at the gate.
    func arm() { gate.arm() }
    /// How many calls reached the gate since it was armed.
    var arrived: Int { gate.arrived }
    /// Lets every held and later call through.
    func open() { gate.open() }

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

    @discardableResult
    func commit(_ changes: ChangeSet) async throws -> UInt64 {
        await gate.pass()
        return try await inner.commit(changes)
    }
}

@Suite("Concurrency: concurrent approvals")
struct ConcurrentApprovalTests {
    static func masterAdministrators(_ world: IdentityWorld) async throws -> [LogonID] {
        try await world.store.roles(on: "T1").map(\.value)
            .filter { $0.status == .active && $0.role == .masterAdministrator }.map(\.logon)
    }

    @Test("R11: two approvals for a taxpayer without an MA, decided from the same read, conflict at commit")
    func approvalsFromTheSameReadConflict() async throws {
        let world = IdentityWorld()
        let taxpayer = Taxpayer(id: "T1", taxID: IdentityWorld.patSSN, legalName: "Pat Q Client", kind: .individual)
        var seed = ChangeSet()
        seed.insert(.taxpayer(taxpayer))
        try await world.store.commit(seed)
        let read = try #require(try await world.store.taxpayer("T1"))
        let now = world.clock.now()
        let state = ApprovalState(
            taxpayer: read, entry: nil, storedAccounts: ["A1": .personalIncome], masterAdministrators: [])
        func approval(_ logon: LogonID) -> Decision<Void> {
            var registration = Registration(
                id: RegistrationID("R" + logon.rawValue), confirmationNumber: "1-234-567-89\(logon.rawValue.suffix(1))",
                logon: logon, taxpayer: "T1", provedAccount: "A1", submittedAt: now)
            var pending = Logon(
                id: logon, username: logon.rawValue, email: "\(logon.rawValue)@example.test", fullName: "Applicant",
                status: .pendingApproval, ownTaxpayer: "T1")
            let drawn = world.context.drawToken("K")
            return RegistrationRules.approve(
                &registration, logon: &pending, state: state, activation: drawn, activationURL: "https://x/activate",
                by: .system, now: now, policy: world.context.policy)
        }
        let first = approval("L1")
        let second = approval("L2")
        let roles = [first, second].map { decision in
            decision.changes.writes.compactMap { if case .role(let role) = $0.record { role.role } else { nil } }
        }
        #expect(roles == [[.masterAdministrator], [.masterAdministrator]])
        try await world.store.commit(try world.context.records(of: first))
        await #expect(throws: StoreError(.versionConflict, subject: "taxpayer/T1", message: "")) {
            try await world.store.commit(try world.context.records(of: second))
        }
        #expect(try await Self.masterAdministrators(world) == ["L1"])
        // The taxpayer is written back unchanged: only its version moves.
        #expect(try await world.store.taxpayer("T1")?.value == taxpayer)
    }

    @Test("R11: of two approvals at once for a taxpayer without an MA, one makes an MA and the other a TA")
    func concurrentApprovalsMakeOneMasterAdministrator() async throws {
        var policy = Policy.massTaxConnect.forTesting
        policy.automaticApproval = false
        let world = IdentityWorld(policy: policy)
        let pat = try await world.registration.submit(world.application())
        let sam = try await world.registration.submit(
            world.application(
                accountType: .salesAndUse, proof: .amountDue(77_01), username: "sam.spouse",
                email: "sam@client.example",
                fullName: "Sam Spouse"))
        let gate = GateStore(wrapping: world.store)
        let c = world.context
        let gated = RegistrationService(
            context: ServiceContext(
                store: gate, directory: c.directory, clock: c.clock, random: c.random, hasher: c.hasher,
                policy: c.policy, keys: c.keys, links: c.links))
        let finished = Tally()
        gate.arm()
        await withTaskGroup(of: Void.self) { group in
            for registration in [pat.registration, sam.registration] {
                group.addTask {
                    do { try await gated.approve(registration: registration, by: "clerk 17") } catch {
                        Issue.record("approval refused: \(error)")
                    }
                    finished.add()
                }
            }
            // Both have decided before either writes: the race the commit must settle.
            while gate.arrived + finished.count < 2 { await Task.yield() }
            gate.open()
        }
        let masters = try await Self.masterAdministrators(world)
        #expect(masters.count == 1, "R11: \(masters.count) Master Administrators made at once")
        let patID = try await world.logon("pat.client").id
        let samID = try await world.logon("sam.spouse").id
        let other = masters.first == patID ? samID : patID
        let role = try #require(try await world.store.role(of: other, on: "T1")).value
        #expect(role.role == .taxAdministrator && role.status == .active)
        #expect(role.accountLevels.count == 1)
        // R11: the Tax Administrator is told how to reach the Master Administrator.
        let messages = try await world.store.records(ofKind: .eMessage).compactMap { $0.eMessage?.value }
        let told = try #require(messages.first { $0.logon == other })
        let master = try #require(masters.first)
        let masterName = try #require(try await world.store.logon(master)).value.fullName
        #expect(told.body.contains(masterName))
    }
}
