#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One code try counted before the code is checked (RULES A4): against the code record and against the logon's
/// lock (RULES A2).
struct CodeCharge: Sendable {
    /// The code record as charged, at the version the charge wrote.
    var code: Versioned<VerificationCode>
    /// The try as counted against the logon's lock.
    var lock: LockCharge
}

/// The pure decisions about security codes (RULES A3–A8).
///
/// Wrong codes are counted per logon, in its ``LogonLock`` (``LockoutRules``), across logins, resends and new codes
/// alike, and authenticator-app codes — which are never sent — count the same way: ``Policy/codeLockoutThreshold``
/// wrong codes since the last completed sign-in lock the logon. Each code also dies after
/// ``Policy/codeMaxFailedAttempts`` wrong tries on it (a resend keeps its count).
enum TwoStepRules {
    /// The answer to a wrong, expired or used-up code (RULES A4). It does not say which.
    static let invalidCode = AccessError(.invalidCode, "The security code is not correct or has expired.")

    /// The answer once the code has died of too many wrong tries (RULES A4).
    static let codeExhausted = AccessError(
        .invalidCode, "Too many wrong security codes. Log in again to get a new code.")

    /// The answer to a code try on a logon that wrong secrets have locked (RULES A2, A4).
    static let lockedOut = AccessError(
        .lockedOut, "Too many wrong secrets were given: the logon is locked for a while. Try again later.")

    /// The answer to one resend too many (RULES A4).
    static let tooManyResends = AccessError(
        .tooManyResends, "Too many security codes were sent. Wait a while before you ask for another.")

    /// The sends inside the policy's window (RULES A4).
    static func recentSends(_ code: VerificationCode?, now: Date, policy: Policy) -> [Date] {
        let since = now.addingTimeInterval(-policy.codeSendWindow.timeInterval)
        return (code?.sentAt ?? []).filter { $0 > since }
    }

