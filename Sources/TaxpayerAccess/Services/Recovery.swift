#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Recovery (RULES V1–V3): forgotten username, forgotten password by a single-use link, and the agency's email
/// change for a locked-out logon.
///
/// ```swift
/// let recovery = Recovery(context: context)
/// _ = try await recovery.forgotPassword(username: "pat.client")
/// try await recovery.resetPassword(token: linkToken, securityAnswer: "mr whiskers",
///                                  newPassword: "Better456", confirmation: "Better456")
/// ```
public struct Recovery: Sendable {
    public let context: ServiceContext

    public init(context: ServiceContext) { self.context = context }

    /// Emails the username to the address on file (RULES V1). The answer is the same whether or not the email is
    /// known: ``RecoveryRules/requestAccepted``.
    ///
    /// - Throws: `.invalidInput` only for an entry that is not an email address at all.
    @discardableResult
    public func forgotUsername(email: String) async throws -> String {
        let address = try Policy.validateEmail(email)
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            var changes = ChangeSet()
            if let logon = try await context.store.logon(byEmail: address)?.value, logon.status != .deleted {
                try context.send(IdentityMail.forgotUsername(logon.username), to: logon.email, in: &changes)
                changes.audit(
                    AuditEvent(
                        time: now, actor: .anonymous, action: .recoveryRequested,
                        subject: "logon/\(logon.id)", note: "username reminder sent"))
            }
            return (changes, ())
        }
        return RecoveryRules.requestAccepted
    }

    /// Emails a single-use reset link that expires (RULES V2) to the address on file. Earlier reset links of the
    /// logon stop working. The answer is the same whether or not the username is known.
    @discardableResult
    public func forgotPassword(username: String) async throws -> String {
        guard !username.identityTrimmed.isEmpty else { throw AccessError.invalid("username", "Enter your username.") }
        let policy = context.policy
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            var changes = ChangeSet()
            guard let logon = try await context.store.logon(byUsername: username)?.value, logon.status == .active,
                logon.credentials.passwordHash != nil
            else { return (changes, ()) }
            for old in try await context.store.linkTokens(of: logon.id)
            where old.value.purpose == .passwordReset && old.value.usedAt == nil && old.value.expiresAt > now {
                var spent = old.value
                spent.usedAt = now
                changes.update(.linkToken(spent), from: old.version)
            }
            let (link, token) = context.newLink(
                .passwordReset, for: logon.id, lifetime: policy.resetLinkLifetime, now: now)
            changes.insert(.linkToken(link))
            let minutes = max(1, Int(policy.resetLinkLifetime.timeInterval / 60))
            try context.send(
                IdentityMail.passwordReset(link: context.link("reset-password", token: token), validMinutes: minutes),
                to: logon.email, in: &changes)
            changes.audit(
                AuditEvent(
                    time: now, actor: .anonymous, action: .recoveryRequested, subject: "logon/\(logon.id)",
                    note: "password reset link sent"))
            return (changes, ())
        }
        return RecoveryRules.requestAccepted
    }

    /// The security question to ask on the reset page, or `nil` when the policy does not ask one (RULES V2, R7).
    ///
    /// - Throws: `.invalidLink` for an unknown, used or expired link.
    public func securityQuestion(forResetToken token: String) async throws -> SecurityQuestion? {
        let (_, logon) = try await usableLink(token)
        return context.policy.resetAsksSecurityQuestion ? logon.value.credentials.securityQuestion : nil
    }

    /// Sets a new password from a reset link (RULES V2): the link works once; the security answer where the
    /// policy asks for it (a wrong answer uses the link up); the new password must satisfy the policy and differ
    /// from the current and the earlier ones. Unlocks the logon (A2), ends every session and revokes every trusted
    /// device (A6, A7); two-step verification stays, so the next login still asks for a code.
    ///
    /// - Throws: `.invalidLink`, `.invalidInput` (field `securityAnswer`, `password`), `.passwordReused`.
    public func resetPassword(token: String, securityAnswer: String?, newPassword: String, confirmation: String)
        async throws
    {
        let policy = context.policy
        let (link, logon) = try await usableLink(token)
        if policy.resetAsksSecurityQuestion, let encoded = logon.value.credentials.securityAnswerHash {
            let answer = Policy.normalizeSecurityAnswer(securityAnswer ?? "")
            guard !answer.isEmpty else {
                throw AccessError.invalid("securityAnswer", "Answer your security question.")
            }
            guard await context.hasher.verify(answer, against: encoded) else {
                try await spend(link, note: "wrong security answer")
                throw RecoveryRules.wrongSecurityAnswer
            }
        }
        try policy.validatePassword(newPassword, username: logon.value.username)
        try Policy.validateConfirmation(newPassword, confirmation, field: "password")
        if await context.passwordWasUsed(newPassword, credentials: logon.value.credentials) {
            throw ProfileRules.passwordReused(count: policy.passwordHistoryCount)
        }
        let newHash = try await context.hasher.hash(newPassword)
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let freshLink = try await context.store.linkToken(byTokenHash: link.value.tokenHash),
                RegistrationRules.linkUsable(freshLink.value, purpose: .passwordReset, now: now),
                let current = try await context.store.logon(logon.value.id), current.value.status == .active
            else { throw RegistrationRules.invalidLink }
            var spent = freshLink.value
            spent.usedAt = now
            let updated = RecoveryRules.afterReset(current.value, newHash: newHash, now: now, policy: policy)
            var changes = ChangeSet()
            changes.update(.linkToken(spent), from: freshLink.version)
            changes.update(.logon(updated), from: current.version)
            let actor = Actor.logon(updated.id)
            try await context.endSessionsAndRevokeDevices(
                of: updated.id, keep: nil, actor: actor, now: now, into: &changes)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor, action: .passwordReset, subject: "logon/\(updated.id)",
                    before: .logon(current.value), after: .logon(updated), note: "reset by emailed link"))
            if current.value.lockedUntil != nil {
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor, action: .unlocked, subject: "logon/\(updated.id)",
                        note: "unlocked by a password reset (A2)"))
            }
            try context.send(IdentityMail.passwordChanged, to: updated.email, in: &changes)
            return (changes, ())
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
        do {
            try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
                let now = context.clock.now()
                guard let current = try await context.store.logon(byUsername: username) else {
                    throw AccessError(.notFound, "There is no logon with this username.")
                }
                try RecoveryRules.agencyMayChangeEmail(of: current.value, now: now)
                var updated = current.value
                updated.email = address
                var changes = ChangeSet()
                changes.update(.logon(updated), from: current.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: .agency(operator: `operator`), action: .emailChangedByAgency,
                        subject: "logon/\(updated.id)", before: .logon(current.value), after: .logon(updated),
                        note: "email of a locked-out logon changed by the agency (V3)"))
                try context.send(IdentityMail.emailChanged, to: current.value.email, in: &changes)
                try context.send(IdentityMail.emailChanged, to: address, in: &changes)
                return (changes, ())
            }
        } catch let error as StoreError where error.code == .uniqueKeyTaken {
            throw context.refusal(for: error) ?? error
        }
    }

    private func usableLink(_ token: String) async throws -> (Versioned<LinkToken>, Versioned<Logon>) {
        let now = context.clock.now()
        guard let link = try await context.store.linkToken(byTokenHash: SecretToken.hash(token)),
            RegistrationRules.linkUsable(link.value, purpose: .passwordReset, now: now),
            let logon = try await context.store.logon(link.value.logon), logon.value.status == .active
        else { throw RegistrationRules.invalidLink }
        return (link, logon)
    }

    private func spend(_ link: Versioned<LinkToken>, note: String) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let fresh = try await context.store.linkToken(byTokenHash: link.value.tokenHash),
                fresh.value.usedAt == nil
            else { return (ChangeSet(), ()) }
            var spent = fresh.value
            spent.usedAt = now
            var changes = ChangeSet()
            changes.update(.linkToken(spent), from: fresh.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .anonymous, action: .codeFailed, subject: "logon/\(spent.logon)",
                    note: note))
            return (changes, ())
        }
    }
}
