import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// A hasher wrapper that counts every slow-hash call (RULES A1).
final class CountingHasher: SecretHasher {
    let inner: any SecretHasher
    private let counts = Mutex((hash: 0, verify: 0))
    init(wrapping inner: any SecretHasher) { self.inner = inner }
    var calls: Int { counts.withLock { $0.hash + $0.verify } }
    func reset() { counts.withLock { $0 = (0, 0) } }
    func hash(_ secret: String) async throws -> String {
        counts.withLock { $0.hash += 1 }
        return try await inner.hash(secret)
    }
    func verify(_ secret: String, against encoded: String) async -> Bool {
        counts.withLock { $0.verify += 1 }
        return await inner.verify(secret, against: encoded)
    }
    func needsRehash(_ encoded: String) -> Bool { inner.needsRehash(encoded) }
    var decoyHash: String { inner.decoyHash }
}

/// The world the identity tests run in: in-memory ports, a manual clock, a seeded random source, minimum-cost
/// hashing. Fresh for every test.
struct IdentityWorld {
    static let patSSN = TaxIdentifier(type: .ssn, number: "123456789")
    static let acmeFEIN = TaxIdentifier(type: .fein, number: "041234567")
    static let password = "Secret123"

    let store = InMemoryAccessStore()
    let directory = InMemoryTaxpayerDirectory()
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_798_761_600))
    let texts = RecordingTextMessenger()
    let hasher: CountingHasher
    let portal: Portal
    var context: ServiceContext { portal.context }

    init(
        policy: Policy = Policy.massTaxConnect.forTesting, hasher inner: (any SecretHasher)? = nil, seed: UInt64 = 7,
        observer: (any PortalObserver)? = nil
    ) {
        let random = SeededRandom(seed: seed)
        hasher = CountingHasher(wrapping: inner ?? Argon2idHasher(cost: policy.hashingCost))
        // A fixed-length random key: `try!` cannot fail on 32 bytes.
        portal = Portal(
            store: store, directory: directory, mailer: RecordingMailer(), texts: texts,
            keys: SealingKeyRing(current: try! SealingKey(random.bytes(32))), policy: policy,
            links: .standard(portalURL: "https://portal.example.gov"), clock: clock, random: random, hasher: hasher,
            issuer: "TaxpayerAccess", resolver: AccessResolver(records: []), observer: observer)
        let filed = clock.now().addingTimeInterval(-90 * 86400)
        directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(id: "T1", taxID: Self.patSSN, legalName: "Pat Q Client", kind: .individual),
                accounts: [
                    TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome),
                    TaxAccount(id: "A2", taxpayer: "T1", type: .salesAndUse),
                ]),
            returns: [
                FiledReturn(
                    account: "A1", period: "2025", filedAt: filed, amountDue: 1234_56, refund: 0,
                    lineItems: ["line 22: total tax": 4321_00]),
                FiledReturn(
                    account: "A1", period: "2024", filedAt: filed.addingTimeInterval(-365 * 86400),
                    amountDue: 0, refund: 250_00),
                FiledReturn(account: "A2", period: "2025-Q3", filedAt: filed, amountDue: 77_01),
            ],
            letters: [SignUpLetter(letterID: "LTR-7781", account: "A1", sentAt: filed)])
        directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(id: "T2", taxID: Self.acmeFEIN, legalName: "Acme Payroll LLC", kind: .business),
                accounts: [
                    TaxAccount(id: "A20", taxpayer: "T2", type: .withholding),
                    TaxAccount(id: "A21", taxpayer: "T2", type: .salesAndUse),
                ]),
            returns: [FiledReturn(account: "A20", period: "2025-Q2", filedAt: filed, amountDue: 980_00)])
    }

    var registration: RegistrationService { portal.registration }
    var auth: Authentication { portal.authentication }
    var recovery: Recovery { portal.recovery }
    var profile: Profile { portal.profile }

    /// The caller of a request with a session token, authenticated once as a portal does (RULES A7).
    func caller(_ token: String) async throws -> SignedIn { try await portal.authenticate(sessionToken: token) }

    func application(
        taxID: TaxIdentifier = patSSN, accountType: AccountType = .personalIncome,
        proof: IdentityProof = .amountDue(1234_56), username: String = "pat.client",
        email: String = "pat@client.example",
        fullName: String = "Pat Q Client", password: String = IdentityWorld.password, terms: Bool = true,
        clientManagement: Bool = false
    ) -> RegistrationService.Application {
        RegistrationService.Application(
            idType: taxID.type, idNumber: taxID.number, idNumberAgain: taxID.number, accountType: accountType,
            proof: proof, fullName: fullName, phoneNumber: "617-555-0134", pin: "0417", email: email,
            emailAgain: email, username: username, password: password, passwordAgain: password,
            securityQuestion: .firstPet, securityAnswer: "  Mr.   WHISKERS ", clientManagement: clientManagement,
            acceptedTerms: terms)
    }

    /// Every outbox mail, in commit order, opened as the mail system would open it.
    func mails() async throws -> [OutgoingMail] {
        let box = context.sealingBox()
        return try await store.changes(after: 0, limit: 100_000).flatMap(\.written).compactMap {
            if case .mail(let m) = $0.value, $0.version == 1 { m } else { nil }
        }.map { try OutgoingMail($0, openedWith: box) }
    }

    /// Every outbox text message, in commit order, opened as the gateway would get it (RULES A3, N2).
    func texts() async throws -> [OutgoingText] {
        let box = context.sealingBox()
        return try await store.changes(after: 0, limit: 100_000).flatMap(\.written).compactMap {
            if case .text(let t) = $0.value, $0.version == 1 { t } else { nil }
        }.map { try OutgoingText($0, openedWith: box) }
    }

    /// The code of the last security-code text message.
    func lastTextCode() async throws -> String {
        let body = try #require(try await texts().last).body
        let start = try #require(body.range(of: "is "))
        return String(body[start.upperBound...].prefix(6))
    }

    func mails(to address: String) async throws -> [OutgoingMail] {
        try await mails().filter { $0.to.lowercased() == address.lowercased() }
    }

    /// The token of the last link mailed to an address.
    func lastLinkToken(to address: String) async throws -> String {
        let body = try #require(try await mails(to: address).last(where: { $0.body.contains("token=") })).body
        let start = try #require(body.range(of: "token="))
        return String(body[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    /// The code of the last security-code mail to an address.
    func lastCode(to address: String) async throws -> String {
        let body = try #require(try await mails(to: address).last(where: { $0.subject == "Your security code" })).body
        let start = try #require(body.range(of: "is "))
        return String(body[start.upperBound...].prefix(6))
    }

    func logon(_ username: String) async throws -> Logon {
        try #require(try await store.logon(byUsername: username)).value
    }

    /// The lock record of a logon (RULES A2, A4): its failures and lock; an empty one when none was written.
    func lock(_ username: String) async throws -> LogonLock {
        let id = try await logon(username).id.rawValue
        return try await store.logonLock(id)?.value ?? LogonLock(id: id)
    }

    /// Whether the logon is locked now (RULES A2).
    func isLocked(_ username: String) async throws -> Bool {
        LockoutRules.isLocked(try await lock(username), now: clock.now())
    }

    func audit(_ action: AuditAction) async throws -> [AuditEvent] {
        try await store.allAuditEvents().map(\.event).filter { $0.action == action }
    }

    /// Registers and activates a logon (automatic approval).
    @discardableResult
    func registerAndActivate(
        username: String = "pat.client", email: String = "pat@client.example", taxID: TaxIdentifier = patSSN,
        accountType: AccountType = .personalIncome, proof: IdentityProof = .amountDue(1234_56),
        fullName: String = "Pat Q Client"
    ) async throws -> Logon {
        _ = try await registration.submit(
            application(
                taxID: taxID, accountType: accountType, proof: proof, username: username, email: email,
                fullName: fullName))
        try await registration.activate(token: try await lastLinkToken(to: email))
        return try await logon(username)
    }

    /// Registers, activates and sets up email codes; returns a signed-in session token.
    @discardableResult
    func signedInWithEmailCodes(username: String = "pat.client", email: String = "pat@client.example") async throws
        -> String
    {
        try await registerAndActivate(username: username, email: email)
        return try await setUpEmailCodes(username: username, email: email)
    }

    /// Logs an activated logon in for the first time and sets up email codes; returns a signed-in session token.
    @discardableResult
    func setUpEmailCodes(username: String, email: String) async throws -> String {
        let login = try await auth.login(username: username, password: Self.password)
        _ = try await auth.beginTwoStepSetup(try await caller(login.sessionToken), .email)
        try await auth.completeTwoStepSetup(try await caller(login.sessionToken), code: try await lastCode(to: email))
        return login.sessionToken
    }

    /// Logs in with the password and the emailed code.
    func loginWithCode(
        username: String = "pat.client", email: String = "pat@client.example",
        password: String = IdentityWorld.password, trust: Bool = false
    ) async throws -> (String, String?) {
        let login = try await auth.login(username: username, password: password)
        let verified = try await auth.verifyCode(
            try await caller(login.sessionToken), code: try await lastCode(to: email), trustDevice: trust)
        return (login.sessionToken, verified.deviceToken)
    }
}

// Each service can authenticate a session token the way its portal does (RULES A7), for tests that hold a service
// rather than a portal.
extension Profile {
    func caller(_ token: String) async throws -> SignedIn { try await context.authenticate(token) }
}
extension Authentication {
    func caller(_ token: String) async throws -> SignedIn { try await context.authenticate(token) }
}
extension Portal {
    func caller(_ token: String) async throws -> SignedIn { try await authenticate(sessionToken: token) }
}
