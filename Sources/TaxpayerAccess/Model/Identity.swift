#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The hash of a secret token (session, trusted device, link): BLAKE2b-256 as lower-case hex. The token itself is
/// handed out once and never stored (RULES A7).
public struct TokenHash: Hashable, Sendable, Codable, CustomStringConvertible {
    public let hex: String
    public init(hex: String) { self.hex = hex }
    public init(from decoder: any Decoder) throws { hex = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
    public var description: String { "TokenHash(\(hex.prefix(8))…)" }
}

/// Where a logon application stands (RULES R10).
public enum RegistrationStatus: String, Sendable, Hashable, Codable {
    case submitted, approved, rejected
}

/// A submitted Create My Logon request (RULES R10, R11).
public struct Registration: Hashable, Sendable, Codable {
    public var id: RegistrationID
    /// Ten random digits shown as `d-ddd-ddd-ddd`; unique.
    public var confirmationNumber: String
    public var logon: LogonID
    public var taxpayer: TaxpayerID
    /// The account whose return or letter the applicant proved (RULES R11).
    public var provedAccount: AccountID
    public var status: RegistrationStatus
    public var submittedAt: Date
    public var decidedAt: Date?

    init(
        id: RegistrationID, confirmationNumber: String, logon: LogonID, taxpayer: TaxpayerID, provedAccount: AccountID,
        status: RegistrationStatus = .submitted, submittedAt: Date, decidedAt: Date? = nil
    ) {
        self.id = id
        self.confirmationNumber = confirmationNumber
        self.logon = logon
        self.taxpayer = taxpayer
        self.provedAccount = provedAccount
        self.status = status
        self.submittedAt = submittedAt
        self.decidedAt = decidedAt
    }
}

/// How far a session has come (RULES A3, R12).
public enum SessionStage: String, Sendable, Hashable, Codable {
    /// Password accepted; a security code is awaited.
    case awaitingCode
    /// Password accepted on the first login: two-step verification must be set up before anything else (R12).
    case awaitingTwoStepSetup
    /// Fully signed in.
    case authenticated
}

/// A login session (RULES A7). The token is handed out once; only its hash is stored.
public struct Session: Hashable, Sendable, Codable {
    package var id: SessionID
    package var tokenHash: TokenHash
    package var logon: LogonID
    package var stage: SessionStage
    package var createdAt: Date
    package var lastActivityAt: Date
    package var endedAt: Date?

    package init(
        id: SessionID, tokenHash: TokenHash, logon: LogonID, stage: SessionStage, createdAt: Date,
        lastActivityAt: Date, endedAt: Date? = nil
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.logon = logon
        self.stage = stage
        self.createdAt = createdAt
        self.lastActivityAt = lastActivityAt
        self.endedAt = endedAt
    }
}

/// A device the user chose to trust after a correct code (RULES A6).
public struct TrustedDevice: Hashable, Sendable, Codable {
    package var id: TrustedDeviceID
    package var tokenHash: TokenHash
    package var logon: LogonID
    package var createdAt: Date
    package var expiresAt: Date
    package var revokedAt: Date?

