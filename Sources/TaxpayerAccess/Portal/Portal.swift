#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// The one value a portal holds: the services of every flow of the rules, and one resolver that is always current.
///
/// Built from the ports — a store, the agency's directory, a mailer and a text messenger — a policy, a clock, a
/// random source, a hasher, the sealing keys and the shape of the emails' links. Every commit a service makes through
/// it is applied to ``resolver`` before the call returns, so the next ``check(_:account:action:)`` in this process
/// sees it (read your writes); other processes' commits arrive through ``follow(every:)``, which a portal runs beside
/// its server.
///
/// A request authenticates once (``authenticate(sessionToken:)``) and hands the ``SignedIn`` value to each service
/// method it calls.
///
/// ```swift
/// let portal = try await Portal.open(
///     store: try SQLiteAccessStore(path: "access.db"), directory: agencyDirectory, mailer: mailer, texts: sms,
///     keys: try SealingKeyRing(current: SealingKey(keyBytes)), links: .standard(portalURL: "https://tax.example.gov"))
/// let login = try await portal.authentication.login(username: "pat.client", password: password)
/// let caller = try await portal.authenticate(sessionToken: login.sessionToken)
/// try await portal.authentication.verifyCode(caller, code: "123456")
/// let signedIn = try await portal.authenticate(sessionToken: login.sessionToken)
/// if portal.check(signedIn, account: "A90", action: .file) { … }      // a dictionary lookup, no await
/// ```
public final class Portal: Sendable {
    let context: ServiceContext
    let sync: ResolverSync
    /// The permission resolver, kept current with this portal's commits and, through ``follow(every:)``, with
    /// other processes'.
    public let resolver: AccessResolver
    /// The store the portal reads and writes.
    public let store: any AccessStore
    /// What sends the outbox's mail (``outbox(batchSize:backoff:lease:)``).
    public let mailer: any Mailer
    /// What sends the outbox's text messages.
    public let texts: any TextMessenger
    private let allowed = Atomic<Int>(0)
    private let denied = Atomic<Int>(0)

    /// Opens a portal over a store: checks that the sealing keys are the ones the store's sealed data needs
    /// (refusing, and changing nothing, when a key is missing or different), validates the policy and the link
    /// shapes, and loads the resolver from the store.
    ///
    /// - Parameters:
    ///   - store: where the portal's state lives; several processes may share one (each with a portal).
    ///   - directory: the agency's system of record, for identity proofing (RULES T3).
    ///   - mailer: sends the outbox's mail.
    ///   - texts: sends the outbox's text messages.
    ///   - keys: the sealing keys: the current one seals, older ones still open what they sealed.
    ///   - policy: every number of the rules; MassTaxConnect unless told.
    ///   - links: how the emails' links look.
    ///   - clock: the time source (a manual one in tests).
    ///   - random: the random source (libsodium's CSPRNG unless told).
    ///   - hasher: slow hashing of secrets; Argon2id at the policy's cost unless told.
    ///   - issuer: the name authenticator apps show.
    ///   - observer: told of every commit's audit events, for logs and metrics.
    /// - Throws: ``SealingKeyError`` for keys that do not fit the store; ``AccessError`` with
    ///   ``AccessError/Code/invalidInput`` or ``AccessError/Code/misconfigured`` naming a bad setting; ``StoreError``.
    public static func open(
        store: any AccessStore, directory: any TaxpayerDirectory, mailer: any Mailer, texts: any TextMessenger,
        keys: SealingKeyRing, policy: Policy = .massTaxConnect, links: LinkShapes,
        clock: any TimeSource = SystemTimeSource(),
        random: any RandomSource = SecureRandom(), hasher: (any SecretHasher)? = nil, issuer: String = "TaxpayerAccess",
        observer: (any PortalObserver)? = nil
    ) async throws -> Portal {
        try policy.validate()
        try links.validate()
        try await SealingKeyCheck.verify(keys, store: store, clock: clock)
        let resolver = try await AccessResolver.load(from: store)
        return Portal(
            store: store, directory: directory, mailer: mailer, texts: texts, keys: keys, policy: policy, links: links,
            clock: clock, random: random, hasher: hasher ?? Argon2idHasher(cost: policy.hashingCost), issuer: issuer,
            resolver: resolver, observer: observer)
    }

