import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// Key safety and key rotation (Documentation/Operations.md, Key safety): sealed data (authenticator secrets, RULES
/// A8; outbox bodies, RULES N2, A7) is never left behind by a missing or wrong key.
@Suite("Key safety: sealing keys, rings, the registry")
struct KeySafetyTests {
    let random = SeededRandom(seed: 0x5ea1)
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))

    func key(_ byte: UInt8) throws -> SealingKey { try SealingKey([UInt8](repeating: byte, count: 32)) }

    /// A pending outbox mail whose body is sealed with `box`.
    func mail(_ id: String, body: String, box: SecretBox) -> OutboxMail {
        OutboxMail(
            id: MailID(id), to: "pat@example.com", subject: "New", body: body, sealedWith: box, random: random,
            createdAt: clock.now())
    }

    func commit(_ records: Record...) async throws {
        var changes = ChangeSet()
        for record in records { changes.insert(record) }
        try await store.commit(changes)
    }

    let store = InMemoryAccessStore()

    /// Expects a ``SealingKeyError`` of `code` naming `ids`, and that the store's feed did not move.
    func expectRefusal(
        _ code: SealingKeyError.Code, ids: [String]? = nil, containing fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async throws {
        let before = try await store.lastSequence()
        do {
            try await body()
            Issue.record("expected SealingKeyError.\(code)", sourceLocation: sourceLocation)
        } catch let error as SealingKeyError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let ids { #expect(error.keyIDs == ids, sourceLocation: sourceLocation) }
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
        }
        #expect(try await store.lastSequence() == before, "a refusal writes nothing", sourceLocation: sourceLocation)
    }

    // MARK: Keys and rings

    @Test("a key's id and check value are derived from it, differ from each other, and never show the key")
    func idAndCheckValue() throws {
        let a = try key(1)
        #expect(a.id.count == 16 && a.id.allSatisfy(\.isHexDigit))
        #expect(a.id == (try key(1)).id, "the id is a function of the key")
        #expect(a.id != (try key(2)).id)
        #expect(a.checkValue.count == 64 && !a.checkValue.hasPrefix(a.id))
        #expect(!a.checkValue.contains("0101010101"), "the check value is not the key")
        #expect("\(a)" == "SealingKey(id: \(a.id))")
        #expect(!"\(SealingKeyRing(current: a))".contains("0101"))
        #expect(throws: AccessError(.misconfigured, "")) { try SealingKey([1, 2, 3]) }
    }

    @Test("rotation: a ring seals with its current key and opens what the previous key sealed")
    func ringSealsWithCurrentOpensWithOld() throws {
        let old = try key(1)
        let new = try key(2)
        let oldBox = SealingKeyRing(current: old).box
        let sealedByOld = oldBox.seal(Array("first".utf8), using: random)
        let ring = SealingKeyRing(current: new, previous: [old])
        let sealedByNew = ring.box.seal(Array("second".utf8), using: random)
        #expect(SecretBox.keyID(ofSealed: sealedByOld) == old.id)
        #expect(SecretBox.keyID(ofSealed: sealedByNew) == new.id, "new data is sealed with the new key")
        #expect(try ring.box.open(sealedByOld) == Array("first".utf8), "the old key still opens what it sealed")
        #expect(try ring.box.open(sealedByNew) == Array("second".utf8))
        // The old key alone does not open the new value, and says which key it needs.
        do {
            _ = try oldBox.open(sealedByNew)
            Issue.record("the old key opened a value of the new one")
        } catch {
            #expect(error.code == .misconfigured && error.category == .portalFault)
            #expect(error.message.contains(new.id) && error.message.contains(old.id))
        }
        #expect(ring.previous == [old] && SealingKeyRing(current: new, previous: [new, old, old]).previous == [old])
    }

    @Test("values sealed before they carried a key id (nonce ‖ ciphertext) still open with their key")
    func unlabelledValuesOpen() throws {
        let old = try key(1)
        let labelled = SealingKeyRing(current: old).box.seal(Array("legacy".utf8), using: random)
        let unlabelled = Array(labelled.dropFirst(SecretBox.headerByteCount))
        #expect(SecretBox.keyID(ofSealed: unlabelled) == nil)
        let ring = SealingKeyRing(current: try key(2), previous: [old])
        #expect(try ring.box.open(unlabelled) == Array("legacy".utf8))
        #expect(throws: AccessError.self) { try SealingKeyRing(current: try key(3)).box.open(unlabelled) }
    }

    @Test("a context over a key ring seals outbox mail with the current key and opens the previous key's")
    func contextOverRing() throws {
        let old = try key(1)
        let new = try key(2)
        let context = ServiceContext(
            store: store, directory: InMemoryTaxpayerDirectory(), clock: clock, random: random,
            hasher: Argon2idHasher(cost: .minimum), policy: .massTaxConnect,
            keys: SealingKeyRing(current: new, previous: [old]), links: .standard(portalURL: "https://p.example"))
        #expect(context.keys.current.rawBytes == new.rawBytes)
        var draft = Decision()
        draft.mail(IdentityMail.Text(subject: "New", body: "Hello"), to: "pat@example.com")
        let fresh = try #require(try context.records(of: draft).mail.first)
        #expect(SecretBox.keyID(ofSealed: fresh.sealedBody) == new.id)
        let earlier = mail("M1", body: "Earlier", box: SealingKeyRing(current: old).box)
        #expect(try OutgoingMail(earlier, openedWith: context.sealingBox()).body == "Earlier")
    }

    // MARK: Verify

    @Test("a new store records its key; opened again without it or with another, it refuses and names the key")
    func newStoreRecordsItsKey() async throws {
        let k = try key(1)
        #expect(try await SealingKeyCheck.requirement(of: store) == SealingKeyCheck.Requirement.none)
        #expect(try await SealingKeyCheck.verify(nil, store: store, clock: clock) == nil, "nothing to protect yet")
        let registry = try #require(
            try await SealingKeyCheck.verify(SealingKeyRing(current: k), store: store, clock: clock))
        #expect(registry.currentKeyID == k.id && registry.keys.map(\.checkValue) == [k.checkValue])
        #expect(try await SealingKeyCheck.requirement(of: store) == .recordedKeys([k.id]))
        let audit = try await store.allAuditEvents().map(\.event)
        #expect(audit.map(\.action) == [.sealingKeyRegistered])
        #expect(!audit.description.contains("0101010101"))
        // Opening again with it changes nothing.
        let sequence = try await store.lastSequence()
        try await SealingKeyCheck.verify(SealingKeyRing(current: k), store: store, clock: clock)
        #expect(try await store.lastSequence() == sequence)

        try await expectRefusal(.keyMissing, ids: [k.id], containing: "no key was given") {
            try await SealingKeyCheck.verify(nil, store: store, clock: clock)
        }
        let other = try key(9)
        try await expectRefusal(.keyMissing, ids: [k.id], containing: other.id) {
            try await SealingKeyCheck.verify(SealingKeyRing(current: other), store: store, clock: clock)
        }
    }

    @Test("a restored store without its key refuses to start and loses nothing: the mail opens once the key is back")
    func restoredStoreWithoutKeyLosesNothing() async throws {
        let k = try key(1)
        let ring = SealingKeyRing(current: k)
        try await SealingKeyCheck.verify(ring, store: store, clock: clock)
        try await commit(.mail(mail("M1", body: "Your code is 123456", box: ring.box)))

        try await expectRefusal(.keyMissing, ids: [k.id], containing: k.id) {
            try await SealingKeyCheck.verify(nil, store: store, clock: clock)
        }
        try await expectRefusal(.keyMissing, ids: [k.id], containing: "do not include") {
            try await SealingKeyCheck.verify(SealingKeyRing(current: try key(2)), store: store, clock: clock)
        }
        #expect(try await store.pendingMail().count == 1, "the mail is still there")

        try await SealingKeyCheck.verify(ring, store: store, clock: clock)
        let mailer = RecordingMailer()
        let report = await OutboxDelivery(store: store, mailer: mailer, clock: clock, random: random, box: ring.box)
            .deliverPending()
        #expect(report.sent == 1)
        #expect(mailer.mails.map(\.body) == ["Your code is 123456"])
    }

    @Test("a store sealed before keys were recorded is checked value by value, then records the key that opens it")
    func unrecordedStore() async throws {
        let k = try key(1)
        let labelled = mail("M1", body: "one", box: SealingKeyRing(current: k).box)
        var unlabelled = mail("M2", body: "two", box: SealingKeyRing(current: k).box)
        unlabelled.sealedBody = Array(unlabelled.sealedBody.dropFirst(SecretBox.headerByteCount))
        try await commit(.mail(labelled), .mail(unlabelled))
        #expect(try await SealingKeyCheck.requirement(of: store) == .unrecordedSealedData(2))
        try await expectRefusal(.keyMissing, ids: [], containing: "2 sealed values") {
            try await SealingKeyCheck.verify(nil, store: store, clock: clock)
        }
        try await expectRefusal(.keyMismatch, ids: [k.id], containing: "open with none of the keys given") {
            try await SealingKeyCheck.verify(SealingKeyRing(current: try key(2)), store: store, clock: clock)
        }
        #expect(try await SealingKeyCheck.registry(in: store) == nil, "a refusal records no key")
        try await SealingKeyCheck.verify(SealingKeyRing(current: k), store: store, clock: clock)
        #expect(try await SealingKeyCheck.requirement(of: store) == .recordedKeys([k.id]))
    }

    @Test("a key with a recorded id but another check value is refused")
    func checkValueMismatch() async throws {
        let k = try key(1)
        let forged = SealingKeyRegistry(
            currentKeyID: k.id,
            keys: [.init(id: k.id, checkValue: (try key(2)).checkValue, registeredAt: clock.now())])
        try await commit(.sealingKeys(forged))
        try await expectRefusal(.keyMismatch, ids: [k.id], containing: "check value") {
            try await SealingKeyCheck.verify(SealingKeyRing(current: k), store: store, clock: clock)
        }
    }

    // MARK: Rotation, reseal, retire

    @Test("rotation end to end: record the new key, seal with it, reseal the old data, retire the old key")
    func rotation() async throws {
        let old = try key(1)
        let new = try key(2)
        let before = SealingKeyRing(current: old)
        try await SealingKeyCheck.verify(before, store: store, clock: clock)
        let secret = TOTP.generateSecret(using: random)
        try await commit(
            .mail(mail("M1", body: "old mail", box: before.box)),
            .logon(
                Logon(
                    id: "L1", username: "pat", email: "pat@example.com", fullName: "Pat",
                    twoStep: TwoStepSettings(methods: [
                        .email(address: nil),
                        .authenticator(sealedSecret: before.box.seal(secret, using: random), algorithm: .sha1),
                    ]))))

        // Rotate: the new key seals, the old one stays in the ring.
        let after = SealingKeyRing(current: new, previous: [old])
        let registry = try #require(try await SealingKeyCheck.verify(after, store: store, clock: clock))
        #expect(registry.currentKeyID == new.id && registry.liveKeys.map(\.id) == [old.id, new.id])
        try await commit(.mail(mail("M2", body: "new mail", box: after.box)))
        #expect(SecretBox.keyID(ofSealed: try #require(try await store.mail("M2")).value.sealedBody) == new.id)
        // Without the old key the store still refuses: it holds data sealed with it.
        try await expectRefusal(.keyMissing, ids: [old.id], containing: old.id) {
            try await SealingKeyCheck.verify(SealingKeyRing(current: new), store: store, clock: clock)
        }
        let usage = try await SealingKeyCheck.usage(in: store)
        let expected = [
            SealingKeyCheck.Usage(keyID: old.id, mailBodies: 1, authenticatorSecrets: 1),
            SealingKeyCheck.Usage(keyID: new.id, mailBodies: 1, authenticatorSecrets: 0),
        ].sorted { $0.keyID! < $1.keyID! }
        #expect(usage == expected)
        try await expectRefusal(.keyInUse, ids: [old.id], containing: "1 pending mail body and 1 authenticator") {
            try await SealingKeyCheck.retire(old.id, store: store, clock: clock)
        }
        try await expectRefusal(.keyInUse, ids: [new.id], containing: "current key") {
            try await SealingKeyCheck.retire(new.id, store: store, clock: clock)
        }

        // Reseal, then the old key has nothing left and retires.
        #expect(try await SealingKeyCheck.reseal(store: store, ring: after, random: random, clock: clock) == 2)
        #expect(try await SealingKeyCheck.usage(in: store).map(\.keyID) == [new.id])
        try await SealingKeyCheck.retire(old.id, store: store, clock: clock)
        let onlyNew = SealingKeyRing(current: new)
        try await SealingKeyCheck.verify(onlyNew, store: store, clock: clock)
        // Everything opens with the new key alone: the mails and the authenticator secret.
        let logon = try #require(try await store.logon("L1")).value
        #expect(logon.twoStep.methods.compactMap(\.sealedSecret).map { try? onlyNew.box.open($0) } == [secret])
        let bodies = try await store.pendingMail().map { try OutgoingMail($0.value, openedWith: onlyNew.box).body }
        #expect(bodies.sorted() == ["new mail", "old mail"])
        let actions = try await store.allAuditEvents().map(\.event.action)
        #expect(actions.filter { $0 == .sealedDataResealed }.count == 2 && actions.last == .sealingKeyRetired)
        try await expectRefusal(.keyUnknown, ids: ["0000000000000000"], containing: "no record") {
            try await SealingKeyCheck.retire("0000000000000000", store: store, clock: clock)
        }
    }

    @Test("a lost key with nothing sealed under it can be retired without it, and a new key then starts the store")
    func lostKeyWithNothingSealed() async throws {
        let lost = try key(1)
        try await SealingKeyCheck.verify(SealingKeyRing(current: lost), store: store, clock: clock)
        // Rotated to a key that is also lost: the operator made a new one and retires the old ones one by one.
        let replacement = try key(2)
        try await SealingKeyCheck.verify(
            SealingKeyRing(current: replacement, previous: [lost]), store: store, clock: clock)
        try await SealingKeyCheck.retire(lost.id, store: store, clock: clock)
        #expect(try await SealingKeyCheck.requirement(of: store) == .recordedKeys([replacement.id]))
    }
}
