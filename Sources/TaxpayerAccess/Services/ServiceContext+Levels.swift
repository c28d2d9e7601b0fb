extension ServiceContext {
    /// A logon's effective level on every account of some taxpayers (RULES L4, S6), answered by the resolver itself
    /// over a small world read from the store: the logon, its parent, the taxpayers with their accounts, the roles and
    /// grants of both on them, the parent's groups and group assignments, and the logon's refinements. Services that
    /// list rights (P3, W2) use it, so the paths are decided in one place — the resolver — and never re-derived.
    ///
    /// - Returns: per taxpayer, the accounts with a level above none.
    func effectiveLevels(of logon: Logon, on taxpayers: Set<TaxpayerID>) async throws -> [TaxpayerID: [AccountID:
        AccessLevel]]
    {
        var records: [Record] = [.logon(logon)]
        var holders = [logon.id]
        if let parentID = logon.secondary?.parent {
            holders.append(parentID)
            if let parent = try await store.logon(parentID)?.value { records.append(.logon(parent)) }
            records += try await store.securityGroups(of: parentID).map { .securityGroup($0.value) }
            records += try await store.groupAssignments(of: parentID).map(\.value)
                .filter { taxpayers.contains($0.taxpayer) }.map { .groupAssignment($0) }
        }
        var accounts: [TaxpayerID: [AccountID]] = [:]
        for taxpayer in taxpayers {
            guard let record = try await store.taxpayer(taxpayer)?.value else { continue }
            records.append(.taxpayer(record))
            let stored = try await store.accounts(of: taxpayer).map(\.value)
            records += stored.map { .account($0) }
            accounts[taxpayer] = stored.map(\.id)
            for holder in holders {
                if let role = try await store.role(of: holder, on: taxpayer)?.value { records.append(.role(role)) }
                if let grant = try await store.grant(of: holder, on: taxpayer)?.value { records.append(.grant(grant)) }
            }
            if logon.secondary != nil, let refinement = try await store.refinement(of: logon.id, on: taxpayer)?.value {
                records.append(.refinement(refinement))
            }
        }
        let resolver = AccessResolver(records: records)
        var result: [TaxpayerID: [AccountID: AccessLevel]] = [:]
        for (taxpayer, ids) in accounts {
            var levels: [AccountID: AccessLevel] = [:]
            for account in ids {
                let level = resolver.level(logon: logon.id, account: account)
                if level > .none { levels[account] = level }
            }
            result[taxpayer] = levels
        }
        return result
    }
}
