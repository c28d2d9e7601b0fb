#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One security answer counted on a reset link before it is checked (RULES V2, A2).
struct AnswerCharge: Sendable {
    /// The link as charged: its answer in progress, at the version the charge wrote.
    var link: Versioned<LinkToken>
    /// The try as counted against the logon's lock.
    var lock: LockCharge
}

/// The pure decisions of recovery (RULES V1–V3).
enum RecoveryRules {
    /// The one answer to a forgotten-username or forgotten-password request, whether or not anything matched
    /// (RULES V1, V2).
    static let requestAccepted = "If the details match a logon, we have sent an email to the address on file."

    /// The answer to a wrong security answer on a reset (RULES V2, R7): the link is used up.
    static let wrongSecurityAnswer = AccessError.invalid(
        "securityAnswer", "The answer to your security question is not correct. Ask for a new reset link to try again.")

    /// The logon a recovery request may reach: active, with a password (RULES V1, V2). Any other is treated as no
    /// match.
    static func recoverable(_ logon: Versioned<Logon>?) -> Logon? {
        LoginRules.eligible(logon)?.value
    }

    /// Forgot username (RULES V1): the username emailed to the address on file, with a reset link that leads
    /// straight to creating a new password. When nothing matched, a decoy link and a decoy mail are written in
    /// their place — never usable, never sent — so both cases make the same store writes, and both are audited.
    ///
    /// - Parameters:
    ///   - logon: the logon the address names (``recoverable(_:)``), or `nil`.
    ///   - links: the logon's links, so the new one is the newest (empty when nothing matched).
    ///   - drawn: the new link's token; `url` is the link as the email shows it.
    static func forgotUsername(
        _ logon: Logon?, links: [LinkToken], drawn: DrawnToken, url: String, now: Date, policy: Policy
    ) -> Decision<Void> {
        let minutes = max(1, Int(policy.resetLinkLifetime.timeInterval / 60))
        var decision = Decision()
        guard let logon else {
            decision.insert(.linkToken(LinkRules.decoy(drawn, lifetime: policy.resetLinkLifetime, now: now)))
            decision.decoyMail(IdentityMail.forgotUsername(decoyUsername, link: url, validMinutes: minutes))
            decision.audit(
                AuditEvent(
                    time: now, actor: .anonymous, action: .recoveryRequested, subject: "logon/unknown",
                    note: "username reminder asked for an address that matches no logon"))
            return decision
        }
        decision.insert(
            .linkToken(
                LinkRules.issue(
                    drawn, purpose: .passwordReset, for: logon, after: links, lifetime: policy.resetLinkLifetime,
                    now: now)))
        decision.mail(IdentityMail.forgotUsername(logon.username, link: url, validMinutes: minutes), to: logon.email)
        decision.audit(
            AuditEvent(
                time: now, actor: .anonymous, action: .recoveryRequested, subject: "logon/\(logon.id)",
                note: "username reminder and reset link sent"))
        return decision
    }

    /// Forgot password (RULES V2): a single-use reset link emailed to the address on file; it makes every older
    /// reset link of the logon dead. When nothing matched, a decoy link and a decoy mail are written in their place,
    /// as in ``forgotUsername(_:links:drawn:url:now:policy:)``.
    static func forgotPassword(
        _ logon: Logon?, links: [LinkToken], drawn: DrawnToken, url: String, now: Date, policy: Policy
    ) -> Decision<Void> {
        let minutes = max(1, Int(policy.resetLinkLifetime.timeInterval / 60))
        var decision = Decision()
        guard let logon else {
            decision.insert(.linkToken(LinkRules.decoy(drawn, lifetime: policy.resetLinkLifetime, now: now)))
            decision.decoyMail(IdentityMail.passwordReset(link: url, validMinutes: minutes))
            decision.audit(
                AuditEvent(
                    time: now, actor: .anonymous, action: .recoveryRequested, subject: "logon/unknown",
                    note: "password reset asked for a username that matches no logon"))
            return decision
        }
        decision.insert(
            .linkToken(
                LinkRules.issue(
                    drawn, purpose: .passwordReset, for: logon, after: links, lifetime: policy.resetLinkLifetime,
                    now: now)))
        decision.mail(IdentityMail.passwordReset(link: url, validMinutes: minutes), to: logon.email)
        decision.audit(
            AuditEvent(
                time: now, actor: .anonymous, action: .recoveryRequested, subject: "logon/\(logon.id)",
                note: "password reset link sent"))
        return decision
    }

    /// A username of the length of a typical one, for decoy mail.
    static let decoyUsername = String(repeating: "x", count: 12)

    /// Counts one security answer on a reset link before it is checked (RULES V2, A2): one answer at a time per link
    /// — a second one while the first is being checked finds the link in use — and the answer counts against the
    /// logon's lock. A locked logon may still answer (a reset is how it unlocks, A2), but the lock keeps counting
    /// nothing more until it ends.
    ///
    /// - Throws: ``LinkRules/invalidLink`` when the link is not usable or an answer is already being checked.
    static func chargeAnswer(
        _ link: Versioned<LinkToken>?, logon: Logon, links: [LinkToken], lock: Versioned<LogonLock>?, now: Date,
        policy: Policy
    ) throws(AccessError) -> Decision<AnswerCharge> {
        guard let link, LinkRules.usable(link.value, purpose: .passwordReset, logon: logon, links: links, now: now),
            link.value.answerAttempts == 0
        else { throw LinkRules.invalidLink }
        var charged = link.value
        charged.answerAttempts += 1
        let lockCharge = LockoutRules.charge(
            lock, id: logon.id.rawValue, kind: .securityAnswer, now: now, policy: policy)
        var decision = lockCharge.with(
            result: AnswerCharge(link: Versioned(charged, version: link.version + 1), lock: lockCharge.result))
        decision.update(.linkToken(charged), from: link.version)
        return decision
    }

