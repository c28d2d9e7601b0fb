#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Delivers the outbox (RULES N2): sends each pending mail through the ``Mailer`` and marks it sent only after the
/// mailer returned; a failure is retried later with exponential backoff.
///
/// Each pass claims its due mails before sending them (raising `attempts` and moving `nextAttemptAt` a lease ahead,
/// through ``AccessStore/claim(_:limit:)``), so two workers never send the same mail at once: a mail another worker
/// claimed first, or is claiming at that moment, is skipped (on PostgreSQL workers take disjoint batches). A
/// worker that dies after sending but before marking leaves the mail to be sent again once the lease ends, with the
/// same ``OutgoingMail/idempotencyKey``, which the mail system can use to drop the duplicate.
///
/// ```swift
/// let delivery = OutboxDelivery(store: store, mailer: mailer, clock: SystemTimeSource(), random: random,
///                               keys: keys)   // or simply portal.outbox()
/// let report = await delivery.deliverPending()
/// print("\(report.sent) sent, \(report.failed) failed, \(report.remaining) waiting")
/// ```
public struct OutboxDelivery: Sendable {
    /// How long to wait before the next attempt after a failure.
    public struct Backoff: Sendable, Hashable {
        /// The wait after the first failure; it doubles with every further failure.
        public var initial: Duration
        /// The longest wait.
        public var maximum: Duration
        /// The share (0…1) of each wait that is drawn at random and taken off, so that mails which failed together
        /// are not all retried at the same instant.
        public var jitter: Double

        public init(initial: Duration, maximum: Duration, jitter: Double) {
            self.initial = initial
            self.maximum = maximum
            self.jitter = min(1, max(0, jitter))
        }

        /// 30 seconds, doubling up to one hour, up to 20% taken off at random.
        public static let standard = Backoff(initial: .seconds(30), maximum: .seconds(3600), jitter: 0.2)

        /// The wait after `failures` failed attempts (1 or more), before jitter.
        public func nominalDelay(afterFailures failures: Int) -> Duration {
            let exponent = min(max(failures, 1) - 1, 40)
            let seconds = initial.timeInterval * Double(1 << UInt64(exponent))
            return .milliseconds(Int64(min(seconds, maximum.timeInterval) * 1000))
        }

        /// The wait after `failures` failed attempts, with jitter drawn from `random`.
        public func delay(afterFailures failures: Int, random: any RandomSource) -> Duration {
            let nominal = nominalDelay(afterFailures: failures).timeInterval
            let draw = Double(random.uniform(1_000_001)) / 1_000_000
            return .milliseconds(Int64(nominal * (1 - jitter * draw) * 1000))
        }
    }

    /// What one or more passes did.
    public struct DeliveryReport: Sendable, Hashable {
        /// Mails the mailer accepted and that are now marked sent.
        public var sent = 0
        /// Mails the mailer refused; they are scheduled again.
        public var failed = 0
        /// Mails another worker claimed or changed first; left to it.
        public var skipped = 0
        /// Mails still pending after the pass, due or not.
        public var remaining = 0
        /// Store failures met on the way (the mails concerned stay pending and are tried again).
        public var storeErrors: [String] = []

        public init() {}

        /// Adds another pass's counts; `remaining` becomes the later pass's.
        public mutating func add(_ other: DeliveryReport) {
            sent += other.sent
            failed += other.failed
            skipped += other.skipped
            remaining = other.remaining
            storeErrors += other.storeErrors
        }
    }

    public let store: any AccessStore
    public let mailer: any Mailer
    /// Sends the outbox's text messages (RULES A3, N2); `nil` leaves them waiting for a worker that has one.
    public let texts: (any TextMessenger)?
    public let clock: any TimeSource
    public let random: any RandomSource
    /// Opens the sealed bodies: the box of the sealing keys that sealed them (``SealingKeyRing/box``).
    package let box: SecretBox
    public let backoff: Backoff
    /// How long a claimed mail is left to its worker before another may try it.
    public let lease: Duration
    /// The most mails (and the most texts) one pass sends.
    public let batchSize: Int

