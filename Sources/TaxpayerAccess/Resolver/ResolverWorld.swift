import Synchronization

/// Stamps for handles (``AccessResolver/LogonHandle``): one counter for the whole process, so no two records — in
/// this resolver or any other — ever get the same stamp, and a stale handle can never match a later record.
private let stampCounter = Atomic<UInt64>(1)

/// The resolver's index: every access-relevant record, with ids interned to dense `Int32` indices and the paths of
/// RULES L4 and S6 keyed by integer pairs. A value type; ``AccessResolver`` keeps one behind a reader–writer lock.
///
/// Address-only on purpose (``pin``): a loadable struct this large is copied whole (a 568-byte `memcpy`) each time
/// a non-inlined method is called on it from the lock's storage, ~11 % of a `check`; an address-only one is handed
/// to the method by address, in place. A class would not copy either, but its properties cost a dynamic exclusivity
/// check and a retain on every read (measured: 1,921 instead of 784 instructions per `check`).
///
/// Nothing here materialises (logon, account) pairs: a secondary logon's level is derived at question time from its
/// parent's entries (a handful of lookups), so a firm with thousands of clients and twenty secondaries costs the
/// same to update as one without secondaries.
///
/// Records are not kept whole: each kind keeps only what answers need, and the state a deletion or a rewrite must
/// undo is read back from these compact entries (whether an entry exists is whether its record does). The hot
/// entries hold no class references, so reading one copies a few bytes and retains nothing.
struct ResolverWorld: Sendable {
    /// A logon's status and, for a secondary logon, its link to its parent (RULES S2–S6).
    struct LogonEntry: Sendable {
        /// `nil` while no logon record is known for the id.
        var status: LogonStatus?
        var isSecondary = false
        var isMasterAdministrator = false
        /// Whether the secondary applies only to some account types (RULES S2).
        var hasTypeFilter = false
        /// Whether the groups or types did not fit inline and sit in ``ResolverWorld/secondaryExtras``.
        var hasExtra = false
        var cap = AccessLevel.none
        var groupCount: Int32 = 0
        var parent: Int32 = -1
        /// The first groups as listed; unknown groups and groups of another parent are ignored; none left means
        /// Default (RULES S5).
        var groups = SIMD4<Int32>(repeating: -1)
        /// Account types the secondary applies to, one bit per interned type below 64.
        var typeMask: UInt64 = 0
        /// The stamp handed out in handles while this logon's record exists; 0 while it does not.
        var stamp: UInt64 = 0
    }

    /// A secondary's groups and types when they do not fit ``LogonEntry``.
    struct SecondaryExtra: Sendable {
        var groups: [Int32]
        var types: Set<Int32>?
    }

    struct TaxpayerEntry: Sendable {
        var known = false
        /// Indices of the taxpayer's known accounts, in account id byte order.
        var accounts: [Int32] = []
    }

    struct AccountEntry: Sendable {
        var taxpayer: Int32 = -1
        var type: Int32 = -1
        var known = false
        var active = false
        /// The stamp handed out in handles while this account's record exists; 0 while it does not.
        var stamp: UInt64 = 0
    }

    struct GroupEntry: Sendable {
        var parent: Int32 = -1
        var known = false
        var isDefault = false
    }

    // Interning.
    var logonIndex = InternTable<LogonID>()
    var logons: [LogonEntry] = []
    var usernames: [String] = []
    var secondaryExtras: [Int32: SecondaryExtra] = [:]
    /// The first eight bytes of each logon id, big-endian: sorts by id bytes with integer comparisons.
    var logonPrefixes: [UInt64] = []
    var taxpayerIndex = InternTable<TaxpayerID>()
    var taxpayers: [TaxpayerEntry] = []
    var legalNames: [Int32: String] = [:]
    var taxpayerPrefixes: [UInt64] = []
    var accountIndex = InternTable<AccountID>()
    var accounts: [AccountEntry] = []
    var groupIndex = InternTable<SecurityGroupID>()
    var groups: [GroupEntry] = []
    var groupNames: [String] = []
    var typeIndex = InternTable<AccountType>()

    var logonIDs: [LogonID] { logonIndex.keys }
    var taxpayerIDs: [TaxpayerID] { taxpayerIndex.keys }
    var accountIDs: [AccountID] { accountIndex.keys }
    var typeNames: [AccountType] { typeIndex.keys }

    // Paths, keyed by (logon, taxpayer), (parent, taxpayer) or (secondary, taxpayer).
    var roles = PairMap(filler: PathEntry())
    var grants = PairMap(filler: PathEntry())
    var assignments = PairMap<Int32>(filler: -1)
    var refinements = PairMap(filler: LevelSet())
    /// Levels of entries that did not fit inline, by kind and pair.
    var overflowLevels: [OverflowKey: [Int32: AccessLevel]] = [:]
    /// Why an inactive role or grant was cancelled, for ``explain``; keyed by kind and pair.
    var cancellations: [OverflowKey: Cancellation] = [:]

    struct OverflowKey: Hashable, Sendable {
        var kind: RecordKind
        var pair: UInt64
    }

    // Reverse indices for clients and who-has-access, by logon or taxpayer index; the by-logon lists in taxpayer id
    // byte order, the others unordered.
    var rolesByLogon: [[Int32]] = []
    var rolesByTaxpayer: [[Int32]] = []
    var grantsByLogon: [[Int32]] = []
    var grantsByTaxpayer: [[Int32]] = []
    var secondariesByParent: [[Int32]] = []

    /// A taxpayer that a logon's own paths reach, with the group its assignment under that logon names.
    struct ClientEntry: Equatable, Sendable {
        var taxpayer: Int32
        /// The group index of the (logon, taxpayer) group assignment, or -1 without one; whether the group is valid
        /// for the logon (known, its own, not Default) is read at question time, so a group's record can change
        /// without touching these entries (RULES S4).
        var assigned: Int32
        /// The taxpayer's id, next to the others so an answer is copied from one run of memory, not looked up in
        /// the whole id table (one cache miss per client).
        var id: TaxpayerID
    }

