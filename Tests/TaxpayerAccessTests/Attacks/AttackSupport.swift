import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

// What the attack tests share: the counting doubles wired into a context, what an observer sees of one request, a
// logon with each two-step method, and a race that lines up concurrent tries at a gate. Each attack test names the
// finding it reproduces ("finding 1" … "finding 10") and the rules it holds the library to.

/// RULES A4: the wrong security codes since the last completed sign-in that lock the logon, as the tests' policy
/// says (the MassTaxConnect default, 5).
let codeLockoutThreshold = Policy.massTaxConnect.forTesting.codeLockoutThreshold

extension ServiceContext {
    /// This context with another store and/or hasher, e.g. the counting doubles of a same-work test.
    func replacing(store: (any AccessStore)? = nil, hasher: (any SecretHasher)? = nil) -> ServiceContext {
        ServiceContext(
            store: store ?? self.store, directory: directory, clock: clock, random: random,
            hasher: hasher ?? self.hasher, policy: policy, keys: keys, links: links, issuer: issuer, sync: sync)
    }
}

/// The answer a request gets, as its caller reads it: accepted (with the text, when the answer is a text; other
/// values, which may hold tokens, by their type only), or the refusal's code, field and message. `id`, when given,
/// is replaced by `<id>` (a message may repeat the caller's own input; that tells nothing).
func answer<T>(_ outcome: Result<T, any Error>, hiding id: String? = nil) -> String {
    let text: String
    switch outcome {
    case .success(let value as String): text = "accepted: \(value)"
    case .success(let value): text = "accepted: \(type(of: value))"
    case .failure(let error as AccessError): text = "refused: \(error.description)"
    case .failure(let error): text = "failed: \(type(of: error)) \(error)"
    }
    guard let id, !id.isEmpty else { return text }
    return text.replacingOccurrences(of: id, with: "<id>")
}

/// Runs `body` and returns its answer (see ``answer(_:hiding:)``).
func answer<T>(hiding id: String? = nil, _ body: () async throws -> T) async -> String {
    do { return answer(Result<T, any Error>.success(try await body()), hiding: id) } catch {
        return answer(Result<T, any Error>.failure(error), hiding: id)
    }
}

/// What an observer of one request can tell (RULES A1, V1, V2, R5): its answer, the store work behind it
/// (``CountingAccessStore/Work``: commits and their shapes, reads by kind) and the slow hashes it cost.
struct Observation: Equatable, CustomStringConvertible {
    var answer: String
    var work: CountingAccessStore.Work
    var slowHashes: Int

    var description: String {
        let store = work.description.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        return "\(answer)\n  slow hashes: \(slowHashes)\n  store:\n\(store)"
    }

    /// What differs between two observations, for a failure message.
    func difference(from other: Observation) -> String {
        var parts: [String] = []
        if answer != other.answer { parts.append("answer \"\(answer)\" vs \"\(other.answer)\"") }
        if slowHashes != other.slowHashes { parts.append("slow hashes \(slowHashes) vs \(other.slowHashes)") }
        let store = work.difference(from: other.work)
        if !store.isEmpty { parts.append("store: \(store)") }
        return parts.joined(separator: "; ")
    }
}

/// An ``IdentityWorld`` whose services run through a ``CountingAccessStore`` and a ``CountingSecretHasher``.
struct CountedWorld {
    let world: IdentityWorld
    let store: CountingAccessStore
    let hasher: CountingSecretHasher
    let context: ServiceContext

    init(_ world: IdentityWorld) {
        self.world = world
        store = CountingAccessStore(wrapping: world.store)
        hasher = CountingSecretHasher(wrapping: world.context.hasher)
        context = world.context.replacing(store: store, hasher: hasher)
    }

    var auth: Authentication { Authentication(context: context) }
    var recovery: Recovery { Recovery(context: context) }
    var registration: RegistrationService { RegistrationService(context: context) }
    /// The caller of a request with a session token (RULES A7).
    func caller(_ token: String) async throws -> SignedIn { try await world.caller(token) }

