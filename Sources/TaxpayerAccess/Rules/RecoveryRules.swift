#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The pure decisions of recovery (RULES V1–V3).
public enum RecoveryRules {
    /// The one answer to a forgotten-username or forgotten-password request, whether or not anything matched
    /// (RULES V1).
    public static let requestAccepted = "If the details match a logon, we have sent an email to the address on file."

    /// The answer to a wrong security answer on a reset (RULES V2, R7): the link is used up.
    public static let wrongSecurityAnswer = AccessError.invalid(
        "securityAnswer", "The answer to your security question is not correct. Ask for a new reset link to try again.")

    /// Whether the agency may change the email of this logon (RULES V3): only while it is locked out.
    public static func agencyMayChangeEmail(of logon: Logon, now: Date) throws(AccessError) {
        guard logon.status == .active || logon.status == .pendingApproval else {
            throw AccessError(.conflict, "This logon was deleted; its email cannot be changed.")
        }
        guard LoginRules.isLocked(logon, now: now) else {
            throw AccessError(
                .conflict,
                "The agency changes the email only of a logon that is locked out; this one is not. The person can change it in the profile."
            )
        }
    }

    /// The logon after a reset (RULES V2, A2): the new password, unlocked. Two-step settings are untouched, so the
    /// next login still asks for a code.
    public static func afterReset(_ logon: Logon, newHash: String, now: Date, policy: Policy) -> Logon {
        var updated = LoginRules.afterSuccess(logon)
        updated.credentials = ProfileRules.settingPassword(
            logon.credentials, newHash: newHash, now: now, policy: policy)
        return updated
    }
}
