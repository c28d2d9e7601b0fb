#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a store records about the keys that sealed its data: each key's id and check value
/// (``SealingKey/checkValue``), never a key. One record, written by ``SealingKeyCheck/verify(_:store:clock:)`` the
/// first time a store is opened with a key.
public struct SealingKeyRegistry: Hashable, Sendable, Codable {
    /// The id of the one registry record (``RecordKind/sealingKeys``).
    public static let recordID = "registry"

    /// One key the store has known.
    public struct Entry: Hashable, Sendable, Codable {
        /// ``SealingKey/id``.
        public var id: String
        /// ``SealingKey/checkValue``: proves a key given later is this one.
        public var checkValue: String
        /// When the store first saw the key.
        public var registeredAt: Date
        /// When ``SealingKeyCheck/retire(_:store:ring:clock:)`` found nothing sealed with it any more; a retired key
        /// is no longer asked for.
        public var retiredAt: Date?

        public init(id: String, checkValue: String, registeredAt: Date, retiredAt: Date? = nil) {
            self.id = id
            self.checkValue = checkValue
            self.registeredAt = registeredAt
            self.retiredAt = retiredAt
        }
    }

    /// The key that seals new data, as last verified.
    public var currentKeyID: String
    /// Every key the store has known, oldest first.
    public var keys: [Entry]

    public init(currentKeyID: String, keys: [Entry]) {
        self.currentKeyID = currentKeyID
        self.keys = keys
    }

    /// The keys not retired: every one must be given for the store to open.
    public var liveKeys: [Entry] { keys.filter { $0.retiredAt == nil } }
}

/// A key safety refusal: the store holds sealed data that the keys given cannot open, or a key cannot be retired
/// yet. Its message names the keys (by id, never their bytes) and what to do; nothing was written.
public struct SealingKeyError: CategorizedError, Hashable, CustomStringConvertible {
    /// What is wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: Hashable, Sendable { case keyMissing, keyMismatch, keyInUse, keyUnknown }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        /// The store holds data sealed with a key that was not given (no key at all, or not this one).
        public static let keyMissing = Code(.keyMissing)
        /// A key given has the id of a recorded key but not its check value, or sealed values open with no key given.
        public static let keyMismatch = Code(.keyMismatch)
        /// The key cannot be retired: sealed values still need it, or it is the current key.
        public static let keyInUse = Code(.keyInUse)
        /// No such key is recorded.
        public static let keyUnknown = Code(.keyUnknown)
        public var description: String { "\(kind)" }
    }

    public let code: Code
    /// The ids of the keys concerned.
    public let keyIDs: [String]
    /// What is wrong and what to do; never a key.
    public let message: String

    public init(_ code: Code, keyIDs: [String], _ message: String) {
        self.code = code
        self.keyIDs = keyIDs
        self.message = message
    }

    /// Always the portal's own fault: its keys are not the ones its data needs.
    public var category: ErrorCategory { .portalFault }
    /// Never shown: it names key ids and files, for the operators.
    public var safeMessage: String? { nil }

    public var description: String { "SealingKeyError.\(code): \(message)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.keyIDs == rhs.keyIDs }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(keyIDs)
    }
}

/// Key safety for any ``AccessStore`` (Documentation/Operations.md, Key safety): a store that holds sealed data
/// (authenticator secrets, pending outbox mail bodies) refuses to start with a missing or different key, instead of
/// running on with data nobody can open; and keys rotate — a new key seals new data while the old ones still open
/// what they sealed, until nothing sealed with them remains.
///
/// Call ``verify(_:store:clock:)`` once at start, before any service runs:
///
/// ```swift
/// let ring = SealingKeyRing(current: try SealingKey(currentKeyBytes), previous: [try SealingKey(oldKeyBytes)])
/// try await SealingKeyCheck.verify(ring, store: store, clock: SystemTimeSource())   // refuses a wrong ring
/// let context = ServiceContext(store: store, …, keyRing: ring)
/// ```
public enum SealingKeyCheck {
    /// What a store asks of the keys it is opened with.
    public enum Requirement: Hashable, Sendable {
        /// No key recorded and nothing sealed: any key will do, a new one may be made.
        case none
        /// The store recorded these keys (ids): each must be given.
        case recordedKeys([String])
        /// The store holds this many sealed values from before keys were recorded.
        case unrecordedSealedData(Int)
    }