    /// - Parameters:
    ///   - store: where the outbox is.
    ///   - mailer: what sends the mail.
    ///   - texts: what sends the text messages; `nil` leaves them pending.
    ///   - clock: what "due" is measured against.
    ///   - random: the jitter of the backoff.
    ///   - keys: the sealing keys that sealed the bodies (RULES N1: bodies are stored only sealed).
    ///   - backoff: the waits between attempts.
    ///   - lease: how long a claim holds (longer than a send can take).
    ///   - batchSize: the most mails one pass sends.
    public init(
        store: any AccessStore, mailer: any Mailer, texts: (any TextMessenger)? = nil, clock: any TimeSource,
        random: any RandomSource, keys: SealingKeyRing, backoff: Backoff = .standard, lease: Duration = .seconds(300),
        batchSize: Int = 100
    ) {
        self.init(
            store: store, mailer: mailer, texts: texts, clock: clock, random: random, box: keys.box, backoff: backoff,
            lease: lease, batchSize: batchSize)
    }

    /// The worker over a box already made from the keys.
    package init(
        store: any AccessStore, mailer: any Mailer, texts: (any TextMessenger)? = nil, clock: any TimeSource,
        random: any RandomSource, box: SecretBox, backoff: Backoff = .standard, lease: Duration = .seconds(300),
        batchSize: Int = 100
    ) {
        self.store = store
        self.mailer = mailer
        self.texts = texts
        self.clock = clock
        self.random = random
        self.box = box
        self.backoff = backoff
        self.lease = lease
        self.batchSize = max(1, batchSize)
    }

    /// One pass: sends every mail and text whose `nextAttemptAt` has come (oldest due first, at most ``batchSize``
    /// of each).
    ///
    /// Never throws: a store failure is counted in ``DeliveryReport/storeErrors`` and the message stays pending.
    public func deliverPending() async -> DeliveryReport {
        var report = DeliveryReport()
        let now = clock.now()
        var remaining = 0
        await pass(MailEntry.self, now: now, into: &report, remaining: &remaining) { mail in
            try await mailer.send(OutgoingMail(mail, openedWith: box))
        }
        if let texts {
            await pass(TextEntry.self, now: now, into: &report, remaining: &remaining) { text in
                try await texts.send(OutgoingText(text, openedWith: box))
            }
        }
        report.remaining = remaining
        return report
    }

    /// Runs passes until `shouldStop` says so or the task is cancelled, waiting `interval` after a pass that found
    /// nothing due. For a long-running worker; tests call ``deliverPending()`` and move their clock instead.
    ///
    /// ```swift
    /// let worker = Task { await delivery.run(every: .seconds(5)) { false } }
    /// ```
    @discardableResult
    public func run(every interval: Duration, until shouldStop: @Sendable () async -> Bool) async -> DeliveryReport {
        var total = DeliveryReport()
        while !Task.isCancelled, await !shouldStop() {
            let pass = await deliverPending()
            total.add(pass)
            if pass.sent + pass.failed + pass.skipped == 0 {
                do { try await Task.sleep(for: interval) } catch { break }
            }
        }
        return total
    }

