#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The pure decisions about security codes (RULES A3–A5, A8).
public enum TwoStepRules {
    /// The answer to a wrong, expired or used-up code (RULES A4). It does not say which.
    public static let invalidCode = AccessError(.invalidCode, "The security code is not correct or has expired.")

    /// The answer once the code has died of too many wrong tries (RULES A4).
    public static let codeExhausted = AccessError(
        .invalidCode, "Too many wrong security codes. Log in again to get a new code.")

    /// The answer to one resend too many (RULES A4).
    public static let tooManyResends = AccessError(
        .tooManyResends, "Too many security codes were sent. Wait a while before you ask for another.")

    /// The sends inside the policy's window (RULES A4).
    public static func recentSends(_ code: VerificationCode?, now: Date, policy: Policy) -> [Date] {
        let since = now.addingTimeInterval(-policy.codeSendWindow.timeInterval)
        return (code?.sentAt ?? []).filter { $0 > since }
    }

    /// A new code record replacing `current` (RULES A4): a resend keeps the failed count and the send history;
    /// a fresh login (`freshLogin`) starts the failed count again but keeps the send history, so the send limit
    /// holds across logins. Throws ``tooManyResends`` past the limit and ``codeExhausted`` when a resend follows a
    /// code that died of wrong tries.
    public static func issuing(
        replacing current: VerificationCode?, logon: LogonID, purpose: CodePurpose, method: TwoStepKind,
        codeHash: String, sends: Bool, freshLogin: Bool, pendingMethod: TwoStepMethod? = nil, now: Date,
        policy: Policy
    ) throws(AccessError) -> VerificationCode {
        let sent = recentSends(current, now: now, policy: policy)
        if sends, sent.count >= policy.codeMaxSendsPerWindow { throw tooManyResends }
        let failed = freshLogin ? 0 : (current?.failedAttempts ?? 0)
        if failed >= policy.codeMaxFailedAttempts { throw codeExhausted }
        return VerificationCode(
            logon: logon, purpose: purpose, method: method, codeHash: codeHash, issuedAt: now,
            expiresAt: now.addingTimeInterval(policy.codeLifetime.timeInterval), failedAttempts: failed,
            sentAt: sends ? sent + [now] : sent, consumed: false, pendingMethod: pendingMethod)
    }

    /// Whether a code record may still be tried at `now` (RULES A4): not used, not expired, tries left.
    public static func usable(_ code: VerificationCode, now: Date, policy: Policy) throws(AccessError) {
        if code.failedAttempts >= policy.codeMaxFailedAttempts { throw codeExhausted }
        if code.consumed || now >= code.expiresAt { throw invalidCode }
    }

    /// The code record with one more try counted *before* the code is checked (RULES A4), so that concurrent
    /// guesses can never get more tries than the policy allows: each must first win a write of this count. Throws
    /// like ``usable(_:now:policy:)`` when the code may not be tried any more.
    public static func chargingTry(_ code: VerificationCode, now: Date, policy: Policy) throws(AccessError)
        -> VerificationCode
    {
        try usable(code, now: now, policy: policy)
        var charged = code
        charged.failedAttempts += 1
        return charged
    }

    /// The code record after a correct try (RULES A4): used up, and the try charged for it by
    /// ``chargingTry(_:now:policy:)`` given back, so the count stays the number of wrong tries.
    public static func afterCorrectTry(_ code: VerificationCode) -> VerificationCode {
        var used = code
        used.consumed = true
        used.failedAttempts = max(0, code.failedAttempts - 1)
        return used
    }

    /// Whether a wrong try that ``chargingTry(_:now:policy:)`` counted as try number `chargedAttempts` killed the
    /// code (RULES A4): the try that used up the last one did.
    public static func wrongTryKills(chargedAttempts: Int, policy: Policy) -> Bool {
        chargedAttempts >= policy.codeMaxFailedAttempts
    }

    /// The code record after a wrong try, and whether the code died of it (RULES A4).
    public static func afterWrongTry(_ code: VerificationCode, policy: Policy) -> (code: VerificationCode, dead: Bool) {
        var updated = code
        updated.failedAttempts += 1
        let dead = updated.failedAttempts >= policy.codeMaxFailedAttempts
        if dead { updated.consumed = true }
        return (updated, dead)
    }

    /// Where a method's codes go, masked (RULES A5).
    public static func maskedDestination(of method: TwoStepMethod, email: String) -> String {
        switch method {
        case .email: Masking.email(email)
        case .text(let phone): phone.masked
        case .authenticator: "your authenticator app"
        }
    }

    /// Whether the policy allows a method (RULES A3); an email-code method also needs an email, a text method a
    /// mobile line.
    public static func allowed(_ method: TwoStepMethod, policy: Policy) throws(AccessError) {
        guard policy.allowedTwoStepKinds.contains(method.kind) else {
            throw AccessError.invalid(
                "method", "Security codes by \(method.kind.rawValue) are not offered. Choose another method.")
        }
        if case .text(let phone) = method, phone.type != .mobile {
            throw AccessError.invalid("phone", "Text messages can only go to a mobile number.")
        }
    }
}
