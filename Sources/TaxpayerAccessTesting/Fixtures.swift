public import TaxpayerAccess
public import TaxpayerAccessInMemory
import Synchronization

/// A fast, unsalted `SecretHasher` for tests only: BLAKE2b of the secret. It keeps secrets out of the clear but is
/// not slow, so it must never hash real passwords.
public struct FixtureHasher: SecretHasher {
    public init() {}
    public func hash(_ secret: String) async throws -> String {
        "$fixture$" + SecretToken.hash("fixture|" + secret).hex
    }
    public func verify(_ secret: String, against encoded: String) async -> Bool {
        encoded == "$fixture$" + SecretToken.hash("fixture|" + secret).hex
    }
    public func needsRehash(_ encoded: String) -> Bool { false }
    /// A hash of a secret nobody types (a NUL inside), for checks that must cost what a real one costs (RULES A1).
    public var decoyHash: String { "$fixture$" + SecretToken.hash("fixture|\u{0}decoy").hex }
}

/// A world of taxpayers, accounts, logons, roles, grants, groups and signed-in sessions, written straight into an
/// `InMemoryAccessStore`, so tests and examples need no registration or login flow.
///
/// ```swift
/// let world = FixtureWorld()
/// try await world.taxpayer("T9", accounts: [("A90", .withholding)])
/// try await world.logon("L3", ownTaxpayer: "T9")
/// try await world.role("L3", on: "T9", .masterAdministrator)
/// let caller = try await world.caller("L3")
/// try await world.portal.taxpayers.promote(caller, taxpayer: "T9", logon: "L4")
/// ```
public final class FixtureWorld: Sendable {
    public let store: InMemoryAccessStore
    public let clock: ManualTimeSource
    public let random: SeededRandom
    public let directory: InMemoryTaxpayerDirectory
    public let texts: RecordingTextMessenger
    /// Keeps the mail the outbox worker sends.
    public let mailer: RecordingMailer
    public let policy: Policy
    /// The sealing keys of this world (a fixed test key).
    public let keys: SealingKeyRing
    /// A portal over this world's store, clock and randomness, with its resolver kept current by every record the
    /// world writes.
    public let portal: Portal
    private let counter = Mutex(0)

    /// An empty world.
    /// - Parameters:
    ///   - policy: the policy services use; defaults to MassTaxConnect at the cheapest hashing cost.
    ///   - seed: seeds ``random``.
    public init(policy: Policy = Policy.massTaxConnect.forTesting, seed: UInt64 = 0x5eed) {
        store = InMemoryAccessStore()
        clock = ManualTimeSource()
        random = SeededRandom(seed: seed)
        directory = InMemoryTaxpayerDirectory()
        texts = RecordingTextMessenger()
        mailer = RecordingMailer()
        self.policy = policy
        // A fixed, valid 32-byte key: `try!` cannot fail on it.
        keys = SealingKeyRing(current: try! SealingKey([UInt8](repeating: 7, count: 32)))
        portal = Portal(
            unchecked: store, directory: directory, mailer: mailer, texts: texts, keys: keys, policy: policy,
            links: .standard(portalURL: "https://portal.example.gov"), clock: clock, random: random,
            hasher: FixtureHasher())
    }

    private func nextNumber() -> Int {
        counter.withLock {
            $0 += 1
            return $0
        }
    }

    /// Writes a record, inserting or updating whatever version the store holds.
    public func put(_ record: Record) async throws {
        let existing = try await store.record(record.key)
        var changes = ChangeSet()
        changes.put(record, from: existing?.version)
        try await store.commit(changes)
        try await portal.catchUp()
    }

    /// Adds a taxpayer with its accounts (RULES T1, T2).
    @discardableResult
    public func taxpayer(
        _ id: TaxpayerID, idType: IDType = .ssn, number: String? = nil, name: String? = nil,
        kind: TaxpayerKind = .individual, accounts: [(AccountID, AccountType)] = []
    ) async throws -> Taxpayer {
        let n = nextNumber()
        let taxpayer = Taxpayer(
            id: id, taxID: TaxIdentifier(type: idType, number: number ?? String(100_000_000 + n * 7919)),
            legalName: name ?? "Taxpayer \(id.rawValue)", kind: kind)
        try await put(.taxpayer(taxpayer))
        for (account, type) in accounts {
            try await put(.account(TaxAccount(id: account, taxpayer: id, type: type)))
        }
        return taxpayer
    }

    /// Adds an account to a taxpayer.
    public func account(_ id: AccountID, of taxpayer: TaxpayerID, type: AccountType, status: AccountStatus = .active)
        async throws
    {
        try await put(.account(TaxAccount(id: id, taxpayer: taxpayer, type: type, status: status)))
    }

