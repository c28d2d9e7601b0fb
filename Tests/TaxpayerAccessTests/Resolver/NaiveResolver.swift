@testable import TaxpayerAccess

/// A deliberately naive resolver straight from RULES L3, L4, S4–S7 and X5–X8: linear scans over the records, no
/// indexing, no interning. The property test holds the real resolver to it.
struct NaiveResolver {
    let records: [Record]

    var taxpayers: [Taxpayer] { records.compactMap { if case .taxpayer(let r) = $0 { r } else { nil } } }
    var accounts: [TaxAccount] { records.compactMap { if case .account(let r) = $0 { r } else { nil } } }
    var logons: [Logon] { records.compactMap { if case .logon(let r) = $0 { r } else { nil } } }
    var roles: [RoleAssignment] { records.compactMap { if case .role(let r) = $0 { r } else { nil } } }
    var grants: [ThirdPartyGrant] { records.compactMap { if case .grant(let r) = $0 { r } else { nil } } }
    var groups: [SecurityGroup] { records.compactMap { if case .securityGroup(let r) = $0 { r } else { nil } } }
    var assignments: [GroupAssignment] {
        records.compactMap { if case .groupAssignment(let r) = $0 { r } else { nil } }
    }
    var refinements: [Refinement] { records.compactMap { if case .refinement(let r) = $0 { r } else { nil } } }

    /// L3 (direct role) and X5–X8 (third-party grant): the paths a logon holds itself.
    func own(_ logon: LogonID, _ account: TaxAccount) -> AccessLevel {
        var best = AccessLevel.none
        for role in roles where role.logon == logon && role.taxpayer == account.taxpayer && role.status == .active {
            best = max(best, role.role == .masterAdministrator ? .allAccess : role.accountLevels[account.id] ?? .none)
        }
        for grant in grants
        where grant.thirdParty == logon && grant.taxpayer == account.taxpayer && grant.status == .active {
            best = max(best, grant.accounts[account.id] ?? .none)
        }
        return best
    }

    /// S4: the custom group a taxpayer sits in under a parent, or nil for Default.
    func group(of taxpayer: TaxpayerID, under parent: LogonID) -> SecurityGroupID? {
        guard let assignment = assignments.first(where: { $0.parent == parent && $0.taxpayer == taxpayer }),
            let group = groups.first(where: { $0.id == assignment.group }), group.parent == parent, !group.isDefault
        else { return nil }
        return group.id
    }

    /// S5, S6: a secondary reaches a taxpayer whose group is one of its own (no valid group: Default).
    func reaches(_ secondary: SecondaryProfile, _ taxpayer: TaxpayerID) -> Bool {
        let own = secondary.groups.compactMap { id in groups.first { $0.id == id && $0.parent == secondary.parent } }
        let memberships: [SecurityGroupID?] = own.isEmpty ? [nil] : own.map { $0.isDefault ? nil : $0.id }
        return memberships.contains(group(of: taxpayer, under: secondary.parent))
    }

    /// L4: the highest level over every path; S6 for secondaries.
    func level(_ logonID: LogonID, _ accountID: AccountID) -> AccessLevel {
        paths(logonID, accountID).values.max() ?? .none
    }

    /// W1: the level each path of the logon gives on the account (L3 role, X5–X8 grant, S6 through the parent).
    func paths(_ logonID: LogonID, _ accountID: AccountID) -> [AccessRoute: AccessLevel] {
        guard let account = accounts.first(where: { $0.id == accountID }), account.status == .active,
            let logon = logons.first(where: { $0.id == logonID }), logon.status == .active
        else { return [:] }
        var result: [AccessRoute: AccessLevel] = [:]
        func note(_ route: AccessRoute, _ level: AccessLevel) {
            if level > .none { result[route] = max(result[route] ?? .none, level) }
        }
        for role in roles where role.logon == logonID && role.taxpayer == account.taxpayer && role.status == .active {
            if role.role == .masterAdministrator {
                note(.masterAdministrator, .allAccess)
            } else {
                note(.taxAdministrator, role.accountLevels[account.id] ?? .none)
            }
        }
        for grant in grants
        where grant.thirdParty == logonID && grant.taxpayer == account.taxpayer && grant.status == .active {
            note(.thirdParty, grant.accounts[account.id] ?? .none)
        }
        if let secondary = logon.secondary,
            logons.first(where: { $0.id == secondary.parent })?.status == .active,
            secondary.accountTypes?.contains(account.type) ?? true,
            reaches(secondary, account.taxpayer)
        {
            let parentLevel = own(secondary.parent, account)
            if parentLevel > .none {
                let refinement = refinements.first { $0.secondary == logonID && $0.taxpayer == account.taxpayer }
                let cap = refinement?.accounts[accountID] ?? secondary.accessType.cap
                note(.secondary(of: secondary.parent), min(parentLevel, cap))
            }
        }
        return result
    }

    func clients(of logon: LogonID) -> [TaxpayerID] {
        let reached = accounts.filter { level(logon, $0.id) > .none }.map(\.taxpayer)
        return Array(Set(reached)).sorted()
    }

    func whoHasAccess(_ taxpayer: TaxpayerID) -> [LogonAccess] {
        let order: ([AccessRoute]) -> [AccessRoute] = { routes in
            let rank: (AccessRoute) -> Int = {
                switch $0 {
                case .masterAdministrator: 0
                case .taxAdministrator: 1
                case .thirdParty: 2
                case .secondary: 3
                }
            }
            return routes.sorted { rank($0) < rank($1) }
        }
        return logons.map(\.id).sorted().compactMap { logon in
            var levels: [AccountID: AccessLevel] = [:]
            var routes: Set<AccessRoute> = []
            for account in accounts where account.taxpayer == taxpayer {
                let paths = paths(logon, account.id)
                if let level = paths.values.max() { levels[account.id] = level }
                routes.formUnion(paths.keys)
            }
            return levels.isEmpty
                ? nil
                : LogonAccess(
                    logon: logon, routes: AccessRoutes(order(Array(routes))), accounts: AccountLevels(levels))
        }
    }
}
