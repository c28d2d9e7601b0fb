#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What Delete My Profile ends (RULES P2): read by the service.
struct OwnAccess: Sendable {
    var roles: [Versioned<RoleAssignment>]
    var grants: [Versioned<ThirdPartyGrant>]
    var requests: [Versioned<AccessRequest>]
    var sessions: [Versioned<Session>]
    var devices: [Versioned<TrustedDevice>]
    var links: [Versioned<LinkToken>]
}

/// The pure decisions of profile changes and Delete My Profile (RULES P1–P3, V2, A2, A6, A7).
enum ProfileRules {
    /// The answer to a new password that matches the current one or one of the last ones (RULES V2).
    static func passwordReused(count: Int) -> AccessError {
        AccessError(
            .passwordReused,
            "Choose a password you have not used before: it must differ from your last \(count) passwords.")
    }

    /// The answer to a wrong current password on a profile change (RULES P1, A2).
    static let wrongCurrentPassword = AccessError.invalid(
        "currentPassword", "The current password is not correct.")

    /// The answer to a profile change while wrong secrets hold the logon locked (RULES A2).
    static let lockedOut = AccessError(
        .lockedOut, "Too many wrong secrets were given: the logon is locked for a while. Try again later.")

    /// Counts one current-password try before it is checked (RULES A2, P1): a wrong current password is a failure
    /// like a wrong password at login.
    ///
    /// - Throws: ``lockedOut`` while the logon is locked (nothing is written then).
    static func chargeCurrentPassword(_ lock: Versioned<LogonLock>?, logon: LogonID, now: Date, policy: Policy)
        throws(AccessError) -> Decision<LockCharge>
    {
        let charge = LockoutRules.charge(lock, id: logon.rawValue, kind: .currentPassword, now: now, policy: policy)
        if charge.result.refused { throw lockedOut }
        return charge
    }

    /// A wrong current password already counted (RULES A2, U1): audited, and a lockout when it set the lock.
    static func failedCurrentPassword(
        _ charge: LockCharge, logon: Logon, sessions: [Versioned<Session>], now: Date, policy: Policy
    ) -> Decision<Void> {
        LockoutRules.failed(
            charge, logon: logon, sessions: sessions, actor: .logon(logon.id),
            note: "wrong current password for a profile change", now: now, policy: policy)
    }

    /// The hashes a new password must differ from (RULES V2): the current one and the last
    /// `policy.passwordHistoryCount`.
    static func hashesToAvoid(_ credentials: Credentials, policy: Policy) -> [String] {
        (credentials.passwordHash.map { [$0] } ?? []) + credentials.passwordHistory.prefix(policy.passwordHistoryCount)
    }

    /// The credentials after a new password (RULES V2): the old hash moves to the history, which keeps the policy's
    /// count.
    static func settingPassword(_ credentials: Credentials, newHash: String, now: Date, policy: Policy) -> Credentials {
        var updated = credentials
        if let old = credentials.passwordHash { updated.passwordHistory.insert(old, at: 0) }
        updated.passwordHistory = Array(updated.passwordHistory.prefix(policy.passwordHistoryCount))
        updated.passwordHash = newHash
        updated.passwordChangedAt = now
        return updated
    }

