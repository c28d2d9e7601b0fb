public import Foundation
public import TaxpayerAccess

/// Set-up for tests and benchmarks that must put a world into a store without going through the services: the one
/// public way past the library's rules, kept out of the core module on purpose (a portal never links
/// TaxpayerAccessTesting). Nothing here checks a rule; every record lands as given.
extension AccessStore {
    /// Inserts records that the store does not hold yet, in one commit (no audit events, no mail).
    ///
    /// ```swift
    /// try await store.seed(WorldGenerator.generate(.small, seed: 1).records)
    /// ```
    ///
    /// - Parameter records: The records; none may exist already.
    /// - Throws: The store's `StoreError` (a version conflict when a record exists, a unique key taken).
    public func seed(_ records: [Record]) async throws {
        var changes = ChangeSet()
        for record in records { changes.insert(record) }
        try await commit(changes)
    }

    /// Starts a session for a logon as if it had signed in to `stage`, and returns the session token (RULES A1).
    ///
    /// ```swift
    /// let token = try await store.seedSession(logon: "L1", random: SecureRandom())
    /// let caller = try await portal.authenticate(sessionToken: token)
    /// ```
    ///
    /// - Parameters:
    ///   - logon: The logon the session belongs to; it must exist and be active for the session to authenticate.
    ///   - stage: How far the sign-in got; `.authenticated` by default.
    ///   - createdAt: When the session started.
    ///   - lastActivityAt: Its last activity (RULES A7's idle timeout runs from here); `createdAt` by default.
    ///   - random: Where the token's bytes come from.
    /// - Returns: The session token, as a portal hands it to the browser.
    /// - Throws: The store's `StoreError`.
    public func seedSession(
        logon: LogonID, stage: SessionStage = .authenticated, createdAt: Date = Date(), lastActivityAt: Date? = nil,
        random: any RandomSource
    ) async throws -> String {
        let (token, hash) = SecretToken.generate(using: random)
        let id = SessionID("S-" + SecretToken.hash(token).hex.prefix(16))
        try await seed([
            .session(
                Session(
                    id: id, tokenHash: hash, logon: logon, stage: stage, createdAt: createdAt,
                    lastActivityAt: lastActivityAt ?? createdAt))
        ])
        return token
    }
}
