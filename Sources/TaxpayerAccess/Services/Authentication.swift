#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Logging in (RULES A1–A8, R12): the password step, two-step verification by email, text or authenticator app,
/// its set-up at the first login, trusted devices, and logout.
///
/// ```swift
/// let auth = Authentication(context: context)
/// let login = try await auth.login(username: "pat.client", password: "Secret123")
/// // login.stage == .awaitingCode, login.codeSentTo == "p**@c*****.example"
/// let done = try await auth.verifyCode(session: login.sessionToken, code: "123456", trustDevice: true)
/// // keep done.deviceToken to skip the code next time (RULES A6)
/// ```
public struct Authentication: Sendable {
    /// A two-step method offered to the person, with where its codes go, masked (RULES A5).
    public struct MethodChoice: Sendable, Hashable {
        public var kind: TwoStepKind
        public var destination: String
    }

    /// The answer to a correct password.
    public struct LoginResult: Sendable, Hashable {
        /// The session token: handed out once, stored only as a hash (RULES A7).
        public var sessionToken: String
        /// ``SessionStage/authenticated`` (trusted device), ``SessionStage/awaitingCode`` or
        /// ``SessionStage/awaitingTwoStepSetup`` (first login, RULES R12).
        public var stage: SessionStage
        /// The method the awaited code comes by, when ``stage`` is ``SessionStage/awaitingCode``.
        public var codeMethod: TwoStepKind?
        /// Where that code was sent, masked (RULES A5); "your authenticator app" for TOTP.
        public var codeSentTo: String?
        /// Every method set up, to offer another one.
        public var methods: [MethodChoice]
    }

    /// The answer to a correct security code.
    public struct Verified: Sendable, Hashable {
        /// The trusted-device token when the person asked to trust the device (RULES A6): handed out once.
        public var deviceToken: String?
    }

    /// A two-step method to set up (RULES A3).
    public enum SetupRequest: Sendable, Hashable {
        /// Codes by email to the logon's address.
        case email
        /// Codes by text to a mobile number.
        case text(countryCode: String, number: String)
        /// An authenticator app (RULES A8).
        case authenticator(TOTPAlgorithm)
    }

    /// What the person needs to prove a method being set up.
    public struct SetupChallenge: Sendable, Hashable {
        public var kind: TwoStepKind
        /// Where the code was sent, masked, for email and text.
        public var codeSentTo: String?
        /// The authenticator secret in base32, shown once for manual entry.
        public var secret: String?
        /// The `otpauth://` URI for a QR code.
        public var provisioningURI: String?
    }

    public let context: ServiceContext
    /// The issuer shown in authenticator apps.
    public let issuer: String

    public init(context: ServiceContext, issuer: String = "TaxpayerAccess") {
        self.context = context
        self.issuer = issuer
    }

    // MARK: - Password step

