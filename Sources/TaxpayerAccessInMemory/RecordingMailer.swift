public import TaxpayerAccess
import Synchronization

/// A `Mailer` that keeps what it is given, for tests and examples. Like every mailer it refuses header injection
/// (`OutgoingMail.checkHeaders()`); set ``isRefusing`` to make it refuse every mail, as a mail system that is down.
public final class RecordingMailer: Mailer {
    /// What a refusing mailer throws.
    public struct Refused: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String { "the recording mailer is set to refuse mail" }
    }

    private let sent = Mutex<[OutgoingMail]>([])
    private let refusing: Mutex<Bool>

    /// - Parameter refusing: whether every ``send(_:)`` throws ``Refused``.
    public init(refusing: Bool = false) { self.refusing = Mutex(refusing) }

    /// Whether every ``send(_:)`` throws ``Refused`` (a mail system that is down).
    public var isRefusing: Bool {
        get { refusing.withLock { $0 } }
        set { refusing.withLock { $0 = newValue } }
    }

    public func send(_ mail: OutgoingMail) async throws {
        try mail.checkHeaders()
        if isRefusing { throw Refused() }
        sent.withLock { $0.append(mail) }
    }

    /// Every mail accepted, in order.
    public var mails: [OutgoingMail] { sent.withLock { $0 } }

    /// The mails sent to one address (compared case-insensitively).
    public func mails(to address: String) -> [OutgoingMail] {
        mails.filter { $0.to.lowercased() == address.lowercased() }
    }
}

/// A `TextMessenger` that keeps what it is given, for tests and examples.
public final class RecordingTextMessenger: TextMessenger {
    /// One text message.
    public struct Message: Hashable, Sendable {
        public var text: String
        public var to: PhoneNumber
        /// The outbox text's idempotency key (RULES N2).
        public var idempotencyKey: String
    }

    private let sent = Mutex<[Message]>([])

    public init() {}

    public func send(_ text: OutgoingText) async throws {
        sent.withLock { $0.append(Message(text: text.body, to: text.to, idempotencyKey: text.idempotencyKey)) }
    }

    /// Every message sent, in order.
    public var messages: [Message] { sent.withLock { $0 } }
}