    /// How many sealed values one key still opens.
    public struct Usage: Hashable, Sendable {
        /// ``SealingKey/id``; `nil` for values that name no key (sealed before values carried key ids) and that no
        /// key given opens.
        public var keyID: String?
        /// Pending outbox mail bodies (RULES N2); they go as the mail is delivered.
        public var mailBodies: Int
        /// Authenticator-app secrets of logons and of set-ups in progress (RULES A8); they stay until resealed.
        public var authenticatorSecrets: Int
        /// All of them.
        public var total: Int { mailBodies + authenticatorSecrets }
    }

    /// What the store asks: ``Requirement/none`` means a new key may be made without losing anything.
    ///
    /// Reads the registry; only when there is none does it read every logon, code set-up and pending mail.
    public static func requirement(of store: any AccessStore) async throws -> Requirement {
        if let registry = try await registry(in: store)?.value, !registry.liveKeys.isEmpty {
            return .recordedKeys(registry.liveKeys.map(\.id))
        }
        let sealed = try await sealedValues(in: store).count
        return sealed == 0 ? .none : .unrecordedSealedData(sealed)
    }

    /// Checks the keys a store is opened with, and records them; call it at start, before any service runs.
    ///
    /// - With no ring (`nil`: no key was given): refuses unless the store has recorded no key and holds nothing sealed.
    /// - Every key the store recorded and has not retired must be in the ring, with its check value.
    /// - A store without a registry (new, or sealed before keys were recorded) is checked value by value: every
    ///   sealed value must name a key of the ring or open with one; then the ring's keys are recorded.
    /// - A current key the store has not seen (a rotation) is recorded and becomes the current one.
    ///
    /// Nothing is changed when it refuses. Recording a key is one commit with an audit event (RULES U1).
    ///
    /// - Returns: the registry as it now stands; `nil` when no ring was given (and none was needed).
    /// - Throws: ``SealingKeyError`` (``SealingKeyError/Code/keyMissing``, ``SealingKeyError/Code/keyMismatch``)
    ///   naming the keys and what to do; ``StoreError`` when the store fails.
    @discardableResult
    public static func verify(
        _ ring: SealingKeyRing?, store: any AccessStore, clock: any TimeSource
    ) async throws -> SealingKeyRegistry? {
        guard let ring else {
            switch try await requirement(of: store) {
            case .none: return nil
            case .recordedKeys(let ids):
                throw SealingKeyError(
                    .keyMissing, keyIDs: ids,
                    "The store holds data sealed with key \(list(ids)), and no key was given. Give back the key "
                        + "file kept with this store (a new key cannot open what the old one sealed).")
            case .unrecordedSealedData(let count):
                throw SealingKeyError(
                    .keyMissing, keyIDs: [],
                    "The store holds \(count) sealed value\(count == 1 ? "" : "s"), and no key was given. Give back "
                        + "the key file kept with this store (a new key cannot open what the old one sealed).")
            }
        }
        for _ in 0..<5 {
            let now = clock.now()
            var changes = ChangeSet()
            let updated: SealingKeyRegistry
            if let existing = try await registry(in: store) {
                var registry = existing.value
                for entry in registry.liveKeys {
                    guard let key = ring.key(withID: entry.id) else {
                        throw SealingKeyError(
                            .keyMissing, keyIDs: [entry.id],
                            "The store holds data sealed with key \(entry.id), which the keys given (\(list(ring))) "
                                + "do not include. Give it back, as a previous key if a newer one seals now; retire "
                                + "it only once nothing sealed with it remains.")
                    }
                    try check(key, against: entry)
                }
                if let index = registry.keys.firstIndex(where: { $0.id == ring.current.id }) {
                    try check(ring.current, against: registry.keys[index])
                    if registry.currentKeyID == ring.current.id && registry.keys[index].retiredAt == nil {
                        return registry
                    }
                    registry.keys[index].retiredAt = nil
                } else {
                    registry.keys.append(entry(for: ring.current, at: now))
                }
                let note = "key \(ring.current.id) seals from now on (was \(registry.currentKeyID))"
                registry.currentKeyID = ring.current.id
                changes.update(.sealingKeys(registry), from: existing.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: .system, action: .sealingKeyRegistered,
                        subject: "sealingKeys/\(SealingKeyRegistry.recordID)", note: note))
                updated = registry
            } else {
                let values = try await sealedValues(in: store)
                let box = ring.box
                let strangers = values.filter { value in
                    if let id = SecretBox.keyID(ofSealed: value.bytes), ring.key(withID: id) != nil { return false }
                    return (try? box.open(value.bytes)) == nil
                }
                if !strangers.isEmpty {
                    let ids = Array(Set(strangers.compactMap { SecretBox.keyID(ofSealed: $0.bytes) })).sorted()
                    throw SealingKeyError(
                        .keyMismatch, keyIDs: ids,
                        "\(strangers.count) sealed value\(strangers.count == 1 ? "" : "s") in the store "
                            + "(\(strangers.first!.subject)\(strangers.count > 1 ? ", …" : "")) open with none of the "
                            + "keys given (\(list(ring)))"
                            + (ids.isEmpty ? "" : "; they name key \(list(ids))")
                            + ". Give the key the store was used with.")
                }
                updated = SealingKeyRegistry(
                    currentKeyID: ring.current.id, keys: ring.keys.map { entry(for: $0, at: now) })
                changes.insert(.sealingKeys(updated))
                changes.audit(
                    AuditEvent(
                        time: now, actor: .system, action: .sealingKeyRegistered,
                        subject: "sealingKeys/\(SealingKeyRegistry.recordID)",
                        note: "keys recorded: \(list(ring)); \(ring.current.id) seals"))
            }
            do {
                try await store.commit(changes)
                return updated
            } catch let error as StoreError where error.code == .versionConflict {
                continue  // another process recorded first: check against what it wrote
            }
        }
        throw StoreError(.unavailable, message: "The key registry kept changing while it was checked.")
    }

    /// How many sealed values each key still opens, for deciding when an old key can be retired.
    ///
    /// Reads every logon, code set-up and pending mail. A value sealed before values carried key ids is counted
    /// under the ring's key that opens it, or under `nil` when no ring is given or none opens it.
    ///
    /// - Returns: one ``Usage`` per key id met, in id order (`nil` last).
    public static func usage(in store: any AccessStore, ring: SealingKeyRing? = nil) async throws -> [Usage] {
        var byKey: [String?: Usage] = [:]
        for value in try await sealedValues(in: store) {
            let id = owner(of: value.bytes, ring: ring)
            var usage = byKey[id] ?? Usage(keyID: id, mailBodies: 0, authenticatorSecrets: 0)
            switch value.kind {
            case .mail: usage.mailBodies += 1
            default: usage.authenticatorSecrets += 1
            }
            byKey[id] = usage
        }
        return byKey.values.sorted { ($0.keyID ?? "\u{10FFFF}") < ($1.keyID ?? "\u{10FFFF}") }
    }

    /// Seals again, with the ring's current key, every value sealed with another key: what an operator runs after
    /// a rotation so the old key can be retired without waiting (authenticator secrets never go by themselves).
    ///
    /// Each record is rewritten from the version read (a concurrent change is read again, not overwritten), with an
    /// audit event. Call ``verify(_:store:clock:)`` with the same ring first.
    ///
    /// - Returns: how many records were rewritten.
    /// - Throws: ``AccessError`` when a value opens with no key of the ring (nothing of that record is written);
    ///   ``StoreError`` when the store fails.
    @discardableResult
    public static func reseal(
        store: any AccessStore, ring: SealingKeyRing, random: any RandomSource, clock: any TimeSource
    ) async throws -> Int {
        let box = ring.box
        var rewritten = 0
        let keys = Set(try await sealedValues(in: store).map(\.key))
        for key in keys.sorted(by: { $0.description < $1.description }) {
            for attempt in 1...5 {
                guard let current = try await store.record(key) else { break }
                var failure: AccessError?
                let resealed = current.value.resealing { value in
                    if SecretBox.keyID(ofSealed: value) == ring.current.id { return nil }
                    do throws(AccessError) {
                        return box.seal(try box.open(value), using: random)
                    } catch {
                        failure = error
                        return nil
                    }
                }
                if let failure { throw failure }
                guard let resealed else { break }
                var changes = ChangeSet()
                changes.update(resealed, from: current.version)
                changes.audit(
                    AuditEvent(
                        time: clock.now(), actor: .system, action: .sealedDataResealed, subject: key.description,
                        note: "sealed again with key \(ring.current.id)"))
                do {
                    try await store.commit(changes)
                    rewritten += 1
                    break
                } catch let error as StoreError where error.code == .versionConflict && attempt < 5 {
                    continue
                }
            }
        }
        return rewritten
    }

    /// Marks a key retired, once nothing sealed with it remains: the store no longer asks for it, and it may be
    /// dropped from the key ring. Works without the key itself (a lost key with nothing sealed under it can be
    /// retired too).
    ///
    /// - Parameters:
    ///   - keyID: the id of the key to retire.
    ///   - store: the store whose registry records it.
    ///   - ring: the keys at hand, to tell which one opens values that name no key; without it such values keep
    ///     every key from being retired.
    ///   - clock: when, for the registry and the audit log.
    /// - Throws: ``SealingKeyError``: ``SealingKeyError/Code/keyUnknown`` for a key the store never recorded;
    ///   ``SealingKeyError/Code/keyInUse`` for the current key or one that still opens something (with the counts).
    public static func retire(
        _ keyID: String, store: any AccessStore, ring: SealingKeyRing? = nil, clock: any TimeSource
    ) async throws {
        for _ in 0..<5 {
            guard let existing = try await registry(in: store),
                let index = existing.value.keys.firstIndex(where: { $0.id == keyID })
            else {
                throw SealingKeyError(.keyUnknown, keyIDs: [keyID], "The store has no record of key \(keyID).")
            }
            var registry = existing.value
            if registry.keys[index].retiredAt != nil { return }
            if registry.currentKeyID == keyID {
                throw SealingKeyError(
                    .keyInUse, keyIDs: [keyID],
                    "Key \(keyID) is the current key: rotate to a new key first, then reseal, then retire it.")
            }
            let usage = try await usage(in: store, ring: ring).filter { $0.keyID == keyID || $0.keyID == nil }
            let mails = usage.reduce(0) { $0 + $1.mailBodies }
            let secrets = usage.reduce(0) { $0 + $1.authenticatorSecrets }
            if mails + secrets > 0 {
                throw SealingKeyError(
                    .keyInUse, keyIDs: [keyID],
                    "Key \(keyID) may still open \(mails) pending mail bod\(mails == 1 ? "y" : "ies") and "
                        + "\(secrets) authenticator secret\(secrets == 1 ? "" : "s")"
                        + (usage.contains { $0.keyID == nil } ? " (some name no key: give the keys to tell)" : "")
                        + ". Reseal them with the current key (or let the mail be delivered), then retire it.")
            }
            let now = clock.now()
            registry.keys[index].retiredAt = now
            var changes = ChangeSet()
            changes.update(.sealingKeys(registry), from: existing.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .system, action: .sealingKeyRetired,
                    subject: "sealingKeys/\(SealingKeyRegistry.recordID)", note: "key \(keyID) retired"))
            do {
                try await store.commit(changes)
                return
            } catch let error as StoreError where error.code == .versionConflict {
                continue
            }
        }
        throw StoreError(.unavailable, message: "The key registry kept changing while a key was retired.")
    }

    /// The registry record, if the store has one.
    public static func registry(in store: any AccessStore) async throws -> Versioned<SealingKeyRegistry>? {
        guard let record = try await store.record(RecordKey(.sealingKeys, SealingKeyRegistry.recordID)) else {
            return nil
        }
        guard case .sealingKeys(let registry) = record.value else {
            throw StoreError(.corrupt, subject: "sealingKeys/registry", message: "The key registry record is not one.")
        }
        return Versioned(registry, version: record.version)
    }

    // MARK: - Sealed values

    /// One sealed value and the record holding it.
    struct SealedValue {
        var key: RecordKey
        var bytes: [UInt8]
        var kind: RecordKind { key.kind }
        var subject: String { key.description }
    }

    /// Every sealed value in the store: authenticator secrets of logons and of code set-ups, pending mail and text
    /// bodies.
    static func sealedValues(in store: any AccessStore) async throws -> [SealedValue] {
        var values: [SealedValue] = []
        for kind in [RecordKind.logon, .verificationCode] {
            for record in try await store.records(ofKind: kind) {
                values += record.value.sealedValues.map { SealedValue(key: record.value.key, bytes: $0) }
            }
        }
        for mail in try await store.pendingMail() {
            values += Record.mail(mail.value).sealedValues.map {
                SealedValue(key: RecordKey(.mail, mail.value.id.rawValue), bytes: $0)
            }
        }
        for text in try await store.pendingTexts() {
            values += Record.text(text.value).sealedValues.map {
                SealedValue(key: RecordKey(.text, text.value.id.rawValue), bytes: $0)
            }
        }
        return values
    }

    /// The key that opens a value: the id it names, else the ring's key that opens it, else `nil`.
    private static func owner(of sealed: [UInt8], ring: SealingKeyRing?) -> String? {
        if let id = SecretBox.keyID(ofSealed: sealed) { return id }
        guard let ring else { return nil }
        for key in ring.keys where (try? SecretBox(ring: SealingKeyRing(current: key)).open(sealed)) != nil {
            return key.id
        }
        return nil
    }

    private static func check(_ key: SealingKey, against entry: SealingKeyRegistry.Entry) throws {
        guard ConstantTime.equals(key.checkValue, entry.checkValue) else {
            throw SealingKeyError(
                .keyMismatch, keyIDs: [entry.id],
                "The key given as \(entry.id) is not the key the store recorded under that id (its check value "
                    + "differs). Give the key file kept with this store.")
        }
    }

    private static func entry(for key: SealingKey, at time: Date) -> SealingKeyRegistry.Entry {
        SealingKeyRegistry.Entry(id: key.id, checkValue: key.checkValue, registeredAt: time)
    }

    private static func list(_ ids: [String]) -> String { ids.joined(separator: ", ") }
    private static func list(_ ring: SealingKeyRing) -> String { list(ring.keys.map(\.id)) }
}

