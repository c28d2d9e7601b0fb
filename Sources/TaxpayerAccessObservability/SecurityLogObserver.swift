import Foundation
public import Logging
public import TaxpayerAccess

/// Writes the security events of RULES U1 — sign-ins, failures, lockouts, codes sent and failed, grants,
/// cancellations, changes of access — to swift-log as structured lines, one per audit event a portal commits.
///
/// A line holds the event's action as its message, and its actor, subject, note and time as metadata: identifiers
/// and masked values only. It never holds a secret, a full username, an email address or an ID number: the event's
/// `before`/`after` records, which still carry names and addresses, are never written (RULES A5, N1).
///
/// ```swift
/// let portal = try await Portal.open(
///     store: store, directory: directory, mailer: mailer, texts: texts, keys: keys, policy: .massTaxConnect,
///     links: .standard(portalURL: "https://portal.example.gov"),
///     observer: SecurityLogObserver(logger: Logger(label: "taxpayer-access.security")))
/// ```
public struct SecurityLogObserver: PortalObserver {
    /// Where the lines go.
    public let logger: Logger

    /// An observer writing to `logger`.
    ///
    /// - Parameter logger: The logger; its label names the stream (`taxpayer-access.security` by default).
    public init(logger: Logger = Logger(label: "taxpayer-access.security")) {
        self.logger = logger
    }

    /// Writes one line per event, in commit order.
    ///
    /// - Parameter events: The audit events a commit just wrote.
    public func committed(_ events: [AuditEvent]) {
        for event in events {
            logger.log(level: Self.level(of: event.action), "\(event.action.rawValue)", metadata: Self.metadata(event))
        }
    }

    /// The level of an action's line: a lockout is a warning, a failed secret (password, code, proof, current
    /// password, security answer) a notice, everything else info.
    ///
    /// - Parameter action: The audit action.
    /// - Returns: The log level its line is written at.
    public static func level(of action: AuditAction) -> Logger.Level {
        switch action {
        case .lockedOut: .warning
        case .loginFailed, .codeFailed, .proofFailed, .currentPasswordFailed, .securityAnswerFailed: .notice
        default: .info
        }
    }

    /// The metadata of an event's line: actor, subject, note and time — never its records.
    static func metadata(_ event: AuditEvent) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "actor": "\(event.actor)",
            "subject": "\(event.subject)",
            "time": "\(event.time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))",
        ]
        if !event.note.isEmpty { metadata["note"] = "\(event.note)" }
        return metadata
    }
}
