import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 1 (high): unlimited second-factor guessing. Logging in again reset the code's wrong-try count, the send
/// limit never limits an authenticator app, and a dead code added one failed login that the next correct password
/// cleared: 60 wrong TOTP codes over 12 logins, never locked, and the right code still signed in.
///
/// RULES A4: wrong codes count per logon across logins, resends and new codes, and
/// ``codeLockoutThreshold`` of them since the last completed sign-in lock the logon as A2 does; A2: a correct
/// password alone clears nothing — only a completed sign-in or a reset does.
@Suite("Attack 1: second-factor guessing (A2, A4)")
struct SecondFactorLockoutTests {
    static let methods: [TwoStepKind] = [.authenticator, .text, .email]

    /// How a login of the drive ended.
    enum LoginOutcome: Equatable {
        case awaitingCode
        case refused(String)
    }

    @Test(
        "Finding 1, A4 A2: 100 logins of 5 wrong codes each lock the logon after the policy's number of wrong codes",
        arguments: methods)
    func hundredLoginsOfFiveWrongCodes(method: TwoStepKind) async throws {
        let target = try await CodeTarget.make(method)
        let perLogin = 5
        var outcomes: [LoginOutcome] = []
        var codesTried = 0
        var firstSession: String?
        for _ in 1...100 {
            let login: Authentication.LoginResult
            do {
                login = try await target.login()
            } catch let error as AccessError {
                outcomes.append(.refused(error.description))
                continue
            }
            outcomes.append(.awaitingCode)
            firstSession = firstSession ?? login.sessionToken
            for code in try await target.wrongCodes(perLogin) {
                codesTried += 1
                await #expect(throws: AccessError.self, "a wrong code signed in") {
                    try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: code)
                }
            }
        }
        // The logins needed to give the policy's number of wrong codes reach the code stage; every later one meets
        // the lock, with the answer a wrong password gets (A1).
        let reaching = (codeLockoutThreshold + perLogin - 1) / perLogin
        let reached = outcomes.filter { $0 == .awaitingCode }.count
        #expect(
            reached == reaching,
            "A4: \(reached) of 100 logins by \(method.rawValue) reached the code stage (\(codesTried) wrong codes tried); \(codeLockoutThreshold) wrong codes must lock the logon"
        )
        let refusals = Set(outcomes.compactMap { if case .refused(let r) = $0 { r } else { nil } })
        #expect(
            refusals == [LoginRules.invalidCredentials.description],
            "A2: the logins after the lock must all get the wrong-password answer (A1), got \(refusals)")
        // Locked: the right password does not sign in, nor does the right code on the first login's session.
        let locked = await answer { try await target.login() }
        #expect(locked == "refused: \(LoginRules.invalidCredentials.description)", "A2: not locked: \(locked)")
        if let firstSession {
            let right = try await target.rightCode()
            await #expect(throws: AccessError.self, "A4: the right code signed in after the lock") {
                try await target.auth.verifyCode(try await target.caller(firstSession), code: right)
            }
        }
    }

    @Test(
        "Finding 1, A2 A4: a correct password clears nothing: wrong codes split over two logins lock, and the right code then fails",
        arguments: methods)
    func correctPasswordClearsNothing(method: TwoStepKind) async throws {
        let target = try await CodeTarget.make(method)
        let first = codeLockoutThreshold / 2 + 1
        let firstLogin = try await target.login()
        for code in try await target.wrongCodes(first) {
            await #expect(throws: AccessError.self) {
                try await target.auth.verifyCode(try await target.caller(firstLogin.sessionToken), code: code)
            }
        }
        // The correct password again: a fresh login, a fresh code; the count goes on.
        let secondLogin = try await target.login()
        #expect(secondLogin.stage == .awaitingCode)
        for code in try await target.wrongCodes(codeLockoutThreshold - first) {
            await #expect(throws: AccessError.self) {
                try await target.auth.verifyCode(try await target.caller(secondLogin.sessionToken), code: code)
            }
        }
        let right = try await target.rightCode()
        let afterLock = await answer {
            try await target.auth.verifyCode(try await target.caller(secondLogin.sessionToken), code: right)
        }
        #expect(
            afterLock.hasPrefix("refused"),
            "A4: after \(codeLockoutThreshold) wrong \(method.rawValue) codes over two logins the right code still signed in"
        )
        let relogin = await answer { try await target.login() }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: \(codeLockoutThreshold) wrong codes since the last completed sign-in did not lock the logon: \(relogin)"
        )
    }

    /// How the second batch of codes is asked for.
    enum NewCode: String, CaseIterable, CustomTestStringConvertible {
        /// A resend by the same method.
        case resend
        /// A new code by the other method the logon has.
        case otherMethod
        var testDescription: String { rawValue }
        var phrase: String { self == .resend ? "a resend" : "a new code by another method" }
    }

    @Test(
        "Finding 1, A4: a resend or a new code by another method does not reset the count of wrong codes",
        arguments: NewCode.allCases)
    func resendDoesNotResetTheCount(newCode: NewCode) async throws {
        let target = try await CodeTarget.make(.email)
        let world = target.world
        // A second method, text, set up from the profile.
        let (session, _) = try await world.loginWithCode()
        _ = try await world.profile.addTwoStepMethod(
            try await world.caller(session), currentPassword: IdentityWorld.password,
            .text(countryCode: "1", number: CodeTarget.phone))
        try await world.profile.confirmTwoStepMethod(
            try await world.caller(session), code: try await CodeTarget.lastTextCode(world))

        let login = try await target.login()
        #expect(login.codeMethod == .email)
        let first = codeLockoutThreshold / 2
        for code in try await target.wrongCodes(first) {
            await #expect(throws: AccessError.self) {
                try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: code)
            }
        }
        let rightNow: String
        switch newCode {
        case .resend:
            try await target.auth.sendCode(try await target.caller(login.sessionToken))
            rightNow = try await world.lastCode(to: CodeTarget.email)
        case .otherMethod:
            try await target.auth.sendCode(try await target.caller(login.sessionToken), method: .text)
            rightNow = try await CodeTarget.lastTextCode(world)
        }
        var wrong = try await target.wrongCodes(codeLockoutThreshold - first + 1)
        wrong.removeAll { $0 == rightNow }
        for code in wrong.prefix(codeLockoutThreshold - first) {
            await #expect(throws: AccessError.self) {
                try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: code)
            }
        }
        let afterLock = await answer {
            try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: rightNow)
        }
        #expect(
            afterLock.hasPrefix("refused"), "A4: the right code signed in after \(codeLockoutThreshold) wrong codes")
        let relogin = await answer { try await target.login() }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A4: \(codeLockoutThreshold) wrong codes across \(newCode.phrase) did not lock the logon: \(relogin)")
    }

    /// The failure that brings the count to the threshold.
    enum LastFailure: String, CaseIterable, CustomTestStringConvertible {
        case wrongPassword, wrongCode
        var testDescription: String { rawValue }
    }

    @Test(
        "Finding 1, A2: wrong passwords and wrong codes are one count, and a correct password between them clears nothing",
        arguments: LastFailure.allCases)
    func passwordsAndCodesAreOneCount(last: LastFailure) async throws {
        let target = try await CodeTarget.make(.authenticator)
        let policy = target.world.context.policy
        for _ in 1..<policy.lockoutThreshold {
            await #expect(throws: AccessError.self) { try await target.login(password: "Wrong1234") }
        }
        let login = try await target.login()  // the correct password: no completed sign-in yet
        switch last {
        case .wrongPassword:
            await #expect(throws: AccessError.self) { try await target.login(password: "Wrong1234") }
        case .wrongCode:
            let code = try await target.wrongCodes(1)[0]
            await #expect(throws: AccessError.self) {
                try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: code)
            }
        }
        let relogin = await answer { try await target.login() }
        #expect(
            relogin == "refused: \(LoginRules.invalidCredentials.description)",
            "A2: \(policy.lockoutThreshold) failures with a correct password among them did not lock: \(relogin)")
    }

    // Control (passes on main too): a completed sign-in — password and code — does clear the count (A2), so the
    // tests above fail only where a correct password alone is taken for one.
    @Test("Finding 1 control, A2: a completed sign-in clears the count")
    func completedSignInClears() async throws {
        let target = try await CodeTarget.make(.authenticator)
        let policy = target.world.context.policy
        for _ in 1..<policy.lockoutThreshold {
            await #expect(throws: AccessError.self) { try await target.login(password: "Wrong1234") }
        }
        let login = try await target.login()
        try await target.auth.verifyCode(
            try await target.caller(login.sessionToken), code: try await target.rightCode())
        for _ in 1..<policy.lockoutThreshold {
            await #expect(throws: AccessError.self) { try await target.login(password: "Wrong1234") }
        }
        target.world.clock.advance(by: .seconds(60))  // a fresh TOTP step (A8)
        let again = try await target.login()
        try await target.auth.verifyCode(
            try await target.caller(again.sessionToken), code: try await target.rightCode())
    }

    /// 32 wrong codes, one per fresh login, by email: one after the other, or all at once at a gate.
    static func thirtyTwoWrongCodes(parallel: Bool) async throws -> (codeChecks: Int, relogin: String) {
        var policy = Policy.massTaxConnect.forTesting
        // The send limit counts codes sent, not guesses; raised so 32 fresh logins can each get a code, and only
        // the count of wrong codes (A4) can stop them.
        policy.codeMaxSendsPerWindow = 1000
        let hasher = CodeCheckHasher(wrapping: Argon2idHasher(cost: policy.hashingCost))
        let target = try await CodeTarget.make(.email, policy: policy, hasher: hasher)
        hasher.isPasswordHash(try #require(try await target.world.logon(CodeTarget.username).credentials.passwordHash))
        let before = hasher.codeChecks
        let tries = 32
        var answers: [String] = []
        if parallel {
            // 32 fresh logins, then a wrong code on each of their sessions at once.
            var sessions: [String] = []
            for _ in 0..<tries { sessions.append(try await target.login().sessionToken) }
            let wrong = try await target.wrongCodes(1)[0]
            let auth = target.auth
            answers = await raceAtGate(
                hasher.gate,
                sessions.map { session in
                    { @Sendable in
                        await answer { try await auth.verifyCode(try await auth.caller(session), code: wrong) }
                    }
                })
        } else {
            // A fresh login, a wrong code, 32 times; once locked, the login is refused (A2).
            for _ in 0..<tries {
                let login: Authentication.LoginResult
                do {
                    login = try await target.login()
                } catch let error as AccessError where error.code == .invalidCredentials {
                    continue
                }
                let wrong = try await target.wrongCodes(1)[0]
                answers.append(
                    await answer {
                        try await target.auth.verifyCode(try await target.caller(login.sessionToken), code: wrong)
                    })
            }
        }
        #expect(
            !answers.isEmpty && answers.allSatisfy { $0.hasPrefix("refused") }, "a wrong code signed in: \(answers)")
        return (hasher.codeChecks - before, await answer { try await target.login() })
    }

    @Test("Finding 1, A4: 32 parallel wrong codes across fresh logins count exactly as many as 32 sequential ones")
    func parallelWrongCodesCountLikeSequential() async throws {
        let sequential = try await Self.thirtyTwoWrongCodes(parallel: false)
        let parallel = try await Self.thirtyTwoWrongCodes(parallel: true)
        let locked = "refused: \(LoginRules.invalidCredentials.description)"
        #expect(
            sequential.codeChecks == codeLockoutThreshold,
            "A4: 32 wrong codes over 32 fresh logins, one after the other: \(sequential.codeChecks) checked, \(codeLockoutThreshold) allowed"
        )
        #expect(
            parallel.codeChecks == sequential.codeChecks,
            "A4: 32 wrong codes at once on fresh logins: \(parallel.codeChecks) checked, \(sequential.codeChecks) one after the other"
        )
        #expect(sequential.relogin == locked, "A4: not locked after 32 sequential wrong codes: \(sequential.relogin)")
        #expect(parallel.relogin == locked, "A4: not locked after 32 parallel wrong codes: \(parallel.relogin)")
    }
}
