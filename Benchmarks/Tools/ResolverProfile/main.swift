// A plain executable for profilers (valgrind --tool=callgrind, perf): generates a world, then runs one resolver
// operation many times inside a function the profiler can single out. See Documentation/Benchmarks.md.
// (It lives outside Benchmarks/ so the benchmark plugin does not take it for a benchmark.)
//
//   swift build -c release --product ResolverProfile
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*profiledRun*' \
//       .build/release/ResolverProfile check medium 200000
//
// `decode` times AccessSnapshot.decode on the world's snapshot document instead (median of the repetitions, in ms):
//
//   .build/release/ResolverProfile decode medium 5
//
// `check-handles` asks the same questions as `check`, by handles resolved before the profiled run.
// `cold` asks 2^20 distinct questions spread over the world (ColdQuestions.swift) by ids, by handles and from the
// floor (their answers precomputed in a `[Int: Bool]`), and prints ns per question of each, best of 5, and the ratios:
//
//   .build/release/ResolverProfile cold medium
//
// `clients-secondary` asks `clients(of:)` of the biggest firm's first secondary; `whoHasAccess-several` asks
// `whoHasAccess(taxpayer:)` of the taxpayer the benchmark `whoHasAccess several third parties` uses (5 firms). Each
// mode but `decode`, `cold` and `decodeOnly` prints the wall clock of the profiled run per repetition.
//
// `threads` runs the cold passes on one thread and on two at once, and prints checks per second and the ratio for
// each path and for the floor (what the machine gives two threads reading shared memory):
//
//   .build/release/ResolverProfile threads medium
//
// `decodeOnly` runs only AccessSnapshot.decode (for callgrind or an allocation counter; see below).
import BenchmarkSupport
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

let arguments = CommandLine.arguments
let operation = arguments.count > 1 ? arguments[1] : "check"
let sizeName = arguments.count > 2 ? arguments[2] : "medium"
let repetitions = arguments.count > 3 ? Int(arguments[3]) ?? 100_000 : 100_000
let size: WorldGenerator.Size =
    switch sizeName {
    case "small": .small
    case "large": .large
    default: .medium
    }

let world = WorldGenerator.generate(size, seed: 20_260_601)
let resolver = AccessResolver(records: world.records)
let questions = world.questions
/// The questions whose ids both have records, as handles (for `check-handles`), cycled to the questions' count.
let handleQuestions: [(AccessResolver.LogonHandle, AccessResolver.AccountHandle, AccountAction)] = {
    guard operation == "check-handles" else { return [] }
    let resolved = questions.compactMap { q in
        resolver.handle(logon: q.logon).flatMap { logon in
            resolver.handle(account: q.account).map { (logon, $0, q.action) }
        }
    }
    return questions.indices.map { resolved[$0 % resolved.count] }
}()

