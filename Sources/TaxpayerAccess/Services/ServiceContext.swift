#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What every service reaches the world through: the ports, the policy, and the sealing keys for authenticator
/// secrets and outbox bodies. Services reach storage, mail and time only through these.
///
/// ```swift
/// let context = ServiceContext(store: InMemoryAccessStore(), directory: directory, clock: SystemTimeSource(),
///                              random: SecureRandom(), hasher: Argon2idHasher(cost: .owasp), policy: .massTaxConnect,
///                              texts: messenger, secretKey: key)
/// ```
///
/// With key rotation, give a ``SealingKeyRing`` (checked first with ``SealingKeyCheck/verify(_:store:clock:)``):
///
/// ```swift
/// let context = ServiceContext(store: store, directory: directory, clock: clock, random: random, hasher: hasher,
///                              policy: .massTaxConnect, texts: messenger, keyRing: ring)
/// ```
public struct ServiceContext: Sendable {
    public let store: any AccessStore
    public let directory: any TaxpayerDirectory
    public let clock: any TimeSource
    public let random: any RandomSource
    /// Slow hashing of passwords, PINs, answers and codes.
    public let hasher: any SecretHasher
    public let policy: Policy
    public let texts: any TextMessenger
    /// Seals authenticator-app secrets and outbox bodies at rest (32 bytes): the current key of ``keyRing``.
    public let secretKey: [UInt8]
    /// The current key and the older ones that still open what they sealed; `nil` when the context was made from
    /// ``secretKey`` alone.
    public let keyRing: SealingKeyRing?
    /// The portal's address, for links in emails (activation, reset, completion).
    public let portalURL: String

    public init(
        store: any AccessStore, directory: any TaxpayerDirectory, clock: any TimeSource, random: any RandomSource,
        hasher: any SecretHasher, policy: Policy, texts: any TextMessenger, secretKey: [UInt8],
        portalURL: String = "https://portal.example.gov"
    ) {
        self.store = store
        self.directory = directory
        self.clock = clock
        self.random = random
        self.hasher = hasher
        self.policy = policy
        self.texts = texts
        self.secretKey = secretKey
        self.keyRing = nil
        self.portalURL = portalURL
    }

    /// A context over a key ring: new values are sealed with its current key, old ones open with the key they name
    /// (key rotation, Documentation/Operations.md).
    public init(
        store: any AccessStore, directory: any TaxpayerDirectory, clock: any TimeSource, random: any RandomSource,
        hasher: any SecretHasher, policy: Policy, texts: any TextMessenger, keyRing: SealingKeyRing,
        portalURL: String = "https://portal.example.gov"
    ) {
        self.store = store
        self.directory = directory
        self.clock = clock
        self.random = random
        self.hasher = hasher
        self.policy = policy
        self.texts = texts
        self.secretKey = keyRing.current.rawBytes
        self.keyRing = keyRing
        self.portalURL = portalURL
    }

    /// A new random identifier with a prefix: `L` + 16 hex digits for a logon, and so on.
    public func newID<Tag>(_ prefix: String, as: Identifier<Tag>.Type = Identifier<Tag>.self) -> Identifier<Tag> {
        Identifier<Tag>(
            prefix
                + random.bytes(8).map { byte in
                    let hex = Array("0123456789abcdef")
                    return String([hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]])
                }.joined())
    }

    /// An outbox mail stamped now, its body sealed with the current key (``sealingBox()``) (RULES N1: the body says only that there is
    /// something new to view, or carries one of the secrets N1 allows; A7: no secret stored in the clear).
    ///
    /// - Throws: ``AccessError`` when ``secretKey`` is not 32 bytes.
    public func mail(to address: String, subject: String, body: String) throws(AccessError) -> OutboxMail {
        OutboxMail(
            id: newID("M"), to: address, subject: subject, body: body, sealedWith: try mailBox(),
            random: random, createdAt: clock.now())
    }

    /// The box outbox bodies are sealed with: ``sealingBox()``.
    ///
    /// - Throws: ``AccessError`` when ``secretKey`` is not 32 bytes.
    public func mailBox() throws(AccessError) -> SecretBox { try sealingBox() }

    /// The box that seals with the current key and opens with every key of ``keyRing`` (or ``secretKey`` alone).
    ///
    /// - Throws: ``AccessError`` when ``secretKey`` is not 32 bytes.
    public func sealingBox() throws(AccessError) -> SecretBox {
        if let keyRing { return keyRing.box }
        return try SecretBox(key: secretKey)
    }

    /// An e-message for a logon's inbox, stamped now: where the details an email leaves out are read (RULES N1).
    public func eMessage(to logon: LogonID, subject: String, body: String) -> EMessage {
        EMessage(id: newID("E"), logon: logon, subject: subject, body: body, createdAt: clock.now())
    }

    /// Ten random digits shown as `d-ddd-ddd-ddd` (RULES R10, X4).
    public func confirmationNumber() -> String {
        let digits = (0..<10).map { _ in String(random.uniform(10)) }
        return digits[0] + "-" + digits[1...3].joined() + "-" + digits[4...6].joined() + "-" + digits[7...9].joined()
    }

    /// Commits what `decide` builds from fresh reads, reading again and retrying when another writer got there first
    /// (DESIGN.md, step 5). A uniqueness conflict is returned to `decide`'s caller as the ``StoreError`` it is.
    @discardableResult
    public func commitRetrying<T: Sendable>(
        attempts: Int = 5, _ decide: () async throws -> (ChangeSet, T)
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            let (changes, result) = try await decide()
            do {
                if !changes.isEmpty { try await store.commit(changes) }
                return result
            } catch let error as StoreError where error.code == .versionConflict && attempt < attempts {
                continue
            }
        }
    }

    /// The logon behind a session token, for a fully signed-in session (RULES A7): unknown, ended, idle past
    /// ``Policy/sessionIdleTimeout`` or older than ``Policy/sessionAbsoluteLifetime`` is ``AccessError/Code/sessionExpired``;
    /// a session still in two-step verification is ``AccessError/Code/stepRequired``. Records the activity.
    public func authenticate(_ token: String) async throws -> AuthenticatedActor {
        try await authenticate(token, allowing: [.authenticated])
    }

    /// Like ``authenticate(_:)``, accepting the given stages.
    public func authenticate(_ token: String, allowing stages: Set<SessionStage>) async throws -> AuthenticatedActor {
        let now = clock.now()
        guard let session = try await store.session(byTokenHash: SecretToken.hash(token)) else {
            throw SessionRules.expired
        }
        if SessionRules.expiry(of: session.value, now: now, policy: policy) != nil {
            // Closing the record is housekeeping: losing this race to another request that closed it is harmless.
            do { try await commit(SessionRules.closingExpired(session, now: now, policy: policy)) } catch let
                error as StoreError where error.code == .versionConflict
            {}
            throw SessionRules.expired
        }
        guard let logon = try await store.logon(session.value.logon), logon.value.status == .active else {
            throw SessionRules.expired
        }
        try SessionRules.requireStage(session.value, allowing: stages)
        let touched = SessionRules.touching(session, now: now)
        // Losing this race to a concurrent request of the same session is harmless: its write touched it too.
        do { try await commit(touched) } catch let error as StoreError where error.code == .versionConflict {}
        return AuthenticatedActor(logon: logon.value, session: touched.result)
    }
}

/// The signed-in logon a service acts for.
public struct AuthenticatedActor: Sendable, Hashable {
    public let logon: Logon
    public let session: Session
    public var id: LogonID { logon.id }
    public var actor: AuditActor { .logon(logon.id) }
}
