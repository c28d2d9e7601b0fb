/// Which access level each account action needs (RULES L1, L2): the rule as the resolver asks it.
enum AccountActionRules {
    /// The lowest level that allows `action` (``AccountAction/requiredLevel``).
    static func requiredLevel(for action: AccountAction) -> AccessLevel { action.requiredLevel }

    /// Whether a logon holding `level` may do `action` (``AccountAction/isAllowed(at:)``).
    static func allows(_ level: AccessLevel, _ action: AccountAction) -> Bool { action.isAllowed(at: level) }
}
