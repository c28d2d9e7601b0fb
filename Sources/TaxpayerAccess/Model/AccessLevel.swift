/// An access level on a tax account, ordered (RULES L1): View Only < File and Pay < All Access.
///
/// ``none`` is the absence of access: what the resolver answers when no path reaches an account, and what a
/// refinement uses to take an account away from a secondary logon.
public enum AccessLevel: UInt8, Comparable, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// No access.
    case none = 0
    /// View Only.
    case viewOnly = 1
    /// File and Pay.
    case fileAndPay = 2
    /// All Access.
    case allAccess = 3

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The name used in JSON: `none`, `viewOnly`, `fileAndPay`, `allAccess`.
    public var name: String {
        switch self {
        case .none: "none"
        case .viewOnly: "viewOnly"
        case .fileAndPay: "fileAndPay"
        case .allAccess: "allAccess"
        }
    }

    /// The words a taxpayer reads: "View Only", "File and Pay", "All Access".
    public var displayName: String {
        switch self {
        case .none: "no access"
        case .viewOnly: "View Only"
        case .fileAndPay: "File and Pay"
        case .allAccess: "All Access"
        }
    }

    /// Parses a JSON name; `nil` for anything else.
    public init?(name: String) {
        guard let level = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = level
    }

    public var description: String { name }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let level = AccessLevel(name: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "unknown access level \"\(text)\"")
        }
        self = level
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Something a logon does to a tax account (RULES L2).
public enum AccountAction: String, Sendable, CaseIterable, Codable {
    /// View the account.
    case view
    /// File a return.
    case file
    /// Make a payment.
    case pay
    /// Amend a return.
    case amend
    /// Manage the account's settings.
    case manageAccount

    /// The lowest level that allows the action (RULES L2): view — View Only; file, pay, amend — File and Pay;
    /// managing the account's settings — All Access.
    ///
    /// ```swift
    /// AccountAction.file.requiredLevel     // .fileAndPay
    /// ```
    @inlinable
    public var requiredLevel: AccessLevel {
        switch self {
        case .view: .viewOnly
        case .file, .pay, .amend: .fileAndPay
        case .manageAccount: .allAccess
        }
    }

    /// Whether a logon holding `level` on an account may do the action there (RULES L1, L2; L4: deny by default,
    /// so ``AccessLevel/none`` allows nothing).
    ///
    /// ```swift
    /// AccountAction.manageAccount.isAllowed(at: .viewOnly)   // false
    /// ```
    @inlinable
    public func isAllowed(at level: AccessLevel) -> Bool { level != .none && level >= requiredLevel }
}
