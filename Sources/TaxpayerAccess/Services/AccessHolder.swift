/// One live logon with access to a taxpayer, as ``TaxpayerAdministration/whoHasAccess(_:taxpayer:)`` lists it for
/// the taxpayer's Master Administrator (RULES W1): the resolver's entry (``LogonAccess``) with the logon's name.
public struct AccessHolder: Hashable, Sendable, Codable {
    /// The logon.
    public var logon: LogonID
    /// The logon's full name as its profile holds it; empty when the logon's record was deleted after the resolver
    /// answered.
    public var fullName: String
    /// Each path by which the logon reaches the taxpayer (RULES W1, L4), in ``AccessRoute``'s declaration order.
    public var routes: AccessRoutes
    /// Its effective level on each active account of the taxpayer where it has one above none (RULES L4, S6),
    /// sorted by account id bytes.
    public var accounts: AccountLevels

    /// Makes an entry.
    ///
    /// - Parameters:
    ///   - logon: The logon.
    ///   - fullName: Its full name.
    ///   - routes: How it reaches the taxpayer.
    ///   - accounts: Its effective level per account, above none.
    public init(logon: LogonID, fullName: String, routes: AccessRoutes, accounts: AccountLevels) {
        self.logon = logon
        self.fullName = fullName
        self.routes = routes
        self.accounts = accounts
    }
}
