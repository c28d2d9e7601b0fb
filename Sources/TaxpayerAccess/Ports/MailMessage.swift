#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A mail refused before it reaches a mail system: a header value that would start a header or a recipient of the
/// sender's choosing (header injection), or a recipient that is not exactly one address. Names the header; never
/// holds the body.
public struct MailRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    /// The header at fault: `From`, `To`, `Subject`, `Message-ID`.
    public let header: String
    public let message: String

    public init(header: String, message: String) {
        self.header = header
        self.message = message
    }

    public var description: String { message }
}

/// The RFC 5322 message of an ``OutgoingMail``, as every mailer that writes mail on the wire writes it
/// (`EMLFileMailer`, `SendmailMailer`, an adapter of your own):
///
/// - `From`, `To`, `Subject` (an RFC 2047 encoded word, UTF-8 and Base64, folded, when it is not short plain
///   ASCII), `Date` (UTC), `Message-ID: <idempotency-key@domain>` (``messageID(for:domain:)``), `MIME-Version`,
///   `Content-Type: text/plain; charset=utf-8`;
/// - `Content-Transfer-Encoding: 8bit` when every line fits in 998 octets, else `quoted-printable` (RFC 2045 §6.7),
///   so no line on the wire is longer than SMTP allows;
/// - the body's line breaks (CRLF, CR or LF) written as the chosen ``LineEnding``, and a final line break;
/// - header injection impossible: a CR or LF in a header value, or a `To` that is not one address, is refused
///   (``check(_:)``), never passed on.
///
/// ```swift
/// let bytes = try MailMessage.compose(mail, from: "noreply@portal.example.gov", date: clock.now(),
///                                     lineEnding: .lf)   // what `sendmail -t -oi` reads
/// ```
public enum MailMessage {
    /// How lines end in the composed message.
    public enum LineEnding: Sendable, Hashable {
        /// `\r\n`, as RFC 5322 and `.eml` files have it.
        case crlf
        /// `\n`, as the `sendmail` interface reads it (it writes CRLF on the wire itself).
        case lf

        var bytes: [UInt8] { self == .crlf ? [13, 10] : [10] }
    }

    /// The `Message-ID` domain when none is configured.
    public static let defaultMessageIDDomain = "taxpayer-access.invalid"
    /// The longest line RFC 5322 allows, without its line break.
    public static let maximumLineOctets = 998

    /// The whole message.
    ///
    /// - Parameters:
    ///   - mail: the mail to write out.
    ///   - from: the `From` header: an address, or `Name <address>` in ASCII.
    ///   - date: the `Date` header.
    ///   - messageIDDomain: the right-hand side of the `Message-ID`.
    ///   - lineEnding: CRLF for a file, LF for the `sendmail` pipe.
    /// - Throws: ``MailRefusal`` naming the header at fault.
    public static func compose(
        _ mail: OutgoingMail, from: String, date: Date, messageIDDomain: String = defaultMessageIDDomain,
        lineEnding: LineEnding
    ) throws(MailRefusal) -> [UInt8] {
        try checkFrom(from)
        try check(mail)
        try checkMessageIDDomain(messageIDDomain)
        let eol = lineEnding.bytes
        let eolText = lineEnding == .crlf ? "\r\n" : "\n"
        let (encoding, body) = encodedBody(mail.body, lineEnding: eol)
        let headers = [
            "From: \(from)",
            "To: \(mail.to)",
            "Subject: \(encodedSubject(mail.subject, foldingWith: eolText + " "))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: \(messageID(for: mail.idempotencyKey, domain: messageIDDomain))",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: \(encoding)",
        ]
        return Array(headers.joined(separator: eolText).utf8) + eol + eol + body
    }

    /// Refuses a mail whose headers could be turned against its recipient: a CR or LF in the recipient, subject or
    /// idempotency key (a header of the sender's choosing, `Bcc:` say), and a recipient that is not exactly one
    /// address (with `sendmail -t` a comma would add recipients).
    ///
    /// - Throws: ``MailRefusal`` naming the header.
    public static func check(_ mail: OutgoingMail) throws(MailRefusal) {
        try checkLineBreaks("To", mail.to)
        try checkLineBreaks("Subject", mail.subject)
        try checkLineBreaks("Message-ID", mail.idempotencyKey)
        try checkAddress(mail.to)
    }

