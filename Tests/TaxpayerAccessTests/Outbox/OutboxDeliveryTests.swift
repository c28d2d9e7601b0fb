import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// The key the tests' outbox bodies are sealed with.
let testBox = try! SecretBox(key: [UInt8](repeating: 7, count: SecretBox.keyByteCount))

/// A mailer that refuses a share of the mails at random (seeded) and counts what it accepted, by idempotency key.
final class FlakyMailer: Mailer {
    struct Refused: Error {}
    private let random: SeededRandom
    private let failurePercent: UInt32
    private let accepted = Mutex<[String: Int]>([:])
    private let refusals = Mutex(0)
    /// Called inside `send`, before the mailer decides: lets a test look at the store at that moment.
    let onSend: (@Sendable (OutgoingMail) async -> Void)?

    init(seed: UInt64, failurePercent: UInt32, onSend: (@Sendable (OutgoingMail) async -> Void)? = nil) {
        random = SeededRandom(seed: seed)
        self.failurePercent = failurePercent
        self.onSend = onSend
    }

    func send(_ mail: OutgoingMail) async throws {
        await onSend?(mail)
        if random.uniform(100) < failurePercent {
            refusals.withLock { $0 += 1 }
            throw Refused()
        }
        accepted.withLock { $0[mail.idempotencyKey, default: 0] += 1 }
    }

    var deliveries: [String: Int] { accepted.withLock { $0 } }
    var refused: Int { refusals.withLock { $0 } }
}

