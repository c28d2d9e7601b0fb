import Dispatch
import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess

/// The resolver's reader–writer lock (`WorldLock`): readers on several threads never see a change half made, and an
/// update is seen by the next read once it has returned (RULES L4: answers as of a place in the feed).
@Suite("Resolver lock")
struct ResolverLockTests {
    /// What the threads share.
    final class Shared: Sendable {
        let done = Atomic<Bool>(false)
        let torn = Atomic<Int>(0)
        let reads = Atomic<Int>(0)
        let seen = Mutex<Set<AccessLevel>>([])
    }

    @Test("L4: two reader threads and a writer — every read sees a change whole, and the last change is seen")
    func readersSeeWholeChanges() throws {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .personalIncome)])
        world.logon("L1")
        world.ta("L1", "T1", ["A1": .viewOnly, "A2": .viewOnly])
        let resolver = world.resolver
        let levels: [AccessLevel] = [.viewOnly, .fileAndPay, .allAccess]
        let shared = Shared()
        let finished = DispatchSemaphore(value: 0)
        // Threads of their own (not a pool), so the readers run beside the writer however busy the machine is.
        for _ in 0..<2 {
            Thread {
                var local: Set<AccessLevel> = []
                while !shared.done.load(ordering: .acquiring) {
                    let (a1, a2) = resolver.world.read { ($0.level("L1", "A1"), $0.level("L1", "A2")) }
                    if a1 != a2 { shared.torn.add(1, ordering: .relaxed) }
                    local.insert(a1)
                    shared.reads.add(1, ordering: .releasing)
                }
                shared.seen.withLock { $0.formUnion(local) }
                finished.signal()
            }.start()
        }
        // One change writes both accounts' levels: a reader must see both old or both new. For the first 300 writes
        // the writer waits for three more reads — each reader may finish one read it began before the write, so the
        // third began after it — and the readers see every state the writes make, not only the first or the last;
        // within ten seconds, or the test says so instead of hanging.
        let writes = 20_000
        let deadline = ContinuousClock.now + .seconds(10)
        var overlapped = true
        for i in 0..<writes {
            let level = levels[i % levels.count]
            let role = Record.role(
                RoleAssignment(
                    logon: "L1", taxpayer: "T1", role: .taxAdministrator, accountLevels: ["A1": level, "A2": level]))
            let readsBefore = shared.reads.load(ordering: .acquiring)
            resolver.apply(Change(sequence: UInt64(i + 1), written: [Versioned(role, version: i + 2)], deleted: []))
            while i < 300, overlapped, shared.reads.load(ordering: .acquiring) < readsBefore + 3 {
                if ContinuousClock.now > deadline { overlapped = false }
                sched_yield()
            }
        }
        shared.done.store(true, ordering: .releasing)
        finished.wait()
        finished.wait()
        #expect(overlapped, "the readers did not run beside the writer within ten seconds")
        #expect(shared.torn.load(ordering: .relaxed) == 0, "a read saw one account's new level beside the other's old")
        #expect(shared.seen.withLock { $0 } == Set(levels), "the readers saw every state the writes made")
        // The last change, level index (writes - 1) % 3, is what the next read sees.
        #expect(resolver.level(logon: "L1", account: "A1") == levels[(writes - 1) % levels.count])
        #expect(resolver.lastSequence == UInt64(writes))
    }
}
