import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 10: parallel security answers on one reset link each got a slow check, so one link bought as many
/// guesses as the attacker could send at once; and wrong answers counted toward nothing, so fresh links bought more.
///
/// RULES V2: where a security question guards the link, one link allows one answer at a time, and wrong answers
/// count as A2 failures (R7: each check is a slow hash).
@Suite("Attack 10: security answers on a reset link (V2, A2, R7)")
struct SecurityAnswerTests {
    static let email = "pat@client.example"

    static func resetWrongly(_ recovery: Recovery, _ link: String, answer securityAnswer: String) async -> String {
        await answer {
            try await recovery.resetPassword(
                token: link, securityAnswer: securityAnswer, newPassword: "Better456", confirmation: "Better456")
        }
    }

    @Test("Finding 10, V2 R7: 32 parallel answers on one reset link get one slow check")
    func parallelAnswersGetOneCheck() async throws {
        let policy = Policy.massTaxConnect.forTesting
        let gate = GateHasher(wrapping: Argon2idHasher(cost: policy.hashingCost))
        let world = IdentityWorld(policy: policy, hasher: gate)
        try await world.signedInWithEmailCodes()
        try await world.recovery.forgotPassword(username: "pat.client")
        let link = try await world.lastLinkToken(to: Self.email)
        let recovery = world.recovery
        let answers = await raceAtGate(
            gate.gate,
            (0..<32).map { i in
                { @Sendable in await Self.resetWrongly(recovery, link, answer: "guess number \(i)") }
            })
        #expect(answers.count == 32 && answers.allSatisfy { $0.hasPrefix("refused") }, "\(answers)")
        #expect(gate.arrived == 1, "V2: 32 parallel answers on one reset link got \(gate.arrived) slow checks")
    }

    @Test("Finding 10, V2 A2: wrong security answers on fresh links count toward the lock, and each is audited")
    func wrongAnswersLock() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let threshold = world.context.policy.lockoutThreshold
        let start = try await world.store.allAuditEvents().last?.sequence ?? 0
        for i in 1...threshold {
            try await world.recovery.forgotPassword(username: "pat.client")
            let link = try await world.lastLinkToken(to: Self.email)
            let refused = await Self.resetWrongly(world.recovery, link, answer: "guess number \(i)")
            #expect(refused == "refused: \(RecoveryRules.wrongSecurityAnswer.description)")
        }
        let logon = try await world.logon("pat.client")
        let failures = try await world.store.allAuditEvents().filter { $0.sequence > start }.map(\.event)
            .filter { $0.subject == "logon/\(logon.id.rawValue)" && $0.note.contains("answer") }
        #expect(failures.count == threshold, "U1: \(failures.count) of \(threshold) wrong answers audited")
        let relogin = await answer {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: \(threshold) wrong security answers did not lock the logon: \(relogin)")
    }
}
