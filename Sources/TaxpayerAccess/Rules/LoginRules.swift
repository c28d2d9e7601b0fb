#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AuditAction {
    /// A password was accepted and a session opened that still awaits two-step verification or its set-up.
    public static let passwordAccepted = AuditAction("login.passwordAccepted")
    /// A two-step method was added or removed (RULES A3, P1).
    public static let twoStepChanged = AuditAction("twoStep.changed")
    /// A password reset link or username reminder was asked for (RULES V1, V2).
    public static let recoveryRequested = AuditAction("recovery.requested")
    /// A password hash made with older parameters was upgraded at a good login.
    public static let passwordRehashed = AuditAction("password.rehashed")
    /// An application was refused by the agency.
    public static let registrationRejected = AuditAction("registration.rejected")
}

/// What counting a password try found (RULES A1, A2).
struct PasswordTry: Sendable {
    /// The live logon the username names (active, with a password), as charged; `nil` for a username that names
    /// none.
    var logon: Versioned<Logon>?
    /// The hash to check the password against; `nil` when there is none (the hasher's decoy is checked instead).
    var passwordHash: String?
    /// The try as counted.
    var charge: LockCharge

    /// Whether a right password may open a session: a live logon that was not locked.
    var mayProceed: Bool { logon != nil && !charge.refused }
}

/// What a login with the right password comes to (RULES R12, A3, A6).
enum LoginOutcome: Sendable {
    /// The logon was never activated: the person must use the link of the approval email first.
    case notActivated
    /// A session was opened at the stage the rules call for.
    case opened(Authentication.LoginResult)
    /// No session was opened: the code could not be sent (too many sends); the try was given back.
    case refused(AccessError)
}

/// What the password step decides from, once the password proved right (RULES A2, A6, R12): read fresh from the
/// store, or drawn by the service.
struct AcceptedPassword: Sendable {
    /// The logon, read again after the check.
    var logon: Versioned<Logon>
    /// The hash the password was checked against.
    var checkedHash: String
    /// A new hash of the password when the stored one was made with older parameters.
    var rehash: String?
    /// The lock record, read again after the check.
    var lock: Versioned<LogonLock>?
    /// The try as counted before the check.
    var charge: LockCharge
    /// The trusted-device record the caller's device token names, if any.
    var device: TrustedDevice?
    /// The new session's token.
    var session: DrawnToken
    /// The code to send when the first two-step method sends one.
    var code: DrawnCode?
    /// The logon's current login code record, for the resend window (RULES A4).
    var codeRecord: Versioned<VerificationCode>?
}

/// The pure decisions of the password step of a login (RULES A1, A2, A6, R12).
enum LoginRules {
    /// The one answer to an unknown username and a wrong password (RULES A1).
    ///
    /// A locked logon gets this same answer, even to the right password (RULES A1, A2): a different answer would tell
    /// a guesser that the username exists, and, during the lock, that a guess was right. The owner learns of the lock
    /// by email.
    static let invalidCredentials = AccessError(
        .invalidCredentials,
        "The username or password is not correct, or the logon is locked for a while after too many failed attempts. Try again later, or reset your password."
    )

    /// The logon a username names for the password step: active and with a password set (RULES A1). Any other —
    /// unknown, awaiting approval, deactivated, deleted, or a secondary logon not yet completed — is treated as an
    /// unknown username.
    static func eligible(_ logon: Versioned<Logon>?) -> Versioned<Logon>? {
        guard let logon, logon.value.status == .active, logon.value.credentials.passwordHash != nil else { return nil }
        return logon
    }

    /// The lock record a try for `username` counts against: the logon's own, or a bucket of unknown usernames.
    static func lockID(for logon: Logon?, username: String) -> String {
        logon?.id.rawValue ?? LockoutRules.bucket(forUsername: username)
    }

    /// Counts one password try before the password is checked (RULES A1, A2): the same write — one lock record at
    /// its version — whether the username names a live logon, a locked one or none.
    static func chargePassword(
        _ logon: Versioned<Logon>?, lock: Versioned<LogonLock>?, lockID: String, now: Date, policy: Policy
    ) -> Decision<PasswordTry> {
        let charge = LockoutRules.charge(lock, id: lockID, kind: .password, now: now, policy: policy)
        return charge.with(
            result: PasswordTry(
                logon: logon, passwordHash: logon?.value.credentials.passwordHash, charge: charge.result))
    }

    /// A login that failed — wrong password, unknown username or locked logon — whose try was already counted
    /// (RULES A1, A2, U1): one audit event, and when the try set the lock, the lockout (``LockoutRules/failed(_:logon:sessions:actor:note:now:policy:)``).
    static func failedLogin(
        _ attempt: PasswordTry, sessions: [Versioned<Session>], now: Date, policy: Policy
    ) -> Decision<Void> {
        let note: String
        if attempt.logon == nil {
            note = "unknown username"
        } else if attempt.charge.refused {
            note = "logon locked"
        } else {
            note = "wrong password"
        }
        return LockoutRules.failed(
            attempt.charge, logon: attempt.logon?.value, sessions: sessions, actor: .anonymous, note: note, now: now,
            policy: policy)
    }

