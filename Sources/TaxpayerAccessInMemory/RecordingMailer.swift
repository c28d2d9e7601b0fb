public import TaxpayerAccess
import Synchronization

/// A `Mailer` that keeps what it is given, for tests and examples.
public final class RecordingMailer: Mailer {
    private let sent = Mutex<[OutgoingMail]>([])

    public init() {}

    public func send(_ mail: OutgoingMail) async throws { sent.withLock { $0.append(mail) } }

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
    }

    private let sent = Mutex<[Message]>([])

    public init() {}

    public func send(_ text: String, to phone: PhoneNumber) async throws {
        sent.withLock { $0.append(Message(text: text, to: phone)) }
    }

    /// Every message sent, in order.
    public var messages: [Message] { sent.withLock { $0 } }
}
