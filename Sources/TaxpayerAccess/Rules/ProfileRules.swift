#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The pure decisions of profile changes and Delete My Profile (RULES P1–P3, V2, A6, A7).
public enum ProfileRules {
    /// The answer to a new password that matches the current one or one of the last ones (RULES V2).
    public static func passwordReused(count: Int) -> AccessError {
        AccessError(
            .passwordReused,
            "Choose a password you have not used before: it must differ from your last \(count) passwords.")
    }

    /// The answer to a wrong current password on a profile change (RULES P1).
    public static let wrongCurrentPassword = AccessError.invalid(
        "currentPassword", "The current password is not correct.")

    /// The hashes a new password must differ from (RULES V2): the current one and the last `policy.passwordHistoryCount`.
    public static func hashesToAvoid(_ credentials: Credentials, policy: Policy) -> [String] {
        (credentials.passwordHash.map { [$0] } ?? []) + credentials.passwordHistory.prefix(policy.passwordHistoryCount)
    }

    /// The credentials after a new password (RULES V2): the old hash moves to the history, which keeps the policy's
    /// count.
    public static func settingPassword(_ credentials: Credentials, newHash: String, now: Date, policy: Policy)
        -> Credentials
    {
        var updated = credentials
        if let old = credentials.passwordHash { updated.passwordHistory.insert(old, at: 0) }
        updated.passwordHistory = Array(updated.passwordHistory.prefix(policy.passwordHistoryCount))
        updated.passwordHash = newHash
        updated.passwordChangedAt = now
        return updated
    }

    /// The session records to end (RULES A7): every live one of the logon but `keep`.
    public static func sessionsToEnd(_ sessions: [Versioned<Session>], keep: SessionID?, now: Date) -> [Versioned<
        Session
    >] {
        sessions.filter { $0.value.endedAt == nil && $0.value.id != keep }.map {
            var s = $0.value
            s.endedAt = now
            return Versioned(s, version: $0.version)
        }
    }

    /// The trusted devices to revoke (RULES A6): every live one.
    public static func devicesToRevoke(_ devices: [Versioned<TrustedDevice>], now: Date) -> [Versioned<TrustedDevice>] {
        devices.filter { $0.value.revokedAt == nil && $0.value.expiresAt > now }.map {
            var d = $0.value
            d.revokedAt = now
            return Versioned(d, version: $0.version)
        }
    }

    /// A role cancelled by the logon itself (RULES P2, M4).
    public static func cancelling(_ role: RoleAssignment, by logon: LogonID, now: Date) -> RoleAssignment {
        var cancelled = role
        cancelled.status = .cancelled
        cancelled.cancellation = Cancellation(
            by: .logon(logon), at: now, capacity: "the logon itself (Delete My Profile)")
        return cancelled
    }

    /// A grant cancelled by the third party itself (RULES P2, X9).
    public static func cancelling(_ grant: ThirdPartyGrant, by logon: LogonID, now: Date) -> ThirdPartyGrant {
        var cancelled = grant
        cancelled.status = .cancelled
        cancelled.cancellation = Cancellation(
            by: .logon(logon), at: now, capacity: "the logon itself (Delete My Profile)")
        return cancelled
    }

    /// The two-step methods after adding one (RULES A3): a method of the same kind is replaced.
    public static func adding(_ method: TwoStepMethod, to settings: TwoStepSettings) -> TwoStepSettings {
        var updated = settings
        updated.methods.removeAll { $0.kind == method.kind }
        updated.methods.append(method)
        if method.kind == .authenticator { updated.lastTOTPStep = nil }
        return updated
    }

    /// The two-step methods after removing a kind (RULES A3): at least one must remain.
    public static func removing(_ kind: TwoStepKind, from settings: TwoStepSettings) throws(AccessError)
        -> TwoStepSettings
    {
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
}
