#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AuditAction {
    /// A wrong current password was given for a profile change (RULES P1, A2).
    public static let currentPasswordFailed = AuditAction("profile.currentPasswordFailed")
    /// A wrong security answer was given on a reset link (RULES V2, A2).
    public static let securityAnswerFailed = AuditAction("recovery.securityAnswerFailed")
}

/// The kind of secret a try gives (RULES A2): each kind is a failure of its own name in the audit log, and all of
/// them count toward the same lock.
enum SecretKind: String, Sendable, Hashable, CaseIterable {
    /// The password at login (RULES A1, A2).
    case password
    /// A security code of two-step verification or its set-up (RULES A4).
    case securityCode
    /// The current password a profile change asks for (RULES P1).
    case currentPassword
    /// The answer to the security question on a reset link (RULES V2, R7).
    case securityAnswer

    /// The audit action of a wrong secret of this kind (RULES U1).
    var failureAction: AuditAction {
        switch self {
        case .password: .loginFailed
        case .securityCode: .codeFailed
        case .currentPassword: .currentPasswordFailed
        case .securityAnswer: .securityAnswerFailed
        }
    }
}

/// One try counted against a logon's lock *before* its secret is checked (RULES A2), so that concurrent guesses can
/// never get more checks than the policy allows between them: each must first win the versioned write of its count.
struct LockCharge: Hashable, Sendable {
    /// The ``LogonLock/id`` counted against.
    var id: String
    /// The lock record as read (`nil` when there was none).
    var before: LogonLock?
    /// The lock record as written by the charge.
    var charged: LogonLock
    /// What kind of secret the try gives.
    var kind: SecretKind
    /// The logon was locked: nothing was counted and the secret must not count as right, whatever it is. (Its check
    /// still costs what any check costs, RULES A1.)
    var refused: Bool
    /// This try's count set the lock: if its secret proves wrong, the lock stands and the owner is told.
    var setLock: Bool
}

/// The pure decisions about failed secrets and the lock they set (RULES A1, A2, A4).
///
/// Every wrong secret given for a logon counts: a wrong password at login, a wrong current password of a profile
/// change, a wrong security answer on a reset link, a wrong security code. The count lives in the logon's
/// ``LogonLock`` record; logging in again, a resend or a new code never resets it, and neither does a correct
/// password alone — only a completed sign-in (password and, where asked, a code) or a password reset does. At
/// ``Policy/lockoutThreshold`` consecutive failures, or ``Policy/codeLockoutThreshold`` wrong codes, the logon is
/// locked for ``Policy/lockoutDuration``; a reset unlocks it.
enum LockoutRules {
    /// The lock record shared by usernames that name no live logon: one of 4,096 buckets, chosen by a hash of the
    /// username, so counting such a try writes a record like a real one (RULES A1) and made-up usernames cannot
    /// fill the store.
    static func bucket(forUsername username: String) -> String {
        LogonLock.bucketPrefix + SecretToken.hash("lock-bucket|" + Logon.normalizedKey(username)).hex.prefix(3)
    }

    /// Whether a lock record holds the logon locked at `now` (RULES A2).
    static func isLocked(_ lock: LogonLock?, now: Date) -> Bool {
        guard let until = lock?.lockedUntil else { return false }
        return now < until
    }

