extension AccessResolver {
    /// A logon interned by this resolver: ask `check(logon:account:action:)`
    /// with it, and no id is hashed again. Resolve it once, e.g. when a session signs in, and keep it.
    ///
    /// A handle names one record, not an id: once the logon's record is deleted it answers ``AccessLevel/none``
    /// for good — even if a logon with the same id is added later (get a new handle for that one) — and a handle
    /// from another resolver answers ``AccessLevel/none`` too. While the record exists, rewrites of it (a status
    /// change, a new parent) are seen at once: a handle is not a cached answer.
    ///
    /// ```swift
    /// guard let me = resolver.handle(logon: "L2"), let account = resolver.handle(account: "A90") else { … }
    /// resolver.check(logon: me, account: account, action: .file)   // as check(logon: "L2", account: "A90", …)
    /// ```
    public struct LogonHandle: Sendable, Hashable {
        let index: Int32
        /// The record's stamp when the handle was made, never 0.
        let stamp: UInt64
    }

    /// An account interned by this resolver; see ``LogonHandle`` for what a handle answers after a deletion.
    ///
    /// ```swift
    /// let accounts = ["A90", "A91"].compactMap { resolver.handle(account: $0) }
    /// let fileable = accounts.filter { resolver.check(logon: me, account: $0, action: .file) }
    /// ```
    public struct AccountHandle: Sendable, Hashable {
        let index: Int32
        /// The record's stamp when the handle was made, never 0.
        let stamp: UInt64
    }

    /// The logon's handle, or `nil` when the resolver has no logon record with this id (RULES L2). A suspended or
    /// deactivated logon has a handle; its checks are denied while it is not active.
    ///
    /// ```swift
    /// let me = resolver.handle(logon: session.logon)   // once per session
    /// ```
    public func handle(logon: LogonID) -> LogonHandle? {
        world.read { $0.handle(logon) }
    }

    /// The account's handle, or `nil` when the resolver has no account record with this id. A closed account has a
    /// handle; nothing is allowed on it (RULES L2).
    ///
    /// ```swift
    /// let account = resolver.handle(account: "A90")
    /// ```
    public func handle(account: AccountID) -> AccountHandle? {
        world.read { $0.handle(account) }
    }

    /// Whether the handle's logon may do `action` on `account` (RULES L2, L4): the answer of
    /// `check(logon:account:action:)` by ids, hashing the account's id only — for a logon resolved once per session
    /// (``SignedIn/logonHandle``) and an account named by the request. Denied when the handle no longer names a
    /// record of this resolver or no account has the id. Allocates nothing.
    ///
    /// ```swift
    /// if resolver.check(logon: me, account: "A90", action: .pay) { … }
    /// ```
    public func check(logon: LogonHandle, account: AccountID, action: AccountAction) -> Bool {
        let level = world.read { world -> AccessLevel in
            guard let account = world.handle(account) else { return .none }
            return world.level(logon, account)
        }
        return AccountActionRules.allows(level, action)
    }

    /// Whether the handle's logon may do `action` on the handle's account (RULES L2, L4): the same answer as
    /// `check(logon:account:action:)` with their ids, without hashing either id; denied when either
    /// handle no longer names a record of this resolver. Allocates nothing.
    ///
    /// ```swift
    /// if resolver.check(logon: me, account: account, action: .pay) { … }
    /// ```
    public func check(logon: LogonHandle, account: AccountHandle, action: AccountAction) -> Bool {
        AccountActionRules.allows(level(logon: logon, account: account), action)
    }

    /// The handle's logon's effective level on the handle's account (RULES L4, S6), as
    /// `level(logon:account:)` gives it by ids; ``AccessLevel/none`` when either handle no longer
    /// names a record of this resolver. Allocates nothing.
    ///
    /// ```swift
    /// resolver.level(logon: me, account: account)   // .fileAndPay
    /// ```
    public func level(logon: LogonHandle, account: AccountHandle) -> AccessLevel {
        world.read { $0.level(logon, account) }
    }
}
