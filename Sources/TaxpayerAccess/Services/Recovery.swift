#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Recovery (RULES V1–V3): forgotten username, forgotten password by a single-use link, and the agency's email
/// change for a locked-out logon.
///
/// A request for an address or username that matches nothing gets the same answer and makes the same store writes
/// as one that matches (RULES V1, V2): decoy records stand in for the link and the mail, and both are audited.
///
/// ```swift
/// let recovery = portal.recovery
/// _ = try await recovery.forgotPassword(username: "pat.client")
/// try await recovery.resetPassword(token: linkToken, securityAnswer: "mr whiskers",
///                                  newPassword: "Better456", confirmation: "Better456")
/// ```
public struct Recovery: Sendable {
    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// Emails the username to the address on file, with a link straight to creating a new password (RULES V1). The
    /// answer and the work are the same whether or not the email is known: the one answer `"If the details match a logon, we have sent an email to the address on file."`.
    ///
    /// - Throws: `.invalidInput` only for an entry that is not an email address at all.
    @discardableResult
    public func forgotUsername(email: String) async throws -> String {
        let address = try Policy.validateEmail(email)
        let drawn = context.drawToken("K")
        let url = context.link(.passwordReset, token: drawn.token)
        try await context.decideAndCommit {
            let logon = RecoveryRules.recoverable(try await context.store.logon(byEmail: address))
            let links = try await context.store.linkTokens(of: logon?.id ?? "").map(\.value)
            return RecoveryRules.forgotUsername(
                logon, links: links, drawn: drawn, url: url, now: context.clock.now(), policy: context.policy)
        }
        return RecoveryRules.requestAccepted
    }

    /// Emails a single-use reset link that expires (RULES V2) to the address on file. Earlier reset links of the
    /// logon stop working. The answer and the work are the same whether or not the username is known.
    ///
    /// - Throws: `.invalidInput` for an empty username.
    @discardableResult
    public func forgotPassword(username: String) async throws -> String {
        guard !username.identityTrimmed.isEmpty else { throw AccessError.invalid("username", "Enter your username.") }
        let drawn = context.drawToken("K")
        let url = context.link(.passwordReset, token: drawn.token)
        try await context.decideAndCommit {
            let logon = RecoveryRules.recoverable(try await context.store.logon(byUsername: username))
            let links = try await context.store.linkTokens(of: logon?.id ?? "").map(\.value)
            return RecoveryRules.forgotPassword(
                logon, links: links, drawn: drawn, url: url, now: context.clock.now(), policy: context.policy)
        }
        return RecoveryRules.requestAccepted
    }

    /// The security question to ask on the reset page, or `nil` when the policy does not ask one (RULES V2, R7).
    ///
    /// - Throws: `.invalidLink` for an unknown, used, expired or superseded link.
    public func securityQuestion(forResetToken token: String) async throws -> SecurityQuestion? {
        let (_, logon, _) = try await usableLink(token)
        return context.policy.resetAsksSecurityQuestion ? logon.value.credentials.securityQuestion : nil
    }

