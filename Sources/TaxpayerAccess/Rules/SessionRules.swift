#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Session lifetimes (RULES A7).
enum SessionRules {
    /// The answer to an unknown, ended or timed-out session (RULES A7).
    static let expired = AccessError(.sessionExpired, "Your session has ended. Please log in again.")

    /// Why a session is over at `now`, or `nil` while it lives: ended (logout), idle past the policy's idle timeout,
    /// or older than its absolute lifetime.
    static func expiry(of session: Session, now: Date, policy: Policy) -> String? {
        if session.endedAt != nil { return "ended" }
        if now.timeIntervalSince(session.lastActivityAt) >= policy.sessionIdleTimeout.timeInterval {
            return "idle timeout"
        }
        if now.timeIntervalSince(session.createdAt) >= policy.sessionAbsoluteLifetime.timeInterval {
            return "absolute lifetime"
        }
        return nil
    }

    /// Refuses a live session that has not reached one of `stages` (RULES R12, A3).
    ///
    /// - Throws: ``AccessError/Code/stepRequired``.
    static func requireStage(_ session: Session, allowing stages: Set<SessionStage>) throws(AccessError) {
        guard stages.contains(session.stage) else {
            throw AccessError(
                .stepRequired,
                session.stage == .awaitingTwoStepSetup
                    ? "Set up two-step verification before you continue."
                    : "Enter your security code before you continue.")
        }
    }

    /// A timed-out session closed in the store with its audit event (RULES A7, U1); nothing when it was already
    /// closed.
    static func closingExpired(_ session: Versioned<Session>, now: Date, policy: Policy) -> Decision<Void> {
        var decision = Decision()
        guard session.value.endedAt == nil, let reason = expiry(of: session.value, now: now, policy: policy) else {
            return decision
        }
        var ended = session.value
        ended.endedAt = now
        decision.update(.session(ended), from: session.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(ended.logon), action: .loggedOut, subject: "session/\(ended.id)",
                note: reason))
        return decision
    }

    /// The session's activity recorded at `now` (RULES A7: the idle timeout runs from the last activity) — but only
    /// when the last write is at least ``Policy/sessionActivityInterval`` old, so a burst of requests writes once.
    static func touching(_ session: Versioned<Session>, now: Date, policy: Policy) -> Decision<Session> {
        guard now.timeIntervalSince(session.value.lastActivityAt) >= policy.sessionActivityInterval.timeInterval else {
            return Decision(result: session.value)
        }
        var touched = session.value
        touched.lastActivityAt = now
        var decision = Decision(result: touched)
        decision.update(.session(touched), from: session.version)
        return decision
    }

    /// Sessions ended at `now` with an audit event each (RULES A7): every live one of `sessions` but `keep`.
    static func ending(
        _ sessions: [Versioned<Session>], keep: SessionID? = nil, actor: AuditActor, note: String, now: Date
    ) -> Decision<Void> {
        var decision = Decision()
        for session in sessions where session.value.endedAt == nil && session.value.id != keep {
            var ended = session.value
            ended.endedAt = now
            decision.update(.session(ended), from: session.version)
            decision.audit(
                AuditEvent(
                    time: now, actor: actor, action: .loggedOut, subject: "session/\(ended.id)", note: note))
        }
        return decision
    }

    /// Logout (RULES A7): the session ends at once; an unknown or ended one is left as it is.
    static func logout(_ session: Versioned<Session>?, now: Date) -> Decision<Void> {
        guard let session else { return Decision() }
        return ending([session], actor: .logon(session.value.logon), note: "logout", now: now)
    }
}
