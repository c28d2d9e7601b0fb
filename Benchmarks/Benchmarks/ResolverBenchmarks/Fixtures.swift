import Foundation
import Synchronization
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

#if canImport(Glibc)
import Glibc
#endif

/// The seed of every generated world: the same seed gives the same world, so runs compare.
let worldSeed: UInt64 = 20_260_601

/// A generated world with its resolver, built once per benchmark process (package-benchmark runs each benchmark in
/// a process of its own, so a size is only generated where a benchmark asks for it).
final class Fixture: Sendable {
    let resolver: AccessResolver
    let questions: [WorldGenerator.Question]
    let biggestFirmParent: LogonID
    let biggestFirmClients: Int
    let secondaryOfBiggestFirm: LogonID
    /// The generator's shared taxpayer: every firm reaches it as a third party (the worst case).
    let taxpayerOfEveryFirm: TaxpayerID
    let everyFirmCount: Int
    /// A taxpayer that a handful of firms reach by chance: the usual "several third parties".
    let taxpayerWithSeveral: TaxpayerID
    let severalCount: Int
    /// A grant of the biggest firm on an active account, with one level that allows filing and one that does not.
    let updateGrants: (denying: Record, allowing: Record)
    let updateAccount: AccountID

    init(_ size: WorldGenerator.Size, keepRecords: Bool = false) {
        var world = WorldGenerator.generate(size, seed: worldSeed)
        resolver = AccessResolver(records: world.records)
        questions = world.questions
        biggestFirmParent = world.biggestFirmParent
        secondaryOfBiggestFirm = world.secondaryOfBiggestFirm
        let shared = world.taxpayerWithSeveralThirdParties
        taxpayerOfEveryFirm = shared

        var activeAccounts = Set<AccountID>()
        var grantsOn: [TaxpayerID: Int] = [:]
        var clientCount = 0
        var candidate: ThirdPartyGrant?
        for record in world.records {
            switch record {
            case .account(let account) where account.status == .active: activeAccounts.insert(account.id)
            case .grant(let grant):
                grantsOn[grant.taxpayer, default: 0] += 1
                if grant.thirdParty == world.biggestFirmParent { clientCount += 1 }
                if candidate == nil, grant.thirdParty == world.biggestFirmParent, grant.taxpayer != shared,
                    grant.accounts.keys.contains(where: activeAccounts.contains)
                {
                    candidate = grant
                }
            default: break
            }
        }
        biggestFirmClients = clientCount
        everyFirmCount = grantsOn[shared] ?? 0
        // "Several" third parties: the taxpayer (other than the shared one) that the most firms reach, capped at 5.
        let several = grantsOn.filter { $0.key != shared && $0.value <= 5 }
            .max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }!
        taxpayerWithSeveral = several.key
        severalCount = several.value

        let grant = candidate!
        let account = grant.accounts.keys.sorted().first(where: activeAccounts.contains)!
        var denying = grant
        denying.accounts = [account: .viewOnly]
        var allowing = grant
        allowing.accounts = [account: .allAccess]
        updateGrants = (.grant(denying), .grant(allowing))
        updateAccount = account
        if !keepRecords { world.records = [] }
    }
}

/// The worlds, each generated the first time a benchmark touches it (Swift globals are lazily initialised, once).
let small = Fixture(.small)
let medium = Fixture(.medium)
let large = Fixture(.large)

/// The medium world's records alone, for building the index inside the measurement.
let mediumRecords: [Record] = WorldGenerator.generate(.medium, seed: worldSeed).records

/// The medium world as a snapshot document (SnapshotFormat.md), encoded once in the decode benchmark's setup.
let mediumSnapshotJSON = Mutex<Data?>(nil)

func makeMediumSnapshotJSON() async throws -> Data {
    let store = InMemoryAccessStore()
    try await store.seed(mediumRecords)
    return try await AccessSnapshot.export(from: store).encoded()
}

/// Argon2id at the preset's cost, and one stored hash to verify against.
let hasher = Argon2idHasher(cost: Policy.massTaxConnect.hashingCost)
let benchmarkPassword = "correct horse battery staple 42"
let storedHash = Mutex<String?>(nil)

/// The process's resident set size in bytes, from /proc/self/statm (Linux); 0 elsewhere.
func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = statm.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Gives freed heap back to the system so the next resident reading counts only live memory.
func trimHeap() {
    #if canImport(Glibc)
    // glibc's malloc_trim is not in the Glibc module map; look it up at run time.
    typealias MallocTrim = @convention(c) (Int) -> Int32
    if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") {
        _ = unsafeBitCast(symbol, to: MallocTrim.self)(0)
    }
    #endif
}

// MARK: cold questions (issue 12): the same code as Tools/ResolverProfile/ColdQuestions.swift, keep the two in step

/// 2^20 distinct questions spread over a whole world, far more than stay in cache, with the floor they are judged
/// against: the same questions' answers precomputed in a `[Int: Bool]` keyed by interned integers.
///
/// A third of the questions are uniform (a random logon, a random account: almost all denied), a third ask a logon
/// about an account of its own taxpayer, a third ask a grant's third party about one of the grant's accounts; the
/// action is random. The seed is fixed, so every run asks the same questions.
final class ColdQuestions: Sendable {
    static let count = 1 << 20
    static let mask = count - 1
    let ids: [(LogonID, AccountID, AccountAction)]
    let handles: [(AccessResolver.LogonHandle, AccessResolver.AccountHandle, AccountAction)]
    /// `(logonIndex * accountCount + accountIndex) * 5 + actionIndex`, one per question.
    let keys: [Int]
    let floor: [Int: Bool]
    let allowed: Int

