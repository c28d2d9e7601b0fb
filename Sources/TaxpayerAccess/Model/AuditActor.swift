/// Who did something: recorded on every audit event (RULES U1).
public enum AuditActor: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A logon acting for itself.
    case logon(LogonID)
    /// The agency, through an operator named by the caller (RULES V3, X4, R10).
    case agency(operator: String)
    /// The library itself: expiry, automatic approval, mail delivery.
    case system
    /// Someone not logged in: an applicant, a login attempt.
    case anonymous

    public var description: String {
        switch self {
        case .logon(let id): "logon \(id.rawValue)"
        case .agency(let name): "agency (\(name))"
        case .system: "system"
        case .anonymous: "anonymous"
        }
    }
}
