#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a rule decided: the one shape every rule of the library returns (Documentation/Architecture.md, "How a
/// request flows").
///
/// A rule is a pure function of the state it is given, its input, the policy and `now`: it reads no store, no clock
/// and draws no randomness of its own (tokens, codes and ids arrive as drawn values). It either throws a refusal
/// (``AccessError``) or returns a `Decision`: the records to write with the versions they were read at and the audit
/// events (``changes``), the mail, the e-messages and the text messages to send, and the result for the caller. The
/// service commits all of it in one atomic call, so a committed change never loses its mail and a refused one never
/// sends any (RULES N2, U1).
struct Decision<Result: Sendable>: Sendable {
    /// Records to write and delete, with the versions they were read at, and the audit events (RULES U1).
    var changes = ChangeSet()
    /// Email to write to the outbox (RULES N1, N2).
    var mail: [MailDraft] = []
    /// E-messages for logons' inboxes (RULES N1, N3).
    var eMessages: [EMessageDraft] = []
    /// Text messages to write to the outbox (RULES A3, N2).
    var texts: [TextDraft] = []
    /// What the caller gets back.
    var result: Result

    init(result: Result) { self.result = result }

    init(_ changes: ChangeSet = ChangeSet(), result: Result) {
        self.changes = changes
        self.result = result
    }

    /// Whether the decision writes and sends nothing at all.
    var isEmpty: Bool { changes.isEmpty && mail.isEmpty && eMessages.isEmpty && texts.isEmpty }

    mutating func insert(_ record: Record) { changes.insert(record) }
    mutating func update(_ record: Record, from version: Int) { changes.update(record, from: version) }
    mutating func put(_ record: Record, from version: Int?) { changes.put(record, from: version) }
    mutating func delete(_ key: RecordKey, from version: Int) { changes.delete(key, from: version) }
    mutating func audit(_ event: AuditEvent) { changes.audit(event) }

    /// An email of the identity flows to `address` (RULES N1).
    mutating func mail(_ text: IdentityMail.Text, to address: String) {
        mail.append(MailDraft(to: address, subject: text.subject, body: .text(text.body)))
    }

    /// A decoy mail, never sent: written where a recovery request matched nothing, so that both cases write the
    /// same records (RULES V1, V2).
    mutating func decoyMail(_ text: IdentityMail.Text) {
        mail.append(MailDraft(to: "", subject: text.subject, body: .text(text.body), decoy: true))
    }

    /// A text message to `phone` (RULES A3).
    mutating func text(_ body: String, to phone: PhoneNumber) { texts.append(TextDraft(to: phone, body: body)) }

    /// An e-message with the details and an email that says only that there is something new to view (RULES N1).
    mutating func notify(_ notice: AccessNotice) {
        eMessages.append(EMessageDraft(logon: notice.recipient, subject: notice.subject, body: notice.details))
        mail.append(MailDraft(to: notice.address, subject: AccessMail.subject, body: .newMessageNotice))
    }

    /// Notifies every notice (``notify(_:)``).
    mutating func notify(_ notices: [AccessNotice]) { for notice in notices { notify(notice) } }

    /// An e-message alone, with no email (the approval email already says there is a message, RULES R11).
    mutating func eMessage(to logon: LogonID, _ text: IdentityMail.Text) {
        eMessages.append(EMessageDraft(logon: logon, subject: text.subject, body: text.body))
    }

    /// Adds everything another decision writes and sends; its result is dropped.
    mutating func merge<Other>(_ other: Decision<Other>) {
        changes.append(other.changes)
        mail += other.mail
        eMessages += other.eMessages
        texts += other.texts
    }

    /// The same writes with another result.
    func with<New>(result: New) -> Decision<New> {
        var decision = Decision<New>(changes, result: result)
        decision.mail = mail
        decision.eMessages = eMessages
        decision.texts = texts
        return decision
    }
}

extension Decision where Result == Void {
    init(_ changes: ChangeSet = ChangeSet()) { self.init(changes, result: ()) }

    /// A decision writing `changes` and telling each of `notices` (``notify(_:)-swift.method``).
    init(_ changes: ChangeSet, notices: [AccessNotice]) {
        self.init(changes, result: ())
        notify(notices)
    }
}

/// An email a rule decided to send; the service seals it into the outbox (RULES N1, N2).
struct MailDraft: Hashable, Sendable {
    enum Body: Hashable, Sendable {
        /// The body as written.
        case text(String)
        /// The standard "there is something new to view" body (``AccessMail/body(portalURL:)``).
        case newMessageNotice
    }
    var to: String
    var subject: String
    var body: Body
    /// Never sent (``Decision/decoyMail(_:)``).
    var decoy = false
}

/// An e-message a rule decided to write (RULES N1, N3).
struct EMessageDraft: Hashable, Sendable {
    var logon: LogonID
    var subject: String
    var body: String
}

/// A text message a rule decided to send (RULES A3).
struct TextDraft: Hashable, Sendable {
    var to: PhoneNumber
    var body: String
}
