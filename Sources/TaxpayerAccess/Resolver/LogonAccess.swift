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

    /// The case's place in declaration order.
    var rank: Int {
        switch self {
        case .masterAdministrator: 0
        case .taxAdministrator: 1
        case .thirdParty: 2
        case .secondary: 3
        }
    }
}

/// The routes of one ``LogonAccess``: each ``AccessRoute`` at most once, in the order the cases are declared, held
/// inline (no array to allocate). A collection of ``AccessRoute``; written as an array literal.
///
/// ```swift
/// let routes: AccessRoutes = [.thirdParty, .taxAdministrator]
/// Array(routes)                      // [.taxAdministrator, .thirdParty]
/// routes.contains(.thirdParty)       // true
/// ```
///
/// A logon has at most one parent, so there is at most one ``AccessRoute/secondary(of:)``; a literal naming two
/// keeps the last.
public struct AccessRoutes: RandomAccessCollection, Hashable, Sendable, Codable, ExpressibleByArrayLiteral {
    /// One bit per case, by ``AccessRoute/rank``.
    private var bits: UInt8 = 0
    /// The parent of the ``AccessRoute/secondary(of:)`` route, when it is held.
    private var parent: LogonID?

    /// No route.
    public init() {}

    /// The given routes, in declaration order, without repeats.
    public init(_ routes: some Sequence<AccessRoute>) {
        for route in routes { insert(route) }
    }

    public init(arrayLiteral routes: AccessRoute...) {
        self.init(routes)
    }

    /// Adds a route (a second ``AccessRoute/secondary(of:)`` replaces the first).
    public mutating func insert(_ route: AccessRoute) {
        bits |= 1 << UInt8(route.rank)
        if case .secondary(of: let parent) = route { self.parent = parent }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { bits.nonzeroBitCount }

    public subscript(position: Int) -> AccessRoute {
        precondition(position >= 0 && position < endIndex, "AccessRoutes index out of range")
        var remaining = bits
        for _ in 0..<position { remaining &= remaining - 1 }
        switch remaining.trailingZeroBitCount {
        case 0: return .masterAdministrator
        case 1: return .taxAdministrator
        case 2: return .thirdParty
        default: return .secondary(of: parent!)
        }
    }

    /// Encoded as the array of its routes.
    public init(from decoder: any Decoder) throws {
        self.init(try [AccessRoute](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}

/// One account's level in a ``LogonAccess`` or an ``AccessHolder``.
public struct AccountLevel: Hashable, Sendable {
    /// The account.
    public var account: AccountID
    /// The logon's effective level on it, above none.
    public var level: AccessLevel

    /// Makes an entry.
    public init(account: AccountID, level: AccessLevel) {
        self.account = account
        self.level = level
    }
}

/// A logon's levels on a taxpayer's accounts: a collection of ``AccountLevel`` sorted by account id bytes, each
/// account at most once, looked up by account with `levels[account]`; written as a dictionary literal.
///
/// ```swift
/// let levels: AccountLevels = ["A91": .viewOnly, "A90": .fileAndPay]
/// levels.map(\.account)   // ["A90", "A91"]
/// levels["A91"]           // .viewOnly
/// levels["A92"]           // nil
/// ```
///
/// The entries of one ``AccessResolver/whoHasAccess(taxpayer:)`` answer share one buffer, so the answer costs a
/// few allocations, not one dictionary per logon. Equal when the same accounts have the same levels.
public struct AccountLevels: RandomAccessCollection, Hashable, Sendable, Codable, ExpressibleByDictionaryLiteral {
    private let storage: ArraySlice<AccountLevel>

    /// Entries already sorted by account id bytes without repeats (the resolver's own).
    init(sorted storage: ArraySlice<AccountLevel>) {
        self.storage = storage
    }

    /// No account.
    public init() {
        storage = []
    }

    /// The given levels, sorted by account id bytes.
    public init(_ levels: [AccountID: AccessLevel]) {
        storage = ArraySlice(
            levels.map { AccountLevel(account: $0.key, level: $0.value) }.sorted { $0.account < $1.account })
    }

    /// The given levels; a repeated account keeps its last level.
    public init(dictionaryLiteral elements: (AccountID, AccessLevel)...) {
        var levels: [AccountID: AccessLevel] = [:]
        for (account, level) in elements { levels[account] = level }
        self.init(levels)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }

    public subscript(position: Int) -> AccountLevel {
        storage[storage.startIndex + position]
    }

    /// The level on `account`, or `nil` when the account is not listed.
    public subscript(account: AccountID) -> AccessLevel? {
        var low = storage.startIndex
        var high = storage.endIndex
        while low < high {
            let mid = (low + high) / 2
            if storage[mid].account < account { low = mid + 1 } else { high = mid }
        }
        return low < storage.endIndex && storage[low].account == account ? storage[low].level : nil
    }

    /// The levels as a dictionary.
    public var dictionary: [AccountID: AccessLevel] {
        Dictionary(uniqueKeysWithValues: storage.map { ($0.account, $0.level) })
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.storage.elementsEqual(rhs.storage)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.count)
        for entry in storage { hasher.combine(entry) }
    }

    /// Encoded as `[AccountID: AccessLevel]` is (its pairs in one array, key then value), in account order.
    public init(from decoder: any Decoder) throws {
        self.init(try [AccountID: AccessLevel](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for entry in storage {
            try container.encode(entry.account)
            try container.encode(entry.level)
        }
    }
}

/// One logon's levels on a taxpayer's accounts and how it reaches them, as
/// ``AccessResolver/whoHasAccess(taxpayer:)`` lists them (RULES W1): only accounts where the logon's effective level
/// is above none.
public struct LogonAccess: Hashable, Sendable, Codable {
    /// The logon.
    public var logon: LogonID
    /// Each path that gives the logon a level above none on some account of the taxpayer, in the order the cases of
    /// ``AccessRoute`` are declared; never empty.
    public var routes: AccessRoutes
    /// Its effective level — the highest over every path (RULES L4, S6) — on each account of the taxpayer where it
    /// has one, sorted by account id bytes.
    public var accounts: AccountLevels

    /// Makes an entry.
    ///
    /// - Parameters:
    ///   - logon: The logon.
    ///   - routes: How it reaches the taxpayer.
    ///   - accounts: Its effective level per account, above none.
    public init(logon: LogonID, routes: AccessRoutes, accounts: AccountLevels) {
        self.logon = logon
        self.routes = routes
        self.accounts = accounts
    }
}