    /// Trusted devices revoked at `now` with an audit event each (RULES A6): every live one.
    static func revoking(_ devices: [Versioned<TrustedDevice>], actor: AuditActor, note: String, now: Date)
        -> Decision<Void>
    {
        var decision = Decision()
        for device in devices where device.value.revokedAt == nil && device.value.expiresAt > now {
            var revoked = device.value
            revoked.revokedAt = now
            decision.update(.trustedDevice(revoked), from: device.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .profileChanged, subject: "trustedDevice/\(revoked.id)",
                    note: note))
        }
        return decision
    }

    /// A change to the signed-in logon's own record, with its audit event (before/after) and its notice mail
    /// (RULES P1, U1, N1).
    ///
    /// - Throws: ``SessionRules/expired`` when the logon is no longer active.
    static func changing(
        _ logon: Versioned<Logon>?, action: AuditAction, mail: IdentityMail.Text, now: Date,
        _ apply: (inout Logon) throws(AccessError) -> Void
    ) throws(AccessError) -> Decision<Void> {
        guard let logon, logon.value.status == .active else { throw SessionRules.expired }
        var updated = logon.value
        try apply(&updated)
        var decision = Decision()
        decision.update(.logon(updated), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(updated.id), action: action, subject: "logon/\(updated.id)",
                before: .logon(logon.value), after: .logon(updated)))
        decision.mail(mail, to: updated.email)
        return decision
    }

    /// A new password (RULES P1, V2, A6, A7): every other session ends and every trusted device is revoked; reset
    /// links die with the old password (``LinkRules``).
    static func changePassword(
        _ logon: Versioned<Logon>?, newHash: String, keep session: SessionID, sessions: [Versioned<Session>],
        devices: [Versioned<TrustedDevice>], now: Date, policy: Policy
    ) throws(AccessError) -> Decision<Void> {
        var decision = try changing(logon, action: .passwordChanged, mail: IdentityMail.passwordChanged, now: now) {
            $0.credentials = settingPassword($0.credentials, newHash: newHash, now: now, policy: policy)
        }
        let actor = AuditActor.logon(logon?.value.id ?? "")
        decision.merge(
            SessionRules.ending(sessions, keep: session, actor: actor, note: "ended by a password change", now: now))
        decision.merge(revoking(devices, actor: actor, note: "trust revoked by a password change", now: now))
        return decision
    }

    /// A new email (RULES P1, R4): the store refuses one that belongs to another live logon; both addresses are
    /// told; links sent to the old address die with it (``LinkRules``).
    static func changeEmail(_ logon: Versioned<Logon>?, to address: String, now: Date) throws(AccessError)
        -> Decision<Void>
    {
        var decision = try changing(logon, action: .profileChanged, mail: IdentityMail.emailChanged, now: now) {
            $0.email = address
        }
        if let old = logon?.value.email { decision.mail(IdentityMail.emailChanged, to: old) }
        return decision
    }

    /// The two-step methods after adding one (RULES A3): a method of the same kind is replaced.
    static func adding(_ method: TwoStepMethod, to settings: TwoStepSettings) -> TwoStepSettings {
        var updated = settings
        updated.methods.removeAll { $0.kind == method.kind }
        updated.methods.append(method)
        if method.kind == .authenticator { updated.lastTOTPStep = nil }
        return updated
    }

    /// The two-step methods after removing a kind (RULES A3): at least one must remain.
    static func removing(_ kind: TwoStepKind, from settings: TwoStepSettings) throws(AccessError) -> TwoStepSettings {
        guard settings.methods.contains(where: { $0.kind == kind }) else {
            throw AccessError(.notFound, "Two-step verification by \(kind.rawValue) is not set up.")
        }
        guard settings.methods.count > 1 else {
            throw AccessError(
                .conflict,
                "A logon needs at least one two-step verification method. Add another before you remove this one.")
        }
        var updated = settings
        updated.methods.removeAll { $0.kind == kind }
        if kind == .authenticator { updated.lastTOTPStep = nil }
        return updated
    }

    /// A role cancelled by the logon itself (RULES P2, M4).
    static func cancelling(_ role: RoleAssignment, by logon: LogonID, now: Date) -> RoleAssignment {
        var cancelled = role
        cancelled.status = .cancelled
        cancelled.cancellation = Cancellation(
            by: .logon(logon), at: now, capacity: "the logon itself (Delete My Profile)")
        return cancelled
    }

    /// A grant cancelled by the third party itself (RULES P2, X9).
    static func cancelling(_ grant: ThirdPartyGrant, by logon: LogonID, now: Date) -> ThirdPartyGrant {
        var cancelled = grant
        cancelled.status = .cancelled
        cancelled.cancellation = Cancellation(
            by: .logon(logon), at: now, capacity: "the logon itself (Delete My Profile)")
        return cancelled
    }

    /// Delete My Profile (RULES P2, U1): every role and grant the logon holds is cancelled, its pending requests are
    /// withdrawn, its sessions end, its trusted devices are revoked, its links are spent, and the logon is deleted
    /// for ever — each end audited. Its username stays reserved (R5); its email is free again (R4). A secondary
    /// logon's group memberships end with it: a deleted logon is reached by no path (L4).
    ///
    /// - Throws: ``SessionRules/expired`` when the logon is already deleted.
    static func deleteProfile(_ logon: Versioned<Logon>?, own: OwnAccess, now: Date) throws(AccessError)
        -> Decision<Void>
    {
        guard let logon, logon.value.status != .deleted else { throw SessionRules.expired }
        let id = logon.value.id
        let actor = AuditActor.logon(id)
        var decision = Decision()
        for role in own.roles where role.value.status == .active {
            let cancelled = cancelling(role.value, by: id, now: now)
            decision.update(.role(cancelled), from: role.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .roleCancelled, subject: "role/\(cancelled.key)",
                    before: .role(role.value), after: .role(cancelled), note: "Delete My Profile (P2)"))
        }
        for grant in own.grants where grant.value.status == .active {
            let cancelled = cancelling(grant.value, by: id, now: now)
            decision.update(.grant(cancelled), from: grant.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .grantCancelled, subject: "grant/\(cancelled.key)",
                    before: .grant(grant.value), after: .grant(cancelled), note: "Delete My Profile (P2)"))
        }
        for request in own.requests where request.value.status == .pending {
            var withdrawn = request.value
            withdrawn.status = .withdrawn
            withdrawn.decidedAt = now
            withdrawn.decidedBy = actor
            decision.update(.accessRequest(withdrawn), from: request.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .requestDecided, subject: "accessRequest/\(withdrawn.id)",
                    before: .accessRequest(request.value), after: .accessRequest(withdrawn),
                    note: "withdrawn by Delete My Profile (P2)"))
        }
        decision.merge(SessionRules.ending(own.sessions, actor: actor, note: "Delete My Profile (P2)", now: now))
        decision.merge(revoking(own.devices, actor: actor, note: "trust revoked by Delete My Profile (P2)", now: now))
        decision.merge(LinkRules.spendingAll(own.links, actor: actor, note: "Delete My Profile (P2)", now: now))
        var deleted = logon.value
        deleted.status = .deleted
        decision.update(.logon(deleted), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .profileDeleted, subject: "logon/\(id)", before: .logon(logon.value),
                after: .logon(deleted)))
        decision.mail(IdentityMail.profileDeleted, to: logon.value.email)
        return decision
    }
}
