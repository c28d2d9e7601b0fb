/// Why a logon has the level it has on an account, in words a taxpayer understands
/// (``AccessResolver/explain(logon:account:)``).
///
/// ```swift
/// let why = resolver.explain(logon: "L2", account: "A90")
/// print(why.level)       // fileAndPay
/// print(why.summary)     // "File and Pay. Through the parent logon acme.owner: …"
/// ```
public struct AccessExplanation: Hashable, Sendable, CustomStringConvertible {
    /// The logon asked about.
    public var logon: LogonID
    /// The account asked about.
    public var account: AccountID
    /// The effective level: the highest over every path (RULES L4).
    public var level: AccessLevel
    /// Each path that grants a level above none, one sentence each; empty when nothing grants.
    public var grantingPaths: [String]
    /// Why other paths give nothing (a cancelled role, a closed account, a group the logon is not in, …), one
    /// sentence each.
    public var reasons: [String]

    /// Makes an explanation.
    public init(logon: LogonID, account: AccountID, level: AccessLevel, grantingPaths: [String], reasons: [String]) {
        self.logon = logon
        self.account = account
        self.level = level
        self.grantingPaths = grantingPaths
        self.reasons = reasons
    }

    /// The level, then every granting path, then every reason, as one text.
    public var summary: String {
        let head = level == .none ? "No access." : "\(level.displayName)."
        return ([head] + grantingPaths + reasons).joined(separator: " ")
    }

    public var description: String { summary }
}