    /// Checks a username and password (RULES A1, A2) and opens a session at the stage RULES R12, A3 and A6 call
    /// for. When a code is awaited by email or text, it is sent at once.
    ///
    /// An unknown username costs exactly one slow hash, like a wrong password, and gets the same answer (A1).
    ///
    /// - Parameters:
    ///   - username: as typed; compared case-insensitively (R5).
    ///   - password: as typed; never stored or logged.
    ///   - deviceToken: a token from an earlier ``verifyCode(session:code:trustDevice:)``; a live one skips the
    ///     code (A6).
    /// - Throws: `.invalidCredentials` (also while locked, RULES A1/A2), `.stepRequired` (not activated yet),
    ///   `.tooManyResends`.
    public func login(username: String, password: String, deviceToken: String? = nil) async throws -> LoginResult {
        // A2: the try is counted before the slow check, so concurrent guesses cannot outrun the lock.
        let charge = try await chargePasswordTry(username: username)
        let found: Versioned<Logon>
        let encoded: String
        switch charge {
        case .unknown:
            _ = try await context.hasher.hash(password)  // A1: the same single slow hash as a wrong password
            try await context.store.commit(failedLoginAudit(subject: "logon/unknown", note: "unknown username"))
            throw LoginRules.invalidCredentials
        case .locked(let id, let hash):
            _ = await context.hasher.verify(password, against: hash)  // A1: same cost; the result is not used
            try await context.store.commit(failedLoginAudit(subject: "logon/\(id)", note: "locked"))
            throw LoginRules.invalidCredentials  // A1, A2: the same answer as a wrong password
        case .charged(let logon, let hash):
            (found, encoded) = (logon, hash)
        }
        guard await context.hasher.verify(password, against: encoded) else {
            try await recordWrongPassword(found.value)
            throw LoginRules.invalidCredentials
        }
        let rehash = context.hasher.needsRehash(encoded) ? try await context.hasher.hash(password) : nil
        var device: Versioned<TrustedDevice>?
        if let deviceToken {
            device = try await context.store.trustedDevice(byTokenHash: SecretToken.hash(deviceToken))
        }
        // Sent after the commit; a text message is no part of the transaction.
        let (result, text) = try await context.commitRetrying {
            () async throws -> (ChangeSet, (LoginResult, (String, PhoneNumber)?)) in
            let now = context.clock.now()
            guard let current = try await context.store.logon(found.value.id), current.value.status == .active else {
                throw LoginRules.invalidCredentials
            }
            var logon = LoginRules.afterCorrectTry(current.value, charged: found.value, now: now)  // A2: the try back
            var changes = ChangeSet()
            if let rehash, logon.credentials.passwordHash == encoded {
                logon.credentials.passwordHash = rehash
                changes.audit(
                    AuditEvent(
                        time: now, actor: .logon(logon.id), action: .passwordRehashed,
                        subject: "logon/\(logon.id)", note: "hash upgraded to the current parameters"))
            }
            if logon != current.value {
                changes.update(.logon(logon), from: current.version)
            }
            guard logon.activated else {
                if !changes.isEmpty { try await context.store.commit(changes) }
                throw AccessError(.stepRequired, "Activate your logon first, with the link in your approval email.")
            }
            let trusted = LoginRules.deviceTrusted(device?.value, logon: logon.id, now: now)
            let stage = LoginRules.initialStage(logon, deviceTrusted: trusted)
            let (token, hash) = SecretToken.generate(using: context.random)
            let session = Session(
                id: context.newID("S"), tokenHash: hash, logon: logon.id, stage: stage,
                createdAt: now, lastActivityAt: now)
            changes.insert(.session(session))
            var result = LoginResult(
                sessionToken: token, stage: stage, codeMethod: nil, codeSentTo: nil,
                methods: logon.twoStep.methods.map {
                    MethodChoice(kind: $0.kind, destination: TwoStepRules.maskedDestination(of: $0, email: logon.email))
                })
            var text: (String, PhoneNumber)?
            switch stage {
            case .authenticated:
                changes.audit(
                    AuditEvent(
                        time: now, actor: .logon(logon.id), action: .loginSucceeded,
                        subject: "session/\(session.id)", note: "trusted device"))
            case .awaitingTwoStepSetup:
                changes.audit(
                    AuditEvent(
                        time: now, actor: .logon(logon.id), action: .passwordAccepted,
                        subject: "session/\(session.id)", note: "two-step set-up required (R12)"))
            case .awaitingCode:
                changes.audit(
                    AuditEvent(
                        time: now, actor: .logon(logon.id), action: .passwordAccepted,
                        subject: "session/\(session.id)", note: "security code awaited"))
                let method = logon.twoStep.methods[0]
                text = try await issueCode(
                    for: logon, purpose: .login, method: method, freshLogin: true,
                    now: now, into: &changes)
                result.codeMethod = method.kind
                result.codeSentTo = TwoStepRules.maskedDestination(of: method, email: logon.email)
            }
            return (changes, (result, text))
        }
        if let (message, phone) = text { try await context.texts.send(message, to: phone) }
        return result
    }

    // MARK: - Security codes

