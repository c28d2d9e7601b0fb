/// The resolver's index: every access-relevant record, with ids interned to dense `Int32` indices and the paths of
/// RULES L4 and S6 keyed by integer pairs. A value type; ``AccessResolver`` keeps one behind a `Mutex`.
///
/// Nothing here materialises (logon, account) pairs: a secondary logon's level is derived at question time from its
/// parent's entries (a handful of lookups), so a firm with thousands of clients and twenty secondaries costs the
/// same to update as one without secondaries.
struct ResolverWorld: Sendable {
    struct LogonEntry: Sendable {
        /// `nil` while no logon record is known for the id.
        var status: LogonStatus?
        var username: String = ""
        var secondary: SecondaryEntry?
    }

    struct SecondaryEntry: Sendable {
        var parent: Int32
        var cap: AccessLevel
        var isMasterAdministrator: Bool
        /// Group indices as listed; unknown groups and groups of another parent are ignored; none left means
        /// Default (RULES S5).
        var groups: [Int32]
        /// Interned account types; `nil` means every type.
        var accountTypes: Set<Int32>?
    }

    struct TaxpayerEntry: Sendable {
        var known = false
        var legalName: String?
        /// Indices of the taxpayer's known accounts.
        var accounts: [Int32] = []
    }

    struct AccountEntry: Sendable {
        var known = false
        var taxpayer: Int32 = -1
        var type: Int32 = -1
        var active = false
    }

    struct GroupEntry: Sendable {
        var known = false
        var parent: Int32 = -1
        var isDefault = false
        var name = ""
    }

    struct RoleEntry: Sendable {
        var role: Role
        var active: Bool
        var levels: [Int32: AccessLevel]
    }

    struct GrantEntry: Sendable {
        var active: Bool
        var levels: [Int32: AccessLevel]
    }

    // Interning.
    var logonIndex: [LogonID: Int32] = [:]
    var logonIDs: [LogonID] = []
    var logons: [LogonEntry] = []
    var taxpayerIndex: [TaxpayerID: Int32] = [:]
    var taxpayerIDs: [TaxpayerID] = []
    var taxpayers: [TaxpayerEntry] = []
    var accountIndex: [AccountID: Int32] = [:]
    var accountIDs: [AccountID] = []
    var accounts: [AccountEntry] = []
    var groupIndex: [SecurityGroupID: Int32] = [:]
    var groupIDs: [SecurityGroupID] = []
    var groups: [GroupEntry] = []
    var typeIndex: [AccountType: Int32] = [:]
    var typeNames: [AccountType] = []

    // Paths, keyed by (logon, taxpayer), (parent, taxpayer) or (secondary, taxpayer).
    var roles: [UInt64: RoleEntry] = [:]
    var grants: [UInt64: GrantEntry] = [:]
    var assignments: [UInt64: Int32] = [:]
    var refinements: [UInt64: [Int32: AccessLevel]] = [:]

    // Reverse indices for clients and who-has-access.
    var rolesByLogon: [Int32: Set<Int32>] = [:]
    var rolesByTaxpayer: [Int32: Set<Int32>] = [:]
    var grantsByLogon: [Int32: Set<Int32>] = [:]
    var grantsByTaxpayer: [Int32: Set<Int32>] = [:]
    var secondariesByParent: [Int32: Set<Int32>] = [:]

    /// The access records applied, by key: what a deletion removes and what ``explain`` words.
    var records: [RecordKey: Record] = [:]

    /// The last change-feed sequence applied.
    var sequence: UInt64 = 0

