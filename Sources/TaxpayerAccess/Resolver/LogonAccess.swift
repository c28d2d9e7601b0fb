/// How a logon reaches a taxpayer (RULES W1): one path of RULES L4.
///
/// A logon may hold more than one path (a Tax Administrator who is also the taxpayer's third party, a secondary logon
/// with a role of its own); ``LogonAccess/routes`` lists each path that gives it a level above none on some account.
public enum AccessRoute: Hashable, Sendable, Codable {
    /// A Master Administrator of the taxpayer: All Access on every active account (RULES L3).
    case masterAdministrator
    /// A Tax Administrator of the taxpayer, at the levels its Master Administrators set (RULES L3, M2).
    case taxAdministrator
    /// A third party holding an approved grant (RULES X5–X8).
    case thirdParty
    /// A secondary logon reaching the taxpayer through its parent's own path, within its groups, account types and
    /// refinements (RULES S4–S7).
    case secondary(of: LogonID)
}

/// One logon's levels on a taxpayer's accounts and how it reaches them, as
/// ``AccessResolver/whoHasAccess(taxpayer:)`` lists them (RULES W1): only accounts where the logon's effective level
/// is above none.
public struct LogonAccess: Hashable, Sendable, Codable {
    /// The logon.
    public var logon: LogonID
    /// Each path that gives the logon a level above none on some account of the taxpayer, in the order the cases of
    /// ``AccessRoute`` are declared; never empty.
    public var routes: [AccessRoute]
    /// Its effective level — the highest over every path (RULES L4, S6) — on each account of the taxpayer where it
    /// has one.
    public var accounts: [AccountID: AccessLevel]

    /// Makes an entry.
    ///
    /// - Parameters:
    ///   - logon: The logon.
    ///   - routes: How it reaches the taxpayer.
    ///   - accounts: Its effective level per account, above none.
    public init(logon: LogonID, routes: [AccessRoute], accounts: [AccountID: AccessLevel]) {
        self.logon = logon
        self.routes = routes
        self.accounts = accounts
    }
}
