// Cold questions (issue 12), shared by ResolverBenchmarks and ResolverProfile (target BenchmarkSupport).
import Dispatch
import Foundation
public import TaxpayerAccess

/// 2^20 distinct questions spread over a whole world, far more than stay in cache, with the floor they are judged
/// against: the same questions' answers precomputed in a `[Int: Bool]` keyed by interned integers.
///
/// A third of the questions are uniform (a random logon, a random account: almost all denied), a third ask a logon
/// about an account of its own taxpayer, a third ask a grant's third party about one of the grant's accounts; the
/// action is random. The seed is fixed, so every run asks the same questions.
public final class ColdQuestions: Sendable {
    public static let count = 1 << 20
    public static let mask = count - 1
    public let ids: [(LogonID, AccountID, AccountAction)]
    public let handles: [(AccessResolver.LogonHandle, AccessResolver.AccountHandle, AccountAction)]
    /// `(logonIndex * accountCount + accountIndex) * 5 + actionIndex`, one per question.
    public let keys: [Int]
    public let floor: [Int: Bool]
    public let allowed: Int

    public init(records: [Record], resolver: AccessResolver, seed: UInt64) {
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
    public func time(_ resolver: AccessResolver, repetitions: Int) -> (ids: Double, handles: Double, floor: Double) {
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

    /// Checks per second of one thread, and of `threads` threads at once, by ids, by handles and from the floor:
    /// each thread makes one pass over all the questions (starting at a different place), so the dispatch costs
    /// nothing next to the pass; best of `repetitions`. The floor's ratio is what the machine itself gives two
    /// threads reading shared memory — the resolver cannot scale better than that.
    public func throughput(_ resolver: AccessResolver, threads: Int, repetitions: Int)
        -> [(name: String, one: Double, many: Double)]
    {
        func rate(_ threadCount: Int, _ pass: @Sendable (Int) -> Int) -> Double {
            var best = 0.0
            for _ in 0..<max(1, repetitions) {
                let started = ContinuousClock.now
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    precondition(pass(thread &* (Self.count / threadCount)) == self.allowed)
                }
                let elapsed = ContinuousClock.now - started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                best = max(best, Double(threadCount * Self.count) / seconds)
            }
            return best
        }
        let ids = self.ids
        let handles = self.handles
        let keys = self.keys
        let floor = self.floor
        let passes: [(String, @Sendable (Int) -> Int)] = [
            (
                "by ids",
                { start in
                    var allowed = 0
                    for i in 0..<Self.count {
                        let q = ids[(start &+ i) & Self.mask]
                        if resolver.check(logon: q.0, account: q.1, action: q.2) { allowed &+= 1 }
                    }
                    return allowed
                }
            ),
            (
                "by handles",
                { start in
                    var allowed = 0
                    for i in 0..<Self.count {
                        let q = handles[(start &+ i) & Self.mask]
                        if resolver.check(logon: q.0, account: q.1, action: q.2) { allowed &+= 1 }
                    }
                    return allowed
                }
            ),
            (
                "floor",
                { start in
                    var allowed = 0
                    for i in 0..<Self.count where floor[keys[(start &+ i) & Self.mask]]! { allowed &+= 1 }
                    return allowed
                }
            ),
        ]
        return passes.map { (name, pass) in (name, rate(1, pass), rate(threads, pass)) }
    }

    /// The one line a run prints: the three figures and the ratios to the floor (target: check ≤ 1.5 × floor).
    public static func report(_ t: (ids: Double, handles: Double, floor: Double), allowed: Int) -> String {
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        return
            "cold (\(count) distinct questions, \(allowed) allowed): check by ids \(f(t.ids)) ns, by handles "
            + "\(f(t.handles)) ns, floor \(f(t.floor)) ns; ratio ids/floor \(f(t.ids / t.floor)), "
            + "handles/floor \(f(t.handles / t.floor)) (target ≤ 1.5)"
    }
}