    /// A new code record for `method` replacing `current`, and its sending (RULES A3, A4, A5): the code's audit event
    /// and its mail or text, written in the same commit (RULES N2). The previous code stops working. A resend
    /// (`newCode` false) keeps the previous code's wrong tries; a code for a new login or set-up starts its own
    /// count — which gives no extra guesses, since every wrong code also counts against the logon's lock. The send
    /// history is kept either way, so the send limit holds across logins. An authenticator app gets a record too (no
    /// hash, nothing sent), so that its wrong codes are counted like any other.
    ///
    /// - Returns: where the code went, masked (RULES A5).
    /// - Throws: ``tooManyResends`` past the send limit; ``codeExhausted`` for a resend of a code that died of wrong
    ///   tries.
    static func issue(
        replacing current: Versioned<VerificationCode>?, for logon: Logon, purpose: CodePurpose,
        method: TwoStepMethod, code: DrawnCode?, newCode: Bool, session: SessionID, now: Date, policy: Policy
    ) throws(AccessError) -> Decision<String> {
        let sends = method.kind != .authenticator
        let sent = recentSends(current?.value, now: now, policy: policy)
        if sends, sent.count >= policy.codeMaxSendsPerWindow { throw tooManyResends }
        let failed = newCode ? 0 : (current?.value.failedAttempts ?? 0)
        if failed >= policy.codeMaxFailedAttempts { throw codeExhausted }
        let record = VerificationCode(
            logon: logon.id, purpose: purpose, method: method.kind, codeHash: sends ? (code?.hash ?? "") : "",
            issuedAt: now, expiresAt: now.addingTimeInterval(policy.codeLifetime.timeInterval), failedAttempts: failed,
            sentAt: sends ? sent + [now] : sent, consumed: false, pendingMethod: purpose == .setup ? method : nil,
            session: session)
        let destination = maskedDestination(of: method, profileEmail: logon.email)
        var decision = Decision(result: destination)
        decision.put(.verificationCode(record), from: current?.version)
        guard sends, let code else { return decision }
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(logon.id), action: .codeSent, subject: "logon/\(logon.id)",
                note: "\(purpose.rawValue) code by \(method.kind.rawValue) to \(destination)"))
        let minutes = max(1, Int(policy.codeLifetime.timeInterval / 60))
        switch method {
        case .email:
            if let address = method.emailAddress(profileEmail: logon.email) {
                decision.mail(IdentityMail.securityCode(code.digits, validMinutes: minutes), to: address)
            }
        case .text(let phone):
            decision.text("Your security code is \(code.digits). It expires in \(minutes) minutes.", to: phone)
        case .authenticator:
            break
        }
        return decision
    }

    /// Whether a code record may still be tried at `now` (RULES A4): not used, not expired, tries left.
    static func usable(_ code: VerificationCode, now: Date, policy: Policy) throws(AccessError) {
        if code.failedAttempts >= policy.codeMaxFailedAttempts { throw codeExhausted }
        if code.consumed || now >= code.expiresAt { throw invalidCode }
    }

    /// Counts one try against the code and against the logon's lock *before* the code is checked (RULES A2, A4), so
    /// that concurrent guesses can never get more tries than the policy allows: each must first win the versioned
    /// writes of both counts.
    ///
    /// - Throws: ``invalidCode`` or ``codeExhausted`` when the code may not be tried; ``lockedOut`` while the logon
    ///   is locked (nothing is written then).
    static func chargeCode(
        _ code: Versioned<VerificationCode>?, lock: Versioned<LogonLock>?, logon: LogonID, now: Date, policy: Policy
    ) throws(AccessError) -> Decision<CodeCharge> {
        guard let code else { throw invalidCode }
        try usable(code.value, now: now, policy: policy)
        let lockCharge = LockoutRules.charge(
            lock, id: logon.rawValue, kind: .securityCode, now: now, policy: policy)
        if lockCharge.result.refused { throw lockedOut }
        var charged = code.value
        charged.failedAttempts += 1
        var decision = lockCharge.with(
            result: CodeCharge(code: Versioned(charged, version: code.version + 1), lock: lockCharge.result))
        decision.update(.verificationCode(charged), from: code.version)
        return decision
    }

    /// The code record after a correct try (RULES A4): used up, and the try charged for it given back, so its count
    /// stays the number of wrong tries.
    static func afterCorrectTry(_ code: VerificationCode) -> VerificationCode {
        var used = code
        used.consumed = true
        used.failedAttempts = max(0, code.failedAttempts - 1)
        return used
    }

    /// A wrong code whose try ``chargeCode(_:lock:logon:now:policy:)`` counted (RULES A2, A4, U1): the failure is
    /// audited; the try that used up the code's last one kills it and ends the session it was tried on; the try that
    /// set the logon's lock ends every session and tells the owner (``LockoutRules/failed(_:logon:sessions:actor:note:now:policy:)``).
    ///
    /// - Parameters:
    ///   - current: the code record read again after the check.
    ///   - session: the session the code was tried on, read again.
    ///   - sessions: every session of the logon, read when the charge set the lock.
    static func wrongCode(
        _ charge: CodeCharge, current: Versioned<VerificationCode>?, session: Versioned<Session>?, logon: Logon,
        sessions: [Versioned<Session>], now: Date, policy: Policy
    ) -> Decision<Void> {
        let tries = charge.code.value.failedAttempts
        var decision = LockoutRules.failed(
            charge.lock, logon: logon, sessions: sessions, actor: .logon(logon.id),
            note: "wrong \(charge.code.value.purpose.rawValue) code \(tries) of \(policy.codeMaxFailedAttempts)",
            now: now, policy: policy)
        guard tries >= policy.codeMaxFailedAttempts else { return decision }
        if let current, current.value.issuedAt == charge.code.value.issuedAt, !current.value.consumed {
            var dead = current.value
            dead.consumed = true
            decision.update(.verificationCode(dead), from: current.version)
        }
        if !charge.lock.setLock, let session {
            decision.merge(
                SessionRules.ending([session], actor: .logon(logon.id), note: "too many wrong codes", now: now))
        }
        return decision
    }

    /// The code proved right on a login (RULES A4, A6, A8): the code is used up, the session signed in, the logon's
    /// failures cleared (a completed sign-in, RULES A2), a TOTP step recorded so it is never accepted again, and the
    /// device trusted when asked (its token drawn as `device`), with a notice mail.
    ///
    /// - Throws: ``invalidCode`` when the code was replaced or used meanwhile, or the TOTP step was already used.
    static func signIn(
        _ charge: CodeCharge, current: Versioned<VerificationCode>?, session: Versioned<Session>?,
        logon: Versioned<Logon>?, lock: Versioned<LogonLock>?, totpStep: UInt64?, device: DrawnToken?, now: Date,
        policy: Policy
    ) throws(AccessError) -> Decision<Authentication.Verified> {
        guard let current, current.value.issuedAt == charge.code.value.issuedAt, !current.value.consumed,
            let session, session.value.endedAt == nil, current.value.session.map({ $0 == session.value.id }) ?? true,
            let logon, logon.value.status == .active
        else { throw invalidCode }
        let used = afterCorrectTry(current.value)
        var signedIn = session.value
        signedIn.stage = .authenticated
        signedIn.lastActivityAt = now
        var decision = Decision(result: Authentication.Verified(deviceToken: nil))
        decision.update(.verificationCode(used), from: current.version)
        decision.update(.session(signedIn), from: session.version)
        if let totpStep {
            guard logon.value.twoStep.lastTOTPStep.map({ totpStep > $0 }) ?? true else { throw invalidCode }
            var updated = logon.value
            updated.twoStep.lastTOTPStep = totpStep
            decision.update(.logon(updated), from: logon.version)
        }
        decision.merge(LockoutRules.cleared(lock))
        let actor = AuditActor.logon(logon.value.id)
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .codeAccepted, subject: "session/\(session.value.id)",
                note: "by \(used.method.rawValue)"))
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .loginSucceeded, subject: "session/\(session.value.id)",
                note: "two-step verified by \(used.method.rawValue)"))
        if let device, let lifetime = policy.trustedDeviceLifetime {
            let trusted = TrustedDevice(
                id: TrustedDeviceID(device.id), tokenHash: device.hash, logon: logon.value.id, createdAt: now,
                expiresAt: now.addingTimeInterval(lifetime.timeInterval))
            decision.insert(.trustedDevice(trusted))
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .deviceTrusted, subject: "trustedDevice/\(trusted.id)",
                    after: .trustedDevice(trusted)))
            decision.mail(IdentityMail.deviceTrusted, to: logon.value.email)
            decision.result = Authentication.Verified(deviceToken: device.token)
        }
        return decision
    }

    /// A method being set up proved by a right code (RULES A3, A8, R12): the method is added (one of the same kind
    /// is replaced), the owner told. On a session that had to set up two-step verification first, the session is
    /// signed in — a completed sign-in, which clears the logon's failures (RULES A2); on a signed-in session the
    /// code's try is given back.
    ///
    /// - Throws: ``invalidCode`` when the set-up code was replaced or used meanwhile.
    static func setupCompleted(
        _ charge: CodeCharge, current: Versioned<VerificationCode>?, session: Versioned<Session>?,
        logon: Versioned<Logon>?, lock: Versioned<LogonLock>?, totpStep: UInt64?, now: Date
    ) throws(AccessError) -> Decision<Void> {
        guard let current, current.value.issuedAt == charge.code.value.issuedAt, !current.value.consumed,
            let pending = current.value.pendingMethod, let session, session.value.endedAt == nil,
            current.value.session.map({ $0 == session.value.id }) ?? true, let logon, logon.value.status == .active
        else { throw invalidCode }
        var used = afterCorrectTry(current.value)
        used.pendingMethod = nil
        var updated = logon.value
        updated.twoStep = ProfileRules.adding(pending, to: updated.twoStep)
        if let totpStep { updated.twoStep.lastTOTPStep = totpStep }
        var decision = Decision()
        decision.update(.verificationCode(used), from: current.version)
        decision.update(.logon(updated), from: logon.version)
        let actor = AuditActor.logon(updated.id)
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .twoStepChanged, subject: "logon/\(updated.id)",
                before: .logon(logon.value), after: .logon(updated), note: "\(pending.kind.rawValue) set up"))
        decision.mail(IdentityMail.twoStepChanged, to: updated.email)
        if session.value.stage == .awaitingTwoStepSetup {
            var signedIn = session.value
            signedIn.stage = .authenticated
            signedIn.lastActivityAt = now
            decision.update(.session(signedIn), from: session.version)
            decision.merge(LockoutRules.cleared(lock))
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .loginSucceeded, subject: "session/\(session.value.id)",
                    note: "two-step verification set up (R12)"))
        } else {
            decision.merge(LockoutRules.givingBack(charge.lock, current: lock))
        }
        return decision
    }

    /// Where a method's codes go, masked (RULES A5).
    static func maskedDestination(of method: TwoStepMethod, profileEmail: String) -> String {
        switch method {
        case .email: Masking.email(method.emailAddress(profileEmail: profileEmail) ?? profileEmail)
        case .text(let phone): phone.masked
        case .authenticator: "your authenticator app"
        }
    }

    /// Whether the policy allows a method (RULES A3); a text method also needs a mobile line.
    static func allowed(_ method: TwoStepMethod, policy: Policy) throws(AccessError) {
        guard policy.allowedTwoStepKinds.contains(method.kind) else {
            throw AccessError.invalid(
                "method", "Security codes by \(method.kind.rawValue) are not offered. Choose another method.")
        }
        if case .text(let phone) = method, phone.type != .mobile {
            throw AccessError.invalid("phone", "Text messages can only go to a mobile number.")
        }
    }
}
