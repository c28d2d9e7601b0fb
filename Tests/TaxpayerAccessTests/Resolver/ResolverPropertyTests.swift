import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Random operations on a small world where every path of RULES L4/S6 collides often.
struct RandomWorld {
    static let taxpayers = (0..<4).map { TaxpayerID("T\($0)") }
    static let accounts = (0..<8).map { AccountID("A\($0)") }
    static let logons = (0..<6).map { LogonID("L\($0)") }
    static let groups = (0..<3).map { SecurityGroupID("G\($0)") }
    static let types: [AccountType] = [.withholding, .salesAndUse, .personalIncome]

    var rng: SplitMix64
    var records: [RecordKey: Record] = [:]

    static func owner(_ index: Int) -> TaxpayerID { taxpayers[index % 4] }
    static func type(_ index: Int) -> AccountType { types[index % 3] }

    mutating func level(allowNone: Bool = false) -> AccessLevel {
        (allowNone ? AccessLevel.allCases : [.viewOnly, .fileAndPay, .allAccess]).randomElement(using: &rng)!
    }

    mutating func levels(allowNone: Bool = false) -> [AccountID: AccessLevel] {
        var result: [AccountID: AccessLevel] = [:]
        for account in Self.accounts where Bool.random(using: &rng) && Bool.random(using: &rng) {
            result[account] = level(allowNone: allowNone)
        }
        return result
    }

    /// A starting world: every taxpayer and account, L0–L2 active with roles, L3–L5 their secondaries.
    mutating func seed() -> [Record] {
        var written: [Record] = []
        for (index, account) in Self.accounts.enumerated() {
            written.append(.account(TaxAccount(id: account, taxpayer: Self.owner(index), type: Self.type(index))))
        }
        for (index, logon) in Self.logons.enumerated() {
            let secondary =
                index >= 3
                ? SecondaryProfile(
                    parent: Self.logons[index - 3], accessType: .taxAdministrator(level()),
                    groups: Self.groups.filter { _ in Bool.random(using: &rng) })
                : nil
            written.append(
                .logon(
                    Logon(id: logon, username: logon.rawValue, email: "\(logon)@x", fullName: "", secondary: secondary))
            )
            if index < 3 {
                written.append(
                    .role(RoleAssignment(logon: logon, taxpayer: Self.taxpayers[index], role: .masterAdministrator)))
                written.append(
                    .grant(ThirdPartyGrant(taxpayer: Self.taxpayers[3], thirdParty: logon, accounts: levels())))
            }
        }
        for record in written { records[record.key] = record }
        return written
    }

