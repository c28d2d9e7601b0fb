/// Told of what a portal does, for logs and metrics: every audit event it commits (the security events of RULES U1
/// and every change of access), right after the commit. The core takes no logging or metrics package; an adapter
/// turns these into log lines and counters (the reference server's does, with swift-log and swift-metrics).
///
/// An event's `before`/`after` records are redacted of hashes and secrets but still hold names and addresses: an
/// observer that writes logs should write the action, actor, subject and note, which hold no secret, no full username
/// and no ID number (identifiers and masked values only).
///
/// ```swift
/// struct PrintingObserver: PortalObserver {
///     func committed(_ events: [AuditEvent]) {
///         for event in events { print(event.action, event.actor, event.subject) }
///     }
/// }
/// ```
public protocol PortalObserver: Sendable {
    /// Audit events a commit of the portal just wrote, in order. Called once per commit, after it succeeded; it must
    /// not block (hand slow work to a task of its own).
    func committed(_ events: [AuditEvent])
}

/// Counts a portal keeps of its own work, cheap enough for the check path: atomic adds, no lock.
public struct PortalCounts: Sendable, Hashable {
    /// Checks answered yes and no since the portal opened (``Portal/check(_:account:action:)``).
    public var checksAllowed: Int
    public var checksDenied: Int
}
