#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What every service reaches the world through: the ports, the policy, the sealing keys, the link shapes, and the
/// resolver its commits keep current. Internal: a portal holds one (``Portal``), and services reach storage, time and
/// randomness only through it.
struct ServiceContext: Sendable {
    let store: any AccessStore
    let directory: any TaxpayerDirectory
    let clock: any TimeSource
    let random: any RandomSource
    /// Slow hashing of passwords, PINs, answers and codes.
    let hasher: any SecretHasher
    let policy: Policy
    /// The keys that seal authenticator secrets and outbox bodies: new values with the current one, old ones open
    /// with the key they name.
    let keys: SealingKeyRing
    /// How the emails' links look (``LinkShapes``).
    let links: LinkShapes
    /// The issuer shown in authenticator apps.
    let issuer: String
    /// The resolver the context's commits are applied to before a call returns (read your writes); `nil` for a
    /// context without one.
    let sync: ResolverSync?
    /// Told of every commit's audit events.
    let observer: (any PortalObserver)?

    init(
        store: any AccessStore, directory: any TaxpayerDirectory, clock: any TimeSource, random: any RandomSource,
        hasher: any SecretHasher, policy: Policy, keys: SealingKeyRing, links: LinkShapes,
        issuer: String = "TaxpayerAccess", sync: ResolverSync? = nil, observer: (any PortalObserver)? = nil
    ) {
        self.store = store
        self.directory = directory
        self.clock = clock
        self.random = random
        self.hasher = hasher
        self.policy = policy
        self.keys = keys
        self.links = links
        self.issuer = issuer
        self.sync = sync
        self.observer = observer
    }

    /// The portal's address, for notice emails.
    var portalURL: String { links.portalURL }

    /// A new random identifier with a prefix: `L` + 16 hex digits for a logon, and so on.
    func newID<Tag>(_ prefix: String, as: Identifier<Tag>.Type = Identifier<Tag>.self) -> Identifier<Tag> {
        let hex = Array("0123456789abcdef")
        return Identifier<Tag>(
            prefix + String(random.bytes(8).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0f)]] }))
    }

    /// The box that seals with the current key and opens with every key of ``keys``.
    func sealingBox() -> SecretBox { keys.box }

    /// An e-message for a logon's inbox, stamped now: where the details an email leaves out are read (RULES N1).
    func eMessage(to logon: LogonID, subject: String, body: String) -> EMessage {
        EMessage(id: newID("E"), logon: logon, subject: subject, body: body, createdAt: clock.now())
    }

    /// Ten random digits shown as `d-ddd-ddd-ddd` (RULES R10, X4).
    func confirmationNumber() -> String {
        let digits = (0..<10).map { _ in String(random.uniform(10)) }
        return digits[0] + "-" + digits[1...3].joined() + "-" + digits[4...6].joined() + "-" + digits[7...9].joined()
    }

    /// The caller behind a session token (RULES A7): unknown, ended, idle past ``Policy/sessionIdleTimeout`` or
    /// older than ``Policy/sessionAbsoluteLifetime`` is ``AccessError/Code/sessionExpired``, as is a logon no longer
    /// active. The session's activity is written at most once per ``Policy/sessionActivityInterval``, not on every
    /// request. Any live stage is accepted; each service method asks for the stage it needs.
    func authenticate(_ token: String) async throws -> SignedIn {
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
        let touched = SessionRules.touching(session, now: now, policy: policy)
        // Losing this race to a concurrent request of the same session is harmless: its write touched it too.
        do { try await commit(touched) } catch let error as StoreError where error.code == .versionConflict {}
        return SignedIn(logon: logon.value, session: touched.result)
    }

    /// The opaque choice that names an account of a taxpayer in a third-party request (RULES X2): a hash keyed with
    /// the portal's current sealing key, so it tells nothing of the account's number.
    func accountChoice(taxpayer: TaxpayerID, account: AccountID) -> AccountChoice {
        let key = keys.current.rawBytes.map { String($0, radix: 16) }.joined()
        return AccountChoice(
            rawValue: "c-"
                + SecretToken.hash("account-choice|\(key)|\(taxpayer.rawValue)|\(account.rawValue)").hex.prefix(24))
    }

    /// The caller for a service that needs one of `stages` (a fully signed-in session unless told).
    ///
    /// - Throws: ``AccessError/Code/stepRequired``.
    func caller(_ caller: SignedIn, _ stages: Set<SessionStage> = [.authenticated]) throws(AccessError) -> SignedIn {
        try caller.requiring(stages)
    }
}
