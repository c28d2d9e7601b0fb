import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// A hasher that, once armed, holds every `verify` at a gate until the test opens it, and counts the callers that
/// reached it: so a test can line up concurrent guesses deterministically, without sleeping.
final class GateHasher: SecretHasher {
    let inner: any SecretHasher
    init(wrapping inner: any SecretHasher) { self.inner = inner }

    /// Holds every `verify` while armed (``Gate``).
    let gate = Gate()
    /// From now on, `verify` waits at the gate.
    func arm() { gate.arm() }
    /// How many calls reached the gate since it was armed.
    var arrived: Int { gate.arrived }
    /// Lets every held and later call through.
    func open() { gate.open() }

    func hash(_ secret: String) async throws -> String { try await inner.hash(secret) }
    func needsRehash(_ encoded: String) -> Bool { inner.needsRehash(encoded) }
    var decoyHash: String { inner.decoyHash }
    func verify(_ secret: String, against encoded: String) async -> Bool {
        await gate.pass()
        return await inner.verify(secret, against: encoded)
    }
}

/// A thread-safe counter.
final class Tally: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

@Suite("Concurrency: concurrent guesses")
struct ConcurrentGuessTests {
    /// Runs `guesses` concurrent calls of `body`, holding every one that reaches the hasher at the gate until each
    /// either waits there or has finished, then opens the gate. Returns how many succeeded.
    static func race(_ gate: GateHasher, guesses: Int, _ body: @escaping @Sendable () async throws -> Void) async -> Int
    {
        let finished = Tally()
        let succeeded = Tally()
        gate.arm()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<guesses {
                group.addTask {
                    if (try? await body()) != nil { succeeded.add() }
                    finished.add()
                }
            }
            while gate.arrived + finished.count < guesses { await Task.yield() }
            gate.open()
        }
        return succeeded.count
    }

    @Test(
        "A4: concurrent guesses at a login or set-up code get no more tries than the policy allows",
        arguments: [CodePurpose.login, .setup])
    func triesHoldUnderConcurrency(purpose: CodePurpose) async throws {
        let policy = Policy.massTaxConnect.forTesting
        let gate = GateHasher(wrapping: Argon2idHasher(cost: policy.hashingCost))
        let world = IdentityWorld(policy: policy, hasher: gate)
        let auth = world.auth
        let token: String
        if purpose == .login {
            try await world.signedInWithEmailCodes()
            token = try await auth.login(username: "pat.client", password: IdentityWorld.password).sessionToken
        } else {
            try await world.registerAndActivate()
            token = try await auth.login(username: "pat.client", password: IdentityWorld.password).sessionToken
            _ = try await auth.beginTwoStepSetup(try await auth.caller(token), .email)
        }
        let code = try await world.lastCode(to: "pat@client.example")
        let wrong = code == "000000" ? "111111" : "000000"
        let succeeded = await Self.race(gate, guesses: policy.codeMaxFailedAttempts + 4) {
            if purpose == .login {
                _ = try await auth.verifyCode(try await auth.caller(token), code: wrong)
            } else {
                try await auth.completeTwoStepSetup(try await auth.caller(token), code: wrong)
            }
        }
        #expect(succeeded == 0)
        #expect(
            gate.arrived <= policy.codeMaxFailedAttempts,
            "A4: \(gate.arrived) codes checked, at most \(policy.codeMaxFailedAttempts) allowed")
        #expect(try await world.audit(.codeFailed).count == policy.codeMaxFailedAttempts)
        // The code died of its tries (and the session with it): the right one no longer works.
        await #expect(throws: AccessError.self) {
            if purpose == .login {
                _ = try await auth.verifyCode(try await auth.caller(token), code: code)
            } else {
                try await auth.completeTwoStepSetup(try await auth.caller(token), code: code)
            }
        }
    }

    @Test("A4: a correct code after wrong ones still works, and its try is not counted against the next code")
    func correctCodeAfterWrongOnes() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let code = try await world.lastCode(to: "pat@client.example")
        let wrong = code == "000000" ? "111111" : "000000"
        for _ in 0..<(world.context.policy.codeMaxFailedAttempts - 1) {
            await #expect(throws: AccessError.self) {
                try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: wrong)
            }
        }
        _ = try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        let stored = try #require(
            try await world.store.verificationCode(of: try await world.logon("pat.client").id, purpose: .login))
        #expect(stored.value.consumed)
        #expect(stored.value.failedAttempts == world.context.policy.codeMaxFailedAttempts - 1)
    }
}
