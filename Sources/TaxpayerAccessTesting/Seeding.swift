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
        let seeded = SeededSession(
            logon: logon, stage: stage, createdAt: createdAt, lastActivityAt: lastActivityAt ?? createdAt,
            random: random)
        try await seed([.session(seeded.session)])
        return seeded.token
    }
}

extension AccessStore {
    /// Writes one record over the version the store holds, past every rule, in one commit of its own (no audit event,
    /// no mail): for benchmarks that measure the store's commit path with small, realistic writes.
    ///
    /// ```swift
    /// try await store.seedUpdate(.logon(renamed), from: 1)
    /// ```
    ///
    /// - Parameters:
    ///   - record: The record's new state.
    ///   - version: The version the store holds now.
    /// - Throws: The store's `StoreError` (a version conflict when another write came first).
    public func seedUpdate(_ record: Record, from version: Int) async throws {
        var changes = ChangeSet()
        changes.update(record, from: version)
        try await commit(changes)
    }
}

/// A session seeded past the rules, for benchmarks of the write a signed-in request makes once per activity interval
/// (RULES A7): ``touched(at:)`` is the session with its last activity moved, ready for `seedUpdate(_:from:)`.
public struct SeededSession: Sendable {
    /// The session token, as a portal hands it to the browser.
    public let token: String
    let session: Session

    /// A new session with a fresh token; its id is derived from the token's hash.
    init(logon: LogonID, stage: SessionStage, createdAt: Date, lastActivityAt: Date, random: any RandomSource) {
        let (token, hash) = SecretToken.generate(using: random)
        self.token = token
        session = Session(
            id: SessionID("S-" + SecretToken.hash(token).hex.prefix(16)), tokenHash: hash, logon: logon, stage: stage,
            createdAt: createdAt, lastActivityAt: lastActivityAt)
    }

    /// The session's record with its last activity at `time`.
    ///
    /// - Parameter time: The new last activity.
    /// - Returns: The record to write over the stored version.
    public func touched(at time: Date) -> Record {
        var touched = session
        touched.lastActivityAt = time
        return .session(touched)
    }
}

extension AccessStore {
    /// Starts `count` sessions of one logon in one commit, as `seedSession(logon:stage:createdAt:lastActivityAt:random:)`
    /// does one; each is at version 1.
    ///
    /// ```swift
    /// let sessions = try await store.seedSessions(logon: "L1", count: 8, random: SecureRandom())
    /// try await store.seedUpdate(sessions[0].touched(at: Date()), from: 1)
    /// ```
    ///
    /// - Parameters:
    ///   - logon: The logon the sessions belong to.
    ///   - count: How many.
    ///   - createdAt: When they started (and their last activity).
    ///   - random: Where the tokens' bytes come from.
    /// - Returns: The sessions, in the order made.
    /// - Throws: The store's `StoreError`.
    public func seedSessions(logon: LogonID, count: Int, createdAt: Date = Date(), random: any RandomSource)
        async throws -> [SeededSession]
    {
        let seeded = (0..<count).map { _ in
            SeededSession(
                logon: logon, stage: .authenticated, createdAt: createdAt, lastActivityAt: createdAt, random: random)
        }
        try await seed(seeded.map { .session($0.session) })
        return seeded
    }
}
