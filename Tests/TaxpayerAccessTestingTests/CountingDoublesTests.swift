import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Counting test doubles")
struct CountingDoublesTests {
    static func logon(_ id: LogonID, username: String) -> Logon {
        Logon(id: id, username: username, email: "\(username)@example.test", fullName: "Person \(id.rawValue)")
    }

    // The shape of a commit counts writes by record kind, deletions, audit events and mail, never ids or values.
    @Test func commitShapeCountsByKind() async throws {
        let world = FixtureWorld()
        var changes = ChangeSet()
        changes.insert(.logon(Self.logon("L1", username: "one")))
        changes.insert(.logon(Self.logon("L2", username: "two")))
        changes.send(
            OutboxMail(
                id: "M1", to: "one@example.test", subject: "Hello", body: "Something new", sealedWith: world.keys.box,
                random: world.random, createdAt: world.clock.now()))
        changes.audit(AuditEvent(time: world.clock.now(), actor: .system, action: .recordWritten, subject: "logon/L1"))
        let shape = CountingAccessStore.CommitShape(of: changes)
        #expect(shape.writes == [.logon: 2, .mail: 1])
        #expect(shape.deletions.isEmpty)
        #expect(shape.auditEvents == 1 && shape.mail == 1)
        #expect(shape.recordCount == 3)
        #expect(shape.description == "{writes [logon×2 mail×1], audit×1, mail×1}")
    }

    // Every call is counted by what it reads by; a refused commit counts apart from a taken one; reset forgets.
    @Test func storeCountsEveryCallByKind() async throws {
        let store = CountingAccessStore(wrapping: InMemoryAccessStore())
        var insert = ChangeSet()
        insert.insert(.logon(Self.logon("L1", username: "one")))
        try await store.commit(insert)
        _ = try await store.logon("L1")
        _ = try await store.logon(byUsername: "one")
        _ = try await store.sessions(of: "L1")
        _ = try await store.records(ofKind: .taxpayer)
        await #expect(throws: StoreError.self) { try await store.commit(insert) }  // inserting twice is refused
        _ = try await store.lastSequence()
        let shape = CountingAccessStore.CommitShape(writes: [.logon: 1])
        #expect(
            store.calls == [
                .commit(shape), .read(.logon), .uniqueRead("username"), .indexRead("sessionsOf"), .kindScan(.taxpayer),
                .refusedCommit(shape), .sequenceRead,
            ])
        #expect(store.work.calls == 7)
        #expect(store.work.commits == [shape])
        store.reset()
        #expect(store.calls.isEmpty && store.work == CountingAccessStore.Work())
    }

    // The same work is the same multiset of calls: other ids and another order compare equal, one more write or one
    // more commit does not, and the difference names it.
    @Test func workComparesKindsNotIdsNorOrder() async throws {
        let store = CountingAccessStore(wrapping: InMemoryAccessStore())
        let first = await store.measure {
            _ = try await store.logon(byUsername: "somebody")
            _ = try await store.logon("L1")
        }
        let second = await store.measure {
            _ = try await store.logon("L2")
            _ = try await store.logon(byUsername: "somebody.else")
        }
        #expect(first.work == second.work && first.work.calls == 2)
        #expect(first.work.difference(from: second.work).isEmpty)

        var one = ChangeSet()
        one.insert(.logon(Self.logon("L3", username: "three")))
        var two = ChangeSet()
        two.insert(.logon(Self.logon("L4", username: "four")))
        two.insert(.logon(Self.logon("L5", username: "five")))
        let small = await store.measure { try await store.commit(one) }
        let large = await store.measure { try await store.commit(two) }
        #expect(small.work != large.work)
        #expect(
            small.work.difference(from: large.work)
                == "commit {writes [logon×1], audit×0, mail×0}: 1 vs 0; commit {writes [logon×2], audit×0, mail×0}: 0 vs 1"
        )
        // A thrown error is the outcome, and its work is still counted: inserting L3 again is refused.
        let refused = await store.measure { try await store.commit(one) }
        #expect(throws: StoreError.self) { try refused.outcome.get() }
        #expect(refused.work.calls == 1 && refused.work.commits.isEmpty)
    }

    // The hasher counts each kind of call, passes the answers through, and `slow` is hash plus verify.
    @Test func hasherCountsEachKind() async throws {
        let hasher = CountingSecretHasher(wrapping: FixtureHasher())
        let encoded = try await hasher.hash("Passw0rd!")
        #expect(await hasher.verify("Passw0rd!", against: encoded))
        #expect(!(await hasher.verify("Passw0rd?", against: encoded)))
        #expect(!hasher.needsRehash(encoded))
        #expect(hasher.counts == CountingSecretHasher.Counts(hash: 1, verify: 2, needsRehash: 1))
        #expect(hasher.counts.slow == 3)
        #expect(hasher.counts.description == "hash×1 verify×2 needsRehash×1")
        hasher.reset()
        #expect(hasher.counts == CountingSecretHasher.Counts() && hasher.counts.slow == 0)
    }
}
