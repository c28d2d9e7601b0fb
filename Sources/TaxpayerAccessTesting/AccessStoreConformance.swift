public import TaxpayerAccess
import TaxpayerAccessInMemory
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The contract every `AccessStore` must keep (Documentation/Architecture.md, the storage contract), as a suite any adapter runs.
///
/// ```swift
/// @Test(arguments: AccessStoreConformance.Check.allCases)
/// func conformance(_ check: AccessStoreConformance.Check) async throws {
///     try await AccessStoreConformance { try MyStore(temporary: true) }.run(check)
/// }
/// ```
public struct AccessStoreConformance: Sendable {
    /// One clause of the contract.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        /// Records read back by key, unique key, index and kind; versions start at 1 and grow by one.
        case readsAndVersions
        /// A commit failing on its last record leaves nothing behind: no record, feed entry, audit event or mail.
        case atomicCommit
        /// A write from a stale version is refused, and so is inserting over an existing record.
        case staleVersionRefused
        /// Usernames are unique case-insensitively, for ever (RULES R5).
        case usernameUnique
        /// Emails are unique case-insensitively among live logons (RULES R4).
        case emailUnique
        /// 32 tasks register the same username at once: exactly one wins, the rest get the uniqueness refusal.
        case concurrentRegistration
        /// The change feed holds every commit once, in order, without gaps, pageable.
        case changeFeedOrdered
        /// The audit log only grows; earlier events never change.
        case auditAppendOnly
        /// Outbox mail commits with its change and is pending until marked sent (RULES N2).
        case outboxWithChange
        /// Deletions need the current version and free the record's unique keys.
        case deletions
        /// The key registry reads back, and a store holding sealed mail refuses a missing or other key and loses
        /// nothing (Documentation/Operations.md, Key safety).
        case sealingKeys

        public var description: String { rawValue }
    }

    /// A conformance failure: what was expected and what the store did.
    public struct Failure: Error, CustomStringConvertible {
        public let check: Check
        public let message: String
        public var description: String { "AccessStoreConformance.\(check): \(message)" }
    }

    private let makeStore: @Sendable () async throws -> any AccessStore

    /// - Parameter makeStore: makes a new, empty store for each check.
    public init(makeStore: @escaping @Sendable () async throws -> any AccessStore) {
        self.makeStore = makeStore
    }

    /// Runs every check.
    public func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }

    /// Runs one check on a fresh store.
    public func run(_ check: Check) async throws {
        let store = try await makeStore()
        let c = Checker(check: check, store: store)
        switch check {
        case .readsAndVersions: try await c.readsAndVersions()
        case .atomicCommit: try await c.atomicCommit()
        case .staleVersionRefused: try await c.staleVersionRefused()
        case .usernameUnique: try await c.usernameUnique()
        case .emailUnique: try await c.emailUnique()
        case .concurrentRegistration: try await c.concurrentRegistration()
        case .changeFeedOrdered: try await c.changeFeedOrdered()
        case .auditAppendOnly: try await c.auditAppendOnly()
        case .outboxWithChange: try await c.outboxWithChange()
        case .deletions: try await c.deletions()
        case .sealingKeys: try await c.sealingKeys()
        }
    }
}

