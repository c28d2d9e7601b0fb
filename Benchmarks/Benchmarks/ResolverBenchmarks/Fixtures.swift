import BenchmarkSupport
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

/// The medium world's cold questions and floor, built the first time a cold benchmark touches them; building them
/// also times each over all the questions once (best of 3) and prints the figures and the ratios to the floor, so
/// the run's own output carries them.
let mediumCold: ColdQuestions = {
    let cold = ColdQuestions(records: mediumRecords, resolver: medium.resolver, seed: worldSeed)
    print(ColdQuestions.report(cold.time(medium.resolver, repetitions: 3), allowed: cold.allowed))
    return cold
}()

/// The large world's cold questions and floor (issue 12: check ≤ 2 × the floor at 3 M accounts). The large world's
/// records are generated again for them (the fixture drops its own), once, when a large cold benchmark first runs.
let largeCold: ColdQuestions = {
    let records = WorldGenerator.generate(.large, seed: worldSeed).records
    return ColdQuestions(records: records, resolver: large.resolver, seed: worldSeed)
}()
