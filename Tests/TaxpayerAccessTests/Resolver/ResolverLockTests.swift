import Dispatch
import Synchronization
import Testing
@testable import TaxpayerAccess

/// The resolver's reader–writer lock (`WorldLock`): readers on several threads never see a change half made, and an
/// update is seen by the next read once it has returned (RULES L4: answers as of a place in the feed).
@Suite("Resolver lock")
struct ResolverLockTests {
    @Test("L4: two reader threads and a writer — every read sees a change whole, and the last change is seen")
    func readersSeeWholeChanges() throws {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .personalIncome)])
        world.logon("L1")
        world.ta("L1", "T1", ["A1": .viewOnly, "A2": .viewOnly])
        let resolver = world.resolver
        let levels: [AccessLevel] = [.viewOnly, .fileAndPay, .allAccess]
        let writes = 200_000  // long enough (≈ 0.2 s) that the readers run while it writes
        let done = Atomic<Bool>(false)
        let torn = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let seen = Mutex<Set<AccessLevel>>([])
        DispatchQueue.concurrentPerform(iterations: 3) { thread in
            if thread == 0 {
                // One change writes both accounts' levels: a reader must see both old or both new.
                for i in 0..<writes {
                    let level = levels[i % levels.count]
                    let role = Record.role(
                        RoleAssignment(
                            logon: "L1", taxpayer: "T1", role: .taxAdministrator,
                            accountLevels: ["A1": level, "A2": level]))
                    resolver.apply(
                        Change(
                            sequence: UInt64(i + 1), written: [Versioned(role, version: i + 2)], deleted: []))
                }
                done.store(true, ordering: .releasing)
            } else {
                var local: Set<AccessLevel> = []
                var count = 0
                while !done.load(ordering: .acquiring) || count < 10_000 {
                    let (a1, a2) = resolver.world.read { ($0.level("L1", "A1"), $0.level("L1", "A2")) }
                    if a1 != a2 { torn.add(1, ordering: .relaxed) }
                    local.insert(a1)
                    count += 1
                }
                reads.add(count, ordering: .relaxed)
                seen.withLock { $0.formUnion(local) }
            }
        }
        #expect(torn.load(ordering: .relaxed) == 0, "a read saw one account's new level beside the other's old one")
        #expect(reads.load(ordering: .relaxed) >= 20_000)
        #expect(seen.withLock { $0 }.count >= 2, "the readers saw the writes happen, not only one state")
        // The last change, level index (writes - 1) % 3, is what the next read sees.
        #expect(resolver.level(logon: "L1", account: "A1") == levels[(writes - 1) % levels.count])
        #expect(resolver.lastSequence == UInt64(writes))
    }
}
