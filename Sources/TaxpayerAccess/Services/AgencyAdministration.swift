/// What the agency's own staff do through the library: load taxpayer master data from the system of record
/// (RULES T1–T3). Operator actions are recorded with the operator's name (RULES U1).
///
/// ```swift
/// let agency = portal.agency
/// try await agency.load(DirectoryEntry(taxpayer: pat, accounts: [income]), by: "clerk-7")
/// ```
public struct AgencyAdministration: Sendable {
    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// Loads (inserts or updates) a taxpayer and its accounts into the store.
    ///
    /// - Throws: ``AccessError`` naming the field at fault: a malformed ID or name, an account of another taxpayer,
    ///   an ID pair held by another taxpayer.
    public func load(_ entry: DirectoryEntry, by operatorName: String) async throws {
        try await context.decideAndCommit {
            let store = context.store
            let current = try await store.taxpayer(entry.taxpayer.id)
            let holder = try await store.taxpayer(byTaxID: entry.taxpayer.taxID)
            var accounts: [AccountID: Versioned<TaxAccount>] = [:]
            for account in entry.accounts {
                if let stored = try await store.account(account.id) { accounts[account.id] = stored }
            }
            return try AgencyRules.load(
                entry, current: current, holderOfTaxID: holder, currentAccounts: accounts,
                actor: .agency(operator: operatorName), now: context.clock.now())
        }
    }

    /// Loads a taxpayer and its accounts as the directory holds them, when the store does not have them yet or they
    /// changed (RULES T3).
    ///
    /// - Returns: `false` when the directory does not know the ID.
    @discardableResult
    public func loadFromDirectory(_ taxID: TaxIdentifier, by operatorName: String) async throws -> Bool {
        guard let entry = try await context.directory.entry(for: taxID) else { return false }
        try await load(entry, by: operatorName)
        return true
    }
}