    /// A portal over a store without the checks of ``open(store:directory:mailer:texts:keys:policy:links:clock:random:hasher:issuer:observer:)``:
    /// no sealing-key check, and a resolver that starts empty and fills itself from the store's feed at the first
    /// commit or ``catchUp()``. For tests and fixtures over a store made for them; a portal over a real store uses
    /// `open`.
    ///
    /// - Parameters: as ``open(store:directory:mailer:texts:keys:policy:links:clock:random:hasher:issuer:observer:)``.
    public convenience init(
        unchecked store: any AccessStore, directory: any TaxpayerDirectory, mailer: any Mailer,
        texts: any TextMessenger, keys: SealingKeyRing, policy: Policy = .massTaxConnect, links: LinkShapes,
        clock: any TimeSource = SystemTimeSource(), random: any RandomSource = SecureRandom(),
        hasher: (any SecretHasher)? = nil, issuer: String = "TaxpayerAccess", observer: (any PortalObserver)? = nil
    ) {
        self.init(
            store: store, directory: directory, mailer: mailer, texts: texts, keys: keys, policy: policy, links: links,
            clock: clock, random: random, hasher: hasher ?? Argon2idHasher(cost: policy.hashingCost), issuer: issuer,
            resolver: AccessResolver(records: []), observer: observer)
    }

    init(
        store: any AccessStore, directory: any TaxpayerDirectory, mailer: any Mailer, texts: any TextMessenger,
        keys: SealingKeyRing, policy: Policy, links: LinkShapes, clock: any TimeSource, random: any RandomSource,
        hasher: any SecretHasher, issuer: String, resolver: AccessResolver, observer: (any PortalObserver)? = nil
    ) {
        self.store = store
        self.mailer = mailer
        self.texts = texts
        self.resolver = resolver
        sync = ResolverSync(resolver: resolver, store: store)
        context = ServiceContext(
            store: store, directory: directory, clock: clock, random: random, hasher: hasher, policy: policy,
            keys: keys, links: links, issuer: issuer, sync: sync, observer: observer)
    }

    /// The policy the portal enforces.
    public var policy: Policy { context.policy }

    // MARK: - The services

    /// Create My Logon (RULES R1–R12).
    public var registration: RegistrationService { RegistrationService(context: context) }
    /// Logging in with two-step verification (RULES A1–A8).
    public var authentication: Authentication { Authentication(context: context) }
    /// Forgotten username and password, the agency's email change (RULES V1–V3).
    public var recovery: Recovery { Recovery(context: context) }
    /// A logon's own profile, who it is, its roles and rights (RULES P1–P3).
    public var profile: Profile { Profile(context: context) }
    /// A logon's e-message inbox (RULES N3).
    public var inbox: Inbox { Inbox(context: context) }
    /// A taxpayer's Master Administrators over its logons (RULES M1–M4, W1).
    public var taxpayers: TaxpayerAdministration { TaxpayerAdministration(context: context, resolver: resolver) }
    /// Firm administration: secondary logons, security groups, refinements (RULES S1–S9).
    public var firm: FirmAdministration { FirmAdministration(context: context) }
    /// Third-party access: requests, decisions, changes, cancels, clients (RULES X1–X10, W2).
    public var thirdParties: ThirdPartyAccess { ThirdPartyAccess(context: context) }
    /// The agency's correspondence (RULES X11).
    public var correspondence: Correspondence { Correspondence(context: context) }
    /// The agency's own loading of taxpayer master data (RULES T1–T3).
    public var agency: AgencyAdministration { AgencyAdministration(context: context) }

    // MARK: - Requests

    /// The caller of a request, from its session token (RULES A7): once per request, and the value is handed to
    /// every service method the request calls. Any live stage is accepted — ``SignedIn/stage`` tells the portal
    /// whether to show the two-step set-up, the code entry, or the signed-in pages — and each service method asks for
    /// the stage it needs. The session's activity is written at most once per ``Policy/sessionActivityInterval``.
    ///
    /// ```swift
    /// let caller = try await portal.authenticate(sessionToken: cookie)
    /// ```
    ///
    /// - Throws: ``AccessError/Code/sessionExpired`` for an unknown, ended or timed-out session or a logon no longer
    ///   active.
    public func authenticate(sessionToken: String) async throws -> SignedIn {
        var caller = try await context.authenticate(sessionToken)
        caller.logonHandle = resolver.handle(logon: caller.logonID)
        return caller
    }