    /// Refuses a `From` value with a line break, a control character or a character outside ASCII.
    ///
    /// - Throws: ``MailRefusal`` (header `From`).
    public static func checkFrom(_ from: String) throws(MailRefusal) {
        try checkLineBreaks("From", from)
        guard !from.isEmpty, from.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) else {
            throw MailRefusal(
                header: "From",
                message: "The From header must be printable ASCII (write a display name outside ASCII as RFC 2047).")
        }
        guard from.contains("@") else {
            throw MailRefusal(header: "From", message: "The From header holds no address.")
        }
    }

    /// `<local@domain>`: the idempotency key as the local part, `dot-atom-text` characters kept and every other
    /// byte (and `=`) as `=XX`, so two keys never share a Message-ID and ``idempotencyKey(fromMessageID:)`` reads it
    /// back.
    public static func messageID(for idempotencyKey: String, domain: String = defaultMessageIDDomain) -> String {
        var part = ""
        for byte in idempotencyKey.utf8 {
            let scalar = Unicode.Scalar(byte)
            part += atext.contains(scalar) && scalar != "=" ? String(scalar) : "=" + hex(byte)
        }
        return "<\(part.isEmpty ? "mail" : part)@\(domain)>"
    }

    /// The idempotency key a ``messageID(for:domain:)`` carries; `nil` for a Message-ID of another shape.
    public static func idempotencyKey(fromMessageID messageID: String) -> String? {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let trimmed = String(String(messageID.drop(while: blank).reversed().drop(while: blank)).reversed())
        guard trimmed.hasPrefix("<"), trimmed.hasSuffix(">"), let at = trimmed.lastIndex(of: "@") else { return nil }
        let local = Array(String(trimmed[trimmed.index(after: trimmed.startIndex)..<at]).utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < local.count {
            if local[index] == UInt8(ascii: "="), index + 2 < local.count,
                let byte = UInt8(String(decoding: local[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                index += 3
            } else {
                bytes.append(local[index])
                index += 1
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    // MARK: - Headers

    static let atext = Set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~".unicodeScalars)

    static func checkLineBreaks(_ header: String, _ value: String) throws(MailRefusal) {
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw MailRefusal(header: header, message: "The \(header) header holds a line break; the mail was refused.")
        }
    }

    /// One address, `local@domain`: no white space, no control character, none of `, ; < > ( ) " \ [ ]`.
    static func checkAddress(_ address: String) throws(MailRefusal) {
        let forbidden = Set(",;<>()\"\\[]".unicodeScalars)
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let clean = address.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7f && !forbidden.contains($0) && !$0.properties.isWhitespace
        }
        guard clean, parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw MailRefusal(
                header: "To", message: "The To header must hold exactly one address; the mail was refused.")
        }
    }

    /// Refuses a Message-ID domain that is not letters, digits, `-` and `.`.
    ///
    /// - Throws: ``MailRefusal`` (header `Message-ID`).
    public static func checkMessageIDDomain(_ domain: String) throws(MailRefusal) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.".unicodeScalars)
        guard !domain.isEmpty, domain.unicodeScalars.allSatisfy({ allowed.contains($0) }) else {
            throw MailRefusal(
                header: "Message-ID", message: "The Message-ID domain must be letters, digits, - and . only.")
        }
    }

    /// Short printable ASCII as it is; anything else as RFC 2047 encoded words (UTF-8, Base64) of whole characters,
    /// each at most 75 characters, folded onto lines of their own.
    static func encodedSubject(_ subject: String, foldingWith fold: String) -> String {
        let plain =
            subject.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7f }
            && !subject.contains("=?") && subject.first != " " && subject.last != " "
            && "Subject: ".count + subject.utf8.count <= 78
        if plain { return subject }
        var words: [[UInt8]] = []
        var chunk: [UInt8] = []
        for scalar in subject.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > 45 {
                words.append(chunk)
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0).base64EncodedString())?=" }.joined(separator: fold)
    }

    /// `Sat, 21 Nov 2026 05:13:54 +0000` (RFC 5322 §3.3), in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = Int(seconds - days * 86400)
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday
        let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(names[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    // MARK: - Body

    /// The body's lines, split at CRLF, CR or LF.
    static func lines(_ body: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in body.utf8 {
            switch byte {
            case 13:
                lines.append([])
                previousWasCR = true
            case 10:
                if !previousWasCR { lines.append([]) }
                previousWasCR = false
            default:
                lines[lines.count - 1].append(byte)
                previousWasCR = false
            }
        }
        if lines.count > 1, lines.last!.isEmpty { lines.removeLast() }  // the final line break is added back
        return lines
    }

    /// `8bit` when every line fits and holds no NUL, else `quoted-printable`; the encoded body with a final line
    /// break.
    static func encodedBody(_ body: String, lineEnding eol: [UInt8]) -> (String, [UInt8]) {
        let lines = lines(body)
        if body.isEmpty { return ("8bit", []) }
        if lines.allSatisfy({ $0.count <= maximumLineOctets && !$0.contains(0) }) {
            var out: [UInt8] = []
            for line in lines { out += line + eol }
            return ("8bit", out)
        }
        var out: [UInt8] = []
        for line in lines { out += quotedPrintable(line, lineEnding: eol) + eol }
        return ("quoted-printable", out)
    }

    /// One line as quoted-printable (RFC 2045 §6.7): printable ASCII but `=` as it is, white space as it is except
    /// at the end of the line, every other byte `=XX`; soft line breaks keep each line within 76 characters.
    static func quotedPrintable(_ line: [UInt8], lineEnding eol: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var width = 0
        for (index, byte) in line.enumerated() {
            let last = index == line.count - 1
            let literal = (byte >= 33 && byte <= 126 && byte != 61) || ((byte == 32 || byte == 9) && !last)
            let token: [UInt8] = literal ? [byte] : Array(("=" + hex(byte)).utf8)
            // Keep room for the soft break's "=" unless this is the line's last token.
            if width + token.count > (last ? 76 : 75) {
                out += [61] + eol
                width = 0
            }
            out += token
            width += token.count
        }
        return out
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
    }
}

extension OutgoingMail {
    /// Refuses header injection and a recipient that is not one address (``MailMessage/check(_:)``); every mailer
    /// calls it before it hands a mail on.
    ///
    /// - Throws: ``MailRefusal`` naming the header.
    public func checkHeaders() throws(MailRefusal) { try MailMessage.check(self) }
}
