/// One logon's levels on a taxpayer's accounts, as ``AccessResolver/whoHasAccess(taxpayer:)`` lists them
/// (RULES W1): only accounts where the logon's level is above none.
public struct LogonAccess: Hashable, Sendable, Codable {
    /// The logon.
    public var logon: LogonID
    /// Its effective level on each account of the taxpayer where it has one (RULES L4, S6).
    public var accounts: [AccountID: AccessLevel]

    /// Makes an entry.
    public init(logon: LogonID, accounts: [AccountID: AccessLevel]) {
        self.logon = logon
        self.accounts = accounts
    }
}
