/// Every number of the rules (Documentation/Rules.md) in one value callers may change, with two presets:
/// ``massTaxConnect`` (the default, the source documents' rules) and ``nist80063b``.
///
/// ```swift
/// var policy = Policy.massTaxConnect
/// policy.lockoutThreshold = 3
/// ```
public struct Policy: Hashable, Sendable {
    /// Which password rules apply (RULES R6).
    public enum PasswordRules: String, Hashable, Sendable, Codable, CaseIterable {
        /// 8–15 characters, upper, lower and digit, not the username.
        case composition
        /// NIST SP 800-63B: length only, and not on the blocklist of common passwords, not the username.
        case blocklist
    }

    /// Argon2id cost (Documentation/SecurityModel.md).
    public struct HashingCost: Hashable, Sendable, Codable {
        /// Passes over memory (libsodium `opslimit`; a count, ≥ 1).
        public var opsLimit: UInt64
        /// Memory in bytes (libsodium `memlimit`; ≥ 8192, libsodium's minimum).
        public var memLimit: Int
        public init(opsLimit: UInt64, memLimit: Int) {
            self.opsLimit = opsLimit
            self.memLimit = memLimit
        }
        /// OWASP's Argon2id recommendation: 19 MiB, two passes.
        public static let owasp = HashingCost(opsLimit: 2, memLimit: 19 * 1024 * 1024)
        /// libsodium's minimum: for tests only.
        public static let minimum = HashingCost(opsLimit: 1, memLimit: 8192)
    }

    // Every number below names its rule and its unit. Durations are `Duration`s; in the JSON form
    // (``Policy/decode(json:)``) every duration is a number of seconds.

    // R3
    /// RULES R3: failed identity proofs allowed per taxpayer ID within ``proofAttemptWindow`` (a count, ≥ 1).
    public var maxFailedProofs: Int
    /// RULES R3: the window failed proofs are counted in (a duration, > 0).
    public var proofAttemptWindow: Duration
    // R5
    /// RULES R5: the allowed username lengths, in characters (1 ≤ minimum ≤ maximum).
    public var usernameLength: ClosedRange<Int>
    // R6
    /// RULES R6: the allowed password lengths, in characters (minimum ≥ 1; ≥ 3 under
    /// ``PasswordRules/composition``, which needs an upper-case letter, a lower-case letter and a digit).
    public var passwordLength: ClosedRange<Int>
    /// RULES R6: which password rules apply.
    public var passwordRules: PasswordRules
    // R10
    /// RULES R10: whether a proved application is approved at once, or waits for agency review.
    public var automaticApproval: Bool
    // R11
    /// RULES R11: the level a new Tax Administrator gets on the account it proved (not `none`).
    public var newTaxAdministratorLevel: AccessLevel
    // R12
    /// RULES R12: how long an activation link works (a duration, > 0).
    public var activationLinkLifetime: Duration
    // A2
    /// RULES A2: consecutive failures (wrong secrets given for the logon) that lock it (a count, ≥ 1).
    public var lockoutThreshold: Int
    /// RULES A2: how long a lockout lasts (a duration, > 0).
    public var lockoutDuration: Duration
    // A3
    /// RULES A3: the two-step methods a logon may use (at least one).
    public var allowedTwoStepKinds: Set<TwoStepKind>
    // A4
    /// RULES A4: how long a security code works (a duration, > 0).
    public var codeLifetime: Duration
    /// RULES A4: wrong tries after which one code dies (a count, ≥ 1).
    public var codeMaxFailedAttempts: Int
    /// RULES A4: sends (first send and resends) allowed per ``codeSendWindow`` (a count, ≥ 1).
    public var codeMaxSendsPerWindow: Int
    /// RULES A4: the window sends are counted in (a duration, > 0).
    public var codeSendWindow: Duration
    /// RULES A4: wrong security codes since the last completed sign-in that lock the logon (as A2 does) (a count,
    /// ≥ 1).
    public var codeLockoutThreshold: Int
    // A6
    /// RULES A6: how long a trusted device skips two-step verification (a duration, > 0); `nil` turns trusted
    /// devices off.
    public var trustedDeviceLifetime: Duration?
    // A7
    /// RULES A7: a session ends after this long without activity (a duration, > 0).
    public var sessionIdleTimeout: Duration
    /// RULES A7: a session ends this long after it began, whatever its activity (a duration, > 0).
    public var sessionAbsoluteLifetime: Duration
    /// RULES A7: a session's last activity is written at most this often, not on every request (a duration, ≥ 0 and
    /// below ``sessionIdleTimeout``), so authenticated requests do not each cost a commit; the idle timeout may then
    /// end a session up to this much early.
    public var sessionActivityInterval: Duration = .seconds(60)
    // A8
    /// RULES A8: the TOTP time step (a duration in whole seconds, > 0; RFC 6238 says 30 seconds).
    public var totpStep: Duration
    /// RULES A8, A4: digits of a TOTP code and of a sent security code (a count, 6 to 10: RFC 4226 §5.3 asks at
    /// least 6).
    public var totpDigits: Int
    /// RULES A8: TOTP steps of clock drift accepted either way (a count of steps, 0 to 10).
    public var totpAllowedDrift: Int
    // V2
    /// RULES V2: how long a password reset link works (a duration, > 0).
    public var resetLinkLifetime: Duration
    /// RULES V2: earlier passwords a new one must differ from (a count, 0 to 100; each is checked with the slow
    /// hash).
    public var passwordHistoryCount: Int
    /// RULES V2, R7: whether a password reset asks the security question.
    public var resetAsksSecurityQuestion: Bool
    /// RULES R7: whether registration asks for a security question.
    public var requiresSecurityQuestion: Bool
    // X10
    /// RULES X10: how long a third-party request waits for its answer (a duration, > 0).
    public var requestLifetime: Duration
    /// RULES S2: how long a secondary logon's completion link works (a duration, > 0).
    public var secondaryLinkLifetime: Duration
    /// RULES R6, R7, R4 (storage): the Argon2id cost for passwords, PINs and answers.
    public var hashingCost: HashingCost
    /// RULES R6: common passwords refused under ``PasswordRules/blocklist``, lower-cased. Defaults to the shipped
    /// list.
    public var blocklist: PasswordBlocklist

