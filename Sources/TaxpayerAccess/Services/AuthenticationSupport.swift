#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Helpers the identity services share. Internal: every one reaches the world only through the context's ports.
extension ServiceContext {
    /// A portal link carrying a single-use token (RULES R12, V2).
    func link(_ path: String, token: String) -> String {
        let base = portalURL.hasSuffix("/") ? String(portalURL.dropLast()) : portalURL
        return "\(base)/\(path)?token=\(token)"
    }

    /// A new single-use link for a logon, with the plain token to put in the email (RULES R12, V2, A7).
    func newLink(_ purpose: LinkPurpose, for logon: LogonID, lifetime: Duration, now: Date) -> (LinkToken, String) {
        let (token, hash) = SecretToken.generate(using: random)
        let record = LinkToken(
            id: newID("K"), tokenHash: hash, purpose: purpose, logon: logon, issuedAt: now,
            expiresAt: now.addingTimeInterval(lifetime.timeInterval))
        return (record, token)
    }

    /// Writes a mail of the identity flows to the outbox of `changes` (RULES N2).
    func send(_ text: IdentityMail.Text, to address: String, in changes: inout ChangeSet) throws(AccessError) {
        changes.send(try mail(to: address, subject: text.subject, body: text.body))
    }

    /// Whether `password` equals the current password or one of the last ones (RULES V2). Verifies each hash.
    func passwordWasUsed(_ password: String, credentials: Credentials) async -> Bool {
        for encoded in ProfileRules.hashesToAvoid(credentials, policy: policy) {
            if await hasher.verify(password, against: encoded) { return true }
        }
        return false
    }

    /// Ends the logon's sessions but `keep` and revokes its trusted devices (RULES A6, A7), into `changes`.
    func endSessionsAndRevokeDevices(
        of logon: LogonID, keep: SessionID?, actor: Actor, now: Date, into changes: inout ChangeSet
    ) async throws {
        for session in ProfileRules.sessionsToEnd(try await store.sessions(of: logon), keep: keep, now: now) {
            changes.update(.session(session.value), from: session.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor, action: .loggedOut, subject: "session/\(session.value.id)",
                    note: "ended by a password change"))
        }
        for device in ProfileRules.devicesToRevoke(try await store.trustedDevices(of: logon), now: now) {
            changes.update(.trustedDevice(device.value), from: device.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor, action: .profileChanged,
                    subject: "trustedDevice/\(device.value.id)", note: "trust revoked by a password change"))
        }
    }

    /// Maps a uniqueness conflict of a logon write to the refusal it is (RULES R4, R5).
    func refusal(for error: StoreError) -> AccessError? {
        switch error.uniqueKeyName {
        case "username": AccessError(.usernameTaken, "This username is taken. Choose another.")
        case "email": AccessError(.emailTaken, "This email address belongs to another logon. Use another address.")
        default: nil
        }
    }

    /// Verifies the current password of a signed-in logon for a sensitive change (RULES P1).
    func requireCurrentPassword(_ password: String, of logon: Logon) async throws(AccessError) {
        guard let encoded = logon.credentials.passwordHash, await hasher.verify(password, against: encoded) else {
            throw ProfileRules.wrongCurrentPassword
        }
    }
}

extension String {
    /// The text without leading and trailing white space (FoundationEssentials has no `trimmingCharacters`).
    var identityTrimmed: Substring {
        var t = Substring(self)
        while let first = t.first, first.isWhitespace { t.removeFirst() }
        while let last = t.last, last.isWhitespace { t.removeLast() }
        return t
    }
}