/// The world's snapshot document, decoded `repetitions` times: prints its size and the fastest time (ms) of the
/// whole `decode(from:)`, of `JSONDecoder` alone and of `validate()` alone; the rest of `decode(from:)` is the strict
/// JSON pass. A fourth argument names a file to write the document to.
@MainActor func timeSnapshotDecode() async throws {
    let store = InMemoryAccessStore()
    try await store.seed(world.records)
    let data = try await AccessSnapshot.export(from: store).encoded()
    if arguments.count > 4 { try data.write(to: URL(fileURLWithPath: arguments[4])) }
    func fastest(_ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repetitions) {
            let started = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - started
            best = min(best, Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        return best
    }
    let whole = try fastest {
        let decoded = try AccessSnapshot.decode(from: data)
        precondition(!decoded.taxpayers.isEmpty)
    }
    let decoder = try fastest { _ = try JSONDecoder().decode(AccessSnapshot.self, from: data) }
    let snapshot = try JSONDecoder().decode(AccessSnapshot.self, from: data)
    let validation = try fastest { try snapshot.validate() }
    print(
        "decode", sizeName, "bytes", data.count, "ms: decode(from:)", whole, "JSONDecoder", decoder, "validate()",
        validation)
}

/// `decodeOnly`: the world's document decoded `repetitions` times in ``profiledDecode(_:)`` alone, for callgrind
/// (`--toggle-collect='*profiledDecode*'`) or an allocation counter (run it with 1 and with 2 repetitions: the
/// difference is one decode); prints the document's size and entry count.
@MainActor func profileSnapshotDecode() async throws {
    let store = InMemoryAccessStore()
    try await store.seed(world.records)
    let data = try await AccessSnapshot.export(from: store).encoded()
    let entries = try profiledDecode(data)
    print("decodeOnly", sizeName, repetitions, "bytes", data.count, "entries", entries)
}

@inline(never)
func profiledDecode(_ data: Data) throws -> Int {
    var entries = 0
    for _ in 0..<max(1, repetitions) {
        let s = try AccessSnapshot.decode(from: data)
        entries =
            s.taxpayers.count + s.taxpayers.reduce(0) { $0 + $1.accounts.count } + s.logons.count + s.roles.count
            + s.thirdPartyGrants.count + s.securityGroups.count + s.groupAssignments.count + s.refinements.count
    }
    return entries
}

if operation == "decode" {
    try await timeSnapshotDecode()
    exit(0)
}
if operation == "cold" {
    let cold = ColdQuestions(records: world.records, resolver: resolver, seed: 20_260_601)
    print(ColdQuestions.report(cold.time(resolver, repetitions: 5), allowed: cold.allowed))
    exit(0)
}
if operation == "threads" {
    // Checks per second on one thread and on two at once, cold, with the floor's own ratio (issue 12: ≥ 1.8 ×).
    let cold = ColdQuestions(records: world.records, resolver: resolver, seed: 20_260_601)
    for row in cold.throughput(resolver, threads: 2, repetitions: 5) {
        print(
            String(
                format: "threads %@: 1 thread %.2f M checks/s, 2 threads %.2f M/s, ratio %.2f", row.name,
                row.one / 1e6, row.many / 1e6, row.many / row.one))
    }
    exit(0)
}
if operation == "decodeOnly" {
    try await profileSnapshotDecode()
    exit(0)
}

/// For `whoHasAccess-several`: the taxpayer other than the shared one that the most firms reach as third parties,
/// capped at 5 — the one the `whoHasAccess several third parties` benchmark asks about (Fixtures.swift).
let severalTaxpayer: TaxpayerID = {
    guard operation == "whoHasAccess-several" else { return world.taxpayerWithSeveralThirdParties }
    let shared = world.taxpayerWithSeveralThirdParties
    var grantsOn: [TaxpayerID: Int] = [:]
    for case .grant(let grant) in world.records { grantsOn[grant.taxpayer, default: 0] += 1 }
    return grantsOn.filter { $0.key != shared && $0.value <= 5 }
        .max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }!.key
}()

@inline(never)
func profiledRun() -> Int {
    var allowed = 0
    switch operation {
    case "clients":
        for _ in 0..<repetitions { allowed &+= resolver.clients(of: world.biggestFirmParent).count }
    case "clients-secondary":
        for _ in 0..<repetitions { allowed &+= resolver.clients(of: world.secondaryOfBiggestFirm).count }
    case "whoHasAccess":
        for _ in 0..<repetitions {
            allowed &+= resolver.whoHasAccess(taxpayer: world.taxpayerWithSeveralThirdParties).count
        }
    case "whoHasAccess-several":
        for _ in 0..<repetitions { allowed &+= resolver.whoHasAccess(taxpayer: several).count }
    case "stats":
        var kinds: [String: Int] = [:]
        for record in world.records { kinds["\(record.key.kind)", default: 0] += 1 }
        print(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("MemoryLayout<Record>.stride", MemoryLayout<Record>.stride, "RecordKey", MemoryLayout<RecordKey>.stride)
        print("biggest firm", world.biggestFirmParent, "clients", resolver.clients(of: world.biggestFirmParent).count)
        print(
            "questions allowed",
            questions.filter { resolver.check(logon: $0.logon, account: $0.account, action: $0.action) }.count,
            "of", questions.count)
    case "check-handles":
        for i in 0..<repetitions {
            let q = handleQuestions[i & (handleQuestions.count - 1)]
            if resolver.check(logon: q.0, account: q.1, action: q.2) { allowed &+= 1 }
        }
    case "build":
        for _ in 0..<repetitions { allowed &+= Int(AccessResolver(records: world.records).lastSequence) }
    default:
        for i in 0..<repetitions {
            let q = questions[i & (questions.count - 1)]
            if resolver.check(logon: q.logon, account: q.account, action: q.action) { allowed &+= 1 }
        }
    }
    return allowed
}

// Worked out before the profiled run, so neither the profiler nor the clock counts it.
let several = severalTaxpayer
let started = ContinuousClock.now
let answer = profiledRun()
let elapsed = ContinuousClock.now - started
let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
// The wall clock of the profiled run alone (the world generation excluded), per repetition.
print(operation, sizeName, repetitions, answer, "ns per repetition", Int(nanoseconds / Double(max(1, repetitions))))