    init(
        id: TrustedDeviceID, tokenHash: TokenHash, logon: LogonID, createdAt: Date, expiresAt: Date,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.logon = logon
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// What a security code is for.
public enum CodePurpose: String, Sendable, Hashable, Codable {
    /// The second step of a login.
    case login
    /// Proving a new two-step method while setting it up.
    case setup
}

/// A security code in flight (RULES A4): one per logon and purpose; a resend replaces it.
public struct VerificationCode: Hashable, Sendable, Codable {
    package var logon: LogonID
    package var purpose: CodePurpose
    package var method: TwoStepKind
    /// Argon2id or BLAKE2b hash of the six digits; never the digits.
    package var codeHash: String
    package var issuedAt: Date
    package var expiresAt: Date
    /// Wrong tries so far; a resend does not reset it (RULES A4).
    package var failedAttempts: Int
    /// When each code of the current window was sent, for the resend limit.
    package var sentAt: [Date]
    package var consumed: Bool
    /// A method being set up (purpose ``CodePurpose/setup``), kept until the code proves it.
    package var pendingMethod: TwoStepMethod?
    /// The session the code was issued or last resent for: only that session may use it (RULES A4).
    package var session: SessionID?

    init(
        logon: LogonID, purpose: CodePurpose, method: TwoStepKind, codeHash: String, issuedAt: Date, expiresAt: Date,
        failedAttempts: Int = 0, sentAt: [Date] = [], consumed: Bool = false, pendingMethod: TwoStepMethod? = nil,
        session: SessionID? = nil
    ) {
        self.logon = logon
        self.purpose = purpose
        self.method = method
        self.codeHash = codeHash
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.failedAttempts = failedAttempts
        self.sentAt = sentAt
        self.consumed = consumed
        self.pendingMethod = pendingMethod
        self.session = session
    }

    package var key: String { "\(logon.rawValue)|\(purpose.rawValue)" }
}

/// What a single-use link does (RULES R12, V1, V2, S2).
public enum LinkPurpose: String, Sendable, Hashable, Codable {
    case activation, passwordReset, secondaryCompletion, emailConfirmation
    /// Written where a recovery request matched no logon, so that a known and an unknown address or username make
    /// the same store writes (RULES V1, V2). Never usable.
    case decoy
}

/// A single-use, expiring link token (RULES R12, V1, V2, S2). Only its hash is stored.
///
/// A link is bound to the logon's email and password as they were when it was issued: it dies as soon as either
/// changes (RULES V2), and when a newer link of the same purpose is issued.
public struct LinkToken: Hashable, Sendable, Codable {
    package var id: LinkTokenID
    package var tokenHash: TokenHash
    package var purpose: LinkPurpose
    package var logon: LogonID
    package var issuedAt: Date
    package var expiresAt: Date
    package var usedAt: Date?
    /// The logon's email (``Logon/normalizedKey(_:)``) the link was sent to; the link dies when the email changes.
    package var boundEmail: String?
    /// A fingerprint of the logon's password hash when the link was issued (``LinkToken/passwordFingerprint(_:)``,
    /// never the hash itself); the link dies when the password changes or is reset, since every new hash has a new
    /// salt.
    package var boundPassword: String?
    /// Security answers being or having been checked on this link (RULES V2): one at a time, and a wrong one uses
    /// the link up.
    package var answerAttempts: Int
    /// Orders the logon's links of one purpose: the highest is the newest, and only the newest works (RULES V2).
    package var serial: Int

    init(
        id: LinkTokenID, tokenHash: TokenHash, purpose: LinkPurpose, logon: LogonID, issuedAt: Date, expiresAt: Date,
        usedAt: Date? = nil, boundEmail: String? = nil, boundPassword: String? = nil, answerAttempts: Int = 0,
        serial: Int = 0
    ) {
        self.id = id
        self.tokenHash = tokenHash
        self.purpose = purpose
        self.logon = logon
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
        self.boundEmail = boundEmail
        self.boundPassword = boundPassword
        self.answerAttempts = answerAttempts
        self.serial = serial
    }

    /// The fingerprint a link keeps of a password hash: 128 bits of its BLAKE2b hash (RULES V2).
    package static func passwordFingerprint(_ passwordHash: String?) -> String? {
        passwordHash.map { String(SecretToken.hash("link-binding|" + $0).hex.prefix(32)) }
    }

    enum CodingKeys: String, CodingKey {
        case id, tokenHash, purpose, logon, issuedAt, expiresAt, usedAt, boundEmail, boundPassword,
            answerAttempts, serial
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(LinkTokenID.self, forKey: .id),
            tokenHash: try c.decode(TokenHash.self, forKey: .tokenHash),
            purpose: try c.decode(LinkPurpose.self, forKey: .purpose),
            logon: try c.decode(LogonID.self, forKey: .logon),
            issuedAt: try c.decode(Date.self, forKey: .issuedAt),
            expiresAt: try c.decode(Date.self, forKey: .expiresAt),
            usedAt: try c.decodeIfPresent(Date.self, forKey: .usedAt),
            boundEmail: try c.decodeIfPresent(String.self, forKey: .boundEmail),
            boundPassword: try c.decodeIfPresent(String.self, forKey: .boundPassword),
            answerAttempts: try c.decodeIfPresent(Int.self, forKey: .answerAttempts) ?? 0,
            serial: try c.decodeIfPresent(Int.self, forKey: .serial) ?? 0)
    }
}

/// A message in a logon's e-message inbox: where the details that emails leave out are read (RULES N1).
public struct EMessage: Hashable, Sendable, Codable {
    public var id: MessageID
    public var logon: LogonID
    public var subject: String
    public var body: String
    public var createdAt: Date
    public var read: Bool

    init(id: MessageID, logon: LogonID, subject: String, body: String, createdAt: Date, read: Bool = false) {
        self.id = id
        self.logon = logon
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.read = read
    }
}

/// Failed identity proofs for one taxpayer ID inside the policy's window (RULES R3).
public struct ProofAttempts: Hashable, Sendable, Codable {
    /// ``TaxIdentifier/key`` of the ID tried.
    package var taxIDKey: String
    package var failures: [Date]

