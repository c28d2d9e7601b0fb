import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Review: concurrent password guesses")
struct ConcurrentPasswordTests {
    static func wrongPasswordNotes(_ world: IdentityWorld) async throws -> [String] {
        try await world.audit(.loginFailed).compactMap(\.note)
    }

    @Test("A2: concurrent wrong passwords get no more checks than the lockout threshold; the rest meet the lock")
    func guessesHoldUnderConcurrency() async throws {
        let policy = Policy.massTaxConnect.forTesting
        let gate = GateHasher(wrapping: Argon2idHasher(cost: policy.hashingCost))
        let world = IdentityWorld(policy: policy, hasher: gate)
        try await world.signedInWithEmailCodes()
        let auth = world.auth
        let extra = 4
        let succeeded = await ConcurrentGuessTests.race(gate, guesses: policy.lockoutThreshold + extra) {
            _ = try await auth.login(username: "pat.client", password: "Wrong1234")
        }
        #expect(succeeded == 0)
        // A1: every guess still costs one slow check, the ones that met the lock included.
        #expect(gate.arrived == policy.lockoutThreshold + extra)
        let notes = try await Self.wrongPasswordNotes(world)
        #expect(
            notes.filter { $0 == "wrong password" }.count == policy.lockoutThreshold,
            "A2: \(notes.filter { $0 == "wrong password" }.count) passwords checked, at most \(policy.lockoutThreshold) allowed"
        )
        #expect(notes.filter { $0 == "locked" }.count == extra)
        #expect(try await world.audit(.lockedOut).count == 1)
        #expect(
            try await world.mails(to: "pat@client.example").filter { $0.subject == "Your logon is locked" }.count == 1)
        // The lock holds against the right password, with the same answer (A1).
        let locked = await #expect(throws: AccessError.self) {
            try await auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(locked?.code == .invalidCredentials && locked?.message == LoginRules.invalidCredentials.message)
        #expect(try await world.logon("pat.client").lockedUntil != nil)
    }

    @Test("A2: a right password on the try that reaches the threshold gives that try and its lock back")
    func rightPasswordGivesItsTryBack() async throws {
        let policy = Policy.massTaxConnect.forTesting
        let world = IdentityWorld(policy: policy)
        try await world.signedInWithEmailCodes()
        let auth = world.auth
        for _ in 1..<policy.lockoutThreshold {
            _ = try? await auth.login(username: "pat.client", password: "Wrong1234")
        }
        // The right password takes the last try, which locks when it is counted, and gives both back.
        let login = try await auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.stage == .awaitingCode)
        #expect(try await world.audit(.lockedOut).isEmpty)
        let after = try await world.logon("pat.client")
        #expect(after.failedLogins == 0 && after.lockedUntil == nil)
    }

    @Test("A2: the try that reaches the threshold sets the lock; a right password lifts only the lock it set")
    func chargingRules() throws {
        let policy = Policy.massTaxConnect.forTesting
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var logon = Logon(
            id: "L1", username: "pat.client", email: "pat@client.example", fullName: "Pat", status: .active,
            createdAt: now)
        logon.failedLogins = policy.lockoutThreshold - 2
        let charged = try LoginRules.chargingTry(logon, now: now, policy: policy)
        #expect(charged.failedLogins == policy.lockoutThreshold - 1 && charged.lockedUntil == nil)
        #expect(!LoginRules.chargeLocked(charged))
        let last = try LoginRules.chargingTry(charged, now: now, policy: policy)
        #expect(LoginRules.chargeLocked(last) && LoginRules.isLocked(last, now: now))
        // A locked logon is not tried at all, and gets the one answer (A1).
        #expect(throws: LoginRules.invalidCredentials) { try LoginRules.chargingTry(last, now: now, policy: policy) }
        // The right password on the try that locked gives the lock back.
        let given = LoginRules.afterCorrectTry(last, charged: last, now: now)
        #expect(given.failedLogins == 0 && given.lockedUntil == nil)
        // The right password on an earlier try keeps a lock that other, wrong tries set meanwhile.
        let kept = LoginRules.afterCorrectTry(last, charged: charged, now: now)
        #expect(kept.failedLogins == 0 && kept.lockedUntil == last.lockedUntil)
        // An expired lock is lifted by the next try, which counts from the start again.
        let later = now.addingTimeInterval(policy.lockoutDuration.timeInterval)
        let fresh = try LoginRules.chargingTry(last, now: later, policy: policy)
        #expect(fresh.lockedUntil == nil && fresh.failedLogins == 1)
    }
}