    /// A wrong security answer already counted (RULES V2, A2, U1): the link is used up, and the failure counts as
    /// any wrong secret does (``LockoutRules/failed(_:logon:sessions:actor:note:now:policy:)``).
    static func wrongAnswer(
        _ charge: AnswerCharge, link: Versioned<LinkToken>?, logon: Logon, sessions: [Versioned<Session>], now: Date,
        policy: Policy
    ) -> Decision<Void> {
        var decision = LockoutRules.failed(
            charge.lock, logon: logon, sessions: sessions, actor: .anonymous,
            note: "wrong security answer on a reset link",
            now: now, policy: policy)
        if let link, link.value.usedAt == nil {
            var spent = link.value
            spent.usedAt = now
            decision.update(.linkToken(spent), from: link.version)
        }
        return decision
    }

    /// A right answer whose reset went no further (the new password was refused): the link's answer and the lock's
    /// try are given back, so the person may choose another password on the same link (RULES V2, A2).
    static func answerGivenBack(
        _ charge: AnswerCharge, link: Versioned<LinkToken>?, lock: Versioned<LogonLock>?
    ) -> Decision<Void> {
        var decision = LockoutRules.givingBack(charge.lock, current: lock)
        if let link, link.value.answerAttempts > 0 {
            var released = link.value
            released.answerAttempts = 0
            decision.update(.linkToken(released), from: link.version)
        }
        return decision
    }

    /// The new password set from a reset link (RULES V2, A2, A6, A7): the link used up, the password set (the old
    /// one kept in the history), the logon's failures cleared and any lock lifted, every session ended, every trusted
    /// device revoked, the owner told. Two-step settings are untouched, so the next login still asks for a code. Every
    /// other link of the logon dies with the password change (``LinkRules``).
    ///
    /// - Throws: ``LinkRules/invalidLink`` when the link stopped being usable meanwhile.
    static func reset(
        _ link: Versioned<LinkToken>?, logon: Versioned<Logon>?, links: [LinkToken], lock: Versioned<LogonLock>?,
        sessions: [Versioned<Session>], devices: [Versioned<TrustedDevice>], newHash: String, now: Date,
        policy: Policy
    ) throws(AccessError) -> Decision<Void> {
        guard let link, let logon, logon.value.status == .active,
            LinkRules.usable(link.value, purpose: .passwordReset, logon: logon.value, links: links, now: now)
        else { throw LinkRules.invalidLink }
        var spent = link.value
        spent.usedAt = now
        var updated = logon.value
        updated.credentials = ProfileRules.settingPassword(
            updated.credentials, newHash: newHash, now: now, policy: policy)
        let actor = AuditActor.logon(updated.id)
        var decision = Decision()
        decision.update(.linkToken(spent), from: link.version)
        decision.update(.logon(updated), from: logon.version)
        decision.merge(LockoutRules.cleared(lock))
        decision.merge(SessionRules.ending(sessions, actor: actor, note: "ended by a password reset", now: now))
        decision.merge(
            ProfileRules.revoking(devices, actor: actor, note: "trust revoked by a password reset", now: now))
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .passwordReset, subject: "logon/\(updated.id)",
                before: .logon(logon.value), after: .logon(updated), note: "reset by emailed link"))
        if LockoutRules.isLocked(lock?.value, now: now) {
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .unlocked, subject: "logon/\(updated.id)",
                    note: "unlocked by a password reset (A2)"))
        }
        decision.mail(IdentityMail.passwordChanged, to: updated.email)
        return decision
    }

    /// The agency changes the email of a locked-out logon that lost its email (RULES V3), recorded with the operator
    /// as the actor; both the old and the new address are told. Links sent to the old address die with it (V2).
    ///
    /// - Throws: ``AccessError/Code/notFound`` for an unknown username, ``AccessError/Code/conflict`` for a deleted
    ///   logon or one that is not locked out.
    static func agencyEmailChange(
        _ logon: Versioned<Logon>?, lock: LogonLock?, newEmail: String, operator name: String, now: Date
    ) throws(AccessError) -> Decision<Void> {
        guard let logon else { throw AccessError(.notFound, "There is no logon with this username.") }
        guard logon.value.status == .active || logon.value.status == .pendingApproval else {
            throw AccessError(.conflict, "This logon was deleted; its email cannot be changed.")
        }
        guard LockoutRules.isLocked(lock, now: now) else {
            throw AccessError(
                .conflict,
                "The agency changes the email only of a logon that is locked out; this one is not. The person can change it in the profile."
            )
        }
        var updated = logon.value
        updated.email = newEmail
        var decision = Decision()
        decision.update(.logon(updated), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .agency(operator: name), action: .emailChangedByAgency,
                subject: "logon/\(updated.id)", before: .logon(logon.value), after: .logon(updated),
                note: "email of a locked-out logon changed by the agency (V3)"))
        decision.mail(IdentityMail.emailChanged, to: logon.value.email)
        decision.mail(IdentityMail.emailChanged, to: newEmail)
        return decision
    }
}
