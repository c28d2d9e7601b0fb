/// Every number of RULES.md in one value callers may change, with two presets:
/// ``massTaxConnect`` (the default, the source documents' rules) and ``nist80063b``.
///
/// ```swift
/// var policy = Policy.massTaxConnect
/// policy.lockoutThreshold = 3
/// ```
public struct Policy: Hashable, Sendable {
    /// Which password rules apply (RULES R6).
    public enum PasswordRules: Hashable, Sendable {
        /// 8–15 characters, upper, lower and digit, not the username.
        case composition
        /// NIST SP 800-63B: length only, and not on the blocklist of common passwords, not the username.
        case blocklist
    }

    /// Argon2id cost (DESIGN.md, Crypto).
    public struct HashingCost: Hashable, Sendable {
        /// Passes over memory (libsodium `opslimit`).
        public var opsLimit: UInt64
        /// Memory in bytes (libsodium `memlimit`).
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

    // R3
    /// Failed proofs allowed per taxpayer ID within ``proofAttemptWindow``.
    public var maxFailedProofs: Int
    public var proofAttemptWindow: Duration
    // R5
    public var usernameLength: ClosedRange<Int>
    // R6
    public var passwordLength: ClosedRange<Int>
    public var passwordRules: PasswordRules
    // R10
    /// Whether a proved application is approved at once, or waits for agency review.
    public var automaticApproval: Bool
    // R11
    /// The level a new Tax Administrator gets on the account it proved.
    public var newTaxAdministratorLevel: AccessLevel
    // R12
    public var activationLinkLifetime: Duration
    // A2
    public var lockoutThreshold: Int
    public var lockoutDuration: Duration
    // A3
    /// The two-step methods a logon may use.
    public var allowedTwoStepKinds: Set<TwoStepKind>
    // A4
    public var codeLifetime: Duration
    public var codeMaxFailedAttempts: Int
    public var codeMaxSendsPerWindow: Int
    public var codeSendWindow: Duration
    /// RULES A4: wrong security codes since the last completed sign-in that lock the logon (as A2 does).
    public var codeLockoutThreshold: Int = 5
    // A6
    /// How long a trusted device skips two-step verification; `nil` turns trusted devices off.
    public var trustedDeviceLifetime: Duration?
    // A7
    public var sessionIdleTimeout: Duration
    public var sessionAbsoluteLifetime: Duration
    // A8
    public var totpStep: Int
    public var totpDigits: Int
    public var totpAllowedDrift: Int
    // V2
    public var resetLinkLifetime: Duration
    public var passwordHistoryCount: Int
    /// Whether a password reset asks the security question (RULES V2, R7).
    public var resetAsksSecurityQuestion: Bool
    /// Whether registration asks for a security question (RULES R7).
    public var requiresSecurityQuestion: Bool
    // X10
    public var requestLifetime: Duration
    /// Secondary completion link lifetime (RULES S2).
    public var secondaryLinkLifetime: Duration
    /// Argon2id cost for passwords, PINs and answers.
    public var hashingCost: HashingCost
    /// Common passwords refused under ``PasswordRules/blocklist``, lower-cased. Defaults to the shipped list.
    public var blocklist: PasswordBlocklist

    /// The rules of the source documents (RULES.md defaults).
    public static let massTaxConnect = Policy(
        maxFailedProofs: 5, proofAttemptWindow: .seconds(24 * 3600),
        usernameLength: 3...60, passwordLength: 8...15, passwordRules: .composition,
        automaticApproval: true, newTaxAdministratorLevel: .allAccess, activationLinkLifetime: .seconds(7 * 86400),
        lockoutThreshold: 5, lockoutDuration: .seconds(15 * 60),
        allowedTwoStepKinds: [.authenticator, .text, .email],
        codeLifetime: .seconds(10 * 60), codeMaxFailedAttempts: 5, codeMaxSendsPerWindow: 5,
        codeSendWindow: .seconds(3600),
        trustedDeviceLifetime: .seconds(180 * 86400),
        sessionIdleTimeout: .seconds(30 * 60), sessionAbsoluteLifetime: .seconds(12 * 3600),
        totpStep: 30, totpDigits: 6, totpAllowedDrift: 1,
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