extension Record {
    /// The sealed values the record holds. Add here any new field that holds a ``SecretBox`` value, and to
    /// ``resealing(_:)``: key safety and rotation find sealed data only through these two.
    var sealedValues: [[UInt8]] {
        switch self {
        case .logon(let logon): logon.twoStep.methods.compactMap(\.sealedSecret)
        case .verificationCode(let code): code.pendingMethod.flatMap(\.sealedSecret).map { [$0] } ?? []
        case .mail(let mail): mail.status == .pending && !mail.sealedBody.isEmpty ? [mail.sealedBody] : []
        case .text(let text): text.status == .pending && !text.sealedBody.isEmpty ? [text.sealedBody] : []
        default: []
        }
    }

    /// A copy with each sealed value replaced by what `transform` returns for it (`nil`: keep it); `nil` when
    /// nothing changed.
    func resealing(_ transform: ([UInt8]) -> [UInt8]?) -> Record? {
        switch self {
        case .logon(var logon):
            var changed = false
            logon.twoStep.methods = logon.twoStep.methods.map { method in
                guard case .authenticator(let sealed, let algorithm) = method, let new = transform(sealed) else {
                    return method
                }
                changed = true
                return .authenticator(sealedSecret: new, algorithm: algorithm)
            }
            return changed ? .logon(logon) : nil
        case .verificationCode(var code):
            guard case .authenticator(let sealed, let algorithm) = code.pendingMethod, let new = transform(sealed)
            else { return nil }
            code.pendingMethod = .authenticator(sealedSecret: new, algorithm: algorithm)
            return .verificationCode(code)
        case .mail(var mail):
            guard mail.status == .pending, !mail.sealedBody.isEmpty, let new = transform(mail.sealedBody) else {
                return nil
            }
            mail.sealedBody = new
            return .mail(mail)
        case .text(var text):
            guard text.status == .pending, !text.sealedBody.isEmpty, let new = transform(text.sealedBody) else {
                return nil
            }
            text.sealedBody = new
            return .text(text)
        default: return nil
        }
    }
}

extension TwoStepMethod {
    /// The sealed secret of an authenticator method.
    var sealedSecret: [UInt8]? {
        if case .authenticator(let sealed, _) = self, !sealed.isEmpty { return sealed }
        return nil
    }
}

extension AuditAction {
    /// A store recorded a sealing key, or a new current key (key rotation).
    public static let sealingKeyRegistered = AuditAction("keys.registered")
    /// A sealing key was retired: nothing sealed with it remained.
    public static let sealingKeyRetired = AuditAction("keys.retired")
    /// A record's sealed values were sealed again with the current key.
    public static let sealedDataResealed = AuditAction("keys.resealed")
}
