#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
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

/// The pure decisions of the password step of a login (RULES A1, A2).
public enum LoginRules {
    /// The one answer to an unknown username and a wrong password (RULES A1).
    ///
    /// A locked logon gets this same answer, even to the right password (RULES A1, A2): a different answer would tell
    /// a guesser that the username exists, and, during the lock, that a guess was right. The owner learns of the lock
    /// by email.
    public static let invalidCredentials = AccessError(
        .invalidCredentials,
        "The username or password is not correct, or the logon is locked for a while after too many failed attempts. Try again later, or reset your password."
    )

    /// Whether a logon is locked at `now` (RULES A2).
    public static func isLocked(_ logon: Logon, now: Date) -> Bool {
        if let until = logon.lockedUntil { return now < until }
        return false
    }

    /// The logon after one more failed password (RULES A2), and whether that failure locked it. The count starts
    /// again after a lock, so each lock needs a fresh run of consecutive failures.
    public static func afterFailure(_ logon: Logon, now: Date, policy: Policy) -> (logon: Logon, locked: Bool) {
        var updated = logon
        if let until = updated.lockedUntil, until <= now { updated.lockedUntil = nil }
        updated.failedLogins += 1
        guard updated.failedLogins >= policy.lockoutThreshold else { return (updated, false) }
        updated.failedLogins = 0
        updated.lockedUntil = now.addingTimeInterval(policy.lockoutDuration.timeInterval)
        return (updated, true)
    }

    /// The logon with one password try counted *before* the password is checked (RULES A2), so concurrent guesses
    /// can never get more checks than the policy's threshold between them: each must first win a versioned write of
    /// this count. An expired lock is lifted first; the try that brings the count to
    /// ``Policy/lockoutThreshold`` sets the lock at once (and the count starts again), so a guess charged after it
    /// meets the lock. The try is given back by ``afterCorrectTry(_:charged:now:)`` when the password was right.
    ///
    /// - Throws: ``invalidCredentials`` while the logon is locked (RULES A1, A2): it is not tried at all.
    public static func chargingTry(_ logon: Logon, now: Date, policy: Policy) throws(AccessError) -> Logon {
        guard !isLocked(logon, now: now) else { throw invalidCredentials }
        var charged = logon
        charged.lockedUntil = nil
        charged.failedLogins += 1
        if charged.failedLogins >= policy.lockoutThreshold {
            charged.failedLogins = 0
            charged.lockedUntil = now.addingTimeInterval(policy.lockoutDuration.timeInterval)
        }
        return charged
    }

    /// Whether the try ``chargingTry(_:now:policy:)`` counted set the lock (RULES A2): if its password proves
    /// wrong, the lock stands and the owner is told.
    public static func chargeLocked(_ charged: Logon) -> Bool { charged.lockedUntil != nil }

    /// The logon after a right password whose try was counted as `charged` (RULES A2): the count starts again and
    /// the try's own lock, if it set one, is given back. A lock that other, wrong tries set meanwhile stays; an
    /// expired one is lifted.
    public static func afterCorrectTry(_ current: Logon, charged: Logon, now: Date) -> Logon {
        var updated = current
        updated.failedLogins = 0
        if let until = updated.lockedUntil, until == charged.lockedUntil || until <= now { updated.lockedUntil = nil }
        return updated
    }

    /// The logon after a correct password: the failure count cleared and any expired lock lifted.
    public static func afterSuccess(_ logon: Logon) -> Logon {
        var updated = logon
        updated.failedLogins = 0
        updated.lockedUntil = nil
        return updated
    }

    /// The stage a session starts in after a correct password (RULES R12, A3, A6): set-up when the logon has no
    /// two-step method yet; signed in when the device is trusted; otherwise a code is awaited.
    public static func initialStage(_ logon: Logon, deviceTrusted: Bool) -> SessionStage {
        if logon.twoStep.setupRequired { return .awaitingTwoStepSetup }
        return deviceTrusted ? .authenticated : .awaitingCode
    }

    /// Whether a trusted-device record lets this logon skip two-step verification at `now` (RULES A6).
    public static func deviceTrusted(_ device: TrustedDevice?, logon: LogonID, now: Date) -> Bool {
        guard let device, device.logon == logon, device.revokedAt == nil else { return false }
        return now < device.expiresAt
    }
}
