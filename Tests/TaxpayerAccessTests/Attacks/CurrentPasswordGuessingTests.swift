import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 3: the current password a profile change asks for can be guessed without limit and leaves no audit.
/// Someone holding a signed-in session (a shared computer, a stolen cookie) guesses the password at leisure.
///
/// RULES A2: a wrong current password asked by a profile change (P1, P2) is a failure like a wrong password at
/// login: it counts toward the lock, and it is audited (U1).
@Suite("Attack 3: guessing the current password of a profile change (A2, P1, P2, U1)")
struct CurrentPasswordGuessingTests {
    static let email = "pat@client.example"
    static let wrong = "Wrong1234"

    /// Every profile change that asks for the current password.
    enum Check: String, CaseIterable, CustomTestStringConvertible {
        case changePassword, changeEmail, changePhone, addTwoStepMethod, removeTwoStepMethod, deleteProfile
        var testDescription: String { rawValue }

        /// The change, giving `password` as the current password; every other input is valid.
        func attempt(_ profile: Profile, session: String, password: String) async throws {
            switch self {
            case .changePassword:
                try await profile.changePassword(
                    try await profile.caller(session), currentPassword: password, newPassword: "Better456",
                    confirmation: "Better456")
            case .changeEmail:
                try await profile.changeEmail(
                    try await profile.caller(session), currentPassword: password, newEmail: "pat@new.example",
                    confirmation: "pat@new.example")
            case .changePhone:
                try await profile.changePhone(
                    try await profile.caller(session), currentPassword: password, countryCode: "1", type: .mobile,
                    number: "617-555-0199")
            case .addTwoStepMethod:
                _ = try await profile.addTwoStepMethod(
                    try await profile.caller(session), currentPassword: password, .authenticator(.sha1))
            case .removeTwoStepMethod:
                try await profile.removeTwoStepMethod(
                    try await profile.caller(session), currentPassword: password, kind: .text)
            case .deleteProfile:
                try await profile.deleteProfile(try await profile.caller(session), currentPassword: password)
            }
        }
    }

    /// A signed-in logon with two methods (email and text), so removing one is allowed but for the password.
    static func signedIn(hasher: (any SecretHasher)? = nil) async throws -> (IdentityWorld, session: String) {
        let world = IdentityWorld(hasher: hasher)
        let session = try await world.signedInWithEmailCodes()
        _ = try await world.profile.addTwoStepMethod(
            try await world.caller(session), currentPassword: IdentityWorld.password,
            .text(countryCode: "1", number: "(617) 555-1111"))
        try await world.profile.confirmTwoStepMethod(
            try await world.caller(session), code: try await CodeTarget.lastTextCode(world))
        return (world, session)
    }

    /// The audit events after `sequence` about the logon or by it.
    static func events(about logon: LogonID, in world: IdentityWorld, after sequence: UInt64) async throws
        -> [AuditEvent]
    {
        try await world.store.allAuditEvents().filter { $0.sequence > sequence }.map(\.event)
            .filter { $0.subject.contains(logon.rawValue) || $0.actor == .logon(logon) }
    }

    @Test(
        "Finding 3, A2 U1: wrong current passwords lock the logon like wrong logins, and each is audited",
        arguments: Check.allCases)
    func wrongCurrentPasswordsLockAndAreAudited(check: Check) async throws {
        let (world, session) = try await Self.signedIn()
        let logon = try await world.logon("pat.client")
        let threshold = world.context.policy.lockoutThreshold
        let start = try await world.store.allAuditEvents().last?.sequence ?? 0
        for _ in 1...threshold {
            let refused = await #expect(throws: AccessError.self) {
                try await check.attempt(world.profile, session: session, password: Self.wrong)
            }
            #expect(refused?.field == "currentPassword", "got \(String(describing: refused))")
        }
        let audited = try await Self.events(about: logon.id, in: world, after: start)
        #expect(
            audited.count >= threshold,
            "U1: \(threshold) wrong current passwords by \(check.rawValue) left \(audited.count) audit events about the logon"
        )
        let relogin = await answer {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: \(threshold) wrong current passwords by \(check.rawValue) did not lock the logon: \(relogin)")
        // Nothing was changed by the wrong tries.
        let after = try await world.logon("pat.client")
        #expect(after.email == Self.email && after.status == .active && after.twoStep.methods.count == 2)
    }

    @Test("Finding 3, A2: wrong login passwords and wrong current passwords are one count")
    func loginAndProfileFailuresAreOneCount() async throws {
        let (world, session) = try await Self.signedIn()
        let threshold = world.context.policy.lockoutThreshold
        let atLogin = threshold / 2
        for _ in 0..<atLogin {
            await #expect(throws: AccessError.self) {
                try await world.auth.login(username: "pat.client", password: Self.wrong)
            }
        }
        for _ in atLogin..<threshold {
            await #expect(throws: AccessError.self) {
                try await Check.changeEmail.attempt(world.profile, session: session, password: Self.wrong)
            }
        }
        let relogin = await answer {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: \(atLogin) wrong logins and \(threshold - atLogin) wrong current passwords did not lock: \(relogin)")
    }

    @Test("Finding 3, A2: 32 concurrent wrong current passwords on one session lock the logon as 32 sequential ones do")
    func concurrentGuessesLock() async throws {
        let policy = Policy.massTaxConnect.forTesting
        let gate = GateHasher(wrapping: Argon2idHasher(cost: policy.hashingCost))
        let (world, session) = try await Self.signedIn(hasher: gate)
        let profile = world.profile
        let answers = await raceAtGate(
            gate.gate,
            (0..<32).map { _ in
                { @Sendable in
                    await answer {
                        try await Check.changeEmail.attempt(profile, session: session, password: Self.wrong)
                    }
                }
            })
        #expect(answers.count == 32 && answers.allSatisfy { $0.hasPrefix("refused") })
        let relogin = await answer {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: 32 concurrent wrong current passwords did not lock the logon: \(relogin)")
    }
}
