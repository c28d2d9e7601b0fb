/// A logon's e-message inbox (RULES N3, N1): the details that emails leave out. Newest first with an unread count;
/// opening a message marks it read; the owner may delete one; no other logon can read or delete them — another
/// logon's message answers as one that does not exist.
///
/// ```swift
/// let listing = try await portal.inbox.messages(caller)
/// print("\(listing.unread) unread")
/// let message = try await portal.inbox.open(caller, message: listing.messages[0].id)
/// try await portal.inbox.delete(caller, message: message.id)
/// ```
public struct Inbox: Sendable {
    /// The inbox's messages, newest first, and how many are unread.
    public struct Listing: Sendable, Hashable {
        public var messages: [EMessage]
        public var unread: Int
    }

    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// The caller's messages, newest first, with the unread count (RULES N3).
    ///
    /// - Throws: ``AccessError/Code/stepRequired`` for a session still in two-step verification.
    public func messages(_ caller: SignedIn) async throws -> Listing {
        let actor = try context.caller(caller)
        return InboxRules.inbox(try await context.store.eMessages(of: actor.id).map(\.value), owner: actor.id)
    }

    /// Opens one of the caller's messages and marks it read (RULES N3).
    ///
    /// - Throws: ``AccessError/Code/notFound`` for a message that does not exist or is another logon's.
    @discardableResult
    public func open(_ caller: SignedIn, message id: MessageID) async throws -> EMessage {
        let actor = try context.caller(caller)
        return try await context.decideAndCommit {
            try InboxRules.open(
                try await context.store.record(RecordKey(.eMessage, id.rawValue))?.eMessage, owner: actor.id)
        }
    }

    /// Deletes one of the caller's messages (RULES N3), audited.
    ///
    /// - Throws: ``AccessError/Code/notFound`` for a message that does not exist or is another logon's.
    public func delete(_ caller: SignedIn, message id: MessageID) async throws {
        let actor = try context.caller(caller)
        try await context.decideAndCommit {
            try InboxRules.delete(
                try await context.store.record(RecordKey(.eMessage, id.rawValue))?.eMessage, owner: actor.id,
                now: context.clock.now())
        }
    }
}