@Suite("OutboxDelivery")
struct OutboxDeliveryTests {
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))
    let store = InMemoryAccessStore()

    func logon(_ n: Int) -> Logon {
        Logon(
            id: LogonID("L\(n)"), username: "user\(n)", email: "user\(n)@example.com", fullName: "User \(n)",
            createdAt: clock.now())
    }

    func mail(_ id: String, to: String = "someone@example.com") -> OutboxMail {
        OutboxMail(
            id: MailID(id), to: to, subject: "New", body: "Something new to view.", sealedWith: testBox,
            random: SeededRandom(seed: 5), createdAt: clock.now())
    }

    /// Commits `count` changes with one or two mails each, and one change that rolls back; returns the mail ids
    /// committed and the one rolled back.
    func commitChanges(count: Int) async throws -> (committed: [OutboxMail], rolledBack: OutboxMail) {
        var committed: [OutboxMail] = []
        for n in 0..<count {
            var changes = ChangeSet()
            changes.insert(.logon(logon(n)))
            let mails = (0...(n % 2)).map { mail("M\(n)-\($0)", to: "user\(n)@example.com") }
            mails.forEach { changes.send($0) }
            try await store.commit(changes)
            committed += mails
        }
        // A change that fails (its logon exists already): its mail must never be sent.
        var doomed = ChangeSet()
        doomed.insert(.logon(logon(0)))
        let rolledBack = mail("M-rolled-back")
        doomed.send(rolledBack)
        await #expect(throws: StoreError.self) { try await store.commit(doomed) }
        return (committed, rolledBack)
    }

    // N2
    @Test(
        "with a mailer failing at random, every committed mail is delivered exactly once, none of a rolled-back change",
        arguments: [UInt64(1), 2, 3])
    func randomFailures(seed: UInt64) async throws {
        let (committed, rolledBack) = try await commitChanges(count: 30)
        let mailer = FlakyMailer(seed: seed, failurePercent: 40)
        let delivery = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: seed ^ 0xff), box: testBox)
        var passes = 0
        while try await !store.pendingMail().isEmpty && passes < 100 {
            let report = await delivery.deliverPending()
            #expect(report.storeErrors.isEmpty)
            passes += 1
            clock.advance(by: .seconds(3700))  // Past the longest backoff.
        }
        #expect(try await store.pendingMail().isEmpty, "everything was delivered in \(passes) passes")
        #expect(mailer.refused > 0, "the mailer did fail sometimes, so retries were exercised")
        let keys = Set(committed.map(\.idempotencyKey))
        #expect(Set(mailer.deliveries.keys) == keys, "every committed mail was delivered, and nothing else")
        #expect(mailer.deliveries.values.allSatisfy { $0 == 1 }, "each exactly once")
        #expect(mailer.deliveries[rolledBack.idempotencyKey] == nil, "the rolled-back change sent nothing")
        for mail in committed {
            let stored = try #require(try await store.mail(mail.id)).value
            #expect(stored.status == .sent && stored.sentAt != nil && stored.attempts >= 1)
        }
    }

    // N2
    @Test("a mail is marked sent only after the mailer returned")
    func markedAfterSend() async throws {
        var changes = ChangeSet()
        changes.send(mail("M1"))
        try await store.commit(changes)
        let seen = Mutex<[MailStatus]>([])
        let store = self.store
        let mailer = FlakyMailer(seed: 1, failurePercent: 0) { _ in
            let status = try? await store.mail("M1")?.value.status
            seen.withLock { $0.append(status ?? .sent) }
        }
        let report = await OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 1), box: testBox
        )
        .deliverPending()
        #expect(report.sent == 1 && report.remaining == 0)
        #expect(seen.withLock { $0 } == [.pending], "while the mailer held it, the mail was still pending")
        #expect(try await store.mail("M1")?.value.status == .sent)
        #expect(try await store.mail("M1")?.value.sentAt == clock.now())
    }

    // N2
    @Test("a failure records the attempt and the error and waits with exponential backoff up to the cap")
    func backoff() async throws {
        var changes = ChangeSet()
        changes.send(mail("M1"))
        try await store.commit(changes)
        let mailer = FlakyMailer(seed: 1, failurePercent: 100)
        let backoff = OutboxDelivery.Backoff(initial: .seconds(30), maximum: .seconds(600), jitter: 0.2)
        let delivery = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 9), box: testBox,
            backoff: backoff)
        var waits: [Double] = []
        for attempt in 1...8 {
            let start = clock.now()
            let report = await delivery.deliverPending()
            #expect(report.failed == 1 && report.sent == 0 && report.remaining == 1)
            let stored = try #require(try await store.mail("M1")).value
            #expect(stored.attempts == attempt)
            #expect(stored.lastError?.contains("Refused") == true)
            #expect(stored.status == .pending)
            let wait = stored.nextAttemptAt.timeIntervalSince(start)
            let nominal = backoff.nominalDelay(afterFailures: attempt).timeInterval
            #expect(wait <= nominal && wait >= nominal * 0.8, "attempt \(attempt): waited \(wait) of \(nominal)")
            waits.append(wait)
            // Not due yet: a pass just before the time sends nothing.
            clock.set(stored.nextAttemptAt.addingTimeInterval(-0.001))
            let early = await delivery.deliverPending()
            #expect(early.failed == 0 && early.sent == 0, "attempt \(attempt): nothing is tried before it is due")
            clock.set(stored.nextAttemptAt)
        }
        #expect(backoff.nominalDelay(afterFailures: 1) == .seconds(30))
        #expect(backoff.nominalDelay(afterFailures: 2) == .seconds(60))
        #expect(backoff.nominalDelay(afterFailures: 8) == .seconds(600), "capped")
        #expect(waits.allSatisfy { $0 <= 600 })
        #expect(mailer.deliveries.isEmpty)
    }

    // N2
    @Test("two workers on one outbox never send a mail twice")
    func competingWorkers() async throws {
        let (committed, _) = try await commitChanges(count: 20)
        let mailer = FlakyMailer(seed: 5, failurePercent: 0)
        let first = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 1), box: testBox)
        let second = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 2), box: testBox)
        async let a = first.deliverPending()
        async let b = second.deliverPending()
        let (ra, rb) = await (a, b)
        #expect(ra.sent + rb.sent == committed.count)
        #expect(mailer.deliveries.count == committed.count)
        #expect(mailer.deliveries.values.allSatisfy { $0 == 1 }, "no mail was sent by both workers")
    }

    // N2
    @Test("a claimed mail left by a worker that died is sent again after its lease, with the same idempotency key")
    func leaseExpires() async throws {
        var changes = ChangeSet()
        changes.send(mail("M1"))
        try await store.commit(changes)
        // A worker claimed it and died before marking it (simulated: the claim without the rest).
        var claimed = try #require(try await store.mail("M1"))
        claimed.value.attempts = 1
        claimed.value.nextAttemptAt = clock.now().addingTimeInterval(300)
        var claim = ChangeSet()
        claim.update(.mail(claimed.value), from: claimed.version)
        try await store.commit(claim)
        let mailer = FlakyMailer(seed: 1, failurePercent: 0)
        let delivery = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 1), box: testBox)
        #expect(await delivery.deliverPending().sent == 0, "not while the lease holds")
        clock.advance(by: .seconds(300))
        #expect(await delivery.deliverPending().sent == 1)
        #expect(mailer.deliveries == ["mail-M1": 1])
    }

    @Test("run(every:until:) keeps passing until told to stop")
    func runLoop() async throws {
        _ = try await commitChanges(count: 5)
        let mailer = FlakyMailer(seed: 3, failurePercent: 0)
        let delivery = OutboxDelivery(
            store: store, mailer: mailer, clock: clock, random: SeededRandom(seed: 3), box: testBox,
            batchSize: 2)
        let store = self.store
        let total = await delivery.run(every: .zero) { (try? await store.pendingMail().isEmpty) ?? true }
        #expect(total.sent == 7, "5 changes carried 7 mails, sent two per pass")
        #expect(total.remaining == 0)
    }
}
