#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension AuditAction {
    /// A logon deleted one of its e-messages (RULES N3, U1).
    public static let messageDeleted = AuditAction("inbox.messageDeleted")
}

/// The pure decisions of a logon's e-message inbox (RULES N3): only its owner reads, opens or deletes a message.
enum InboxRules {
    /// The answer to a message that does not exist or is another logon's: the same (RULES L4, N3).
    static let noSuchMessage = AccessError(.notFound, "There is no such message in your inbox.")

    /// The inbox as its owner sees it: newest first, with the count of unread messages.
    static func inbox(_ messages: [EMessage], owner: LogonID) -> Inbox.Listing {
        let own = messages.filter { $0.logon == owner }.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return Inbox.Listing(messages: own, unread: own.filter { !$0.read }.count)
    }

    /// Opening a message marks it read.
    ///
    /// - Throws: ``noSuchMessage`` for a message that is not the owner's.
    static func open(_ message: Versioned<EMessage>?, owner: LogonID) throws(AccessError) -> Decision<EMessage> {
        guard let message, message.value.logon == owner else { throw noSuchMessage }
        var read = message.value
        read.read = true
        var decision = Decision(result: read)
        if !message.value.read { decision.update(.eMessage(read), from: message.version) }
        return decision
    }

    /// Deleting a message, audited (RULES N3, U1).
    ///
    /// - Throws: ``noSuchMessage`` for a message that is not the owner's.
    static func delete(_ message: Versioned<EMessage>?, owner: LogonID, now: Date) throws(AccessError)
        -> Decision<Void>
    {
        guard let message, message.value.logon == owner else { throw noSuchMessage }
        var decision = Decision()
        decision.delete(RecordKey(.eMessage, message.value.id.rawValue), from: message.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(owner), action: .messageDeleted, subject: "eMessage/\(message.value.id)",
                before: .eMessage(message.value)))
        return decision
    }
}
