#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Access history (U2)")
struct AccessHistoryTests {
    @Test("U1, U2: who had which access at several past moments, replayed from audit before/after")
    func history() async throws {
        let store = InMemoryAccessStore()
        let t1 = Date.day(2026, 1, 10)
        let t2 = Date.day(2026, 2, 10)
        let t3 = Date.day(2026, 3, 4)
        let t4 = Date.day(2026, 4, 1)
        func commit(_ time: Date, _ records: [(Record, Int?)], deleting: [(Record, Int)] = []) async throws {
            var changes = ChangeSet()
            for (record, version) in records {
                changes.put(record, from: version)
                changes.audit(
                    AuditEvent(
                        time: time, actor: .system, action: .recordWritten, subject: record.key.description,
                        after: record))
            }
            for (record, version) in deleting {
                changes.delete(record.key, from: version)
                changes.audit(
                    AuditEvent(
                        time: time, actor: .system, action: .groupChanged, subject: record.key.description,
                        before: record))
            }
            try await store.commit(changes)
        }
        let world = WorldBuilder.firm()
        try await commit(t1, world.records.map { ($0, nil) })
        let raised = ThirdPartyGrant(taxpayer: "T9", thirdParty: "L1", accounts: ["A90": .allAccess, "A91": .viewOnly])
        try await commit(t2, [(.grant(raised), 1)])
        var cancelled = raised
        cancelled.status = .cancelled
        cancelled.cancellation = Cancellation(by: .logon("L3"), at: t3, capacity: "the taxpayer's Master Administrator")
        try await commit(t3, [(.grant(cancelled), 2)])
        let assignment = Record.groupAssignment(GroupAssignment(parent: "L1", taxpayer: "T9", group: "G2"))
        try await commit(t4, [], deleting: [(assignment, 1)])

        let history = AccessHistory(store: store)
        #expect(try await history.accessHistory(taxpayer: "T9", at: t1.addingTimeInterval(-1)).isEmpty)
        #expect(
            try await history.accessHistory(taxpayer: "T9", at: t1) == [
                LogonAccess(logon: "L1", routes: [.thirdParty], accounts: ["A90": .fileAndPay, "A91": .viewOnly]),
                LogonAccess(
                    logon: "L2", routes: [.secondary(of: "L1")], accounts: ["A90": .fileAndPay, "A91": .viewOnly]),
            ])
        #expect(
            try await history.accessHistory(taxpayer: "T9", at: t2.addingTimeInterval(60)) == [
                LogonAccess(logon: "L1", routes: [.thirdParty], accounts: ["A90": .allAccess, "A91": .viewOnly]),
                LogonAccess(
                    logon: "L2", routes: [.secondary(of: "L1")], accounts: ["A90": .fileAndPay, "A91": .viewOnly]),
            ])
        #expect(try await history.accessHistory(taxpayer: "T9", at: t3).isEmpty)
        // The replayed deletion leaves the world consistent too.
        let atT4 = try await history.resolver(at: t4)
        #expect(atT4.clients(of: "L2").isEmpty)
        #expect(atT4.clients(of: "L1") == ["TF"])
    }

    @Test("U2: an imported snapshot is in the audit log and replays")
    func importedSnapshot() async throws {
        let store = InMemoryAccessStore()
        var world = WorldBuilder.firm()
        world.logon("L3")
        world.ma("L3", "T9")
        let snapshot = try await {
            let source = InMemoryAccessStore()
            var changes = ChangeSet()
            for record in world.records { changes.insert(record) }
            try await source.commit(changes)
            return try await AccessSnapshot.export(from: source)
        }()
        try await snapshot.import(into: store, at: .day(2026, 5, 1))
        let then = try await AccessHistory(store: store).accessHistory(taxpayer: "T9", at: .day(2026, 5, 2))
        #expect(then == AccessResolver(snapshot: snapshot).whoHasAccess(taxpayer: "T9"))
        #expect(then.map(\.logon) == ["L1", "L2", "L3"])
    }
}
