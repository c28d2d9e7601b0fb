/// Keeps a process's resolver current with its own commits (read your writes): every commit a service makes is
/// applied to the resolver before the call returns. A commit that follows the resolver's last change directly is
/// applied from the change set itself; when other processes' commits came in between, the resolver reads the feed up
/// to it instead, so the changes are always applied in feed order.
final class ResolverSync: Sendable {
    let resolver: AccessResolver
    let store: any AccessStore

    init(resolver: AccessResolver, store: any AccessStore) {
        self.resolver = resolver
        self.store = store
    }

    /// Applies a commit the store has just acknowledged as `sequence`.
    func committed(_ changes: ChangeSet, as sequence: UInt64) async {
        guard sequence > resolver.lastSequence else { return }
        if sequence == resolver.lastSequence + 1, let plan = Self.plan(of: changes) {
            resolver.apply(plan.change(sequence: sequence))
            if resolver.lastSequence >= sequence { return }
        }
        // Another process committed in between (or a concurrent commit of this one applied first): read the feed.
        // A store failure here leaves the resolver behind until the feed follower's next pass; the commit stands.
        do { try await resolver.catchUp(from: store) } catch {}
    }

    /// The store's own staging of an acknowledged change set, so the resolver gets the feed entry the store wrote
    /// (a record deleted and written again in one commit is written, not deleted). The versions it held are the ones
    /// the change set expected, since the commit was acknowledged.
    private static func plan(of changes: ChangeSet) -> CommitPlan? {
        var held: [RecordKey: Int] = [:]
        for deletion in changes.deletions where held[deletion.key] == nil {
            held[deletion.key] = deletion.expectedVersion
        }
        for write in changes.writes where held[write.record.key] == nil {
            if case .version(let version) = write.expected { held[write.record.key] = version }
        }
        return try? CommitPlan(changes) { held[$0] }
    }
}