    /// One operation: a record written (returned first) or a key deleted.
    mutating func step() -> (written: Record?, deleted: RecordKey?) {
        let taxpayer = Self.taxpayers.randomElement(using: &rng)!
        let logon = Self.logons.randomElement(using: &rng)!
        let other = Self.logons.randomElement(using: &rng)!
        let record: Record
        switch Int.random(in: 0..<13, using: &rng) {
        case 0:
            record = .taxpayer(
                Taxpayer(
                    id: taxpayer, taxID: TaxIdentifier(type: .ssn, number: "00000000\(taxpayer.rawValue.last!)"),
                    legalName: "Taxpayer \(taxpayer)", kind: .individual))
        case 1, 2:
            let index = Int.random(in: 0..<8, using: &rng)
            record = .account(
                TaxAccount(
                    id: Self.accounts[index], taxpayer: Self.owner(index), type: Self.type(index),
                    status: Int.random(in: 0..<4, using: &rng) == 0 ? .closed : .active))
        case 3, 4:
            let status: LogonStatus = [.active, .active, .active, .deactivated, .deleted, .pendingApproval]
                .randomElement(using: &rng)!
            var secondary: SecondaryProfile?
            if other != logon && Int.random(in: 0..<3, using: &rng) > 0 {
                secondary = SecondaryProfile(
                    parent: other,
                    accessType: Bool.random(using: &rng) ? .masterAdministrator : .taxAdministrator(level()),
                    groups: Self.groups.filter { _ in Bool.random(using: &rng) },
                    accountTypes: Int.random(in: 0..<3, using: &rng) > 0
                        ? nil : Set(Self.types.filter { _ in Bool.random(using: &rng) }))
            }
            record = .logon(
                Logon(
                    id: logon, username: logon.rawValue, email: "\(logon)@x", fullName: "", status: status,
                    secondary: secondary))
        case 5, 6:
            record = .role(
                RoleAssignment(
                    logon: logon, taxpayer: taxpayer,
                    role: Bool.random(using: &rng) ? .masterAdministrator : .taxAdministrator,
                    accountLevels: levels(), status: Int.random(in: 0..<4, using: &rng) == 0 ? .cancelled : .active))
        case 7, 8:
            record = .grant(
                ThirdPartyGrant(
                    taxpayer: taxpayer, thirdParty: logon, accounts: levels(),
                    status: Int.random(in: 0..<4, using: &rng) == 0 ? .cancelled : .active))
        case 9:
            let group = Self.groups.randomElement(using: &rng)!
            record = .securityGroup(
                SecurityGroup(
                    id: group, parent: logon, name: group.rawValue, isDefault: Int.random(in: 0..<3, using: &rng) == 0))
        case 10:
            record = .groupAssignment(
                GroupAssignment(parent: logon, taxpayer: taxpayer, group: Self.groups.randomElement(using: &rng)!))
        case 11:
            record = .refinement(Refinement(secondary: logon, taxpayer: taxpayer, accounts: levels(allowNone: true)))
        default:
            guard let victim = records.keys.sorted(by: { $0.description < $1.description }).randomElement(using: &rng)
            else {
                return (nil, nil)
            }
            records[victim] = nil
            return (nil, victim)
        }
        records[record.key] = record
        return (record, nil)
    }
}