    /// Per logon, the taxpayers on which its own paths — its role and its third-party grant — give a level above
    /// none on some active account (RULES L3, X5–X8, X7), in taxpayer id byte order: ``clients(of:)`` of a parent
    /// is this list as is; of a secondary, this list merged with its parent's, filtered by the secondary's groups.
    /// Kept current on every update by ``refreshReach(_:_:)`` (a role, grant or account change) and
    /// ``refreshAssigned(_:_:)`` (a group assignment); the property tests compare it with ``rebuiltClientLists()``.
    /// Independent of the logon's own status: ``clients(of:)`` checks that first.
    var clientsByLogon: [[ClientEntry]] = []
    /// Per logon, how many refinements it holds as a secondary (RULES S6): none means its cap is its access type's
    /// on every taxpayer, so ``clients(of:)`` need not look refinements up.
    var refinementCounts: [Int32] = []

    /// The last change-feed sequence applied.
    var sequence: UInt64 = 0

    /// Never set: an existential field makes the type address-only, so that methods take the world by address
    /// instead of copying it (see the type's documentation; `swiftc -O -emit-assembly` shows the `memcpy` without it).
    private let pin: (any Sendable)? = nil

    @inline(__always)
    static func pair(_ a: Int32, _ b: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: a)) << 32) | UInt64(UInt32(bitPattern: b))
    }

    /// Room for `count` records, so building from them does not regrow every table.
    mutating func reserve(records count: Int) {
        logonIndex.reserveCapacity(count / 16)
        taxpayerIndex.reserveCapacity(count / 4)
        accountIndex.reserveCapacity(count / 2)
        roles.reserveCapacity(count / 16)
        grants.reserveCapacity(count / 8)
        assignments.reserveCapacity(count / 8)
    }

    /// A fresh stamp, never 0 and never handed out before in this process.
    static func nextStamp() -> UInt64 { stampCounter.wrappingAdd(1, ordering: .relaxed).oldValue }

    // MARK: Interning

    static func prefix(_ text: String) -> UInt64 {
        var result: UInt64 = 0
        var n = 0
        for byte in text.utf8 {
            guard n < 8 else { break }
            result |= UInt64(byte) << UInt64(56 - 8 * n)
            n += 1
        }
        return result
    }

    mutating func intern(_ id: LogonID) -> Int32 {
        let count = logonIndex.count
        let index = logonIndex.intern(id)
        if Int(index) == count {
            logons.append(LogonEntry())
            usernames.append("")
            logonPrefixes.append(Self.prefix(id.rawValue))
            rolesByLogon.append([])
            grantsByLogon.append([])
            secondariesByParent.append([])
            clientsByLogon.append([])
            refinementCounts.append(0)
        }
        return index
    }

    mutating func intern(_ id: TaxpayerID) -> Int32 {
        let count = taxpayerIndex.count
        let index = taxpayerIndex.intern(id)
        if Int(index) == count {
            taxpayers.append(TaxpayerEntry())
            taxpayerPrefixes.append(Self.prefix(id.rawValue))
            rolesByTaxpayer.append([])
            grantsByTaxpayer.append([])
        }
        return index
    }

    mutating func intern(_ id: AccountID) -> Int32 {
        let count = accountIndex.count
        let index = accountIndex.intern(id)
        if Int(index) == count { accounts.append(AccountEntry()) }
        return index
    }

    mutating func intern(_ id: SecurityGroupID) -> Int32 {
        let count = groupIndex.count
        let index = groupIndex.intern(id)
        if Int(index) == count {
            groups.append(GroupEntry())
            groupNames.append("")
        }
        return index
    }

    mutating func intern(_ type: AccountType) -> Int32 { typeIndex.intern(type) }

    mutating func internLevels(_ levels: [AccountID: AccessLevel], kind: RecordKind, pair: UInt64) -> LevelSet {
        var set = LevelSet()
        if levels.count > LevelSet.inlineCapacity {
            var all: [Int32: AccessLevel] = [:]
            all.reserveCapacity(levels.count)
            for (account, level) in levels { all[intern(account)] = level }
            overflowLevels[OverflowKey(kind: kind, pair: pair)] = all
            set.overflows = true
            return set
        }
        var n = 0
        for (account, level) in levels {
            set.accounts[n] = intern(account)
            set.levels[n] = level.rawValue
            n += 1
        }
        return set
    }

    /// The level a level set holds for `account`, or `nil` when the account is absent.
    @inline(__always)
    func level(in set: LevelSet, _ account: Int32, kind: RecordKind, pair: UInt64) -> AccessLevel? {
        if _slowPath(set.overflows) { return overflowLevels[OverflowKey(kind: kind, pair: pair)]?[account] }
        for i in 0..<LevelSet.inlineCapacity where set.accounts[i] == account {
            return AccessLevel(rawValue: set.levels[i])
        }
        return nil
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
        switch record {
        case .taxpayer(let taxpayer):
            let t = intern(taxpayer.id)
            taxpayers[Int(t)].known = true
            legalNames[t] = taxpayer.legalName
        case .account(let account):
            let a = intern(account.id)
            // A rewrite keeps the record's stamp, so handles to it stay valid; a new record gets a fresh one.
            let stamp = accounts[Int(a)].stamp
            removeAccount(a)
            let t = intern(account.taxpayer)
            let type = intern(account.type)
            accounts[Int(a)] = AccountEntry(
                taxpayer: t, type: type, known: true, active: account.status == .active,
                stamp: stamp != 0 ? stamp : Self.nextStamp())
            // In account id byte order, so that whoHasAccess lists each logon's accounts sorted without a sort.
            let position = Self.sortedPosition(of: account.id, in: taxpayers[Int(t)].accounts, ids: accountIndex.keys)
            taxpayers[Int(t)].accounts.insert(a, at: position)
            refreshHolders(t)
        case .logon(let logon):
            let l = intern(logon.id)
            let stamp = logons[Int(l)].stamp
            removeLogon(l)
            putLogon(l, logon, stamp: stamp != 0 ? stamp : Self.nextStamp())
        case .role(let role):
            let l = intern(role.logon)
            let t = intern(role.taxpayer)
            removeExisting(.role, key: role.key, l, t)
            let pair = Self.pair(l, t)
            roles.set(
                pair,
                PathEntry(
                    levels: internLevels(role.accountLevels, kind: .role, pair: pair), active: role.status == .active,
                    isMasterAdministrator: role.role == .masterAdministrator))
            if role.status != .active, let cancellation = role.cancellation {
                cancellations[OverflowKey(kind: .role, pair: pair)] = cancellation
            }
            Self.insertSorted(into: &rolesByLogon[Int(l)], t, prefixes: taxpayerPrefixes, ids: taxpayerIndex.keys)
            rolesByTaxpayer[Int(t)].append(l)
            refreshReach(l, t)
        case .grant(let grant):
            let l = intern(grant.thirdParty)
            let t = intern(grant.taxpayer)
            removeExisting(.grant, key: grant.key, l, t)
            let pair = Self.pair(l, t)
            grants.set(
                pair,
                PathEntry(
                    levels: internLevels(grant.accounts, kind: .grant, pair: pair), active: grant.status == .active))
            if grant.status != .active, let cancellation = grant.cancellation {
                cancellations[OverflowKey(kind: .grant, pair: pair)] = cancellation
            }
            Self.insertSorted(into: &grantsByLogon[Int(l)], t, prefixes: taxpayerPrefixes, ids: taxpayerIndex.keys)
            grantsByTaxpayer[Int(t)].append(l)
            refreshReach(l, t)
        case .securityGroup(let group):
            let g = intern(group.id)
            groups[Int(g)] = GroupEntry(parent: intern(group.parent), known: true, isDefault: group.isDefault)
            groupNames[Int(g)] = group.name
        case .groupAssignment(let assignment):
            let p = intern(assignment.parent)
            let t = intern(assignment.taxpayer)
            removeExisting(.groupAssignment, key: assignment.key, p, t)
            assignments.set(Self.pair(p, t), intern(assignment.group))
            refreshAssigned(p, t)
        case .refinement(let refinement):
            let s = intern(refinement.secondary)
            let t = intern(refinement.taxpayer)
            removeExisting(.refinement, key: refinement.key, s, t)
            let pair = Self.pair(s, t)
            refinements.set(pair, internLevels(refinement.accounts, kind: .refinement, pair: pair))
            refinementCounts[Int(s)] += 1
        default:
            break
        }
    }

    private mutating func putLogon(_ l: Int32, _ logon: Logon, stamp: UInt64) {
        var entry = LogonEntry(status: logon.status)
        entry.stamp = stamp
        usernames[Int(l)] = logon.username
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
            entry.isSecondary = true
            entry.parent = parent
            entry.cap = profile.accessType.cap
            if case .masterAdministrator = profile.accessType { entry.isMasterAdministrator = true }
            entry.groupCount = Int32(groupIndices.count)
            for (i, g) in groupIndices.prefix(4).enumerated() { entry.groups[i] = g }
            if let types {
                entry.hasTypeFilter = true
                for type in types where type < 64 { entry.typeMask |= 1 << UInt64(type) }
            }
            if groupIndices.count > 4 || types?.contains(where: { $0 >= 64 }) == true {
                entry.hasExtra = true
                secondaryExtras[l] = SecondaryExtra(groups: groupIndices, types: types)
            }
            secondariesByParent[Int(parent)].append(l)
        }
        logons[Int(l)] = entry
    }

    /// Removes the record at `key`, if any.
    mutating func delete(_ key: RecordKey) {
        switch key.kind {
        case .taxpayer:
            guard let t = taxpayerIndex.index(of: TaxpayerID(key.id)) else { return }
            taxpayers[Int(t)].known = false
            legalNames[t] = nil
        case .account:
            if let a = accountIndex.index(of: AccountID(key.id)) { removeAccount(a) }
        case .logon:
            if let l = logonIndex.index(of: LogonID(key.id)) { removeLogon(l) }
        case .securityGroup:
            guard let g = groupIndex.index(of: SecurityGroupID(key.id)) else { return }
            groups[Int(g)] = GroupEntry()
            groupNames[Int(g)] = ""
        case .role, .grant, .groupAssignment, .refinement:
            if let (a, b) = existingPair(key.kind, key.id) { removePair(key.kind, a, b) }
        default:
            break
        }
    }

    private mutating func removeAccount(_ a: Int32) {
        guard accounts[Int(a)].known else { return }
        let t = accounts[Int(a)].taxpayer
        if t >= 0, let position = taxpayers[Int(t)].accounts.firstIndex(of: a) {
            taxpayers[Int(t)].accounts.remove(at: position)
        }
        accounts[Int(a)] = AccountEntry()
        if t >= 0 { refreshHolders(t) }
    }

    private mutating func removeLogon(_ l: Int32) {
        let entry = logons[Int(l)]
        guard entry.status != nil else { return }
        if entry.isSecondary { Self.unlink(&secondariesByParent[Int(entry.parent)], l) }
        if entry.hasExtra { secondaryExtras[l] = nil }
        logons[Int(l)] = LogonEntry()
        usernames[Int(l)] = ""
    }

    private func map(_ kind: RecordKind, contains pair: UInt64) -> Bool {
        switch kind {
        case .role: roles.contains(pair)
        case .grant: grants.contains(pair)
        case .groupAssignment: assignments.contains(pair)
        case .refinement: refinements.contains(pair)
        default: false
        }
    }

    /// The pair whose record has the key `first|second` (ids may themselves hold `|`, so every split is tried; at most
    /// one entry can have a given key, since putting a record replaces the one with its key).
    private func existingPair(_ kind: RecordKind, _ id: String) -> (Int32, Int32)? {
        var position = id.startIndex
        while let bar = id[position...].firstIndex(of: "|") {
            let first = String(id[..<bar])
            let second = String(id[id.index(after: bar)...])
            if let a = logonIndex.index(of: LogonID(first)), let b = taxpayerIndex.index(of: TaxpayerID(second)),
                map(kind, contains: Self.pair(a, b))
            {
                return (a, b)
            }
            position = id.index(after: bar)
        }
        return nil
    }

    /// Removes the entry the record with `key` replaces: the pair's own, or — when the ids hold `|` — another pair's
    /// with the same key.
    private mutating func removeExisting(_ kind: RecordKind, key: String, _ a: Int32, _ b: Int32) {
        var bars = 0
        for byte in key.utf8 where byte == UInt8(ascii: "|") { bars += 1 }
        if bars == 1 {
            if map(kind, contains: Self.pair(a, b)) { removePair(kind, a, b) }
        } else if let (x, y) = existingPair(kind, key) {
            removePair(kind, x, y)
        }
    }

    private mutating func removePair(_ kind: RecordKind, _ l: Int32, _ t: Int32) {
        let pair = Self.pair(l, t)
        let key = OverflowKey(kind: kind, pair: pair)
        switch kind {
        case .role:
            if roles[pair]?.levels.overflows == true { overflowLevels[key] = nil }
            roles.remove(pair)
            cancellations[key] = nil
            Self.unlinkKeepingOrder(&rolesByLogon[Int(l)], t)
            Self.unlink(&rolesByTaxpayer[Int(t)], l)
            refreshReach(l, t)
        case .grant:
            if grants[pair]?.levels.overflows == true { overflowLevels[key] = nil }
            grants.remove(pair)
            cancellations[key] = nil
            Self.unlinkKeepingOrder(&grantsByLogon[Int(l)], t)
            Self.unlink(&grantsByTaxpayer[Int(t)], l)
            refreshReach(l, t)
        case .groupAssignment:
            assignments.remove(pair)
            refreshAssigned(l, t)
        case .refinement:
            if refinements[pair]?.overflows == true { overflowLevels[key] = nil }
            if refinements.remove(pair) { refinementCounts[Int(l)] -= 1 }
        default:
            break
        }
    }

    // MARK: Client lists (clientsByLogon)

    /// Whether logon `l`'s own paths (role, grant) give it a level above none on some active account of taxpayer `t`.
    func ownReach(_ l: Int32, _ t: Int32) -> Bool {
        let key = Self.pair(l, t)
        let role = roles[key]
        let grant = grants[key]
        guard role != nil || grant != nil else { return false }
        for a in taxpayers[Int(t)].accounts {
            let entry = accounts[Int(a)]
            guard entry.known, entry.active else { continue }
            if roleLevel(role, key, a) > .none || grantLevel(grant, key, a) > .none { return true }
        }
        return false
    }

    /// Where taxpayer `t` sits, or would sit, in logon `l`'s client list (binary search in id byte order), and
    /// whether it is there.
    func clientPosition(_ l: Int32, _ t: Int32) -> (position: Int, found: Bool) {
        let list = clientsByLogon[Int(l)]
        let ids = taxpayerIndex.keys
        return taxpayerPrefixes.withUnsafeBufferPointer { prefixes in
            var low = 0
            var high = list.count
            while low < high {
                let mid = (low + high) / 2
                if Self.precedes(list[mid].taxpayer, t, prefixes: prefixes, text: { ids[Int($0)].rawValue }) {
                    low = mid + 1
                } else {
                    high = mid
                }
            }
            return (low, low < list.count && list[low].taxpayer == t)
        }
    }

    /// Puts taxpayer `t` in or out of logon `l`'s client list after one of the pair's paths or the taxpayer's
    /// accounts changed.
    mutating func refreshReach(_ l: Int32, _ t: Int32) {
        let reaches = ownReach(l, t)
        let (position, found) = clientPosition(l, t)
        if reaches && !found {
            let assigned = assignments[Self.pair(l, t)] ?? -1
            clientsByLogon[Int(l)].insert(
                ClientEntry(taxpayer: t, assigned: assigned, id: taxpayerIndex.keys[Int(t)]), at: position)
        } else if !reaches && found {
            clientsByLogon[Int(l)].remove(at: position)
        }
    }

    /// ``refreshReach(_:_:)`` for every logon holding a role or grant on taxpayer `t` (after one of its accounts
    /// changed).
    mutating func refreshHolders(_ t: Int32) {
        let holders = rolesByTaxpayer[Int(t)] + grantsByTaxpayer[Int(t)]
        for l in holders { refreshReach(l, t) }
    }

    /// Copies the (parent, taxpayer) group assignment into the parent's client entry, if the taxpayer is a client.
    mutating func refreshAssigned(_ p: Int32, _ t: Int32) {
        let (position, found) = clientPosition(p, t)
        guard found else { return }
        clientsByLogon[Int(p)][position].assigned = assignments[Self.pair(p, t)] ?? -1
    }

    /// The client lists rebuilt from the paths alone: what ``clientsByLogon`` must equal after any sequence of
    /// updates (checked by the property tests).
    func rebuiltClientLists() -> [[ClientEntry]] {
        (0..<Int32(logons.count)).map { l in
            merged(rolesByLogon[Int(l)], grantsByLogon[Int(l)]).filter { ownReach(l, $0) }.map { t in
                ClientEntry(taxpayer: t, assigned: assignments[Self.pair(l, t)] ?? -1, id: taxpayerIndex.keys[Int(t)])
            }
        }
    }

    /// Refinements counted per secondary again, for the same check as ``rebuiltClientLists()``.
    func rebuiltRefinementCounts() -> [Int32] {
        (0..<Int32(logons.count)).map { s in
            Int32(taxpayers.indices.filter { refinements.contains(Self.pair(s, Int32($0))) }.count)
        }
    }

    /// Where account `id` goes in a list of account indices kept in id byte order (binary search).
    private static func sortedPosition(of id: AccountID, in list: [Int32], ids: [AccountID]) -> Int {
        var low = 0
        var high = list.count
        while low < high {
            let mid = (low + high) / 2
            if ids[Int(list[mid])] < id { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private static func unlinkKeepingOrder(_ list: inout [Int32], _ value: Int32) {
        guard let position = list.firstIndex(of: value) else { return }
        list.remove(at: position)
    }

    /// Inserts a taxpayer into a list kept in id byte order (binary search, then one move). Static, so that no copy
    /// of the world is made while one of its lists is being changed.
    private static func insertSorted(
        into list: inout [Int32], _ t: Int32, prefixes taxpayerPrefixes: [UInt64], ids: [TaxpayerID]
    ) {
        let position = taxpayerPrefixes.withUnsafeBufferPointer { prefixes in
            var low = 0
            var high = list.count
            while low < high {
                let mid = (low + high) / 2
                if Self.precedes(list[mid], t, prefixes: prefixes, text: { ids[Int($0)].rawValue }) {
                    low = mid + 1
                } else {
                    high = mid
                }
            }
            return low
        }
        list.insert(t, at: position)
    }

    /// The union of two lists in taxpayer id byte order, in that order, without repeats.
    private func merged(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        if b.isEmpty { return a }
        if a.isEmpty { return b }
        let ids = taxpayerIndex.keys
        return taxpayerPrefixes.withUnsafeBufferPointer { prefixes in
            var result: [Int32] = []
            result.reserveCapacity(a.count + b.count)
            var i = 0
            var j = 0
            while i < a.count && j < b.count {
                if a[i] == b[j] {
                    result.append(a[i])
                    i += 1
                    j += 1
                } else if Self.precedes(a[i], b[j], prefixes: prefixes, text: { ids[Int($0)].rawValue }) {
                    result.append(a[i])
                    i += 1
                } else {
                    result.append(b[j])
                    j += 1
                }
            }
            result += a[i...]
            result += b[j...]
            return result
        }
    }

    private static func unlink(_ list: inout [Int32], _ value: Int32) {
        guard let position = list.firstIndex(of: value) else { return }
        list.swapAt(position, list.count - 1)
        list.removeLast()
    }

    // MARK: Levels (RULES L3, L4, S6, X7)

    @inline(__always)
    func isActive(_ logon: Int32) -> Bool { logons[Int(logon)].status == .active }

    /// The level one role entry gives on an account (RULES L3).
    @inline(__always)
    func roleLevel(_ role: PathEntry?, _ pair: UInt64, _ account: Int32) -> AccessLevel {
        guard let role, role.active else { return .none }
        if role.isMasterAdministrator { return .allAccess }
        return level(in: role.levels, account, kind: .role, pair: pair) ?? .none
    }

    /// The level one grant entry gives on an account (RULES X5–X8).
    @inline(__always)
    func grantLevel(_ grant: PathEntry?, _ pair: UInt64, _ account: Int32) -> AccessLevel {
        guard let grant, grant.active else { return .none }
        return level(in: grant.levels, account, kind: .grant, pair: pair) ?? .none
    }

    /// The level of a logon's own paths: its direct role (RULES L3) and its third-party grant (RULES X5–X8).
    @inline(__always)
    func ownLevel(_ logon: Int32, _ taxpayer: Int32, _ account: Int32) -> AccessLevel {
        let key = Self.pair(logon, taxpayer)
        let best = roleLevel(roles[key], key, account)
        guard best < .allAccess else { return best }
        return max(best, grantLevel(grants[key], key, account))
    }

    /// The group a taxpayer sits in under a parent (RULES S4): a custom group's index, or -1 for Default.
    @inline(__always)
    func taxpayerGroup(parent: Int32, taxpayer: Int32) -> Int32 {
        guard let g = assignments[Self.pair(parent, taxpayer)] else { return -1 }
        let group = groups[Int(g)]
        return group.known && group.parent == parent && !group.isDefault ? g : -1
    }

    /// The secondary's groups as listed.
    func groupList(_ secondary: LogonEntry, _ logon: Int32) -> [Int32] {
        if secondary.hasExtra, let extra = secondaryExtras[logon] { return extra.groups }
        return (0..<Int(secondary.groupCount)).map { secondary.groups[$0] }
    }

    /// The secondary's account types, `nil` for every type (RULES S2).
    func typeSet(_ secondary: LogonEntry, _ logon: Int32) -> Set<Int32>? {
        guard secondary.hasTypeFilter else { return nil }
        if secondary.hasExtra, let extra = secondaryExtras[logon] { return extra.types }
        return Set((0..<64).filter { secondary.typeMask & (1 << UInt64($0)) != 0 }.map { Int32($0) })
    }

    /// Whether the secondary applies to accounts of `type` (RULES S2).
    @inline(__always)
    func applies(_ secondary: LogonEntry, _ logon: Int32, type: Int32) -> Bool {
        guard secondary.hasTypeFilter else { return true }
        if _slowPath(secondary.hasExtra) { return secondaryExtras[logon]?.types?.contains(type) ?? true }
        return type >= 0 && type < 64 && secondary.typeMask & (1 << UInt64(type)) != 0
    }

    /// Whether a secondary reaches a taxpayer through its groups (RULES S5, S6).
    func isMember(_ secondary: LogonEntry, _ logon: Int32, taxpayer: Int32) -> Bool {
        let target = taxpayerGroup(parent: secondary.parent, taxpayer: taxpayer)
        var anyValid = false
        @inline(__always) func visit(_ g: Int32) -> Bool {
            let group = groups[Int(g)]
            guard group.known, group.parent == secondary.parent else { return false }
            anyValid = true
            return (group.isDefault ? -1 : g) == target
        }
        if _slowPath(secondary.hasExtra), let extra = secondaryExtras[logon] {
            for g in extra.groups where visit(g) { return true }
        } else {
            for i in 0..<Int(secondary.groupCount) where visit(secondary.groups[i]) { return true }
        }
        return !anyValid && target == -1
    }

    /// Whether a secondary's groups hold a taxpayer sitting in group `target` under its parent (RULES S5;
    /// ``taxpayerGroup(parent:taxpayer:)``): ``isMember(_:_:taxpayer:)`` with the group already looked up, for
    /// ``whoHasAccess(taxpayer:)``. A copy rather than a call from ``isMember(_:_:taxpayer:)``, whose code a `check`
    /// runs: calling this from there cost `check` 2.5 instructions (642 instead of 639.5 per check, callgrind).
    func isMember(_ secondary: LogonEntry, _ logon: Int32, target: Int32) -> Bool {
        var anyValid = false
        @inline(__always) func visit(_ g: Int32) -> Bool {
            let group = groups[Int(g)]
            guard group.known, group.parent == secondary.parent else { return false }
            anyValid = true
            return (group.isDefault ? -1 : g) == target
        }
        if _slowPath(secondary.hasExtra), let extra = secondaryExtras[logon] {
            for g in extra.groups where visit(g) { return true }
        } else {
            for i in 0..<Int(secondary.groupCount) where visit(secondary.groups[i]) { return true }
        }
        return !anyValid && target == -1
    }

    /// The cap on a secondary's level on an account of a taxpayer: the refinement's, else its access type's (S6).
    @inline(__always)
    func secondaryCap(_ logon: Int32, _ secondary: LogonEntry, taxpayer: Int32, account: Int32) -> AccessLevel {
        let key = Self.pair(logon, taxpayer)
        guard let refinement = refinements[key] else { return secondary.cap }
        return level(in: refinement, account, kind: .refinement, pair: key) ?? secondary.cap
    }

    /// The level a secondary logon gets through its parent (RULES S6, S7).
    func secondaryLevel(_ logon: Int32, _ secondary: LogonEntry, taxpayer: Int32, account: Int32, type: Int32)
        -> AccessLevel
    {
        guard isActive(secondary.parent) else { return .none }
        guard applies(secondary, logon, type: type) else { return .none }
        guard isMember(secondary, logon, taxpayer: taxpayer) else { return .none }
        let parentLevel = ownLevel(secondary.parent, taxpayer, account)
        guard parentLevel > .none else { return .none }
        return min(parentLevel, secondaryCap(logon, secondary, taxpayer: taxpayer, account: account))
    }

    /// A logon's effective level on an account: the highest over every path (RULES L4).
    func level(_ logon: Int32, _ account: Int32) -> AccessLevel {
        let entry = accounts[Int(account)]
        let logonEntry = logons[Int(logon)]
        guard entry.known, entry.active, logonEntry.status == .active else { return .none }
        let own = ownLevel(logon, entry.taxpayer, account)
        guard own < .allAccess, logonEntry.isSecondary else { return own }
        return max(own, secondaryLevel(logon, logonEntry, taxpayer: entry.taxpayer, account: account, type: entry.type))
    }

    func level(_ logon: LogonID, _ account: AccountID) -> AccessLevel {
        guard let l = logonIndex.index(of: logon), let a = accountIndex.index(of: account) else { return .none }
        return level(l, a)
    }

    /// The logon's handle while its record exists (RULES L2).
    func handle(_ logon: LogonID) -> AccessResolver.LogonHandle? {
        guard let l = logonIndex.index(of: logon) else { return nil }
        let stamp = logons[Int(l)].stamp
        return stamp != 0 ? AccessResolver.LogonHandle(index: l, stamp: stamp) : nil
    }

    /// The account's handle while its record exists (RULES L2).
    func handle(_ account: AccountID) -> AccessResolver.AccountHandle? {
        guard let a = accountIndex.index(of: account) else { return nil }
        let stamp = accounts[Int(a)].stamp
        return stamp != 0 ? AccessResolver.AccountHandle(index: a, stamp: stamp) : nil
    }

    /// ``level(_:_:)`` by handles: ``AccessLevel/none`` unless both still name the records they were made for —
    /// a handle from another resolver, or to a record deleted since (even if its id came back), matches no stamp.
    @inline(__always)
    func level(_ logon: AccessResolver.LogonHandle, _ account: AccessResolver.AccountHandle) -> AccessLevel {
        // Unsigned comparisons bound the index on both sides; stamps are never 0 in a handle.
        guard UInt32(bitPattern: logon.index) < UInt32(truncatingIfNeeded: logons.count),
            UInt32(bitPattern: account.index) < UInt32(truncatingIfNeeded: accounts.count),
            logons[Int(logon.index)].stamp == logon.stamp, accounts[Int(account.index)].stamp == account.stamp
        else { return .none }
        return level(logon.index, account.index)
    }

    /// Whether `logon` has a level above none on some account of `taxpayer` — `level` on each of its accounts, with
    /// the lookups that do not depend on the account done once.
    func reachesAnyAccount(_ logon: Int32, _ logonEntry: LogonEntry, taxpayer t: Int32) -> Bool {
        let accountList = taxpayers[Int(t)].accounts
        guard !accountList.isEmpty else { return false }
        let key = Self.pair(logon, t)
        let role = roles[key]
        let grant = grants[key]
        // The secondary path's account-independent parts, worked out on first need.
        var member: Bool?
        var parentRole: PathEntry?
        var parentGrant: PathEntry?
        let parentKey = Self.pair(logonEntry.parent, t)
        for a in accountList {
            let entry = accounts[Int(a)]
            guard entry.known, entry.active else { continue }
            let own = max(roleLevel(role, key, a), grantLevel(grant, key, a))
            if own > .none { return true }
            guard logonEntry.isSecondary, isActive(logonEntry.parent), applies(logonEntry, logon, type: entry.type)
            else { continue }
            if member == nil {
                member = isMember(logonEntry, logon, taxpayer: t)
                parentRole = roles[parentKey]
                parentGrant = grants[parentKey]
            }
            guard member == true else { continue }
            let parentLevel = max(roleLevel(parentRole, parentKey, a), grantLevel(parentGrant, parentKey, a))
            guard parentLevel > .none else { continue }
            if secondaryCap(logon, logonEntry, taxpayer: t, account: a) > .none { return true }
        }
        return false
    }

    /// Orders interned ids by their bytes: the cached eight-byte prefix first, the whole text on a tie.
    @inline(__always)
    static func precedes(_ lhs: Int32, _ rhs: Int32, prefixes: UnsafeBufferPointer<UInt64>, text: (Int32) -> String)
        -> Bool
    {
        let a = prefixes[Int(lhs)]
        let b = prefixes[Int(rhs)]
        if a != b { return a < b }
        return text(lhs).utf8.lexicographicallyPrecedes(text(rhs).utf8)
    }

    /// Taxpayers on which `logon` has a level above none on some account, sorted by id bytes.
    ///
    /// A logon's own clients are kept in ``clientsByLogon``, in id byte order: a parent's answer is that list. A
    /// secondary adds its parent's clients within its groups (RULES S4–S6): S6 caps it by its parent, so a taxpayer
    /// its parent does not reach is never one of its own through the parent. Without an account-type filter and
    /// without refinements, and with a cap above none, every such taxpayer in its groups is reached (the parent
    /// reaches an active account there, and the secondary gets the lower of the parent's level and its cap on it);
    /// otherwise each candidate is worked out account by account (``reachesAnyAccount(_:_:taxpayer:)``).
    func clients(of logon: LogonID) -> [TaxpayerID] {
        guard let l = logonIndex.index(of: logon), isActive(l) else { return [] }
        let entry = logons[Int(l)]
        let ids = taxpayerIndex.keys
        let own = clientsByLogon[Int(l)]
        guard entry.isSecondary, isActive(entry.parent) else {
            // Through a buffer: no retain or release of the list per client, one allocation.
            return own.withUnsafeBufferPointer { own in
                [TaxpayerID](unsafeUninitializedCapacity: own.count) { buffer, count in
                    for (i, client) in own.enumerated() { (buffer.baseAddress! + i).initialize(to: client.id) }
                    count = own.count
                }
            }
        }
        let parent = entry.parent
        // The groups the secondary reaches (S5): custom ones by index, Default as -1; none valid listed means Default.
        var reachesDefault = false
        var anyValid = false
        var custom = SIMD4<Int32>(repeating: -1)
        var moreCustom: [Int32] = []
        var customCount = 0
        for g in groupList(entry, l) {
            let group = groups[Int(g)]
            guard group.known, group.parent == parent else { continue }
            anyValid = true
            if group.isDefault {
                reachesDefault = true
            } else if customCount < 4 {
                custom[customCount] = g
                customCount += 1
            } else {
                moreCustom.append(g)
            }
        }
        if !anyValid { reachesDefault = true }
        let everyAccount = !entry.hasTypeFilter && refinementCounts[Int(l)] == 0 && entry.cap > .none
        let parentClients = clientsByLogon[Int(parent)]
        var result: [TaxpayerID] = []
        result.reserveCapacity(own.count + parentClients.count)
        var i = 0
        taxpayerPrefixes.withUnsafeBufferPointer { prefixes in
            for client in parentClients {
                let t = client.taxpayer
                // The taxpayer's group under the parent (S4), as ``taxpayerGroup(parent:taxpayer:)`` works it out.
                var target: Int32 = -1
                if client.assigned >= 0 {
                    let group = groups[Int(client.assigned)]
                    if group.known && group.parent == parent && !group.isDefault { target = client.assigned }
                }
                let member =
                    target == -1
                    ? reachesDefault
                    : any(custom .== SIMD4(repeating: target)) || (!moreCustom.isEmpty && moreCustom.contains(target))
                // Own clients before this one, in id byte order.
                while i < own.count
                    && Self.precedes(own[i].taxpayer, t, prefixes: prefixes, text: { ids[Int($0)].rawValue })
                {
                    result.append(own[i].id)
                    i += 1
                }
                if i < own.count && own[i].taxpayer == t {
                    result.append(client.id)
                    i += 1
                    continue
                }
                guard member else { continue }
                if everyAccount || reachesAnyAccount(l, entry, taxpayer: t) { result.append(client.id) }
            }
        }
        while i < own.count {
            result.append(own[i].id)
            i += 1
        }
        return result
    }

    /// One logon's part of a ``whoHasAccess(taxpayer:)`` answer: its levels are `levels[start..<end]`.
    private struct Span {
        var logon: Int32
        var start: Int
        var end: Int
        var routes: AccessRoutes
    }

    /// The levels logon `l` gets on taxpayer `t`'s accounts (`accountList`, in id byte order), appended to `levels`
    /// in that order, above none only, and the routes that give them (RULES W1, L4): ``level(_:_:)`` on each
    /// account, with the lookups that do not depend on the account done once.
    ///
    /// `holds`: whether the logon holds a role or grant on the taxpayer (else neither is looked up); `member`:
    /// whether its groups hold the taxpayer (S5), when already known.
    private func access(
        _ l: Int32, _ t: Int32, _ accountList: [Int32], holds: Bool, member known: Bool?,
        into levels: inout [AccountLevel]
    ) -> AccessRoutes {
        var routes = AccessRoutes()
        let entry = logons[Int(l)]
        guard entry.status == .active else { return routes }
        let key = Self.pair(l, t)
        let role = holds ? roles[key] : nil
        let grant = holds ? grants[key] : nil
        let parent = entry.parent
        // The secondary path's account-independent parts (S4–S6), worked out on first need.
        let throughParent = entry.isSecondary && isActive(parent)
        var member = known
        var looked = false
        var parentRole: PathEntry?
        var parentGrant: PathEntry?
        var refinement: LevelSet?
        let parentKey = Self.pair(parent, t)
        var byRole = false
        var byGrant = false
        var bySecondary = false
        let accountIDs = accountIndex.keys
        for a in accountList {
            let account = accounts[Int(a)]
            guard account.known, account.active else { continue }
            let roleLevel = roleLevel(role, key, a)
            let grantLevel = grantLevel(grant, key, a)
            byRole = byRole || roleLevel > .none
            byGrant = byGrant || grantLevel > .none
            var best = max(roleLevel, grantLevel)
            if throughParent && (best < .allAccess || !bySecondary) && applies(entry, l, type: account.type) {
                if !looked {
                    looked = true
                    if member == nil { member = isMember(entry, l, taxpayer: t) }
                    parentRole = roles[parentKey]
                    parentGrant = grants[parentKey]
                    if refinementCounts[Int(l)] > 0 { refinement = refinements[key] }
                }
                if member == true {
                    let parentLevel = max(
                        self.roleLevel(parentRole, parentKey, a), self.grantLevel(parentGrant, parentKey, a))
                    if parentLevel > .none {
                        var cap = entry.cap
                        if let refinement {
                            cap = level(in: refinement, a, kind: .refinement, pair: key) ?? entry.cap
                        }
                        let secondaryLevel = min(parentLevel, cap)
                        bySecondary = bySecondary || secondaryLevel > .none
                        best = max(best, secondaryLevel)
                    }
                }
            }
            if best > .none { levels.append(AccountLevel(account: accountIDs[Int(a)], level: best)) }
        }
        if byRole, let role { routes.insert(role.isMasterAdministrator ? .masterAdministrator : .taxAdministrator) }
        if byGrant { routes.insert(.thirdParty) }
        if bySecondary { routes.insert(.secondary(of: logonIndex.keys[Int(parent)])) }
        return routes
    }

    /// A logon that may reach the taxpayer of a ``whoHasAccess(taxpayer:)`` question.
    private struct Candidate {
        /// ``logonPrefixes``' entry, for sorting.
        var prefix: UInt64
        var logon: Int32
        /// Whether it holds a role or grant on the taxpayer.
        var holds: Bool
        /// 1 when its groups are known to hold the taxpayer (a secondary of a parent reaching it), else unknown.
        var member: Int8
    }

    /// Every logon with a level above none on some account of `taxpayer`, sorted by logon id, with its routes and
    /// its levels sorted by account id.
    ///
    /// The candidates are the holders of a role or grant on the taxpayer and the secondaries of those that reach it
    /// on their own (S6 caps a secondary by its parent), less the secondaries whose groups do not hold the taxpayer
    /// (S5; the taxpayer's group under the parent is looked up once per parent). A handful of allocations whatever
    /// the number of logons: the candidates, one buffer of levels that every entry's ``AccountLevels`` shares, the
    /// spans into it and the answer (``AccessRoutes`` are inline).
    func whoHasAccess(taxpayer: TaxpayerID) -> [LogonAccess] {
        guard let t = taxpayerIndex.index(of: taxpayer) else { return [] }
        let accountList = taxpayers[Int(t)].accounts
        let roleHolders = rolesByTaxpayer[Int(t)]
        let grantHolders = grantsByTaxpayer[Int(t)]
        var secondaryCount = 0
        for holder in roleHolders { secondaryCount += secondariesByParent[Int(holder)].count }
        for holder in grantHolders { secondaryCount += secondariesByParent[Int(holder)].count }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(roleHolders.count + grantHolders.count + secondaryCount)
        for l in roleHolders {
            candidates.append(Candidate(prefix: logonPrefixes[Int(l)], logon: l, holds: true, member: 0))
        }
        for l in grantHolders where roles[Self.pair(l, t)] == nil {
            candidates.append(Candidate(prefix: logonPrefixes[Int(l)], logon: l, holds: true, member: 0))
        }
        if secondaryCount > 0 {
            for i in candidates.indices {
                let holder = candidates[i].logon
                guard !secondariesByParent[Int(holder)].isEmpty, isActive(holder), ownReach(holder, t)
                else { continue }
                let target = taxpayerGroup(parent: holder, taxpayer: t)
                for s in secondariesByParent[Int(holder)] where isMember(logons[Int(s)], s, target: target) {
                    candidates.append(Candidate(prefix: logonPrefixes[Int(s)], logon: s, holds: false, member: 1))
                }
            }
        }
        let ids = logonIndex.keys
        candidates.sort { a, b in
            a.prefix != b.prefix
                ? a.prefix < b.prefix
                : ids[Int(a.logon)].rawValue.utf8.lexicographicallyPrecedes(ids[Int(b.logon)].rawValue.utf8)
        }
        var levels: [AccountLevel] = []
        levels.reserveCapacity(candidates.count * accountList.count)
        var spans: [Span] = []
        spans.reserveCapacity(candidates.count)
        var i = 0
        while i < candidates.count {
            // A logon listed twice (a holder that is also a member secondary) is asked once, with both facts.
            var candidate = candidates[i]
            i += 1
            while i < candidates.count && candidates[i].logon == candidate.logon {
                candidate.holds = candidate.holds || candidates[i].holds
                candidate.member = max(candidate.member, candidates[i].member)
                i += 1
            }
            let start = levels.count
            let routes = access(
                candidate.logon, t, accountList, holds: candidate.holds, member: candidate.member == 1 ? true : nil,
                into: &levels)
            if levels.count > start {
                spans.append(Span(logon: candidate.logon, start: start, end: levels.count, routes: routes))
            }
        }
        var result: [LogonAccess] = []
        result.reserveCapacity(spans.count)
        for span in spans {
            result.append(
                LogonAccess(
                    logon: ids[Int(span.logon)], routes: span.routes,
                    accounts: AccountLevels(sorted: levels[span.start..<span.end])))
        }
        return result
    }
}