    /// Sends a new login code, by the method of `kind` or the one in use (RULES A4): the new code replaces the
    /// previous one, which stops working; the failed-try count is kept; sends are limited per window.
    ///
    /// - Returns: where the code went, masked (RULES A5).
    /// - Throws: `.tooManyResends`, `.invalidCode` when the code died of wrong tries, `.invalidInput` for a method
    ///   not set up or an authenticator (which needs no sending).
    @discardableResult
    public func sendCode(session token: String, method kind: TwoStepKind? = nil) async throws -> String {
        let actor = try await context.authenticate(token, allowing: [.awaitingCode])
        let (destination, text) = try await context.commitRetrying {
            () async throws -> (ChangeSet, (String, (String, PhoneNumber)?)) in
            let now = context.clock.now()
            guard let logon = try await context.store.logon(actor.id)?.value else {
                throw LoginRules.invalidCredentials
            }
            let current = try await context.store.verificationCode(of: logon.id, purpose: .login)?.value
            let wanted = kind ?? current?.method ?? logon.twoStep.methods.first?.kind
            guard let method = logon.twoStep.methods.first(where: { $0.kind == wanted }) else {
                throw AccessError.invalid("method", "That two-step method is not set up for this logon.")
            }
            guard method.kind != .authenticator else {
                throw AccessError.invalid("method", "An authenticator app makes its own codes; nothing is sent.")
            }
            var changes = ChangeSet()
            let fresh = (current?.issuedAt ?? now) < actor.session.createdAt
            let text = try await issueCode(
                for: logon, purpose: .login, method: method, freshLogin: fresh, now: now,
                into: &changes)
            return (changes, (TwoStepRules.maskedDestination(of: method, email: logon.email), text))
        }
        if let (message, phone) = text { try await context.texts.send(message, to: phone) }
        return destination
    }

