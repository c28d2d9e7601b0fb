#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AuditAction {
    /// A single-use link was ended before it was used (RULES P2, V2).
    public static let linkEnded = AuditAction("link.ended")
}

/// The pure decisions about single-use links: activation (RULES R12), password reset (V1, V2), completing a
/// secondary logon (S2).
///
/// A link works once and expires. It is bound to what it would let its holder bypass: it dies as soon as a newer
/// link of the same purpose is issued for the logon, the logon's password changes or is reset, or its email changes
/// (RULES V2) — each judged when the link is used, so no change has to find and cancel the links it kills.
enum LinkRules {
    /// The answer to an unknown, used, expired or superseded link (RULES R12, V2).
    static let invalidLink = AccessError(
        .invalidLink, "This link is not valid: it was already used or it has expired. Ask for a new one.")

    /// A new link record for `logon`, bound to its current email and password, and newer than every link of the
    /// logon in `links`.
    static func issue(
        _ drawn: DrawnToken, purpose: LinkPurpose, for logon: Logon, after links: [LinkToken] = [],
        lifetime: Duration, now: Date
    ) -> LinkToken {
        LinkToken(
            id: LinkTokenID(drawn.id), tokenHash: drawn.hash, purpose: purpose, logon: logon.id, issuedAt: now,
            expiresAt: now.addingTimeInterval(lifetime.timeInterval), boundEmail: Logon.normalizedKey(logon.email),
            boundPassword: LinkToken.passwordFingerprint(logon.credentials.passwordHash),
            serial: (links.map(\.serial).max() ?? 0) + 1)
    }

    /// A link record that can never be used, written where a recovery request matched no logon (RULES V1, V2), so
    /// that both cases write the same records.
    static func decoy(_ drawn: DrawnToken, lifetime: Duration, now: Date) -> LinkToken {
        LinkToken(
            id: LinkTokenID(drawn.id), tokenHash: drawn.hash, purpose: .decoy, logon: "", issuedAt: now,
            expiresAt: now.addingTimeInterval(lifetime.timeInterval))
    }

    /// Whether `link` may be used for `purpose` at `now` (RULES R12, V2, S2): the right purpose, not used, not
    /// expired, the logon's email and password unchanged since it was issued, and no newer link of the same purpose
    /// among `links` (the logon's links).
    static func usable(_ link: LinkToken, purpose: LinkPurpose, logon: Logon, links: [LinkToken], now: Date) -> Bool {
        guard link.purpose == purpose, purpose != .decoy, link.logon == logon.id, link.usedAt == nil,
            now < link.expiresAt
        else { return false }
        if let email = link.boundEmail, email != Logon.normalizedKey(logon.email) { return false }
        if link.boundEmail != nil, link.boundPassword != LinkToken.passwordFingerprint(logon.credentials.passwordHash) {
            return false
        }
        let superseded = links.contains { other in
            other.id != link.id && other.purpose == purpose && other.serial > link.serial
        }
        return !superseded
    }

    /// Every live link of a logon spent at `now`, each end audited (RULES P2: Delete My Profile ends its links).
    static func spendingAll(_ links: [Versioned<LinkToken>], actor: AuditActor, note: String, now: Date) -> Decision<
        Void
    > {
        var decision = Decision()
        for link in links where link.value.usedAt == nil && now < link.value.expiresAt {
            var spent = link.value
            spent.usedAt = now
            decision.update(.linkToken(spent), from: link.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .linkEnded, subject: "linkToken/\(spent.id)",
                    note: "\(spent.purpose.rawValue) link: \(note)"))
        }
        return decision
    }
}