    init(records: [Record], resolver: AccessResolver, seed: UInt64) {
        var logons: [LogonID] = []
        var ownTaxpayerOf: [Int: TaxpayerID] = [:]
        var accounts: [AccountID] = []
        var accountIndex: [AccountID: Int] = [:]
        var accountsOf: [TaxpayerID: [Int]] = [:]
        var grants: [(thirdParty: LogonID, accounts: [AccountID])] = []
        for record in records {
            switch record {
            case .logon(let logon):
                if let own = logon.ownTaxpayer { ownTaxpayerOf[logons.count] = own }
                logons.append(logon.id)
            case .account(let account):
                accountIndex[account.id] = accounts.count
                accountsOf[account.taxpayer, default: []].append(accounts.count)
                accounts.append(account.id)
            case .grant(let grant):
                if !grant.accounts.isEmpty { grants.append((grant.thirdParty, grant.accounts.keys.sorted())) }
            default: break
            }
        }
        var logonIndex: [LogonID: Int] = [:]
        for (i, id) in logons.enumerated() { logonIndex[id] = i }
        let owners = ownTaxpayerOf.keys.sorted().filter { accountsOf[ownTaxpayerOf[$0]!] != nil }
        let actions = AccountAction.allCases
        var state = seed
        func next() -> Int {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        var seen = Set<Int>(minimumCapacity: Self.count)
        var ids: [(LogonID, AccountID, AccountAction)] = []
        var keys: [Int] = []
        ids.reserveCapacity(Self.count)
        keys.reserveCapacity(Self.count)
        while ids.count < Self.count {
            let logon: Int
            let account: Int
            switch next() % 3 {
            case 0:
                logon = next() % logons.count
                account = next() % accounts.count
            case 1 where !owners.isEmpty:
                logon = owners[next() % owners.count]
                let own = accountsOf[ownTaxpayerOf[logon]!]!
                account = own[next() % own.count]
            default:
                guard !grants.isEmpty else { continue }
                let grant = grants[next() % grants.count]
                guard let third = logonIndex[grant.thirdParty],
                    let index = accountIndex[grant.accounts[next() % grant.accounts.count]]
                else { continue }
                logon = third
                account = index
            }
            let action = next() % actions.count
            let key = (logon * accounts.count + account) * actions.count + action
            guard seen.insert(key).inserted else { continue }
            ids.append((logons[logon], accounts[account], actions[action]))
            keys.append(key)
        }
        self.ids = ids
        self.keys = keys
        handles = ids.map { q in (resolver.handle(logon: q.0)!, resolver.handle(account: q.1)!, q.2) }
        var floor: [Int: Bool] = [:]
        floor.reserveCapacity(Self.count)
        var allowed = 0
        for (key, q) in zip(keys, ids) {
            let answer = resolver.check(logon: q.0, account: q.1, action: q.2)
            floor[key] = answer
            if answer { allowed += 1 }
        }
        self.floor = floor
        self.allowed = allowed
    }

    /// Nanoseconds per question of `check` by ids, by handles and of the floor's lookup, each the best of
    /// `repetitions` passes over all the questions in order.
    func time(_ resolver: AccessResolver, repetitions: Int) -> (ids: Double, handles: Double, floor: Double) {
        func best(_ pass: () -> Int) -> Double {
            var fastest = Double.infinity
            for _ in 0..<max(1, repetitions) {
                let started = ContinuousClock.now
                let allowed = pass()
                let elapsed = ContinuousClock.now - started
                precondition(allowed == self.allowed, "a pass disagreed with the floor")
                let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
                fastest = min(fastest, ns / Double(Self.count))
            }
            return fastest
        }
        let byIDs = best {
            var allowed = 0
            for q in ids where resolver.check(logon: q.0, account: q.1, action: q.2) { allowed &+= 1 }
            return allowed
        }
        let byHandles = best {
            var allowed = 0
            for q in handles where resolver.check(logon: q.0, account: q.1, action: q.2) { allowed &+= 1 }
            return allowed
        }
        let byFloor = best {
            var allowed = 0
            for key in keys where floor[key]! { allowed &+= 1 }
            return allowed
        }
        return (byIDs, byHandles, byFloor)
    }

    /// The one line a run prints: the three figures and the ratios to the floor (target: check ≤ 1.5 × floor).
    static func report(_ t: (ids: Double, handles: Double, floor: Double), allowed: Int) -> String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        return
            "cold (\(count) distinct questions, \(allowed) allowed): check by ids \(f(t.ids)) ns, by handles "
            + "\(f(t.handles)) ns, floor \(f(t.floor)) ns; ratio ids/floor \(f(t.ids / t.floor)), "
            + "handles/floor \(f(t.handles / t.floor)) (target ≤ 1.5)"
    }
}

/// The medium world's cold questions and floor, built the first time a cold benchmark touches them; building them
/// also times each over all the questions once (best of 3) and prints the figures and the ratios to the floor, so
/// the run's own output carries them.
let mediumCold: ColdQuestions = {
    let cold = ColdQuestions(records: mediumRecords, resolver: medium.resolver, seed: worldSeed)
    print(ColdQuestions.report(cold.time(medium.resolver, repetitions: 3), allowed: cold.allowed))
    return cold
}()