    init(taxIDKey: String, failures: [Date] = []) {
        self.taxIDKey = taxIDKey
        self.failures = failures
    }
}

/// Where an outbox mail or text stands (RULES N2).
public enum MailStatus: String, Sendable, Hashable, Codable {
    case pending, sent
    /// Written where a recovery request matched no logon, so that both cases make the same store writes (RULES V1,
    /// V2). Never sent.
    case decoy
}

/// An email written to the durable outbox in the same commit as the change that causes it (RULES N2).
///
/// The body is kept only sealed (XSalsa20-Poly1305 under the portal's sealing key): some bodies carry the secrets RULES N1
/// allows an email — a security code, an activation or reset link, a recovered username — and secrets are never
/// stored in the clear (RULES A7). Once the mailer has accepted it, the body is dropped.
public struct OutboxMail: Hashable, Sendable, Codable {
    public var id: MailID
    /// Stable across retries, so a mailer can drop a duplicate.
    public var idempotencyKey: String
    public var to: String
    /// Never a secret (RULES N1).
    public var subject: String
    /// The plain-text body sealed with the context's secret key (nonce ‖ ciphertext); empty once sent.
    public var sealedBody: [UInt8]
    public var createdAt: Date
    public var status: MailStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var sentAt: Date?
    public var lastError: String?

    public init(
        id: MailID, idempotencyKey: String? = nil, to: String, subject: String, sealedBody: [UInt8], createdAt: Date,
        status: MailStatus = .pending, attempts: Int = 0, nextAttemptAt: Date? = nil, sentAt: Date? = nil,
        lastError: String? = nil
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey ?? "mail-\(id.rawValue)"
        self.to = to
        self.subject = subject
        self.sealedBody = sealedBody
        self.createdAt = createdAt
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.sentAt = sentAt
        self.lastError = lastError
    }

    /// A mail whose plain-text `body` is sealed with `box` on the way in.
    package init(
        id: MailID, idempotencyKey: String? = nil, to: String, subject: String, body: String, sealedWith box: SecretBox,
        random: any RandomSource, createdAt: Date
    ) {
        self.init(
            id: id, idempotencyKey: idempotencyKey, to: to, subject: subject,
            sealedBody: box.seal(Array(body.utf8), using: random), createdAt: createdAt)
    }

    /// The plain-text body.
    ///
    /// - Throws: ``AccessError`` when `box` holds another key or the stored body was altered.
    package func body(openedWith box: SecretBox) throws(AccessError) -> String {
        String(decoding: try box.open(sealedBody), as: UTF8.self)
    }
}

/// A text message written to the durable outbox in the same commit as the change that causes it (RULES N2), like
/// ``OutboxMail``: a security code by text (RULES A3, A4) is sent from the outbox, never after the commit.
///
/// The body is kept only sealed (XSalsa20-Poly1305 under the sealing key): it carries a security code. Once the messenger has accepted it, the
/// body is dropped.
public struct OutboxText: Hashable, Sendable, Codable {
    package var id: TextID
    /// Stable across retries, so a gateway can drop a duplicate.
    package var idempotencyKey: String
    package var to: PhoneNumber
    /// The plain-text body sealed with the context's secret key (nonce ‖ ciphertext); empty once sent.
    package var sealedBody: [UInt8]
    package var createdAt: Date
    package var status: MailStatus
    package var attempts: Int
    package var nextAttemptAt: Date
    package var sentAt: Date?
    package var lastError: String?

    init(
        id: TextID, idempotencyKey: String? = nil, to: PhoneNumber, sealedBody: [UInt8], createdAt: Date,
        status: MailStatus = .pending, attempts: Int = 0, nextAttemptAt: Date? = nil, sentAt: Date? = nil,
        lastError: String? = nil
    ) {
        self.id = id
        self.idempotencyKey = idempotencyKey ?? "text-\(id.rawValue)"
        self.to = to
        self.sealedBody = sealedBody
        self.createdAt = createdAt
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.sentAt = sentAt
        self.lastError = lastError
    }

    /// The plain-text body.
    ///
    /// - Throws: ``AccessError`` when `box` holds another key or the stored body was altered.
    package func body(openedWith box: SecretBox) throws(AccessError) -> String {
        String(decoding: try box.open(sealedBody), as: UTF8.self)
    }
}