    /// The password proved right (RULES A2, A6, R12, A3, A4): the counted try is given back (earlier failures stay:
    /// a correct password alone clears nothing), an outdated hash is upgraded, and a session opens — signed in at
    /// once on a trusted device (a completed sign-in, which clears the failures), awaiting the two-step set-up on a
    /// logon that has none (R12), or awaiting a code, which is sent at once by the first method.
    ///
    /// - Throws: ``invalidCredentials`` when the logon stopped being live since the charge.
    static func passwordAccepted(_ input: AcceptedPassword, now: Date, policy: Policy) throws -> Decision<LoginOutcome>
    {
        guard let current = eligible(input.logon) else { throw invalidCredentials }
        var logon = current.value
        var decision = Decision<LoginOutcome>(result: .notActivated)
        if let rehash = input.rehash, logon.credentials.passwordHash == input.checkedHash {
            logon.credentials.passwordHash = rehash
            decision.update(.logon(logon), from: current.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: .logon(logon.id), action: .passwordRehashed, subject: "logon/\(logon.id)",
                    note: "hash upgraded to the current parameters"))
        }
        guard logon.activated else {
            decision.merge(LockoutRules.givingBack(input.charge, current: input.lock))
            return decision
        }
        let trusted = deviceTrusted(input.device, logon: logon.id, now: now)
        let stage = initialStage(logon, deviceTrusted: trusted)
        let session = Session(
            id: SessionID(input.session.id), tokenHash: input.session.hash, logon: logon.id, stage: stage,
            createdAt: now, lastActivityAt: now)
        decision.insert(.session(session))
        var result = Authentication.LoginResult(
            sessionToken: input.session.token, stage: stage, codeMethod: nil, codeSentTo: nil,
            methods: logon.twoStep.methods.map {
                Authentication.MethodChoice(
                    kind: $0.kind, destination: TwoStepRules.maskedDestination(of: $0, profileEmail: logon.email))
            })
        switch stage {
        case .authenticated:
            decision.merge(LockoutRules.cleared(input.lock))  // A2: a completed sign-in
            decision.audit(
                AuditEvent(
                    time: now, actor: .logon(logon.id), action: .loginSucceeded, subject: "session/\(session.id)",
                    note: "trusted device"))
        case .awaitingTwoStepSetup:
            decision.merge(LockoutRules.givingBack(input.charge, current: input.lock))
            decision.audit(
                AuditEvent(
                    time: now, actor: .logon(logon.id), action: .passwordAccepted, subject: "session/\(session.id)",
                    note: "two-step set-up required (R12)"))
        case .awaitingCode:
            decision.merge(LockoutRules.givingBack(input.charge, current: input.lock))
            decision.audit(
                AuditEvent(
                    time: now, actor: .logon(logon.id), action: .passwordAccepted, subject: "session/\(session.id)",
                    note: "security code awaited"))
            let method = logon.twoStep.methods[0]
            let issued: Decision<String>
            do {
                issued = try TwoStepRules.issue(
                    replacing: input.codeRecord, for: logon, purpose: .login, method: method, code: input.code,
                    newCode: true, session: session.id, now: now, policy: policy)
            } catch {
                // A4: the code cannot go out; the password was right, so its try is given back and no session opens.
                var refused = LockoutRules.givingBack(input.charge, current: input.lock).with(
                    result: LoginOutcome.refused(error))
                refused.audit(
                    AuditEvent(
                        time: now, actor: .logon(logon.id), action: .passwordAccepted, subject: "logon/\(logon.id)",
                        note: "no session: \(error.code)"))
                return refused
            }
            decision.merge(issued)
            result.codeMethod = method.kind
            result.codeSentTo = issued.result
        }
        return decision.with(result: .opened(result))
    }

    /// The stage a session starts in after a correct password (RULES R12, A3, A6): set-up when the logon has no
    /// two-step method yet; signed in when the device is trusted; otherwise a code is awaited.
    static func initialStage(_ logon: Logon, deviceTrusted: Bool) -> SessionStage {
        if logon.twoStep.setupRequired { return .awaitingTwoStepSetup }
        return deviceTrusted ? .authenticated : .awaitingCode
    }

    /// Whether a trusted-device record lets this logon skip two-step verification at `now` (RULES A6).
    static func deviceTrusted(_ device: TrustedDevice?, logon: LogonID, now: Date) -> Bool {
        guard let device, device.logon == logon, device.revokedAt == nil else { return false }
        return now < device.expiresAt
    }
}
