import Foundation
import Synchronization
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSQLite

/// Refuses every third mail it is handed; counts what it accepted by idempotency key.
private final class EveryThirdFails: Mailer {
    struct Refused: Error {}
    private let state = Mutex<(calls: Int, accepted: [String: Int])>((0, [:]))
    func send(_ mail: OutgoingMail) async throws {
        try state.withLock { state in
            state.calls += 1
            if state.calls % 3 == 0 { throw Refused() }
            state.accepted[mail.idempotencyKey, default: 0] += 1
        }
    }
    var accepted: [String: Int] { state.withLock { $0.accepted } }
}

private struct FixedRandom: RandomSource {
    func bytes(_ count: Int) -> [UInt8] { Array(repeating: 7, count: count) }
    func uniform(_ upperBound: UInt32) -> UInt32 { upperBound / 2 }
}

@Suite("OutboxDelivery on SQLite")
struct SQLiteOutboxTests {
    // N2: the outbox on the durable store, reopened between passes as a restarted worker would.
    @Test("committed mail on a file is delivered once each across restarts; a rolled-back change's never")
    func deliveryAcrossRestarts() async throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("outbox.sqlite")
        let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))
        let box = try SecretBox(key: [UInt8](repeating: 9, count: SecretBox.keyByteCount))
        var committed: Set<String> = []
        do {
            let store = try SQLiteAccessStore(path: path)
            for n in 0..<12 {
                var changes = ChangeSet()
                changes.insert(
                    .taxpayer(
                        Taxpayer(
                            id: TaxpayerID("T\(n)"), taxID: TaxIdentifier(type: .ssn, number: "10000000\(n)"),
                            legalName: "T\(n)", kind: .individual)))
                let mail = OutboxMail(
                    id: MailID("M\(n)"), to: "t\(n)@example.com", subject: "New", body: "View it.",
                    sealedWith: box, random: FixedRandom(), createdAt: clock.now())
                changes.send(mail)
                try await store.commit(changes)
                committed.insert(mail.idempotencyKey)
            }
            var doomed = ChangeSet()
            doomed.send(
                OutboxMail(
                    id: "M-doomed", to: "x@example.com", subject: "s", body: "b", sealedWith: box,
                    random: FixedRandom(), createdAt: clock.now()))
            doomed.insert(
                .taxpayer(
                    Taxpayer(
                        id: "T99", taxID: TaxIdentifier(type: .ssn, number: "100000000"),
                        legalName: "dup", kind: .individual)))
            await #expect(throws: StoreError.self) { try await store.commit(doomed) }
        }
        let mailer = EveryThirdFails()
        for _ in 0..<10 {
            let store = try SQLiteAccessStore(path: path)
            let report = await OutboxDelivery(
                store: store, mailer: mailer, clock: clock, random: FixedRandom(), box: box
            ).deliverPending()
            #expect(report.storeErrors.isEmpty)
            if report.remaining == 0 { break }
            clock.advance(by: .seconds(3600))
        }
        let store = try SQLiteAccessStore(path: path)
        #expect(try await store.pendingMail().isEmpty)
        #expect(Set(mailer.accepted.keys) == committed)
        #expect(mailer.accepted.values.allSatisfy { $0 == 1 })
        #expect(try await store.mail("M-doomed") == nil)
    }
}
