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
/// retried delivery never shows twice. The message is `MailMessage`'s, with CRLF lines: UTF-8 plain text, 8bit or
/// quoted-printable for lines past 998 octets, a subject outside ASCII encoded as RFC 2047 says. A header value
/// holding a CR or LF, or a recipient that is not one address, is refused (header injection).
///
/// ```swift
/// let mailer = try EMLFileMailer(folder: URL(fileURLWithPath: "mail"), from: "noreply@portal.example.gov",
///                                clock: SystemTimeSource())
/// let delivery = OutboxDelivery(store: store, mailer: mailer, clock: SystemTimeSource(), random: random,
///                               keys: keys)
/// ```
public struct EMLFileMailer: Mailer {
    /// A mail the mailer will not write (`MailRefusal`: header injection, a recipient that is not one address).
    public typealias Refusal = MailRefusal

    /// Where the files go.
    public let folder: URL
    /// The `From` address.
    public let from: String
    public let clock: any TimeSource
    /// The right-hand side of each `Message-ID`.
    public let messageIDDomain: String

    /// Creates the folder if it does not exist.
    ///
    /// - Throws: `MailRefusal` when `from` holds a line break or is not ASCII; a file-system error when the folder
    ///   cannot be made.
    public init(
        folder: URL, from: String, clock: any TimeSource,
        messageIDDomain: String = MailMessage.defaultMessageIDDomain
    ) throws {
        try MailMessage.checkFrom(from)
        try MailMessage.checkMessageIDDomain(messageIDDomain)
        self.folder = folder
        self.from = from
        self.clock = clock
        self.messageIDDomain = messageIDDomain
        // The mail carries live links, codes and usernames (RULES N1): only the portal's own user reads the folder.
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The file a mail with this idempotency key is written to.
    public func fileURL(for idempotencyKey: String) -> URL {
        folder.appendingPathComponent(Self.fileName(for: idempotencyKey))
    }

    public func send(_ mail: OutgoingMail) async throws {
        let message = try MailMessage.compose(
            mail, from: from, date: clock.now(), messageIDDomain: messageIDDomain, lineEnding: .crlf)
        // Atomic: a reader never sees half a file, and a re-send replaces the earlier file. Owner-only, like the folder.
        let url = fileURL(for: mail.idempotencyKey)
        try Data(message).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// The whole RFC 5322 message, CRLF line endings (`MailMessage.compose(_:from:date:messageIDDomain:lineEnding:)`).
    public static func message(
        _ mail: OutgoingMail, from: String, date: Date, messageIDDomain: String = MailMessage.defaultMessageIDDomain
    ) throws -> String {
        String(
            decoding: try MailMessage.compose(
                mail, from: from, date: date, messageIDDomain: messageIDDomain, lineEnding: .crlf),
            as: UTF8.self)
    }

    /// A file name safe on every file system: letters, digits, `-` and `.` kept; every other byte as `_` and two
    /// hex digits (so two different keys never share a file); a leading `.` escaped too.
    package static func fileName(for key: String, extension suffix: String = "eml") -> String {
        var name = ""
        for (offset, byte) in key.utf8.enumerated() {
            let scalar = Unicode.Scalar(byte)
            let keep =
                (("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                    || scalar == "-" || (scalar == "." && offset > 0))
            name += keep ? String(scalar) : "_" + hex(byte)
        }
        return (name.isEmpty ? "_" : name) + "." + suffix
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}
