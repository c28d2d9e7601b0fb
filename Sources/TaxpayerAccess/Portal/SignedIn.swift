/// The caller of one request, as its session token proved it (RULES A7): obtained once per request from
/// ``Portal/authenticate(sessionToken:)`` and handed to every service method the request calls.
///
/// Only the library makes one, from a live session: a value cannot be forged from an id. It is meant for the request
/// it was made for; a later request authenticates again (the session may have ended meanwhile).
///
/// ```swift
/// let caller = try await portal.authenticate(sessionToken: token)
/// switch caller.stage {
/// case .awaitingTwoStepSetup: showSetUpTwoStep()
/// case .awaitingCode: showEnterYourCode()
/// case .authenticated: try await portal.taxpayers.promote(caller, taxpayer: "T9", logon: "L4")
/// }
/// ```
public struct SignedIn: Sendable, Hashable, CustomStringConvertible {
    /// The logon signed in.
    public var logonID: LogonID { logon.id }
    /// How far the session has come: signed in, or still awaiting a code or the two-step set-up (RULES A3, R12).
    public var stage: SessionStage { session.stage }
    /// The logon's username (RULES R5).
    public var username: String { logon.username }
    /// The logon's full name.
    public var fullName: String { logon.fullName }
    /// The session's id (never its token).
    public var sessionID: SessionID { session.id }
    /// The logon as the portal's resolver interned it when the session was checked, so that
    /// ``Portal/check(_:account:action:)`` hashes only the account's id; `nil` when the resolver did not yet know the
    /// logon (another process's commit not yet followed), and the check then goes by id.
    public internal(set) var logonHandle: AccessResolver.LogonHandle?

    /// The logon as read when the session was checked.
    let logon: Logon
    /// The session as read (and, at most once per ``Policy/sessionActivityInterval``, touched).
    let session: Session

    init(logon: Logon, session: Session) {
        self.logon = logon
        self.session = session
    }

    /// This caller, when its session has reached one of `stages`.
    ///
    /// - Throws: ``AccessError/Code/stepRequired``.
    func requiring(_ stages: Set<SessionStage> = [.authenticated]) throws(AccessError) -> SignedIn {
        try SessionRules.requireStage(session, allowing: stages)
        return self
    }

    /// The caller as the audit log names it (RULES U1).
    var actor: AuditActor { .logon(logon.id) }
    /// The logon's id (for the services).
    var id: LogonID { logon.id }

    /// Shows the logon and stage, never a token.
    public var description: String { "SignedIn(\(logon.id), \(session.stage.rawValue))" }
}

/// A place in the store's change feed: what a process's resolver has applied (RULES L4: answers as of that place).
///
/// It is the consistency token of the library, as Zanzibar's zookies: after a write, take ``Portal/position``; a
/// request served by another process that must see that write first waits with
/// ``Portal/waitUntil(_:timeout:)``. Its ``description`` is a decimal string, fit for a cookie or a header.
///
/// ```swift
/// let seen = portal.position                                   // after the write, in process A
/// try await otherPortal.waitUntil(FeedPosition(seen.description)!, timeout: .seconds(2))   // in process B
/// ```
public struct FeedPosition: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The feed sequence.
    public var sequence: UInt64
    public init(sequence: UInt64) { self.sequence = sequence }
    /// Reads a position written by ``description``; `nil` for anything else.
    public init?(_ text: String) {
        guard let sequence = UInt64(text) else { return nil }
        self.sequence = sequence
    }
    public var description: String { String(sequence) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.sequence < rhs.sequence }
}
