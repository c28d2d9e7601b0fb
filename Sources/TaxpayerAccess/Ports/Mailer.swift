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
    package init(_ mail: OutboxMail, openedWith box: SecretBox) throws(AccessError) {
        self.init(
            idempotencyKey: mail.idempotencyKey, to: mail.to, subject: mail.subject,
            body: try mail.body(openedWith: box))
    }
}

/// Sends email. The outbox worker calls it; returning means the mail system accepted the mail (RULES N2).
public protocol Mailer: Sendable {
    func send(_ mail: OutgoingMail) async throws
}

/// A text message ready to hand to an SMS gateway.
public struct OutgoingText: Hashable, Sendable, Codable {
    /// Stable for one outbox text across retries: a gateway may use it to drop duplicates.
    public var idempotencyKey: String
    public var to: PhoneNumber
    public var body: String
    public init(idempotencyKey: String, to: PhoneNumber, body: String) {
        self.idempotencyKey = idempotencyKey
        self.to = to
        self.body = body
    }
    /// The text of an outbox record, its body opened with the key it was sealed with.
    ///
    /// - Throws: ``AccessError`` when `box` cannot open the body.
    package init(_ text: OutboxText, openedWith box: SecretBox) throws(AccessError) {
        self.init(idempotencyKey: text.idempotencyKey, to: text.to, body: try text.body(openedWith: box))
    }
}

/// Sends text messages: security codes by text (RULES A3). The outbox worker calls it; returning means the gateway
/// accepted the message (RULES N2).
public protocol TextMessenger: Sendable {
    func send(_ text: OutgoingText) async throws
}