    /// Counts one try of `kind` against the lock record `id` before its secret is checked (RULES A2, A4).
    ///
    /// A lock that has run out is lifted first. While the logon is locked the try is not counted (``LockCharge/refused``)
    /// but the record's ``LogonLock/lastAttemptAt`` is still written, so a refused try costs the same write as a
    /// counted one (RULES A1). The try that reaches ``Policy/lockoutThreshold`` failures, or for a code
    /// ``Policy/codeLockoutThreshold`` wrong codes, sets the lock at once and the counts start again, so a guess
    /// charged after it meets the lock. A bucket of unknown usernames counts but never locks: there is no owner to
    /// lock out or tell.
    static func charge(
        _ lock: Versioned<LogonLock>?, id: String, kind: SecretKind, now: Date, policy: Policy
    ) -> Decision<LockCharge> {
        var charged = lock?.value ?? LogonLock(id: id)
        charged.lastAttemptAt = now
        var refused = false
        var setLock = false
        if isLocked(lock?.value, now: now) {
            refused = true
        } else if charged.isBucket {
            charged.failures = min(charged.failures + 1, Int(Int32.max))
        } else {
            if charged.lockedUntil != nil { charged.lockedUntil = nil }
            charged.failures += 1
            if kind == .securityCode { charged.codeFailures += 1 }
            if charged.failures >= policy.lockoutThreshold
                || (kind == .securityCode && charged.codeFailures >= policy.codeLockoutThreshold)
            {
                charged.failures = 0
                charged.codeFailures = 0
                charged.lockedUntil = now.addingTimeInterval(policy.lockoutDuration.timeInterval)
                setLock = true
            }
        }
        var decision = Decision(
            result: LockCharge(
                id: id, before: lock?.value, charged: charged, kind: kind, refused: refused, setLock: setLock))
        decision.put(.logonLock(charged), from: lock?.version)
        return decision
    }

    /// The lock after a right secret whose try `charge` counted (RULES A2): the try is given back and the failures
    /// before it are kept — a correct password alone clears nothing. When the try itself set the lock and nothing
    /// has been counted since, the lock is lifted again.
    static func givingBack(_ charge: LockCharge, current: Versioned<LogonLock>?) -> Decision<Void> {
        var decision = Decision()
        guard !charge.refused, let current else { return decision }
        var lock = current.value
        if charge.setLock, lock.lockedUntil == charge.charged.lockedUntil {
            lock.failures = charge.before?.failures ?? 0
            lock.codeFailures = charge.before?.codeFailures ?? 0
            lock.lockedUntil = nil
        } else {
            lock.failures = max(0, lock.failures - 1)
            if charge.kind == .securityCode { lock.codeFailures = max(0, lock.codeFailures - 1) }
        }
        if lock != current.value { decision.update(.logonLock(lock), from: current.version) }
        return decision
    }

    /// The lock after a completed sign-in or a password reset (RULES A2, A4): both counts cleared, any lock
    /// lifted.
    static func cleared(_ current: Versioned<LogonLock>?) -> Decision<Void> {
        var decision = Decision()
        guard let current else { return decision }
        var lock = current.value
        lock.failures = 0
        lock.codeFailures = 0
        lock.lockedUntil = nil
        if lock != current.value { decision.update(.logonLock(lock), from: current.version) }
        return decision
    }

    /// A wrong secret whose try `charge` already counted (RULES A2, U1): the failure is audited; when the try set
    /// the lock, the lockout is audited, the owner is emailed and every live session of the logon ends (a signed-in
    /// attacker guessing a current password is signed out too).
    ///
    /// - Parameters:
    ///   - logon: the logon the lock belongs to; `nil` for a bucket of unknown usernames.
    ///   - sessions: the logon's sessions, read when the charge set the lock.
    ///   - actor: who gave the secret.
    ///   - note: what the failure was, for the auditor; never the secret.
    static func failed(
        _ charge: LockCharge, logon: Logon?, sessions: [Versioned<Session>], actor: AuditActor, note: String, now: Date,
        policy: Policy
    ) -> Decision<Void> {
        var decision = Decision()
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: charge.kind.failureAction,
                subject: logon.map { "logon/\($0.id)" } ?? "logon/unknown", note: note))
        guard charge.setLock, let logon else { return decision }
        decision.audit(
            AuditEvent(
                time: now, actor: .system, action: .lockedOut, subject: "logon/\(logon.id)",
                after: .logonLock(charge.charged),
                note: "locked after \(policy.lockoutThreshold) failures or \(policy.codeLockoutThreshold) wrong codes"))
        decision.mail(IdentityMail.lockedOut, to: logon.email)
        decision.merge(SessionRules.ending(sessions, actor: .system, note: "logon locked", now: now))
        return decision
    }
}