    /// One pass over one kind of outbox entry.
    private func pass<Entry: OutboxEntry>(
        _ kind: Entry.Type, now: Date, into report: inout DeliveryReport, remaining: inout Int,
        send: (Entry) async throws -> Void
    ) async {
        let pending: [Versioned<Entry>]
        do {
            pending = try await Entry.pending(in: store)
        } catch {
            report.storeErrors.append("reading the outbox: \(error)")
            return
        }
        let due = pending.filter { $0.value.nextAttemptAt <= now }.sorted {
            ($0.value.nextAttemptAt, $0.value.createdAt, $0.value.entryID)
                < ($1.value.nextAttemptAt, $1.value.createdAt, $1.value.entryID)
        }
        // Claim: one attempt more each, and nobody else tries them while the lease holds.
        let leased = due.map { entry in
            var claimed = entry.value
            claimed.attempts += 1
            claimed.nextAttemptAt = now.addingTimeInterval(lease.timeInterval)
            return Versioned(claimed, version: entry.version + 1)
        }
        let claimedKeys: Set<RecordKey>
        do {
            let claims = zip(due, leased).map { RecordClaim($1.value.record, over: $0.version) }
            claimedKeys = Set(try await store.claim(claims, limit: batchSize))
        } catch {
            report.storeErrors.append("claiming the outbox: \(error)")
            return
        }
        let mine = leased.filter { claimedKeys.contains($0.value.record.key) }
        report.skipped += max(0, min(due.count, batchSize) - mine.count)
        let sentBefore = report.sent
        for entry in mine {
            if Task.isCancelled { break }
            await deliver(entry, into: &report, send: send)
        }
        do {
            remaining += try await Entry.pending(in: store).count
        } catch {
            report.storeErrors.append("reading the outbox: \(error)")
            remaining += pending.count - (report.sent - sentBefore)
        }
    }

    /// Sends and marks one entry this worker claimed (`claimed` is the claim as written, at its new version).
    private func deliver<Entry: OutboxEntry>(
        _ claimed: Versioned<Entry>, into report: inout DeliveryReport, send: (Entry) async throws -> Void
    ) async {
        do {
            try await send(claimed.value)
        } catch {
            var retry = claimed.value
            let failedAt = clock.now()
            retry.lastError = String(String(describing: error).prefix(300))
            retry.nextAttemptAt = failedAt.addingTimeInterval(
                backoff.delay(afterFailures: retry.attempts, random: random).timeInterval)
            if await update(retry, from: claimed.version, into: &report) { report.failed += 1 }
            return
        }

        // Only now that the mailer accepted it (RULES N2).
        var sent = claimed.value
        sent.status = .sent
        sent.sentAt = clock.now()
        sent.sealedBody = []  // delivered: the body, which may hold a secret, is no longer kept
        if await update(sent, from: claimed.version, into: &report) { report.sent += 1 }
    }

    /// Writes a new state of an entry; `false` when another worker got there first or the store failed.
    private func update<Entry: OutboxEntry>(_ entry: Entry, from version: Int, into report: inout DeliveryReport)
        async -> Bool
    {
        var changes = ChangeSet()
        changes.update(entry.record, from: version)
        do {
            try await store.commit(changes)
            return true
        } catch let error as StoreError where error.code == .versionConflict {
            report.skipped += 1
            return false
        } catch {
            report.storeErrors.append("\(entry.entryID): \(error)")
            return false
        }
    }
}

/// What the worker needs of an outbox record, mail or text.
private protocol OutboxEntry: Sendable, Hashable {
    var entryID: String { get }
    var createdAt: Date { get }
    var status: MailStatus { get set }
    var attempts: Int { get set }
    var nextAttemptAt: Date { get set }
    var sentAt: Date? { get set }
    var lastError: String? { get set }
    var sealedBody: [UInt8] { get set }
    var record: Record { get }
    static func pending(in store: any AccessStore) async throws -> [Versioned<Self>]
}

private typealias MailEntry = OutboxMail
private typealias TextEntry = OutboxText

extension OutboxMail: OutboxEntry {
    fileprivate var entryID: String { "mail \(id.rawValue)" }
    fileprivate var record: Record { .mail(self) }
    fileprivate static func pending(in store: any AccessStore) async throws -> [Versioned<OutboxMail>] {
        try await store.pendingMail()
    }
}

extension OutboxText: OutboxEntry {
    fileprivate var entryID: String { "text \(id.rawValue)" }
    fileprivate var record: Record { .text(self) }
    fileprivate static func pending(in store: any AccessStore) async throws -> [Versioned<OutboxText>] {
        try await store.pendingTexts()
    }
}
