/// One logon with access to a taxpayer, as its Master Administrator sees it (RULES W1).
public struct AccessHolder: Hashable, Sendable {
    /// How the logon holds its access.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A Master Administrator of the taxpayer (RULES L3).
        case masterAdministrator
        /// A Tax Administrator of the taxpayer (RULES L3).
        case taxAdministrator
        /// A third party with a grant (RULES X7).
        case thirdParty
    }

    public var logon: LogonID
    public var fullName: String
    public var kind: Kind
    /// The level on each active account where it has one above none.
    public var accounts: [AccountID: AccessLevel]

    public init(logon: LogonID, fullName: String, kind: Kind, accounts: [AccountID: AccessLevel]) {
        self.logon = logon
        self.fullName = fullName
        self.kind = kind
        self.accounts = accounts
    }
}