    /// The rules of the source documents (the defaults of Documentation/Rules.md).
    public static let massTaxConnect = Policy(
        maxFailedProofs: 5, proofAttemptWindow: .seconds(24 * 3600),
        usernameLength: 3...60, passwordLength: 8...15, passwordRules: .composition,
        automaticApproval: true, newTaxAdministratorLevel: .allAccess, activationLinkLifetime: .seconds(7 * 86400),
        lockoutThreshold: 5, lockoutDuration: .seconds(15 * 60),
        allowedTwoStepKinds: [.authenticator, .text, .email],
        codeLifetime: .seconds(10 * 60), codeMaxFailedAttempts: 5, codeMaxSendsPerWindow: 5,
        codeSendWindow: .seconds(3600), codeLockoutThreshold: 5,
        trustedDeviceLifetime: .seconds(180 * 86400),
        sessionIdleTimeout: .seconds(30 * 60), sessionAbsoluteLifetime: .seconds(12 * 3600),
        totpStep: .seconds(30), totpDigits: 6, totpAllowedDrift: 1,
        resetLinkLifetime: .seconds(30 * 60), passwordHistoryCount: 24, resetAsksSecurityQuestion: true,
        requiresSecurityQuestion: true,
        requestLifetime: .seconds(30 * 86400), secondaryLinkLifetime: .seconds(7 * 86400),
        hashingCost: .owasp, blocklist: .common)

    /// NIST SP 800-63B: long passwords without composition rules, a blocklist, no security question, no email
    /// codes, trusted devices for 30 days. See Documentation/SecurityModel.md.
    public static let nist80063b: Policy = {
        var policy = Policy.massTaxConnect
        policy.passwordLength = 8...64
        policy.passwordRules = .blocklist
        policy.allowedTwoStepKinds = [.authenticator, .text]
        policy.trustedDeviceLifetime = .seconds(30 * 86400)
        policy.resetAsksSecurityQuestion = false
        policy.requiresSecurityQuestion = false
        return policy
    }()

    /// A copy with the cheapest Argon2id cost, for tests.
    public var forTesting: Policy {
        var copy = self
        copy.hashingCost = .minimum
        return copy
    }
}

extension Duration {
    /// Whole seconds, as a `TimeInterval` for date arithmetic.
    public var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