    /// What an observer sees of `body` alone.
    func observe<T>(_ body: () async throws -> T) async -> Observation {
        hasher.reset()
        let (outcome, work) = await store.measure(body)
        return Observation(answer: answer(outcome), work: work, slowHashes: hasher.counts.slow)
    }
}

/// Expects every observation to equal the first, naming the pair that differs and how.
func expectSameWork(
    _ observations: [(String, Observation)], _ rule: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let (firstName, first) = observations.first else {
        Issue.record("no observations", sourceLocation: sourceLocation)
        return
    }
    #expect(observations.count >= 2, "a same-work test needs a pair", sourceLocation: sourceLocation)
    for (name, observation) in observations.dropFirst() {
        #expect(
            first.difference(from: observation) == "",
            "\(rule): \(firstName) and \(name) can be told apart\n\(firstName): \(first)\n\(name): \(observation)",
            sourceLocation: sourceLocation)
    }
}

// MARK: - A logon with one two-step method (RULES A3, A4, A8)

/// A registered, activated logon `pat.client` whose two-step verification is set up with one method, and the
/// means to read or compute its right code and codes that are surely wrong.
struct CodeTarget {
    static let email = "pat@client.example"
    static let username = "pat.client"
    static let phone = "(617) 555-1111"

    let world: IdentityWorld
    let method: TwoStepKind
    /// The caller of a request with a session token (RULES A7).
    func caller(_ token: String) async throws -> SignedIn { try await world.caller(token) }
    /// The authenticator app's generator, for ``TwoStepKind/authenticator``.
    let totp: TOTP?

    var auth: Authentication { world.auth }

    /// Registers `pat.client` and sets up `method` at its first login; the clock then moves past the TOTP step used
    /// at set-up (A8), so the code of the current step is a right code that was never used.
    static func make(
        _ method: TwoStepKind, policy: Policy = Policy.massTaxConnect.forTesting, hasher: (any SecretHasher)? = nil
    ) async throws -> CodeTarget {
        let world = IdentityWorld(policy: policy, hasher: hasher)
        try await world.registerAndActivate()
        let setup = try await world.auth.login(username: username, password: IdentityWorld.password)
        var totp: TOTP?
        switch method {
        case .email:
            _ = try await world.auth.beginTwoStepSetup(try await world.caller(setup.sessionToken), .email)
            try await world.auth.completeTwoStepSetup(
                try await world.caller(setup.sessionToken), code: try await world.lastCode(to: email))
        case .text:
            _ = try await world.auth.beginTwoStepSetup(
                try await world.caller(setup.sessionToken), .text(countryCode: "1", number: phone))
            try await world.auth.completeTwoStepSetup(
                try await world.caller(setup.sessionToken), code: try await lastTextCode(world))
        case .authenticator:
            _ = try await world.auth.beginTwoStepSetup(
                try await world.caller(setup.sessionToken), .authenticator(.sha1))
            let logonID = try await world.logon(username).id
            let pending = try #require(
                try await world.store.verificationCode(of: logonID, purpose: .setup)?.value.pendingMethod)
            guard case .authenticator(let sealed, _) = pending else {
                throw AccessError(.conflict, "the pending method is not an authenticator")
            }
            let generator = TOTP(
                secret: try world.context.sealingBox().open(sealed), algorithm: .sha1, digits: 6,
                period: 30)
            try await world.auth.completeTwoStepSetup(
                try await world.caller(setup.sessionToken), code: generator.code(at: world.clock.now()))
            totp = generator
        }
        world.clock.advance(by: .seconds(90))
        return CodeTarget(world: world, method: method, totp: totp)
    }

    /// The code of the last text message sent.
    static func lastTextCode(_ world: IdentityWorld) async throws -> String {
        try await world.lastTextCode()
    }

    func login(password: String = IdentityWorld.password) async throws -> Authentication.LoginResult {
        try await auth.login(username: Self.username, password: password)
    }

    /// The code that would sign the last login in now: the last one sent, or the authenticator's current one.
    func rightCode() async throws -> String {
        switch method {
        case .email: return try await world.lastCode(to: Self.email)
        case .text: return try await Self.lastTextCode(world)
        case .authenticator: return try #require(totp).code(at: world.clock.now())
        }
    }

    /// `count` distinct six-digit codes none of which would be accepted now (for an authenticator: none of the codes
    /// of the steps the drift allows, A8).
    func wrongCodes(_ count: Int) async throws -> [String] {
        var accepted: Set<String> = []
        switch method {
        case .authenticator:
            let generator = try #require(totp)
            let step = generator.step(at: world.clock.now())
            accepted = Set([step - 1, step, step + 1].map { generator.code(forStep: $0) })
        case .email, .text:
            accepted = [try await rightCode()]
        }
        let candidates = (0..<(count + 8)).map { i -> String in
            let n = (i * 137_911 + 424_242) % 1_000_000
            let digits = String(n)
            return String(repeating: "0", count: 6 - digits.count) + digits
        }
        let wrong = Array(candidates.filter { !accepted.contains($0) }.prefix(count))
        try #require(wrong.count == count)
        return wrong
    }
}