    /// Whether the caller may do `action` on `account` now (RULES L2, L4), from the resolver: no await, no
    /// allocation, and only the account's id hashed when the caller carries its ``SignedIn/logonHandle``. A caller
    /// still in two-step verification may do nothing.
    ///
    /// ```swift
    /// guard portal.check(caller, account: account, action: .pay) else { return .forbidden }
    /// ```
    public func check(_ caller: SignedIn, account: AccountID, action: AccountAction) -> Bool {
        let answer: Bool
        if caller.stage != .authenticated {
            answer = false
        } else if let handle = caller.logonHandle {
            answer = resolver.check(logon: handle, account: account, action: action)
        } else {
            answer = resolver.check(logon: caller.logonID, account: account, action: action)
        }
        if answer {
            allowed.add(1, ordering: .relaxed)
        } else {
            denied.add(1, ordering: .relaxed)
        }
        return answer
    }

    /// The checks this portal answered since it opened, for metrics.
    public var counts: PortalCounts {
        PortalCounts(checksAllowed: allowed.load(ordering: .relaxed), checksDenied: denied.load(ordering: .relaxed))
    }

    /// How many changes of the store's feed this process's resolver has not applied yet: the feed lag, for metrics.
    ///
    /// - Throws: ``StoreError`` when the store fails.
    public func feedLag() async throws -> UInt64 {
        let last = try await store.lastSequence()
        return last > resolver.lastSequence ? last - resolver.lastSequence : 0
    }

    // MARK: - Consistency across processes

    /// The feed position this process's resolver has applied: take it after a write to hand to a request another
    /// process serves (``waitUntil(_:timeout:)``).
    public var position: FeedPosition { FeedPosition(sequence: resolver.lastSequence) }

    /// Applies every change of the store's feed the resolver has not seen yet: other processes' commits.
    ///
    /// - Returns: the position reached.
    /// - Throws: ``StoreError`` when the store fails.
    @discardableResult
    public func catchUp() async throws -> FeedPosition {
        try await resolver.catchUp(from: store)
        return position
    }

    /// Waits until the resolver has applied the feed up to `position` (catching up from the store meanwhile), so
    /// that a check sees a write another process made.
    ///
    /// - Throws: ``StoreError`` (``StoreError/Code/unavailable``) when the feed does not reach it within `timeout`.
    public func waitUntil(_ position: FeedPosition, timeout: Duration = .seconds(5)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while self.position < position {
            try await catchUp()
            if self.position >= position { return }
            guard clock.now < deadline else {
                throw StoreError(
                    .unavailable, subject: "feed",
                    message: "the feed did not reach position \(position) within \(timeout) (at \(self.position))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Follows the store's feed until the task is cancelled, so that other processes' commits reach this resolver:
    /// a catch-up every `interval`, and one as soon as the store hints at a change (``AccessStore/changeHints()``,
    /// e.g. PostgreSQL's notifications). Hints only wake it sooner: the interval stays, so a lost hint costs latency,
    /// never a missed change. Run it beside the server, e.g. in a service group. A store failure is retried at the
    /// next wake.
    ///
    /// ```swift
    /// let follower = Task { try await portal.follow(every: .seconds(1)) }
    /// ```
    public func follow(every interval: Duration = .seconds(1)) async throws {
        // One wake at a time waits: a burst of hints during a catch-up costs one more catch-up, not one each.
        let (wakes, waker) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let hints = store.changeHints()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    waker.yield()
                    do { try await Task.sleep(for: interval) } catch { break }
                }
                waker.finish()
            }
            if let hints {
                group.addTask {
                    for await _ in hints { waker.yield() }
                }
            }
            for await _ in wakes {
                if Task.isCancelled { break }
                do { try await catchUp() } catch is CancellationError { break } catch {}
            }
            group.cancelAll()
        }
    }

    /// The worker that delivers the outbox's mail and text messages (RULES N2), through ``mailer`` and ``texts``.
    ///
    /// ```swift
    /// let worker = Task { await portal.outbox().run(every: .seconds(5)) { false } }
    /// ```
    public func outbox(
        batchSize: Int = 100, backoff: OutboxDelivery.Backoff = .standard, lease: Duration = .seconds(300)
    ) -> OutboxDelivery {
        OutboxDelivery(
            store: store, mailer: mailer, texts: texts, clock: context.clock, random: context.random,
            box: context.sealingBox(), backoff: backoff, lease: lease, batchSize: batchSize)
    }
}
