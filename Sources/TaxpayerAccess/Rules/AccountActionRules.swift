/// Which access level each account action needs (RULES L1, L2).
///
/// ```swift
/// AccountActionRules.requiredLevel(for: .file)          // .fileAndPay
/// AccountActionRules.allows(.viewOnly, .manageAccount)  // false
/// ```
public enum AccountActionRules {
    /// The lowest level that allows `action` (RULES L2): view — View Only; file, pay, amend — File and Pay;
    /// managing the account's settings — All Access.
    @inlinable
    public static func requiredLevel(for action: AccountAction) -> AccessLevel {
        switch action {
        case .view: .viewOnly
        case .file, .pay, .amend: .fileAndPay
        case .manageAccount: .allAccess
        }
    }

    /// Whether a logon holding `level` on an account may do `action` there (RULES L1, L2, L4: deny by default, so
    /// ``AccessLevel/none`` allows nothing).
    @inlinable
    public static func allows(_ level: AccessLevel, _ action: AccountAction) -> Bool {
        level != .none && level >= requiredLevel(for: action)
    }
}
