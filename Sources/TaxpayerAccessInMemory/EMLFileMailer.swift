public import TaxpayerAccess
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A `Mailer` for development: writes each mail as an RFC 5322 `.eml` file into a folder, where a mail client or a
/// text editor opens it.
///
/// One file per `OutgoingMail.idempotencyKey` (`<key>.eml`): sending the same mail again overwrites its file, so a
/// retried delivery never shows twice. Lines end in CRLF; the body is UTF-8 plain text; a subject outside ASCII is
/// encoded as RFC 2047 says. A header value holding a CR or LF is refused (header injection).
///
/// ```swift
/// let mailer = try EMLFileMailer(folder: URL(fileURLWithPath: "mail"), from: "noreply@portal.example.gov",
///                                clock: SystemTimeSource())
/// let delivery = OutboxDelivery(store: store, mailer: mailer, clock: SystemTimeSource(), random: random,
///                               box: try context.mailBox())
/// ```
public struct EMLFileMailer: Mailer {
    /// A mail the mailer will not write.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Where the files go.
    public let folder: URL
    /// The `From` address.
    public let from: String
    public let clock: any TimeSource

    /// Creates the folder if it does not exist.
    ///
    /// - Throws: ``Refusal`` when `from` holds a line break; a file-system error when the folder cannot be made.
    public init(folder: URL, from: String, clock: any TimeSource) throws {
        try Self.checkHeader("From", from)
        self.folder = folder
        self.from = from
        self.clock = clock
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// The file a mail with this idempotency key is written to.
    public func fileURL(for idempotencyKey: String) -> URL {
        folder.appendingPathComponent(Self.fileName(for: idempotencyKey))
    }

    public func send(_ mail: OutgoingMail) async throws {
        let message = try Self.message(mail, from: from, date: clock.now())
        // Atomic: a reader never sees half a file, and a re-send replaces the earlier file.
        try Data(message.utf8).write(to: fileURL(for: mail.idempotencyKey), options: .atomic)
    }

    /// The whole RFC 5322 message, CRLF line endings.
    public static func message(_ mail: OutgoingMail, from: String, date: Date) throws -> String {
        try checkHeader("From", from)
        try checkHeader("To", mail.to)
        try checkHeader("Subject", mail.subject)
        try checkHeader("Message-ID", mail.idempotencyKey)
        let headers = [
            "From: \(from)",
            "To: \(mail.to)",
            "Subject: \(encodedWord(mail.subject))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(messageIDLocalPart(mail.idempotencyKey))@taxpayer-access.invalid>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        // Every line ending (CRLF, lone CR, lone LF) becomes CRLF. `"\r\n"` is one Character, so split on each kind.
        let body = mail.body.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }
        )
        .joined(separator: "\r\n")
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + (body.hasSuffix("\r\n") ? "" : "\r\n")
    }

    /// Refuses a header value with a line break: it would start a header (or the body) of the sender's choosing.
    static func checkHeader(_ name: String, _ value: String) throws {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw Refusal(message: "The \(name) header holds a line break; the mail was not written.")
        }
    }

    /// ASCII text as it is; anything else as an RFC 2047 encoded word in UTF-8 and Base64.
    static func encodedWord(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7f }) { return text }
        return "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    /// A file name safe on every file system: letters, digits, `-` and `.` kept; every other byte as `_` and two
    /// hex digits (so two different keys never share a file); a leading `.` escaped too.
    static func fileName(for key: String) -> String {
        var name = ""
        for (offset, byte) in key.utf8.enumerated() {
            let scalar = Unicode.Scalar(byte)
            let keep =
                (("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || scalar == "-" || (scalar == "." && offset > 0))
            name += keep ? String(scalar) : "_" + hex(byte)
        }
        return (name.isEmpty ? "_" : name) + ".eml"
    }

    /// The idempotency key as the local part of a Message-ID: `dot-atom-text` characters only.
    static func messageIDLocalPart(_ key: String) -> String {
        let allowed = Set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)
        var part = ""
        for byte in key.utf8 {
            let scalar = Unicode.Scalar(byte)
            part += allowed.contains(scalar) && scalar != "=" ? String(scalar) : "=" + hex(byte)
        }
        return part.isEmpty ? "mail" : part
    }

    /// `Sat, 21 Nov 2026 05:13:54 +0000` (RFC 5322 section 3.3), in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int?) -> String {
            let n = n ?? 0
            return n < 10 ? "0\(n)" : "\(n)"
        }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
