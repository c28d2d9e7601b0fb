#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Logging in (RULES A1–A8, R12): the password step, two-step verification by email, text or authenticator app,
/// its set-up at the first login, trusted devices, and logout.
///
/// Every wrong secret — password or code — is counted against the logon before it is checked (RULES A2, A4), so
/// neither parallel guesses nor logging in again can get more tries than the policy allows; a correct password alone
/// clears nothing, only a completed sign-in does.
///
/// ```swift
/// let auth = portal.authentication
/// let login = try await auth.login(username: "pat.client", password: "Secret123")
/// // login.stage == .awaitingCode, login.codeSentTo == "p**@c*****.example"
/// let caller = try await portal.authenticate(sessionToken: login.sessionToken)   // once per request
/// let done = try await auth.verifyCode(caller, code: "123456", trustDevice: true)
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
        /// Codes by email to the logon's profile email.
        case email
        /// Codes by email to another address, which the set-up code proves (RULES A3).
        case otherEmail(String)
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

    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    // MARK: - Password step

    /// Checks a username and password (RULES A1, A2) and opens a session at the stage RULES R12, A3 and A6 call
    /// for. When a code is awaited by email or text, it is sent at once (from the outbox, RULES N2).
    ///
    /// An unknown username, a wrong password and a locked logon get the same answer for the same work: one commit
    /// counting the try, exactly one slow hash, one commit recording the failure (RULES A1).
    ///
    /// - Parameters:
    ///   - username: as typed; compared case-insensitively (R5).
    ///   - password: as typed; never stored or logged.
    ///   - deviceToken: a token from an earlier ``verifyCode(_:code:trustDevice:)``; a live one skips the
    ///     code (A6).
    /// - Throws: `.invalidCredentials` (also while locked, RULES A1/A2), `.stepRequired` (not activated yet),
    ///   `.tooManyResends`.
    public func login(username: String, password: String, deviceToken: String? = nil) async throws -> LoginResult {
        let policy = context.policy
        // A2: the try is counted before the slow check, so concurrent guesses cannot outrun the lock.
        let attempt = try await context.decideAndCommit(attempts: policy.lockoutThreshold + 2) {
            let logon = LoginRules.eligible(try await context.store.logon(byUsername: username))
            let lockID = LoginRules.lockID(for: logon?.value, username: username)
            return LoginRules.chargePassword(
                logon, lock: try await context.store.logonLock(lockID), lockID: lockID, now: context.clock.now(),
                policy: policy)
        }
        // A1: exactly one slow hash, against the decoy where there is no hash.
        let checked = attempt.passwordHash ?? context.hasher.decoyHash
        let correct = await context.hasher.verify(password, against: checked)
        guard correct, attempt.mayProceed, let charged = attempt.logon else {
            try await context.decideAndCommit {
                let sessions =
                    attempt.charge.setLock
                    ? try await attempt.logon.asyncMap { try await context.store.sessions(of: $0.value.id) } ?? [] : []
                return LoginRules.failedLogin(attempt, sessions: sessions, now: context.clock.now(), policy: policy)
            }
            throw LoginRules.invalidCredentials
        }
        let rehash = context.hasher.needsRehash(checked) ? try await context.hasher.hash(password) : nil
        var device: TrustedDevice?
        if let deviceToken {
            device = try await context.store.trustedDevice(byTokenHash: SecretToken.hash(deviceToken))?.value
        }
        let session = context.drawToken("S")
        let sendsCode = charged.value.twoStep.methods.first.map { $0.kind != .authenticator } ?? false
        let code = sendsCode ? try await context.drawCode() : nil
        let outcome = try await context.decideAndCommit {
            guard let logon = try await context.store.logon(charged.value.id) else {
                throw LoginRules.invalidCredentials
            }
            return try LoginRules.passwordAccepted(
                AcceptedPassword(
                    logon: logon, checkedHash: checked, rehash: rehash,
                    lock: try await context.store.logonLock(attempt.charge.id), charge: attempt.charge,
                    device: device, session: session, code: code,
                    codeRecord: try await context.store.verificationCode(of: logon.value.id, purpose: .login)),
                now: context.clock.now(), policy: policy)
        }
        switch outcome {
        case .notActivated:
            throw AccessError(.stepRequired, "Activate your logon first, with the link in your approval email.")
        case .refused(let refusal):
            throw refusal
        case .opened(let result):
            return result
        }
    }

    // MARK: - Security codes

    /// Sends a new login code, by the method of `kind` or the one in use (RULES A4): the new code replaces the
    /// previous one, which stops working; the wrong tries are kept; sends are limited per window.
    ///
    /// - Returns: where the code went, masked (RULES A5).
    /// - Throws: `.tooManyResends`, `.invalidCode` when the code died of wrong tries, `.invalidInput` for a method
    ///   not set up or an authenticator (which needs no sending).
    @discardableResult
    public func sendCode(_ caller: SignedIn, method kind: TwoStepKind? = nil) async throws -> String {
        let actor = try context.caller(caller, [.awaitingCode])
        let wanted = kind ?? actor.logon.twoStep.methods.first?.kind
        guard let method = actor.logon.twoStep.methods.first(where: { $0.kind == wanted }) else {
            throw AccessError.invalid("method", "That two-step method is not set up for this logon.")
        }
        guard method.kind != .authenticator else {
            throw AccessError.invalid("method", "An authenticator app makes its own codes; nothing is sent.")
        }
        let code = try await context.drawCode()
        return try await context.decideAndCommit {
            guard let logon = try await context.store.logon(actor.id)?.value else {
                throw LoginRules.invalidCredentials
            }
            let current = try await context.store.verificationCode(of: logon.id, purpose: .login)
            let newCode = (current?.value.issuedAt ?? .distantPast) < actor.session.createdAt
            return try TwoStepRules.issue(
                replacing: current, for: logon, purpose: .login, method: method, code: code, newCode: newCode,
                session: actor.session.id, now: context.clock.now(), policy: context.policy)
        }
    }

    /// Checks the login code (RULES A4, A8) and signs the session in. Every wrong code counts against the logon
    /// (RULES A2, A4): after ``Policy/codeLockoutThreshold`` of them since the last completed sign-in the logon is
    /// locked, every session ends and the owner is told; a code also dies after its own number of wrong tries, and
    /// the session it was tried on ends.
    ///
    /// - Parameters:
    ///   - caller: the request's caller, its login awaiting the code (``Portal/authenticate(sessionToken:)``).
    ///   - code: the six digits the person typed.
    ///   - trustDevice: trust this device (RULES A6); the token comes back once in ``Verified/deviceToken``.
    /// - Throws: `.invalidInput` for a code that is not six digits, `.invalidCode`, `.lockedOut`.
    @discardableResult
    public func verifyCode(_ caller: SignedIn, code: String, trustDevice: Bool = false) async throws -> Verified {
        let actor = try context.caller(caller, [.awaitingCode])
        try Self.validateCodeShape(code, digits: context.policy.totpDigits)
        let charge = try await chargeCode(of: actor, purpose: .login)
        let logon = actor.logon
        let authenticator = charge.code.value.method == .authenticator ? logon.twoStep.methods : nil
        let totpStep = try await check(
            code, charge, authenticator: authenticator, after: logon.twoStep.lastTOTPStep, session: actor.session)
        let device = trustDevice && context.policy.trustedDeviceLifetime != nil ? context.drawToken("D") : nil
        return try await context.decideAndCommit {
            try TwoStepRules.signIn(
                charge, current: try await context.store.verificationCode(of: actor.id, purpose: .login),
                session: try await context.store.session(byTokenHash: actor.session.tokenHash),
                logon: try await context.store.logon(actor.id), lock: try await context.store.logonLock(charge.lock.id),
                totpStep: totpStep, device: device, now: context.clock.now(), policy: context.policy)
        }
    }

    // MARK: - Set-up at the first login (R12)

    /// Starts setting up a two-step method on a session that must set one up before anything else (RULES R12, A3):
    /// sends a code by email or text, or hands out an authenticator secret. Asking again replaces the code.
    /// A signed-in logon adds methods through ``Profile/addTwoStepMethod(_:currentPassword:_:)``.
    public func beginTwoStepSetup(_ caller: SignedIn, _ request: SetupRequest) async throws -> SetupChallenge {
        let actor = try context.caller(caller, [.awaitingTwoStepSetup])
        return try await startSetup(for: actor, request)
    }

    /// Finishes the set-up with a code from the new method (RULES R12, A3, A8). On a set-up session the session is
    /// then signed in.
    public func completeTwoStepSetup(_ caller: SignedIn, code: String) async throws {
        let actor = try context.caller(caller, [.awaitingTwoStepSetup])
        try await finishSetup(for: actor, code: code)
    }

    /// Ends the session at once (RULES A7). Ending an unknown or ended session is not an error.
    public func logout(_ caller: SignedIn) async throws {
        try await context.decideAndCommit {
            SessionRules.logout(
                try await context.store.session(byTokenHash: caller.session.tokenHash), now: context.clock.now())
        }
    }

    // MARK: - Internals shared with Profile

    /// Starts setting up a method (RULES A3): the method the request names, its code issued by the rules.
    func startSetup(for actor: SignedIn, _ request: SetupRequest) async throws -> SetupChallenge {
        let policy = context.policy
        let method: TwoStepMethod
        var secretText: String?
        var uri: String?
        switch request {
        case .email:
            method = .email(address: actor.logon.email)
        case .otherEmail(let address):
            method = .email(address: try Policy.validateEmail(address))
        case .text(let countryCode, let number):
            method = .text(try Policy.validatePhone(countryCode: countryCode, type: .mobile, number: number))
        case .authenticator(let algorithm):
            let secret = TOTP.generateSecret(byteCount: 20, using: context.random)
            let sealed = context.sealingBox().seal(secret, using: context.random)
            method = .authenticator(sealedSecret: sealed, algorithm: algorithm)
            let totp = TOTP(secret: secret, algorithm: algorithm, digits: policy.totpDigits, period: policy.totpStep)
            secretText = Base32.encode(secret)
            uri = totp.provisioningURI(account: actor.logon.username, issuer: context.issuer)
        }
        try TwoStepRules.allowed(method, policy: policy)
        let code = method.kind == .authenticator ? nil : try await context.drawCode()
        let destination = try await context.decideAndCommit {
            guard let logon = try await context.store.logon(actor.id)?.value else {
                throw LoginRules.invalidCredentials
            }
            let current = try await context.store.verificationCode(of: logon.id, purpose: .setup)
            let newCode =
                (current?.value.issuedAt ?? .distantPast) < actor.session.createdAt
                || current?.value.pendingMethod != method
            return try TwoStepRules.issue(
                replacing: current, for: logon, purpose: .setup, method: method, code: code, newCode: newCode,
                session: actor.session.id, now: context.clock.now(), policy: policy)
        }
        return SetupChallenge(
            kind: method.kind, codeSentTo: method.kind == .authenticator ? nil : destination, secret: secretText,
            provisioningURI: uri)
    }

    /// Finishes setting up a method with a code from it (RULES A3, A8); a wrong code counts like any (RULES A4).
    func finishSetup(for actor: SignedIn, code: String) async throws {
        try Self.validateCodeShape(code, digits: context.policy.totpDigits)
        guard let started = try await context.store.verificationCode(of: actor.id, purpose: .setup),
            started.value.pendingMethod != nil, !started.value.consumed
        else { throw AccessError(.conflict, "Start setting up a two-step method first.") }
        let charge = try await chargeCode(of: actor, purpose: .setup)
        guard let pending = charge.code.value.pendingMethod else {
            throw AccessError(.conflict, "Start setting up a two-step method first.")
        }
        let authenticator: [TwoStepMethod]? = pending.kind == .authenticator ? [pending] : nil
        let totpStep = try await check(code, charge, authenticator: authenticator, after: nil, session: actor.session)
        try await context.decideAndCommit {
            try TwoStepRules.setupCompleted(
                charge, current: try await context.store.verificationCode(of: actor.id, purpose: .setup),
                session: try await context.store.session(byTokenHash: actor.session.tokenHash),
                logon: try await context.store.logon(actor.id), lock: try await context.store.logonLock(charge.lock.id),
                totpStep: totpStep, now: context.clock.now())
        }
    }

    /// Counts one try against the code and the logon's lock before the code is checked (RULES A2, A4): every check
    /// must first win the writes of its try, so concurrent guesses get no more tries than the policy allows.
    private func chargeCode(of actor: SignedIn, purpose: CodePurpose) async throws -> CodeCharge {
        // Each conflict means another try (or a new code) was written first; the tries are bounded, so is this.
        try await context.decideAndCommit(attempts: context.policy.codeMaxFailedAttempts + 2) {
            try TwoStepRules.chargeCode(
                try await context.store.verificationCode(of: actor.id, purpose: purpose),
                lock: try await context.store.logonLock(actor.id.rawValue), logon: actor.id,
                now: context.clock.now(), policy: context.policy)
        }
    }

    /// Checks a try already counted (RULES A4, A8): against the authenticator `methods` when given (the matched
    /// TOTP step is returned), else against the code's hash (`nil` is returned). A wrong code is recorded and
    /// refused.
    private func check(
        _ code: String, _ charge: CodeCharge, authenticator methods: [TwoStepMethod]?, after lastStep: UInt64?,
        session: Session
    ) async throws -> UInt64? {
        let totpStep: UInt64?
        let correct: Bool
        if let methods {
            totpStep = matchTOTP(code, methods: methods, after: lastStep)
            correct = totpStep != nil
        } else {
            totpStep = nil
            correct = await context.hasher.verify(code, against: charge.code.value.codeHash)
        }
        guard correct else {
            let logonID = charge.code.value.logon
            try await context.decideAndCommit {
                guard let logon = try await context.store.logon(logonID)?.value else { throw TwoStepRules.invalidCode }
                return TwoStepRules.wrongCode(
                    charge,
                    current: try await context.store.verificationCode(of: logonID, purpose: charge.code.value.purpose),
                    session: try await context.store.session(byTokenHash: session.tokenHash), logon: logon,
                    sessions: charge.lock.setLock ? try await context.store.sessions(of: logonID) : [],
                    now: context.clock.now(), policy: context.policy)
            }
            throw charge.code.value.failedAttempts >= context.policy.codeMaxFailedAttempts
                ? TwoStepRules.codeExhausted : TwoStepRules.invalidCode
        }
        return totpStep
    }

    private func matchTOTP(_ code: String, methods: [TwoStepMethod], after: UInt64?) -> UInt64? {
        for case .authenticator(let sealed, let algorithm) in methods {
            guard let secret = try? context.sealingBox().open(sealed) else { continue }
            let totp = TOTP(
                secret: secret, algorithm: algorithm, digits: context.policy.totpDigits,
                period: context.policy.totpStep)
            return totp.match(code, at: context.clock.now(), drift: context.policy.totpAllowedDrift, after: after)
        }
        return nil
    }

    static func validateCodeShape(_ code: String, digits: Int) throws(AccessError) {
        guard !code.isEmpty else { throw AccessError.invalid("code", "Enter the security code.") }
        guard code.count == digits, code.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw AccessError.invalid("code", "A security code is \(digits) digits.")
        }
    }
}

extension Optional {
    /// `map` for an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
