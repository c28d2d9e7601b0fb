#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What an audit event records (RULES U1). An open set of names.
public struct AuditAction: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }

    // Security events (U1).
    public static let loginSucceeded = AuditAction("login.succeeded")
    public static let loginFailed = AuditAction("login.failed")
    public static let lockedOut = AuditAction("login.lockedOut")
    public static let unlocked = AuditAction("login.unlocked")
    public static let codeSent = AuditAction("code.sent")
    public static let codeFailed = AuditAction("code.failed")
    public static let codeAccepted = AuditAction("code.accepted")
    public static let deviceTrusted = AuditAction("device.trusted")
    public static let passwordChanged = AuditAction("password.changed")
    public static let passwordReset = AuditAction("password.reset")
    public static let profileChanged = AuditAction("profile.changed")
    public static let profileDeleted = AuditAction("profile.deleted")
    public static let loggedOut = AuditAction("session.loggedOut")
    public static let proofFailed = AuditAction("registration.proofFailed")
    public static let registrationSubmitted = AuditAction("registration.submitted")
    public static let registrationApproved = AuditAction("registration.approved")
    public static let logonActivated = AuditAction("logon.activated")
    public static let emailChangedByAgency = AuditAction("logon.emailChangedByAgency")
    // Access changes (U1, U2).
    public static let recordWritten = AuditAction("record.written")
    public static let roleGranted = AuditAction("access.roleGranted")
    public static let roleChanged = AuditAction("access.roleChanged")
    public static let roleCancelled = AuditAction("access.roleCancelled")
    public static let grantChanged = AuditAction("access.grantChanged")
    public static let grantCancelled = AuditAction("access.grantCancelled")
    public static let requestSubmitted = AuditAction("request.submitted")
    public static let requestDecided = AuditAction("request.decided")
    public static let secondaryChanged = AuditAction("firm.secondaryChanged")
    public static let groupChanged = AuditAction("firm.groupChanged")
    public static let taxpayerLoaded = AuditAction("agency.taxpayerLoaded")
}

/// One entry of the append-only audit log (RULES U1): actor, subject, time and before/after.
///
/// `before` and `after` are redacted copies of the record that changed (``Record/redacted``), so the log can be
/// replayed to answer who had access at a past moment (RULES U2) and never holds a secret.
public struct AuditEvent: Hashable, Sendable, Codable {
    public var time: Date
    public var actor: AuditActor
    public var action: AuditAction
    /// What the event is about, e.g. `logon/L1`, `grant/L1|T9`.
    public var subject: String
    public var before: Record?
    public var after: Record?
    /// A short note safe to show an auditor; never a secret.
    public var note: String

    public init(
        time: Date, actor: AuditActor, action: AuditAction, subject: String, before: Record? = nil,
        after: Record? = nil,
        note: String = ""
    ) {
        self.time = time
        self.actor = actor
        self.action = action
        self.subject = subject
        self.before = before?.redacted
        self.after = after?.redacted
        self.note = note
    }
}

/// An audit event with its place in the log.
public struct LoggedAuditEvent: Hashable, Sendable, Codable {
    /// 1, 2, 3, … in the order appended.
    public var sequence: UInt64
    public var event: AuditEvent
    public init(sequence: UInt64, event: AuditEvent) {
        self.sequence = sequence
        self.event = event
    }
}