@Suite("Resolver equivalence (L4, S4–S7, X7)")
struct ResolverPropertyTests {
    static func expectSame(_ resolver: AccessResolver, _ naive: NaiveResolver, seed: UInt64, label: String) {
        for logon in RandomWorld.logons + ["L404"] {
            for account in RandomWorld.accounts + ["A404"] {
                let expected = naive.level(logon, account)
                let actual = resolver.level(logon: logon, account: account)
                #expect(actual == expected, "seed \(seed) \(label): level(\(logon), \(account))")
                for action in AccountAction.allCases {
                    #expect(
                        resolver.check(logon: logon, account: account, action: action)
                            == action.isAllowed(at: expected),
                        "seed \(seed) \(label): check(\(logon), \(account), \(action))")
                }
                // RULES L2, L4 by handles: the same answers, and no handle only where no level can be.
                guard let logonHandle = resolver.handle(logon: logon),
                    let accountHandle = resolver.handle(account: account)
                else {
                    #expect(expected == .none, "seed \(seed) \(label): no handle for \(logon), \(account)")
                    continue
                }
                #expect(
                    resolver.level(logon: logonHandle, account: accountHandle) == expected,
                    "seed \(seed) \(label): level by handles (\(logon), \(account))")
                for action in AccountAction.allCases {
                    #expect(
                        resolver.check(logon: logonHandle, account: accountHandle, action: action)
                            == action.isAllowed(at: expected),
                        "seed \(seed) \(label): check by handles (\(logon), \(account), \(action))")
                }
            }
            #expect(resolver.clients(of: logon) == naive.clients(of: logon), "seed \(seed) \(label): clients(\(logon))")
        }
        // The client lists kept incrementally (RULES W2, X7) equal the ones rebuilt from the paths alone.
        resolver.world.read { world in
            #expect(world.clientsByLogon == world.rebuiltClientLists(), "seed \(seed) \(label): client lists")
            #expect(
                world.refinementCounts == world.rebuiltRefinementCounts(), "seed \(seed) \(label): refinement counts")
        }
        for taxpayer in RandomWorld.taxpayers {
            #expect(
                resolver.whoHasAccess(taxpayer: taxpayer) == naive.whoHasAccess(taxpayer),
                "seed \(seed) \(label): whoHasAccess(\(taxpayer))")
        }
    }

    @Test(
        "1,000 random sequences: incremental index == fresh build == naive reference, by ids and by handles (L2, L4)")
    func equivalence() {
        var throughParent = 0
        var staleHandles = 0
        for seed in UInt64(1)...1000 {
            var world = RandomWorld(rng: SplitMix64(seed: seed))
            let incremental = AccessResolver(records: [Record]())
            var sequence: UInt64 = 1
            incremental.apply(Change(sequence: 1, written: world.seed().map { Versioned($0, version: 1) }, deleted: []))
            // Handles taken before the steps: each must keep answering for its record, or none once it was deleted
            // (even if the id came back).
            let earlyLogons = RandomWorld.logons.map { ($0, incremental.handle(logon: $0)) }
            let earlyAccounts = RandomWorld.accounts.map { ($0, incremental.handle(account: $0)) }
            var deletedIDs: Set<RecordKey> = []
            let steps = Int.random(in: 5...35, using: &world.rng)
            for _ in 0..<steps {
                let (written, deleted) = world.step()
                if let deleted { deletedIDs.insert(deleted) }
                sequence += 1
                incremental.apply(
                    Change(
                        sequence: sequence, written: written.map { [Versioned($0, version: 1)] } ?? [],
                        deleted: deleted.map { [$0] } ?? []))
            }
            #expect(incremental.lastSequence == sequence)
            let records = Array(world.records.values)
            let fresh = AccessResolver(records: records)
            let naive = NaiveResolver(records: records)
            Self.expectSame(incremental, naive, seed: seed, label: "incremental")
            Self.expectSame(fresh, naive, seed: seed, label: "fresh")
            for (logon, logonHandle) in earlyLogons {
                for (account, accountHandle) in earlyAccounts {
                    guard let logonHandle, let accountHandle else {
                        Issue.record("seed \(seed): no handle for \(logon) or \(account) after the seed")
                        continue
                    }
                    let stale =
                        deletedIDs.contains(RecordKey(.logon, logon.rawValue))
                        || deletedIDs.contains(RecordKey(.account, account.rawValue))
                    if stale { staleHandles += 1 }
                    #expect(
                        incremental.level(logon: logonHandle, account: accountHandle)
                            == (stale ? .none : naive.level(logon, account)),
                        "seed \(seed): early handles (\(logon), \(account)), stale: \(stale)")
                    // A handle of the incremental resolver names no record of the fresh one.
                    #expect(fresh.level(logon: logonHandle, account: accountHandle) == .none)
                }
            }
            for logon in naive.logons where logon.secondary != nil {
                for account in naive.accounts where naive.own(logon.id, account) == .none {
                    if naive.level(logon.id, account.id) > .none { throughParent += 1 }
                }
            }
        }
        // The sequences really exercise S6: many answers come only through a parent.
        #expect(throughParent > 500, "only \(throughParent) answers came through a parent")
        // And deletions really made handles stale.
        #expect(staleHandles > 500, "only \(staleHandles) stale handle pairs")
    }

    @Test("through a real store: load + catchUp from the change feed matches the naive reference")
    func throughStore() async throws {
        for seed in UInt64(5001)...5040 {
            var world = RandomWorld(rng: SplitMix64(seed: seed))
            let store = InMemoryAccessStore()
            var versions: [RecordKey: Int] = [:]
            func commit(_ written: Record?, _ deleted: RecordKey?) async throws {
                var changes = ChangeSet()
                if let written {
                    changes.put(written, from: versions[written.key])
                    versions[written.key, default: 0] += 1
                }
                if let deleted, let version = versions[deleted] {
                    changes.delete(deleted, from: version)
                    versions[deleted] = nil
                }
                if !changes.isEmpty { try await store.commit(changes) }
            }
            for record in world.seed() { try await commit(record, nil) }
            for _ in 0..<10 {
                let (w, d) = world.step()
                try await commit(w, d)
            }
            let resolver = try await AccessResolver.load(from: store)
            for _ in 0..<15 {
                let (w, d) = world.step()
                try await commit(w, d)
            }
            try await resolver.catchUp(from: store)
            #expect(resolver.lastSequence == (try await store.lastSequence()))
            Self.expectSame(resolver, NaiveResolver(records: Array(world.records.values)), seed: seed, label: "store")
        }
    }
}
