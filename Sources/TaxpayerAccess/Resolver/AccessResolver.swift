/// The permission resolver (Documentation/Architecture.md, the resolver): answers who may do what on which tax account from an
/// in-memory index of the access records — RULES L1–L4, M, S4–S7, X7.
///
/// Build it from a store (``load(from:)``), from records, or from a snapshot; keep it current with
/// ``catchUp(from:)`` or by handing it each ``Change`` of the store's feed (``apply(_:)``). A full rebuild always
/// gives the same answers as the incrementally updated index.
///
/// ```swift
/// let resolver = try await AccessResolver.load(from: store)
/// if resolver.check(logon: "L2", account: "A90", action: .file) { … }
/// try await resolver.catchUp(from: store)       // after other commits
/// print(resolver.explain(logon: "L2", account: "A91").summary)
/// ```
///
/// Thread safety and cost: the index sits behind a reader–writer lock, so questions from many threads run side by
/// side and only updates wait for each other; a question is two id lookups and a handful of integer-keyed probes in
/// the resolver's own hash tables (see Documentation/AccessModel.md).
/// ``check(logon:account:action:)-(LogonID,_,_)`` and ``level(logon:account:)-(LogonID,_)`` allocate nothing. A
/// caller asking many questions for one logon (a session) can resolve it once to a ``LogonHandle`` (and accounts to
/// ``AccountHandle``s) and ask by handles, skipping the id lookups.
public final class AccessResolver: Sendable {
    /// Internal, not private, for the handle API in ResolverHandles.swift.
    let world: WorldLock

    /// A resolver over the given records (records of other kinds are ignored), as of feed position `sequence`.
    public init(records: some Sequence<Record>, sequence: UInt64 = 0) {
        var world = ResolverWorld()
        world.reserve(records: records.underestimatedCount)
        for record in records { world.put(record) }
        world.sequence = sequence
        self.world = WorldLock(world)
    }

    /// A resolver over a snapshot document's access state (SnapshotFormat.md), Default groups included.
    public convenience init(snapshot: AccessSnapshot) {
        self.init(records: snapshot.records())
    }

    /// A resolver built from every access record in `store`, current up to the store's last change.
    ///
    /// - Throws: ``StoreError`` from the store.
    public static func load(from store: any AccessStore) async throws -> AccessResolver {
        let sequence = try await store.lastSequence()
        var records: [Record] = []
        for kind in RecordKind.allCases where ResolverWorld.isAccessKind(kind) {
            records += try await store.records(ofKind: kind).map(\.value)
        }
        let resolver = AccessResolver(records: records, sequence: sequence)
        // Records read after `sequence` may be newer than it; replaying the feed from there is idempotent.
        try await resolver.catchUp(from: store)
        return resolver
    }

    /// The last change-feed sequence applied.
    public var lastSequence: UInt64 { world.read { $0.sequence } }

    /// Applies one committed change from the store's feed, touching only the entries of the records it carries.
    /// Changes at or before ``lastSequence`` are ignored, so replaying the feed is harmless.
    public func apply(_ change: Change) {
        world.write { world in
            guard change.sequence > world.sequence else { return }
            for key in change.deleted { world.delete(key) }
            for written in change.written { world.put(written.value) }
            world.sequence = change.sequence
        }
    }

    /// Applies a record's new state directly (for replays that do not come from a feed, e.g. ``AccessHistory``).
    public func apply(record: Record) {
        world.write { $0.put(record) }
    }

    /// Removes a record directly (for replays that do not come from a feed).
    public func remove(_ key: RecordKey) {
        world.write { $0.delete(key) }
    }

    /// Reads the store's feed after ``lastSequence`` and applies every change, in order.
    ///
    /// - Throws: ``StoreError`` from the store.
    public func catchUp(from store: any AccessStore) async throws {
        while true {
            let page = try await store.changes(after: lastSequence, limit: 500)
            for change in page { apply(change) }
            if page.count < 500 { return }
        }
    }

    /// Whether `logon` may do `action` on `account` (RULES L2, L4). Unknown ids are simply denied.
    ///
    /// ```swift
    /// resolver.check(logon: "L2", account: "A90", action: .file)   // true
    /// ```
    public func check(logon: LogonID, account: AccountID, action: AccountAction) -> Bool {
        AccountActionRules.allows(level(logon: logon, account: account), action)
    }

    /// The logon's effective level on the account: the highest over every path (RULES L4, S6); ``AccessLevel/none``
    /// when no path reaches it or either id is unknown.
    public func level(logon: LogonID, account: AccountID) -> AccessLevel {
        world.read { $0.level(logon, account) }
    }

    /// The paths that grant the logon its level on the account, or why none does, in words a taxpayer understands.
    ///
    /// ```swift
    /// resolver.explain(logon: "L3", account: "A90").reasons
    /// // ["Access was cancelled by the taxpayer's Master Administrator on 2026-03-04 (third-party access to …)."]
    /// ```
    public func explain(logon: LogonID, account: AccountID) -> AccessExplanation {
        world.read { $0.explain(logon, account) }
    }

    /// Every taxpayer on which the logon has a level above none on at least one account, sorted by id bytes
    /// (RULES W2, X7).
    public func clients(of logon: LogonID) -> [TaxpayerID] {
        world.read { $0.clients(of: logon) }
    }

    /// Every live logon with a level above none on some account of the taxpayer — its Master and Tax
    /// Administrators, its third parties and the secondary logons reaching it through a parent — with only the
    /// accounts where it has one (``AccountLevels``, sorted by account id bytes) and each path it holds
    /// (``AccessRoutes``); sorted by logon id bytes (RULES W1). A few allocations whatever the number of logons.
    ///
    /// ```swift
    /// for entry in resolver.whoHasAccess(taxpayer: "T9") where entry.routes.contains(.thirdParty) {
    ///     print(entry.logon, entry.accounts)
    /// }
    /// ```
    public func whoHasAccess(taxpayer: TaxpayerID) -> [LogonAccess] {
        world.read { $0.whoHasAccess(taxpayer: taxpayer) }
    }
}