    /// Adds a completed logon (username = its id lower-cased, email `<id>@example.test` unless given).
    @discardableResult
    public func logon(
        _ id: LogonID, name: String? = nil, email: String? = nil, status: LogonStatus = .active,
        clientManagement: Bool = false, ownTaxpayer: TaxpayerID? = nil, secondary: SecondaryProfile? = nil
    ) async throws -> Logon {
        let logon = Logon(
            id: id, username: id.rawValue.lowercased(), email: email ?? "\(id.rawValue.lowercased())@example.test",
            fullName: name ?? "Person \(id.rawValue)", status: status, clientManagement: clientManagement,
            ownTaxpayer: ownTaxpayer, secondary: secondary,
            credentials: Credentials(passwordHash: try await FixtureHasher().hash("Passw0rd!")),
            twoStep: TwoStepSettings(methods: [.email(address: nil)]), activated: true, createdAt: clock.now())
        try await put(.logon(logon))
        return logon
    }

    /// Gives a logon a role on a taxpayer (RULES L3).
    public func role(
        _ logon: LogonID, on taxpayer: TaxpayerID, _ role: Role, levels: [AccountID: AccessLevel] = [:],
        status: GrantStatus = .active
    ) async throws {
        try await put(
            .role(
                RoleAssignment(
                    logon: logon, taxpayer: taxpayer, role: role, accountLevels: levels, status: status,
                    grantedAt: clock.now())))
    }

    /// Gives a third party access to a taxpayer's accounts (RULES X7).
    public func grant(_ thirdParty: LogonID, on taxpayer: TaxpayerID, _ accounts: [AccountID: AccessLevel]) async throws
    {
        try await put(
            .grant(
                ThirdPartyGrant(
                    taxpayer: taxpayer, thirdParty: thirdParty, accounts: accounts, grantedAt: clock.now())))
    }

    /// Adds a security group of a parent (RULES S3). The Default group has id `SecurityGroup.defaultID(of:)`.
    public func group(_ id: SecurityGroupID, parent: LogonID, name: String) async throws {
        try await put(.securityGroup(SecurityGroup(id: id, parent: parent, name: name)))
    }

    /// Puts a taxpayer in a parent's group (RULES S4).
    public func assign(_ taxpayer: TaxpayerID, to group: SecurityGroupID, parent: LogonID) async throws {
        try await put(.groupAssignment(GroupAssignment(parent: parent, taxpayer: taxpayer, group: group)))
    }

    /// A fully signed-in session for a logon (stage `SessionStage.authenticated`); returns its token.
    public func signIn(_ logon: LogonID) async throws -> String {
        let (token, hash) = SecretToken.generate(using: random)
        let now = clock.now()
        let session = Session(
            id: SessionID("S\(nextNumber())"), tokenHash: hash, logon: logon, stage: .authenticated, createdAt: now,
            lastActivityAt: now)
        try await put(.session(session))
        return token
    }

    /// The signed-in caller of a new fully signed-in session for a logon (``signIn(_:)``, then the portal's
    /// authentication, as a request would).
    public func caller(_ logon: LogonID) async throws -> SignedIn {
        try await portal.authenticate(sessionToken: try await signIn(logon))
    }

    /// Moves the clock forward.
    public func advance(by duration: Duration) { clock.advance(by: duration) }

    /// Every mail in the outbox, oldest first, with its body opened as its reader sees it.
    public func outbox() async throws -> [OutgoingMail] {
        let box = keys.box
        return try await store.records(ofKind: .mail).compactMap { $0.mail?.value }.sorted {
            $0.createdAt < $1.createdAt
        }
        .map { try OutgoingMail($0, openedWith: box) }
    }

    /// The outbox mail to one address (case-insensitively), opened.
    public func mails(to address: String) async throws -> [OutgoingMail] {
        try await outbox().filter { $0.to.lowercased() == address.lowercased() }
    }

    /// A logon's e-messages.
    public func eMessages(of logon: LogonID) async throws -> [EMessage] {
        try await store.eMessages(of: logon).map(\.value)
    }

    /// Every audit event, oldest first.
    public func audit() async throws -> [AuditEvent] {
        try await store.allAuditEvents().map(\.event)
    }

    /// The text after `token=` in a mail body: the single-use link token a completion or activation mail carries.
    public static func linkToken(in mail: OutgoingMail) -> String? {
        let parts = mail.body.split(separator: "token=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return String(parts[1].prefix { !$0.isWhitespace })
    }
}
