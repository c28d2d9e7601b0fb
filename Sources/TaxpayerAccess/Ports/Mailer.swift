/// An email ready to hand to a mail system.
public struct OutgoingMail: Hashable, Sendable, Codable {
    /// Stable for one outbox mail across retries: a mailer may use it to drop duplicates.
    public var idempotencyKey: String
    public var to: String
    public var subject: String
    public var body: String
    public init(idempotencyKey: String, to: String, subject: String, body: String) {
        self.idempotencyKey = idempotencyKey
        self.to = to
        self.subject = subject
        self.body = body
    }
    /// The mail of an outbox record, its body opened with the key it was sealed with.
    ///
    /// - Throws: ``AccessError`` when `box` cannot open the body.
    public init(_ mail: OutboxMail, openedWith box: SecretBox) throws(AccessError) {
        self.init(
            idempotencyKey: mail.idempotencyKey, to: mail.to, subject: mail.subject,
            body: try mail.body(openedWith: box))
    }
}

/// Sends email. The outbox worker calls it; returning means the mail system accepted the mail (RULES N2).
public protocol Mailer: Sendable {
    func send(_ mail: OutgoingMail) async throws
}

/// Sends text messages: security codes by text (RULES A3).
public protocol TextMessenger: Sendable {
    func send(_ text: String, to phone: PhoneNumber) async throws
}
