import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Concurrency: concurrent password guesses")
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
        #expect(notes.filter { $0 == "logon locked" }.count == extra)
        #expect(try await world.audit(.lockedOut).count == 1)
        #expect(
            try await world.mails(to: "pat@client.example").filter { $0.subject == "Your logon is locked" }.count == 1)
        // The lock holds against the right password, with the same answer (A1).
        let locked = await #expect(throws: AccessError.self) {
            try await auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(locked?.code == .invalidCredentials && locked?.message == LoginRules.invalidCredentials.message)
        #expect(try await world.isLocked("pat.client"))
    }

    @Test("A2: a right password on the try that reaches the threshold gives that try and its lock back, no more")
    func rightPasswordGivesItsTryBack() async throws {
        let policy = Policy.massTaxConnect.forTesting
        let world = IdentityWorld(policy: policy)
        try await world.signedInWithEmailCodes()
        let auth = world.auth
        for _ in 1..<policy.lockoutThreshold { try await AuthenticationTests.wrongPassword(world) }
        // The right password takes the last try, which locks when it is counted, and gives both back.
        let login = try await auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.stage == .awaitingCode)
        #expect(try await world.audit(.lockedOut).isEmpty)
        // A2: the right password gives back its own try only; the earlier failures stay counted.
        let after = try await world.lock("pat.client")
        #expect(after.failures == policy.lockoutThreshold - 1 && after.lockedUntil == nil)
    }
}