    @inline(__always)
    static func pair(_ a: Int32, _ b: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: a)) << 32) | UInt64(UInt32(bitPattern: b))
    }

    // MARK: Interning

    mutating func intern(_ id: LogonID) -> Int32 {
        if let index = logonIndex[id] { return index }
        let index = Int32(logonIDs.count)
        logonIndex[id] = index
        logonIDs.append(id)
        logons.append(LogonEntry())
        return index
    }

    mutating func intern(_ id: TaxpayerID) -> Int32 {
        if let index = taxpayerIndex[id] { return index }
        let index = Int32(taxpayerIDs.count)
        taxpayerIndex[id] = index
        taxpayerIDs.append(id)
        taxpayers.append(TaxpayerEntry())
        return index
    }

    mutating func intern(_ id: AccountID) -> Int32 {
        if let index = accountIndex[id] { return index }
        let index = Int32(accountIDs.count)
        accountIndex[id] = index
        accountIDs.append(id)
        accounts.append(AccountEntry())
        return index
    }

    mutating func intern(_ id: SecurityGroupID) -> Int32 {
        if let index = groupIndex[id] { return index }
        let index = Int32(groupIDs.count)
        groupIndex[id] = index
        groupIDs.append(id)
        groups.append(GroupEntry())
        return index
    }

    mutating func intern(_ type: AccountType) -> Int32 {
        if let index = typeIndex[type] { return index }
        let index = Int32(typeNames.count)
        typeIndex[type] = index
        typeNames.append(type)
        return index
    }

    mutating func internLevels(_ levels: [AccountID: AccessLevel]) -> [Int32: AccessLevel] {
        var result: [Int32: AccessLevel] = [:]
        result.reserveCapacity(levels.count)
        for (account, level) in levels { result[intern(account)] = level }
        return result
    }

    // MARK: Applying records

    /// Whether the resolver keeps records of this kind.
    static func isAccessKind(_ kind: RecordKind) -> Bool {
        switch kind {
        case .taxpayer, .account, .logon, .role, .grant, .securityGroup, .groupAssignment, .refinement: true
        default: false
        }
    }

    /// Puts a record's current state in place of its earlier state, touching only its own entries.
    mutating func put(_ record: Record) {
        let key = record.key
        guard Self.isAccessKind(key.kind) else { return }
        if let old = records[key] { remove(old) }
        records[key] = record
        add(record)
    }

    /// Removes the record at `key`, if any.
    mutating func delete(_ key: RecordKey) {
        guard Self.isAccessKind(key.kind), let old = records.removeValue(forKey: key) else { return }
        remove(old)
    }

    private mutating func add(_ record: Record) {
        switch record {
        case .taxpayer(let taxpayer):
            let t = intern(taxpayer.id)
            taxpayers[Int(t)].known = true
            taxpayers[Int(t)].legalName = taxpayer.legalName
        case .account(let account):
            let a = intern(account.id)
            let t = intern(account.taxpayer)
            let type = intern(account.type)
            accounts[Int(a)] = AccountEntry(known: true, taxpayer: t, type: type, active: account.status == .active)
            taxpayers[Int(t)].accounts.append(a)
        case .logon(let logon):
            let l = intern(logon.id)
            var entry = LogonEntry(status: logon.status, username: logon.username, secondary: nil)
            if let profile = logon.secondary {
                let parent = intern(profile.parent)
                var groupIndices: [Int32] = []
                for group in profile.groups { groupIndices.append(intern(group)) }
                var types: Set<Int32>?
                if let accountTypes = profile.accountTypes {
                    var set = Set<Int32>()
                    for type in accountTypes { set.insert(intern(type)) }
                    types = set
                }
                let isMA: Bool
                if case .masterAdministrator = profile.accessType { isMA = true } else { isMA = false }
                entry.secondary = SecondaryEntry(
                    parent: parent, cap: profile.accessType.cap, isMasterAdministrator: isMA, groups: groupIndices,
                    accountTypes: types)
                secondariesByParent[parent, default: []].insert(l)
            }
            logons[Int(l)] = entry
        case .role(let role):
            let l = intern(role.logon)
            let t = intern(role.taxpayer)
            roles[Self.pair(l, t)] = RoleEntry(
                role: role.role, active: role.status == .active, levels: internLevels(role.accountLevels))
            rolesByLogon[l, default: []].insert(t)
            rolesByTaxpayer[t, default: []].insert(l)
        case .grant(let grant):
            let l = intern(grant.thirdParty)
            let t = intern(grant.taxpayer)
            grants[Self.pair(l, t)] = GrantEntry(active: grant.status == .active, levels: internLevels(grant.accounts))
            grantsByLogon[l, default: []].insert(t)
            grantsByTaxpayer[t, default: []].insert(l)
        case .securityGroup(let group):
            let g = intern(group.id)
            groups[Int(g)] = GroupEntry(known: true, parent: intern(group.parent), isDefault: group.isDefault, name: group.name)
        case .groupAssignment(let assignment):
            let p = intern(assignment.parent)
            let t = intern(assignment.taxpayer)
            assignments[Self.pair(p, t)] = intern(assignment.group)
        case .refinement(let refinement):
            let s = intern(refinement.secondary)
            let t = intern(refinement.taxpayer)
            refinements[Self.pair(s, t)] = internLevels(refinement.accounts)
        default:
            break
        }
    }

    private mutating func remove(_ record: Record) {
        switch record {
        case .taxpayer(let taxpayer):
            let t = intern(taxpayer.id)
            taxpayers[Int(t)].known = false
            taxpayers[Int(t)].legalName = nil
        case .account(let account):
            let a = intern(account.id)
            let t = accounts[Int(a)].taxpayer
            if t >= 0, let position = taxpayers[Int(t)].accounts.firstIndex(of: a) {
                taxpayers[Int(t)].accounts.remove(at: position)
            }
            accounts[Int(a)] = AccountEntry()
        case .logon(let logon):
            let l = intern(logon.id)
            if let parent = logons[Int(l)].secondary?.parent {
                secondariesByParent[parent]?.remove(l)
                if secondariesByParent[parent]?.isEmpty == true { secondariesByParent[parent] = nil }
            }
            logons[Int(l)] = LogonEntry()
        case .role(let role):
            let l = intern(role.logon)
            let t = intern(role.taxpayer)
            roles[Self.pair(l, t)] = nil
            Self.unlink(&rolesByLogon, l, t)
            Self.unlink(&rolesByTaxpayer, t, l)
        case .grant(let grant):
            let l = intern(grant.thirdParty)
            let t = intern(grant.taxpayer)
            grants[Self.pair(l, t)] = nil
            Self.unlink(&grantsByLogon, l, t)
            Self.unlink(&grantsByTaxpayer, t, l)
        case .securityGroup(let group):
            groups[Int(intern(group.id))] = GroupEntry()
        case .groupAssignment(let assignment):
            assignments[Self.pair(intern(assignment.parent), intern(assignment.taxpayer))] = nil
        case .refinement(let refinement):
            refinements[Self.pair(intern(refinement.secondary), intern(refinement.taxpayer))] = nil
        default:
            break
        }
    }

    private static func unlink(_ index: inout [Int32: Set<Int32>], _ key: Int32, _ value: Int32) {
        index[key]?.remove(value)
        if index[key]?.isEmpty == true { index[key] = nil }
    }

    // MARK: Levels (RULES L3, L4, S6, X7)

    @inline(__always)
    func isActive(_ logon: Int32) -> Bool { logons[Int(logon)].status == .active }

    /// The level of a logon's own paths: its direct role (RULES L3) and its third-party grant (RULES X5–X8).
    @inline(__always)
    func ownLevel(_ logon: Int32, _ taxpayer: Int32, _ account: Int32) -> AccessLevel {
        let key = Self.pair(logon, taxpayer)
        var best = AccessLevel.none
        if let role = roles[key], role.active {
            best = role.role == .masterAdministrator ? .allAccess : (role.levels[account] ?? .none)
        }
        if best < .allAccess, let grant = grants[key], grant.active {
            best = max(best, grant.levels[account] ?? .none)
        }
        return best
    }

    /// The group a taxpayer sits in under a parent (RULES S4): a custom group's index, or -1 for Default.
    @inline(__always)
    func taxpayerGroup(parent: Int32, taxpayer: Int32) -> Int32 {
        guard let g = assignments[Self.pair(parent, taxpayer)] else { return -1 }
        let group = groups[Int(g)]
        return group.known && group.parent == parent && !group.isDefault ? g : -1
    }

    /// Whether a secondary reaches a taxpayer through its groups (RULES S5, S6).
    func isMember(_ secondary: SecondaryEntry, taxpayer: Int32) -> Bool {
        let target = taxpayerGroup(parent: secondary.parent, taxpayer: taxpayer)
        var anyValid = false
        for g in secondary.groups {
            let group = groups[Int(g)]
            guard group.known, group.parent == secondary.parent else { continue }
            anyValid = true
            if (group.isDefault ? -1 : g) == target { return true }
        }
        return !anyValid && target == -1
    }

    /// The level a secondary logon gets through its parent (RULES S6, S7).
    func secondaryLevel(_ logon: Int32, _ secondary: SecondaryEntry, taxpayer: Int32, account: Int32, type: Int32)
        -> AccessLevel
    {
        guard isActive(secondary.parent) else { return .none }
        if let types = secondary.accountTypes, !types.contains(type) { return .none }
        guard isMember(secondary, taxpayer: taxpayer) else { return .none }
        let parentLevel = ownLevel(secondary.parent, taxpayer, account)
        guard parentLevel > .none else { return .none }
        let cap = refinements[Self.pair(logon, taxpayer)]?[account] ?? secondary.cap
        return min(parentLevel, cap)
    }

    /// A logon's effective level on an account: the highest over every path (RULES L4).
    func level(_ logon: Int32, _ account: Int32) -> AccessLevel {
        let entry = accounts[Int(account)]
        guard entry.known, entry.active, isActive(logon) else { return .none }
        let own = ownLevel(logon, entry.taxpayer, account)
        guard own < .allAccess, let secondary = logons[Int(logon)].secondary else { return own }
        return max(own, secondaryLevel(logon, secondary, taxpayer: entry.taxpayer, account: account, type: entry.type))
    }

    func level(_ logon: LogonID, _ account: AccountID) -> AccessLevel {
        guard let l = logonIndex[logon], let a = accountIndex[account] else { return .none }
        return level(l, a)
    }

    /// Taxpayers on which `logon` has a level above none on some account, sorted by id bytes.
    func clients(of logon: LogonID) -> [TaxpayerID] {
        guard let l = logonIndex[logon], isActive(l) else { return [] }
        var candidates = rolesByLogon[l] ?? []
        candidates.formUnion(grantsByLogon[l] ?? [])
        if let parent = logons[Int(l)].secondary?.parent {
            candidates.formUnion(rolesByLogon[parent] ?? [])
            candidates.formUnion(grantsByLogon[parent] ?? [])
        }
        return candidates.filter { t in taxpayers[Int(t)].accounts.contains { level(l, $0) > .none } }
            .map { taxpayerIDs[Int($0)] }.sorted()
    }

    /// Every logon with a level above none on some account of `taxpayer`, sorted by logon id.
    func whoHasAccess(taxpayer: TaxpayerID) -> [LogonAccess] {
        guard let t = taxpayerIndex[taxpayer] else { return [] }
        var candidates = rolesByTaxpayer[t] ?? []
        candidates.formUnion(grantsByTaxpayer[t] ?? [])
        for holder in candidates {
            candidates.formUnion(secondariesByParent[holder] ?? [])
        }
        var result: [LogonAccess] = []
        for l in candidates {
            var levels: [AccountID: AccessLevel] = [:]
            for a in taxpayers[Int(t)].accounts {
                let level = level(l, a)
                if level > .none { levels[accountIDs[Int(a)]] = level }
            }
            if !levels.isEmpty { result.append(LogonAccess(logon: logonIDs[Int(l)], accounts: levels)) }
        }
        return result.sorted { $0.logon < $1.logon }
    }
}
