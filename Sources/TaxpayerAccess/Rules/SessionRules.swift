#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Session lifetimes (RULES A7).
public enum SessionRules {
    /// Why a session is over at `now`, or `nil` while it lives: ended (logout), idle past the policy's idle timeout,
    /// or older than its absolute lifetime.
    public static func expiry(of session: Session, now: Date, policy: Policy) -> String? {
        if session.endedAt != nil { return "ended" }
        if now.timeIntervalSince(session.lastActivityAt) >= policy.sessionIdleTimeout.timeInterval {
            return "idle timeout"
        }
        if now.timeIntervalSince(session.createdAt) >= policy.sessionAbsoluteLifetime.timeInterval {
            return "absolute lifetime"
        }
        return nil
    }
}
