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
        if sequence == resolver.lastSequence + 1 {
            resolver.apply(
                Change(
                    sequence: sequence,
                    written: changes.writes.map { write in
                        switch write.expected {
                        case .absent: Versioned(write.record, version: 1)
                        case .version(let version): Versioned(write.record, version: version + 1)
                        }
                    }, deleted: changes.deletions.map(\.key)))
            if resolver.lastSequence >= sequence { return }
        }
        // Another process committed in between (or a concurrent commit of this one applied first): read the feed.
        // A store failure here leaves the resolver behind until the feed follower's next pass; the commit stands.
        do { try await resolver.catchUp(from: store) } catch {}
    }
}