    /// Sets a new password from a reset link (RULES V2): the link works once; the security answer where the policy
    /// asks for it — one answer at a time per link, a wrong one uses the link up and counts as a failure (A2); the
    /// new password must satisfy the policy and differ from the current and the earlier ones. Unlocks the logon
    /// (A2), ends every session and revokes every trusted device (A6, A7); two-step verification stays, so the next
    /// login still asks for a code.
    ///
    /// - Throws: `.invalidLink`, `.invalidInput` (field `securityAnswer`, `password`), `.passwordReused`.
    public func resetPassword(token: String, securityAnswer: String?, newPassword: String, confirmation: String)
        async throws
    {
        let policy = context.policy
        let (link, logon, _) = try await usableLink(token)
        try policy.validatePassword(newPassword, username: logon.value.username)
        try Policy.validateConfirmation(newPassword, confirmation, field: "password")
        var answered: AnswerCharge?
        if policy.resetAsksSecurityQuestion, let encoded = logon.value.credentials.securityAnswerHash {
            let answer = Policy.normalizeSecurityAnswer(securityAnswer ?? "")
            guard !answer.isEmpty else {
                throw AccessError.invalid("securityAnswer", "Answer your security question.")
            }
            // V2: the answer is counted on the link (one at a time) and against the lock before the slow check.
            let charge = try await context.decideAndCommit {
                try RecoveryRules.chargeAnswer(
                    try await context.store.linkToken(byTokenHash: link.value.tokenHash), logon: logon.value,
                    links: try await context.store.linkTokens(of: logon.value.id).map(\.value),
                    lock: try await context.store.logonLock(logon.value.id.rawValue), now: context.clock.now(),
                    policy: policy)
            }
            guard await context.hasher.verify(answer, against: encoded) else {
                try await context.decideAndCommit {
                    RecoveryRules.wrongAnswer(
                        charge, link: try await context.store.linkToken(byTokenHash: link.value.tokenHash),
                        logon: logon.value,
                        sessions: charge.lock.setLock ? try await context.store.sessions(of: logon.value.id) : [],
                        now: context.clock.now(), policy: policy)
                }
                throw RecoveryRules.wrongSecurityAnswer
            }
            answered = charge
        }
        if await context.passwordWasUsed(newPassword, credentials: logon.value.credentials) {
            if let answered {
                try await context.decideAndCommit {
                    RecoveryRules.answerGivenBack(
                        answered, link: try await context.store.linkToken(byTokenHash: link.value.tokenHash),
                        lock: try await context.store.logonLock(logon.value.id.rawValue))
                }
            }
            throw ProfileRules.passwordReused(count: policy.passwordHistoryCount)
        }
        let newHash = try await context.hasher.hash(newPassword)
        try await context.decideAndCommit {
            let id = logon.value.id
            return try RecoveryRules.reset(
                try await context.store.linkToken(byTokenHash: link.value.tokenHash),
                logon: try await context.store.logon(id),
                links: try await context.store.linkTokens(of: id).map(\.value),
                lock: try await context.store.logonLock(id.rawValue),
                sessions: try await context.store.sessions(of: id),
                devices: try await context.store.trustedDevices(of: id), newHash: newHash, now: context.clock.now(),
                policy: policy)
        }
    }

    /// The agency changes the email of a locked-out logon that lost its email (RULES V3), recorded with the
    /// operator as the actor. Both the old and the new address are told.
    ///
    /// - Throws: `.notFound`, `.conflict` (not locked out, deleted), `.invalidInput`, `.emailTaken`.
    public func changeEmailOfLockedOutLogon(username: String, newEmail: String, by operator: String) async throws {
        let address = try Policy.validateEmail(newEmail)
        guard !`operator`.identityTrimmed.isEmpty else {
            throw AccessError.invalid("operator", "Name the agency operator making the change.")
        }
        try await context.decideAndCommit {
            let logon = try await context.store.logon(byUsername: username)
            let lock = try await logon.asyncMap { try await context.store.logonLock($0.value.id.rawValue) } ?? nil
            return try RecoveryRules.agencyEmailChange(
                logon, lock: lock?.value, newEmail: address, operator: `operator`, now: context.clock.now())
        }
    }

    /// The link a token names, its logon and the logon's links, when the link may be used for a reset now.
    private func usableLink(_ token: String) async throws -> (Versioned<LinkToken>, Versioned<Logon>, [LinkToken]) {
        guard let link = try await context.store.linkToken(byTokenHash: SecretToken.hash(token)),
            let logon = try await context.store.logon(link.value.logon), logon.value.status == .active
        else { throw LinkRules.invalidLink }
        let links = try await context.store.linkTokens(of: logon.value.id).map(\.value)
        guard
            LinkRules.usable(
                link.value, purpose: .passwordReset, logon: logon.value, links: links, now: context.clock.now())
        else { throw LinkRules.invalidLink }
        return (link, logon, links)
    }
}
