#if PostgreSQL
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessPostgres
import TaxpayerAccessTesting
import PostgresNIO
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("The outbox on PostgreSQL", .enabled(if: TestServer.url != nil))
struct PostgresOutboxTests {
    // N2
    @Test("two workers in two processes at once over many committed mails: every mail sent exactly once (N2)")
    func twoWorkersSendEachMailOnce() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 8)
        let writer = try await PostgresAccessStore(configuration: configuration)
        let box = try SecretBox(key: [UInt8](repeating: 7, count: SecretBox.keyByteCount))
        let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))
        var committed: [String] = []
        for change in 0..<40 {
            var changes = ChangeSet()
            for n in 0..<5 {
                let mail = OutboxMail(
                    id: MailID("M\(change)-\(n)"), to: "user\(change)@example.com", subject: "New",
                    body: "Something new to view.", sealedWith: box, random: SeededRandom(seed: UInt64(change)),
                    createdAt: clock.now())
                changes.send(mail)
                committed.append(mail.idempotencyKey)
            }
            try await writer.commit(changes)
        }

        // Two processes: a store (a pool) and a worker each, a small batch so that they meet many times.
        let mailers = [RecordingMailer(), RecordingMailer()]
        let reports = try await withThrowingTaskGroup(of: OutboxDelivery.DeliveryReport.self) { group in
            for (index, mailer) in mailers.enumerated() {
                group.addTask {
                    let store = try await PostgresAccessStore(configuration: configuration)
                    let worker = OutboxDelivery(
                        store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: UInt64(index)),
                        box: box, batchSize: 7)
                    var total = OutboxDelivery.DeliveryReport()
                    var passes = 0
                    repeat {
                        total.add(await worker.deliverPending())
                        passes += 1
                    } while total.remaining > 0 && passes < 200
                    return total
                }
            }
            var all: [OutboxDelivery.DeliveryReport] = []
            for try await report in group { all.append(report) }
            return all
        }
        for report in reports { #expect(report.storeErrors.isEmpty, "\(report.storeErrors)") }
        let sent = mailers.flatMap(\.mails).map(\.idempotencyKey)
        #expect(sent.count == committed.count, "sent \(sent.count) of \(committed.count)")
        #expect(Set(sent) == Set(committed))
        #expect(reports.map(\.sent).reduce(0, +) == committed.count)
        #expect(try await writer.pendingMail().isEmpty)
    }

    @Test("a claim skips a mail another worker's claim holds instead of waiting, and one whose version moved (N2)")
    func claimSkipsLockedAndMoved() async throws {
        let configuration = try await TestServer.freshDatabase(connections: 8)
        let store = try await PostgresAccessStore(configuration: configuration)
        let box = try SecretBox(key: [UInt8](repeating: 7, count: SecretBox.keyByteCount))
        var changes = ChangeSet()
        let mails = (1...4).map {
            OutboxMail(
                id: MailID("M\($0)"), to: "someone@example.com", subject: "New", body: "Body", sealedWith: box,
                random: SeededRandom(seed: 1), createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        }
        mails.forEach { changes.send($0) }
        try await store.commit(changes)
        let pending = try await store.pendingMail().sorted { $0.value.id.rawValue < $1.value.id.rawValue }
        #expect(pending.count == 4)
        func claims(_ entries: [Versioned<OutboxMail>]) -> [RecordClaim] {
            entries.map { entry in
                var leased = entry.value
                leased.attempts += 1
                return RecordClaim(.mail(leased), over: entry.version)
            }
        }
        // Another worker's transaction holds M1: the claim passes over it at once instead of waiting for it.
        let first = try await withDirectClient(configuration) { client in
            try await client.withConnection { other in
                let logger = Logger(label: "test")
                try await other.query("BEGIN", logger: logger)
                try await other.query(
                    "SELECT 1 FROM records WHERE kind = 'mail' AND id = 'M1' FOR UPDATE", logger: logger)
                let claimed = try await store.claim(claims(pending), limit: 2)
                try await other.query("ROLLBACK", logger: logger)
                return claimed
            }
        }
        #expect(first == [RecordKey(.mail, "M2"), RecordKey(.mail, "M3")])
        // The same stale list again: M2 and M3 moved on, so the claim takes M1 and M4.
        let second = try await store.claim(claims(pending), limit: 10)
        #expect(second == [RecordKey(.mail, "M1"), RecordKey(.mail, "M4")])
        #expect(try await store.claim(claims(pending), limit: 10).isEmpty)
    }
}
#endif