private struct Checker {
    let check: AccessStoreConformance.Check
    let store: any AccessStore
    let time = Date(timeIntervalSince1970: 1_800_000_000)

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw AccessStoreConformance.Failure(check: check, message: message()) }
    }

    func expectRefusal(_ code: StoreError.Code, _ what: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as StoreError {
            try expect(error.code == code, "\(what): expected \(code), got \(error.code)")
            return
        }
        try expect(false, "\(what): expected \(code), but the commit succeeded")
    }

    func logon(_ id: String, _ username: String, _ email: String, status: LogonStatus = .active) -> Logon {
        Logon(
            id: LogonID(id), username: username, email: email, fullName: "Person \(id)", status: status, createdAt: time
        )
    }

    func taxpayer(_ id: String, _ number: String) -> Taxpayer {
        Taxpayer(
            id: TaxpayerID(id), taxID: TaxIdentifier(type: .ssn, number: number), legalName: "Taxpayer \(id)",
            kind: .individual)
    }

    func commit(_ build: (inout ChangeSet) -> Void) async throws {
        var changes = ChangeSet()
        build(&changes)
        try await store.commit(changes)
    }

    func readsAndVersions() async throws {
        try await commit {
            $0.insert(.taxpayer(taxpayer("T1", "123456789")))
            $0.insert(.account(TaxAccount(id: "A1", taxpayer: "T1", type: .withholding)))
            $0.insert(.account(TaxAccount(id: "A2", taxpayer: "T1", type: .personalIncome)))
            $0.insert(.logon(logon("L1", "Pat.Client", "Pat@Example.com")))
        }
        let read = try await store.taxpayer("T1")
        try expect(read?.version == 1, "a new record is at version 1, got \(String(describing: read?.version))")
        try expect(read?.value.legalName == "Taxpayer T1", "the record reads back as written")
        let byTaxID = try await store.taxpayer(byTaxID: TaxIdentifier(type: .ssn, number: "123456789"))
        try expect(byTaxID?.value.id == "T1", "a record reads back by its unique key")
        let byUsername = try await store.logon(byUsername: "pat.client")
        try expect(byUsername?.value.id == "L1", "a logon reads back by its username in any case")
        let accounts = try await store.accounts(of: "T1")
        try expect(
            accounts.map(\.value.id) == ["A1", "A2"],
            "the index lists both accounts in id order, got \(accounts.map(\.value.id))")
        let all = try await store.records(ofKind: .account)
        try expect(all.count == 2, "records(ofKind:) lists every account")
        var updated = read!.value
        updated.legalName = "Renamed"
        try await commit { $0.update(.taxpayer(updated), from: 1) }
        let again = try await store.taxpayer("T1")
        try expect(again?.version == 2 && again?.value.legalName == "Renamed", "an update bumps the version to 2")
        try expect(try await store.logon("missing") == nil, "an unknown id reads as nil")
    }

    func atomicCommit() async throws {
        try await commit { $0.insert(.taxpayer(taxpayer("T1", "111111111"))) }
        let before = try await store.lastSequence()
        let auditBefore = try await store.auditEvents(after: 0, limit: 100).count
        // Fails on its last write: a stale version.
        try await expectRefusal(.versionConflict, "a change set whose last write is stale") {
            try await commit {
                $0.insert(.logon(logon("L1", "first", "first@example.com")))
                $0.send(
                    OutboxMail(id: "M1", to: "first@example.com", subject: "s", sealedBody: [1, 2, 3], createdAt: time))
                $0.audit(AuditEvent(time: time, actor: .system, action: .recordWritten, subject: "logon/L1"))
                $0.update(.taxpayer(taxpayer("T1", "111111111")), from: 7)
            }
        }
        // Fails on its last write: a unique key.
        try await expectRefusal(.uniqueKeyTaken, "a change set whose last write takes a used ID") {
            try await commit {
                $0.insert(.logon(logon("L2", "second", "second@example.com")))
                $0.insert(.taxpayer(taxpayer("T2", "111111111")))
            }
        }
        try expect(try await store.logon("L1") == nil, "nothing of a failed commit is written (L1)")
        try expect(try await store.logon("L2") == nil, "nothing of a failed commit is written (L2)")
        try expect(try await store.logon(byUsername: "first") == nil, "a failed commit claims no unique key")
        try expect(try await store.pendingMail().isEmpty, "a failed commit leaves no outbox mail")
        try expect(try await store.lastSequence() == before, "a failed commit adds nothing to the feed")
        try expect(
            try await store.auditEvents(after: 0, limit: 100).count == auditBefore,
            "a failed commit adds no audit event")
        // The store still works.
        try await commit { $0.insert(.logon(logon("L1", "first", "first@example.com"))) }
        try expect(try await store.logon("L1") != nil, "a later good commit lands")
    }

    func staleVersionRefused() async throws {
        try await commit { $0.insert(.taxpayer(taxpayer("T1", "222222222"))) }
        var t = taxpayer("T1", "222222222")
        t.legalName = "A"
        try await commit { $0.update(.taxpayer(t), from: 1) }
        t.legalName = "B"
        try await expectRefusal(.versionConflict, "an update from version 1 after version 2 was written") {
            try await commit { $0.update(.taxpayer(t), from: 1) }
        }
        try await expectRefusal(.versionConflict, "inserting over an existing record") {
            try await commit { $0.insert(.taxpayer(t)) }
        }
        try await expectRefusal(.versionConflict, "updating a record that does not exist") {
            try await commit { $0.update(.taxpayer(taxpayer("T404", "999999999")), from: 1) }
        }
        try expect(try await store.taxpayer("T1")?.value.legalName == "A", "the refused writes changed nothing")
    }

    func usernameUnique() async throws {
        try await commit { $0.insert(.logon(logon("L1", "Pat.Client", "a@example.com"))) }
        try await expectRefusal(.uniqueKeyTaken, "the same username in another case") {
            try await commit { $0.insert(.logon(logon("L2", "PAT.client", "b@example.com"))) }
        }
        // Deleted: the username is still never reused (RULES R5).
        var deleted = logon("L1", "Pat.Client", "a@example.com")
        deleted.status = .deleted
        try await commit { $0.update(.logon(deleted), from: 1) }
        try await expectRefusal(.uniqueKeyTaken, "the username of a deleted logon") {
            try await commit { $0.insert(.logon(logon("L3", "pat.client", "c@example.com"))) }
        }
        // Within one change set.
        try await expectRefusal(.uniqueKeyTaken, "two new logons with one username in one commit") {
            try await commit {
                $0.insert(.logon(logon("L4", "twin", "d@example.com")))
                $0.insert(.logon(logon("L5", "TWIN", "e@example.com")))
            }
        }
        do {
            try await commit { $0.insert(.logon(logon("L6", "PAT.client", "b@example.com"))) }
            try expect(false, "the refusal names the username")
        } catch let error as StoreError {
            try expect(error.uniqueKeyName == .username, "the refusal names the username key, got \(error.subject)")
        }
    }

    func emailUnique() async throws {
        try await commit { $0.insert(.logon(logon("L1", "one", "Pat@Example.com"))) }
        do {
            try await commit { $0.insert(.logon(logon("L2", "two", "pat@example.COM"))) }
            try expect(false, "a shared email in another case was accepted")
        } catch let error as StoreError {
            try expect(
                error.code == .uniqueKeyTaken && error.uniqueKeyName == .email,
                "the refusal names the email key, got \(error)")
        }
        // A deleted logon's email is free again (RULES R4: one live logon).
        var deleted = logon("L1", "one", "Pat@Example.com")
        deleted.status = .deleted
        try await commit { $0.update(.logon(deleted), from: 1) }
        try await commit { $0.insert(.logon(logon("L2", "two", "pat@example.com"))) }
        try expect(try await store.logon(byEmail: "PAT@example.com")?.value.id == "L2", "the email now reads as L2's")
        // Swapping emails between two logons in one commit is allowed: the check is on the outcome.
        try await commit { $0.insert(.logon(logon("L3", "three", "x@example.com"))) }
        let l2 = try await store.logon("L2")!
        let l3 = try await store.logon("L3")!
        var a = l2.value
        var b = l3.value
        (a.email, b.email) = (b.email, a.email)
        try await commit {
            $0.update(.logon(a), from: l2.version)
            $0.update(.logon(b), from: l3.version)
        }
        try expect(try await store.logon(byEmail: "x@example.com")?.value.id == "L2", "a swap of emails lands")
    }

    func concurrentRegistration() async throws {
        let results = await withTaskGroup(of: Result<Void, any Error>.self) { group in
            for i in 0..<32 {
                group.addTask {
                    let name = i.isMultiple(of: 2) ? "racer" : "RACER"
                    var changes = ChangeSet()
                    changes.insert(.logon(logon("L\(i)", name, "racer\(i)@example.com")))
                    do {
                        try await store.commit(changes)
                        return .success(())
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<Void, any Error>] = []
            for await r in group { all.append(r) }
            return all
        }
        let wins = results.filter { if case .success = $0 { true } else { false } }.count
        try expect(wins == 1, "exactly one of 32 racing registrations wins, got \(wins)")
        for case .failure(let error) in results {
            guard let storeError = error as? StoreError else {
                throw AccessStoreConformance.Failure(check: check, message: "a loser got \(error)")
            }
            try expect(storeError.code == .uniqueKeyTaken, "every loser gets uniqueKeyTaken, got \(storeError.code)")
        }
        try expect(try await store.records(ofKind: .logon).count == 1, "one logon is stored")
    }

    func changeFeedOrdered() async throws {
        let start = try await store.lastSequence()
        var sequences: [UInt64] = []
        for i in 0..<25 {
            var changes = ChangeSet()
            changes.insert(.taxpayer(taxpayer("T\(i)", String(100_000_000 + i))))
            sequences.append(try await store.commit(changes))
        }
        try expect(
            sequences == (1...25).map { start + UInt64($0) }, "commits get consecutive sequences, got \(sequences)")
        var seen: [Change] = []
        var after = start
        while true {
            let page = try await store.changes(after: after, limit: 7)
            if page.isEmpty { break }
            try expect(page.count <= 7, "a page holds at most its limit")
            seen += page
            after = page.last!.sequence
        }
        try expect(seen.map(\.sequence) == sequences, "the feed lists every commit once, in order")
        for (i, change) in seen.enumerated() {
            try expect(
                change.written.map(\.value.key) == [RecordKey(.taxpayer, "T\(i)")],
                "feed entry \(i) carries the record written")
        }
        try expect(try await store.lastSequence() == start + 25, "lastSequence is the last commit")
    }

    func auditAppendOnly() async throws {
        for i in 0..<5 {
            try await commit {
                $0.audit(
                    AuditEvent(
                        time: time.addingTimeInterval(Double(i)), actor: .system, action: .recordWritten,
                        subject: "event/\(i)", note: "n\(i)"))
            }
        }
        let first = try await store.auditEvents(after: 0, limit: 100)
        try expect(first.map(\.sequence) == [1, 2, 3, 4, 5], "audit sequences are 1…5, got \(first.map(\.sequence))")
        try expect(first.map(\.event.subject) == (0..<5).map { "event/\($0)" }, "events keep their order")
        try await commit {
            $0.audit(AuditEvent(time: time, actor: .system, action: .recordWritten, subject: "event/5"))
        }
        let second = try await store.auditEvents(after: 0, limit: 100)
        try expect(Array(second.prefix(5)) == first, "earlier events are unchanged after more are appended")
        try expect(second.count == 6, "the log grew by one")
        let tail = try await store.auditEvents(after: 4, limit: 100)
        try expect(tail.map(\.sequence) == [5, 6], "reading after 4 gives 5 and 6")
    }

    func outboxWithChange() async throws {
        try await commit {
            $0.insert(.logon(logon("L1", "mailme", "mail@example.com")))
            $0.send(
                OutboxMail(
                    id: "M1", to: "mail@example.com", subject: "Welcome", sealedBody: [4, 5, 6], createdAt: time))
        }
        let pending = try await store.pendingMail()
        try expect(pending.map(\.value.id) == ["M1"], "the mail is pending after its commit")
        var sent = pending[0].value
        sent.status = .sent
        sent.sentAt = time
        try await commit { $0.update(.mail(sent), from: pending[0].version) }
        try expect(try await store.pendingMail().isEmpty, "a sent mail is no longer pending")
        try expect(try await store.mail("M1")?.value.status == .sent, "the sent mail is kept")
    }

    func sealingKeys() async throws {
        let clock = ManualTimeSource(now: time)
        let key = try SealingKey([UInt8](repeating: 3, count: SealingKey.byteCount))
        let ring = SealingKeyRing(current: key)
        try await SealingKeyCheck.verify(ring, store: store, clock: clock)
        let registry = try await SealingKeyCheck.registry(in: store)
        try expect(
            registry?.value.keys.map(\.checkValue) == [key.checkValue] && registry?.version == 1,
            "the key registry reads back with its check value at version 1")
        try await commit {
            $0.send(
                OutboxMail(
                    id: "M1", to: "mail@example.com", subject: "Code", body: "Your code is 112358.",
                    sealedWith: ring.box, random: SeededRandom(seed: 1), createdAt: time))
        }
        for (name, given) in [
            ("no key", nil), ("another key", SealingKeyRing(current: try SealingKey([UInt8](repeating: 4, count: 32)))),
        ] {
            do {
                try await SealingKeyCheck.verify(given, store: store, clock: clock)
                try expect(false, "a store holding sealed mail started with \(name)")
            } catch let error as SealingKeyError {
                try expect(error.code == .keyMissing && error.keyIDs == [key.id], "\(name): \(error)")
            }
        }
        let pending = try await store.pendingMail()
        try expect(pending.count == 1, "the refusals lost nothing: \(pending.count) pending mails")
        try await SealingKeyCheck.verify(ring, store: store, clock: clock)
        try expect(
            (try? OutgoingMail(pending[0].value, openedWith: ring.box).body) == "Your code is 112358.",
            "the mail opens with its key")
    }

    func deletions() async throws {
        try await commit {
            $0.insert(
                .session(
                    Session(
                        id: "S1", tokenHash: TokenHash(hex: "ab"), logon: "L1", stage: .authenticated,
                        createdAt: time, lastActivityAt: time)))
        }
        try await expectRefusal(.versionConflict, "a deletion from a wrong version") {
            try await commit { $0.delete(RecordKey(.session, "S1"), from: 5) }
        }
        try await commit { $0.delete(RecordKey(.session, "S1"), from: 1) }
        try expect(try await store.record(RecordKey(.session, "S1")) == nil, "a deleted record is gone")
        try expect(try await store.session(byTokenHash: TokenHash(hex: "ab")) == nil, "its unique key is free")
        try expect(try await store.sessions(of: "L1").isEmpty, "its index entry is gone")
        let last = try await store.changes(after: try await store.lastSequence() - 1, limit: 1)
        try expect(last.first?.deleted == [RecordKey(.session, "S1")], "the feed carries the deletion")
    }
}