    /// Checks the login code (RULES A4, A8) and signs the session in. A wrong code counts; after the policy's
    /// number of wrong tries the code dies, the session ends and the failure counts toward the lockout (A2).
    ///
    /// - Parameters:
    ///   - token: the session token from ``login(username:password:deviceToken:)``.
    ///   - code: the code as typed.
    ///   - trustDevice: trust this device (RULES A6); the token comes back once in ``Verified/deviceToken``.
    /// - Throws: `.invalidInput` for a code that is not six digits, `.invalidCode`.
    @discardableResult
    public func verifyCode(session token: String, code: String, trustDevice: Bool = false) async throws -> Verified {
        let actor = try await context.authenticate(token, allowing: [.awaitingCode])
        try Self.validateCodeShape(code, digits: context.policy.totpDigits)
        let policy = context.policy
        let now = context.clock.now()
        // A4: the try is counted before the code is checked.
        let record = try await chargeTry(of: actor.id, purpose: .login, now: now)
        let logon = actor.logon
        let totpStep = try await checkTry(
            code, record, authenticator: record.value.method == .authenticator ? logon.twoStep.methods : nil,
            after: logon.twoStep.lastTOTPStep, session: actor.session, now: now)
        return try await context.commitRetrying { () async throws -> (ChangeSet, Verified) in
            guard let fresh = try await context.store.verificationCode(of: actor.id, purpose: .login),
                fresh.value.issuedAt == record.value.issuedAt, !fresh.value.consumed,
                let session = try await context.store.session(byTokenHash: actor.session.tokenHash),
                let current = try await context.store.logon(actor.id)
            else { throw TwoStepRules.invalidCode }
            let used = TwoStepRules.afterCorrectTry(fresh.value)
            var signedIn = session.value
            signedIn.stage = .authenticated
            signedIn.lastActivityAt = now
            var changes = ChangeSet()
            changes.update(.verificationCode(used), from: fresh.version)
            changes.update(.session(signedIn), from: session.version)
            if let totpStep {
                // A8: a step used once is refused afterwards.
                guard current.value.twoStep.lastTOTPStep.map({ totpStep > $0 }) ?? true else {
                    throw TwoStepRules.invalidCode
                }
                var updated = current.value
                updated.twoStep.lastTOTPStep = totpStep
                changes.update(.logon(updated), from: current.version)
            }
            changes.audit(
                AuditEvent(
                    time: now, actor: actor.actor, action: .codeAccepted, subject: "session/\(session.value.id)",
                    note: "by \(used.method.rawValue)"))
            changes.audit(
                AuditEvent(
                    time: now, actor: actor.actor, action: .loginSucceeded, subject: "session/\(session.value.id)",
                    note: "two-step verified by \(used.method.rawValue)"))
            var deviceToken: String?
            if trustDevice, let lifetime = policy.trustedDeviceLifetime {
                let (token, hash) = SecretToken.generate(using: context.random)
                let device = TrustedDevice(
                    id: context.newID("D"), tokenHash: hash, logon: actor.id, createdAt: now,
                    expiresAt: now.addingTimeInterval(lifetime.timeInterval))
                changes.insert(.trustedDevice(device))
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor.actor, action: .deviceTrusted,
                        subject: "trustedDevice/\(device.id)", after: .trustedDevice(device)))
                try context.send(IdentityMail.deviceTrusted, to: current.value.email, in: &changes)
                deviceToken = token
            }
            return (changes, Verified(deviceToken: deviceToken))
        }
    }

    // MARK: - Set-up at the first login (R12)

    /// Starts setting up a two-step method on a session that must set one up before anything else (RULES R12, A3):
    /// sends a code by email or text, or hands out an authenticator secret. Asking again replaces the code.
    /// A signed-in logon adds methods through ``Profile/addTwoStepMethod(session:currentPassword:_:)``.
    public func beginTwoStepSetup(session token: String, _ request: SetupRequest) async throws -> SetupChallenge {
        let actor = try await context.authenticate(token, allowing: [.awaitingTwoStepSetup])
        return try await startSetup(for: actor, request)
    }

    /// Finishes the set-up with a code from the new method (RULES R12, A3, A8). On a set-up session the session is
    /// then signed in.
    public func completeTwoStepSetup(session token: String, code: String) async throws {
        let actor = try await context.authenticate(token, allowing: [.awaitingTwoStepSetup])
        try await finishSetup(for: actor, code: code)
    }

    /// Ends the session at once (RULES A7). Ending an unknown or ended session is not an error.
    public func logout(session token: String) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let session = try await context.store.session(byTokenHash: SecretToken.hash(token)),
                session.value.endedAt == nil
            else { return (ChangeSet(), ()) }
            var ended = session.value
            ended.endedAt = now
            var changes = ChangeSet()
            changes.update(.session(ended), from: session.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(ended.logon), action: .loggedOut, subject: "session/\(ended.id)",
                    note: "logout"))
            return (changes, ())
        }
    }

    // MARK: - Internals shared with Profile

    func startSetup(for actor: AuthenticatedActor, _ request: SetupRequest) async throws -> SetupChallenge {
        let policy = context.policy
        let method: TwoStepMethod
        var secretText: String?
        var uri: String?
        switch request {
        case .email:
            method = .email
        case .text(let countryCode, let number):
            method = .text(try Policy.validatePhone(countryCode: countryCode, type: .mobile, number: number))
        case .authenticator(let algorithm):
            let secret = TOTP.generateSecret(byteCount: 20, using: context.random)
            let sealed = try SecretBox(key: context.secretKey).seal(secret, using: context.random)
            method = .authenticator(sealedSecret: sealed, algorithm: algorithm)
            let totp = TOTP(secret: secret, algorithm: algorithm, digits: policy.totpDigits, period: policy.totpStep)
            secretText = Base32.encode(secret)
            uri = totp.provisioningURI(account: actor.logon.username, issuer: issuer)
        }
        try TwoStepRules.allowed(method, policy: policy)
        let text = try await context.commitRetrying { () async throws -> (ChangeSet, (String, PhoneNumber)?) in
            let now = context.clock.now()
            guard let logon = try await context.store.logon(actor.id)?.value else {
                throw LoginRules.invalidCredentials
            }
            let current = try await context.store.verificationCode(of: logon.id, purpose: .setup)?.value
            let fresh = (current?.issuedAt ?? now) < actor.session.createdAt
            var changes = ChangeSet()
            let text = try await issueCode(
                for: logon, purpose: .setup, method: method, freshLogin: fresh, now: now,
                into: &changes)
            return (changes, text)
        }
        if let (message, phone) = text { try await context.texts.send(message, to: phone) }
        return SetupChallenge(
            kind: method.kind,
            codeSentTo: method.kind == .authenticator
                ? nil : TwoStepRules.maskedDestination(of: method, email: actor.logon.email),
            secret: secretText, provisioningURI: uri)
    }

    func finishSetup(for actor: AuthenticatedActor, code: String) async throws {
        try Self.validateCodeShape(code, digits: context.policy.totpDigits)
        let now = context.clock.now()
        guard let started = try await context.store.verificationCode(of: actor.id, purpose: .setup),
            started.value.pendingMethod != nil
        else { throw AccessError(.conflict, "Start setting up a two-step method first.") }
        let record = try await chargeTry(of: actor.id, purpose: .setup, now: now)
        guard let pending = record.value.pendingMethod else {
            throw AccessError(.conflict, "Start setting up a two-step method first.")
        }
        let authenticator: [TwoStepMethod]?
        if case .authenticator = pending { authenticator = [pending] } else { authenticator = nil }
        let totpStep = try await checkTry(
            code, record, authenticator: authenticator, after: nil, session: actor.session, now: now)
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            guard let fresh = try await context.store.verificationCode(of: actor.id, purpose: .setup),
                fresh.value.issuedAt == record.value.issuedAt, !fresh.value.consumed,
                let session = try await context.store.session(byTokenHash: actor.session.tokenHash),
                let current = try await context.store.logon(actor.id)
            else { throw TwoStepRules.invalidCode }
            var used = TwoStepRules.afterCorrectTry(fresh.value)
            used.pendingMethod = nil
            var logon = current.value
            logon.twoStep = ProfileRules.adding(pending, to: logon.twoStep)
            if let totpStep { logon.twoStep.lastTOTPStep = totpStep }
            var changes = ChangeSet()
            changes.update(.verificationCode(used), from: fresh.version)
            changes.update(.logon(logon), from: current.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor.actor, action: .twoStepChanged, subject: "logon/\(logon.id)",
                    before: .logon(current.value), after: .logon(logon),
                    note: "\(pending.kind.rawValue) set up"))
            try context.send(IdentityMail.twoStepChanged, to: logon.email, in: &changes)
            if session.value.stage == .awaitingTwoStepSetup {
                var signedIn = session.value
                signedIn.stage = .authenticated
                signedIn.lastActivityAt = now
                changes.update(.session(signedIn), from: session.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor.actor, action: .loginSucceeded,
                        subject: "session/\(session.value.id)", note: "two-step verification set up (R12)"))
            }
            return (changes, ())
        }
    }

    /// Writes a new code record for `method` into `changes`; emails the code in the same commit (RULES N2), or
    /// returns the text message to send after the commit. An authenticator gets a record too, so wrong TOTP tries
    /// count like wrong codes (RULES A4).
    private func issueCode(
        for logon: Logon, purpose: CodePurpose, method: TwoStepMethod, freshLogin: Bool, now: Date,
        into changes: inout ChangeSet
    ) async throws -> (String, PhoneNumber)? {
        let policy = context.policy
        let current = try await context.store.verificationCode(of: logon.id, purpose: purpose)
        let sends = method.kind != .authenticator
        let code = sends ? SecurityCode.generate(digits: policy.totpDigits, using: context.random) : ""
        let codeHash = sends ? try await context.hasher.hash(code) : ""
        let record = try TwoStepRules.issuing(
            replacing: current?.value, logon: logon.id, purpose: purpose, method: method.kind, codeHash: codeHash,
            sends: sends, freshLogin: freshLogin, pendingMethod: purpose == .setup ? method : nil, now: now,
            policy: policy)
        changes.put(.verificationCode(record), from: current?.version)
        guard sends else { return nil }
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(logon.id), action: .codeSent, subject: "logon/\(logon.id)",
                note:
                    "\(purpose.rawValue) code by \(method.kind.rawValue) to \(TwoStepRules.maskedDestination(of: method, email: logon.email))"
            ))
        let minutes = max(1, Int(policy.codeLifetime.timeInterval / 60))
        switch method {
        case .email:
            try context.send(IdentityMail.securityCode(code, validMinutes: minutes), to: logon.email, in: &changes)
            return nil
        case .text(let phone):
            return ("Your security code is \(code). It expires in \(minutes) minutes.", phone)
        case .authenticator:
            return nil
        }
    }

    /// Counts one try against the logon's code before the code is checked (RULES A4): every check must first win
    /// the write of its try, so concurrent guesses get no more tries than the policy allows between them.
    ///
    /// - Returns: the code record as charged.
    /// - Throws: ``TwoStepRules/invalidCode`` or ``TwoStepRules/codeExhausted`` when no try is left.
    private func chargeTry(of logon: LogonID, purpose: CodePurpose, now: Date) async throws
        -> Versioned<VerificationCode>
    {
        // Each conflict means another try (or a new code) was written first; the tries are bounded, so is this.
        try await context.commitRetrying(attempts: context.policy.codeMaxFailedAttempts + 2) {
            () async throws -> (ChangeSet, Versioned<VerificationCode>) in
            guard let current = try await context.store.verificationCode(of: logon, purpose: purpose) else {
                throw TwoStepRules.invalidCode
            }
            let charged = try TwoStepRules.chargingTry(current.value, now: now, policy: context.policy)
            var changes = ChangeSet()
            changes.update(.verificationCode(charged), from: current.version)
            return (changes, Versioned(charged, version: current.version + 1))
        }
    }

    /// Records a wrong try already counted by ``chargeTry(of:purpose:now:)``; the try that used up the last one
    /// kills the code.
    private func recordWrongCode(_ record: Versioned<VerificationCode>, session: Session, now: Date) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            var changes = ChangeSet()
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(record.value.logon), action: .codeFailed,
                    subject: "logon/\(record.value.logon)",
                    note:
                        "wrong \(record.value.purpose.rawValue) code \(record.value.failedAttempts) of \(context.policy.codeMaxFailedAttempts)"
                ))
            if TwoStepRules.wrongTryKills(chargedAttempts: record.value.failedAttempts, policy: context.policy) {
                // A4: the code dies; the session ends; the failure counts toward the lockout (A2).
                if let fresh = try await context.store.verificationCode(
                    of: record.value.logon, purpose: record.value.purpose),
                    fresh.value.issuedAt == record.value.issuedAt, !fresh.value.consumed
                {
                    var dead = fresh.value
                    dead.consumed = true
                    changes.update(.verificationCode(dead), from: fresh.version)
                }
                if let live = try await context.store.session(byTokenHash: session.tokenHash), live.value.endedAt == nil
                {
                    var ended = live.value
                    ended.endedAt = now
                    changes.update(.session(ended), from: live.version)
                    changes.audit(
                        AuditEvent(
                            time: now, actor: .logon(ended.logon), action: .loggedOut,
                            subject: "session/\(ended.id)", note: "too many wrong codes"))
                }
                if let logon = try await context.store.logon(record.value.logon) {
                    let (after, locked) = LoginRules.afterFailure(logon.value, now: now, policy: context.policy)
                    changes.update(.logon(after), from: logon.version)
                    if locked { try lockOutEvents(after, now: now, into: &changes) }
                }
            }
            return (changes, ())
        }
    }

    private func matchTOTP(_ code: String, methods: [TwoStepMethod], after: UInt64?, now: Date) -> UInt64? {
        for case .authenticator(let sealed, let algorithm) in methods {
            guard let secret = try? SecretBox(key: context.secretKey).open(sealed) else { continue }
            let totp = TOTP(
                secret: secret, algorithm: algorithm, digits: context.policy.totpDigits,
                period: context.policy.totpStep)
            return totp.match(code, at: now, drift: context.policy.totpAllowedDrift, after: after)
        }
        return nil
    }

    /// What counting a password try found (RULES A1, A2).
    private enum PasswordTry {
        /// No active logon with a password answers to the username.
        case unknown
        /// The logon is locked: the password is not tried.
        case locked(LogonID, passwordHash: String)
        /// The try is counted: the logon as charged, with the hash to check the password against.
        case charged(Versioned<Logon>, passwordHash: String)
    }

    /// Counts one password try against the logon before the password is checked (RULES A2), like
    /// ``chargeTry(of:purpose:now:)`` for codes: every check must first win the versioned write of its try, so
    /// concurrent guesses get no more checks than ``Policy/lockoutThreshold`` between them. A conflict means another
    /// try was counted first: read again and decide again.
    private func chargePasswordTry(username: String) async throws -> PasswordTry {
        // Each conflict is another try counted first; the threshold bounds them before the lock, so this is bounded.
        try await context.commitRetrying(attempts: context.policy.lockoutThreshold + 2) {
            () async throws -> (ChangeSet, PasswordTry) in
            let now = context.clock.now()
            guard let current = try await context.store.logon(byUsername: username), current.value.status == .active,
                let encoded = current.value.credentials.passwordHash
            else { return (ChangeSet(), .unknown) }
            let charged: Logon
            do {
                charged = try LoginRules.chargingTry(current.value, now: now, policy: context.policy)
            } catch {
                return (ChangeSet(), .locked(current.value.id, passwordHash: encoded))
            }
            var changes = ChangeSet()
            changes.update(.logon(charged), from: current.version)
            return (changes, .charged(Versioned(charged, version: current.version + 1), passwordHash: encoded))
        }
    }

    /// Records a wrong password whose try ``chargePasswordTry(username:)`` already counted; when that try set the
    /// lock, the lock stands and the owner is told (RULES A2).
    private func recordWrongPassword(_ charged: Logon) async throws {
        let now = context.clock.now()
        var changes = ChangeSet()
        changes.audit(
            AuditEvent(
                time: now, actor: .anonymous, action: .loginFailed, subject: "logon/\(charged.id)",
                note: "wrong password"))
        if LoginRules.chargeLocked(charged) { try lockOutEvents(charged, now: now, into: &changes) }
        try await context.store.commit(changes)
    }

    private func lockOutEvents(_ logon: Logon, now: Date, into changes: inout ChangeSet) throws(AccessError) {
        changes.audit(
            AuditEvent(
                time: now, actor: .system, action: .lockedOut, subject: "logon/\(logon.id)",
                after: .logon(logon), note: "locked after \(context.policy.lockoutThreshold) failures"))
        try context.send(IdentityMail.lockedOut, to: logon.email, in: &changes)
    }

    /// Checks a try already counted (RULES A4, A8): against the authenticator `methods` when given (the matched TOTP
    /// step is returned), else against the code's hash (`nil` is returned). A wrong code is recorded and refused.
    private func checkTry(
        _ code: String, _ record: Versioned<VerificationCode>, authenticator methods: [TwoStepMethod]?,
        after lastStep: UInt64?, session: Session, now: Date
    ) async throws -> UInt64? {
        let totpStep: UInt64?
        let correct: Bool
        if let methods {
            totpStep = matchTOTP(code, methods: methods, after: lastStep, now: now)
            correct = totpStep != nil
        } else {
            totpStep = nil
            correct = await context.hasher.verify(code, against: record.value.codeHash)
        }
        guard correct else {
            try await recordWrongCode(record, session: session, now: now)
            throw TwoStepRules.invalidCode
        }
        return totpStep
    }

    private func failedLoginAudit(subject: String, note: String) -> ChangeSet {
        var changes = ChangeSet()
        changes.audit(
            AuditEvent(time: context.clock.now(), actor: .anonymous, action: .loginFailed, subject: subject, note: note)
        )
        return changes
    }

    static func validateCodeShape(_ code: String, digits: Int) throws(AccessError) {
        guard !code.isEmpty else { throw AccessError.invalid("code", "Enter the security code.") }
        guard code.count == digits, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccessError.invalid("code", "A security code is \(digits) digits.")
        }
    }
}