// MARK: - Concurrent tries lined up at a gate

/// A hasher that tells the code checks from the password checks (every `verify` against a hash other than the
/// logon's password hash is a code check), counts the code checks, and, while armed, holds them at a ``Gate``.
///
/// Security codes are hashed and checked through the ``SecretHasher`` (TwoStepRules), so every code check passes
/// here; an unknown username's decoy check would count too, but the code tests log in with the right password only.
final class CodeCheckHasher: SecretHasher {
    let inner: any SecretHasher
    let gate = Gate()
    private let passwordHashes = Mutex<Set<String>>([])
    private let checks = Mutex(0)

    init(wrapping inner: any SecretHasher) { self.inner = inner }

    /// Verifies against `encoded` are password checks from now on, not code checks.
    func isPasswordHash(_ encoded: String) { passwordHashes.withLock { _ = $0.insert(encoded) } }
    /// How many code checks were made.
    var codeChecks: Int { checks.withLock { $0 } }

    func hash(_ secret: String) async throws -> String { try await inner.hash(secret) }
    func needsRehash(_ encoded: String) -> Bool { inner.needsRehash(encoded) }
    var decoyHash: String { inner.decoyHash }
    func verify(_ secret: String, against encoded: String) async -> Bool {
        if !passwordHashes.withLock({ $0.contains(encoded) }) {
            checks.withLock { $0 += 1 }
            await gate.pass()
        }
        return await inner.verify(secret, against: encoded)
    }
}

/// Runs every body at once, holding whatever reaches `gate` there until each body has either reached it or
/// finished, then opens it: so as many tries as the library lets through are checked at the same moment, without
/// sleeping. Returns each body's answer, in the order of `bodies`.
func raceAtGate(_ gate: Gate, _ bodies: [@Sendable () async -> String]) async -> [String] {
    let finished = Tally()
    let answers = AnswerBoard(count: bodies.count)
    gate.arm()
    await withTaskGroup(of: Void.self) { group in
        for (index, body) in bodies.enumerated() {
            group.addTask {
                answers.set(index, await body())
                finished.add()
            }
        }
        while gate.arrived + finished.count < bodies.count { await Task.yield() }
        gate.open()
    }
    return answers.all
}

/// The answers of concurrent tries, by index.
final class AnswerBoard: Sendable {
    private let answers: Mutex<[String?]>
    init(count: Int) { answers = Mutex([String?](repeating: nil, count: count)) }
    func set(_ index: Int, _ answer: String) { answers.withLock { $0[index] = answer } }
    var all: [String] { answers.withLock { $0.map { $0 ?? "no answer" } } }
}
