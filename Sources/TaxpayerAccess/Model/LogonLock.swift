#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The wrong secrets counted against one logon since its last completed sign-in or password reset, and the lock they
/// set (RULES A2, A4).
///
/// A failure is any wrong secret given for the logon: a wrong password at login, a wrong current password of a
/// profile change, a wrong security answer on a reset link, a wrong security code. Every one counts in ``failures``;
/// wrong security codes count in ``codeFailures`` too. Logging in again, a resend or a new code never resets either
/// count: only a completed sign-in or a password reset does. The lock is kept apart from the ``Logon`` record, so
/// that counting a try writes the same small record whether or not the username names a live logon (RULES A1).
public struct LogonLock: Hashable, Sendable, Codable {
    /// The logon's id; or, for a username that names no live logon, a bucket id `unknown:…` shared by many such
    /// usernames (so an attacker's made-up usernames cost the same write and cannot fill the store).
    public var id: String
    /// Consecutive wrong secrets of every kind since the last completed sign-in or reset (RULES A2).
    public var failures: Int
    /// Wrong security codes since the last completed sign-in or reset (RULES A4).
    public var codeFailures: Int
    /// Locked until this moment (RULES A2).
    public var lockedUntil: Date?
    /// The last try counted or refused.
    public var lastAttemptAt: Date?

    init(
        id: String, failures: Int = 0, codeFailures: Int = 0, lockedUntil: Date? = nil, lastAttemptAt: Date? = nil
    ) {
        self.id = id
        self.failures = failures
        self.codeFailures = codeFailures
        self.lockedUntil = lockedUntil
        self.lastAttemptAt = lastAttemptAt
    }

    /// Whether this is the shared record of usernames that name no live logon.
    public var isBucket: Bool { id.hasPrefix(LogonLock.bucketPrefix) }

    static let bucketPrefix = "unknown:"
}
