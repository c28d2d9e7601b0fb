public import TaxpayerAccess
public import Foundation

/// The contract every `Mailer` must keep, as a suite any mailer adapter runs (RULES N1, N2): deliver each message
/// whole — recipient, subject and body byte for byte, non-ASCII and long lines included —, carry the idempotency key,
/// refuse header injection, and report a failure by throwing (so the outbox retries, N2).
///
/// An adapter gives two factories: a fresh working mailer with a way to read back what its mail system received
/// (``MailerUnderTest``), and a mailer of the same kind whose mail system refuses everything.
///
/// ```swift
/// @Test(arguments: MailerConformance.Check.allCases)
/// func conformance(_ check: MailerConformance.Check) async throws {
///     try await MailerConformance(
///         make: {
///             let folder = try makeTemporaryFolder()
///             let mailer = try EMLFileMailer(folder: folder, from: "noreply@agency.example", clock: clock)
///             return MailerUnderTest(mailer: mailer) { try MailerConformance.Delivered.files(in: folder) }
///         },
///         makeFailing: { try EMLFileMailer(folder: aFileNotAFolder, from: "noreply@agency.example", clock: clock) }
///     ).run(check)
/// }
/// ```
///
/// Bodies compare after line breaks are made one kind (a mailer on the wire writes CRLF or LF) and a final line
/// break is added where the body had none (``normalisedBody(_:)``); everything else must match exactly.
public struct MailerConformance: Sendable {
    /// One clause of the contract.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        /// One mail delivered once: recipient, subject and body exact, with CRLF and LF lines, a lone `.` line and a
        /// line starting `From ` (which a careless `sendmail` call ends or changes).
        case deliversWhole
        /// A subject and body outside ASCII (accents, CJK, an emoji) arrive as they were.
        case nonASCII
        /// Body lines longer than SMTP's 998 octets, and a subject longer than a header line, arrive whole.
        case longLines
        /// Each delivered message carries its mail's idempotency key (RULES N2), an unusual key included.
        case carriesIdempotencyKey
        /// A CR or LF in the recipient, subject or key, or a second recipient, is refused and nothing is delivered.
        case refusesHeaderInjection
        /// A mail system that refuses makes `send` throw.
        case reportsFailure

        public var description: String { rawValue }
    }

    /// A message as its recipient's mail system received it.
    public struct Delivered: Sendable, Hashable {
        /// Read back from the `Message-ID` (`MailMessage.idempotencyKey(fromMessageID:)`), or as the mailer kept it.
        public var idempotencyKey: String?
        public var to: String
        /// Decoded (RFC 2047).
        public var subject: String
        /// Decoded (quoted-printable or base64 undone), line breaks as LF.
        public var body: String

        public init(idempotencyKey: String?, to: String, subject: String, body: String) {
            self.idempotencyKey = idempotencyKey
            self.to = to
            self.subject = subject
            self.body = body
        }

        /// A mail as an in-memory mailer kept it.
        public init(_ mail: OutgoingMail) {
            self.init(idempotencyKey: mail.idempotencyKey, to: mail.to, subject: mail.subject, body: mail.body)
        }

        /// A message read from its RFC 5322 text (CRLF or LF lines): headers unfolded, the subject decoded, the body
        /// decoded as its `Content-Transfer-Encoding` says.
        ///
        /// - Throws: ``Failure`` when the text has no header block, or no `To`.
        public init(parsing message: [UInt8]) throws {
            let parsed = try ParsedMessage(message)
            guard let to = parsed.header("To") else {
                throw Failure(check: nil, message: "a delivered message has no To header")
            }
            self.init(
                idempotencyKey: parsed.header("Message-ID").flatMap(MailMessage.idempotencyKey(fromMessageID:)),
                to: to, subject: parsed.header("Subject").map(ParsedMessage.decodeWords) ?? "",
                body: parsed.decodedBody)
        }

        /// Every message file in a folder (name ending `suffix`), parsed, in file-name order.
        public static func files(in folder: URL, suffix: String = ".eml") throws -> [Delivered] {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(suffix) }
            return try names.sorted().map { name in
                try Delivered(parsing: [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
            }
        }
    }

    /// A conformance failure: which clause, and what the mailer did.
    public struct Failure: Error, CustomStringConvertible {
        public let check: Check?
        public let message: String
        public var description: String { "MailerConformance.\(check.map(\.rawValue) ?? "parse"): \(message)" }
    }

    private let make: @Sendable () async throws -> MailerUnderTest
    private let makeFailing: @Sendable () async throws -> any Mailer

    /// - Parameters:
    ///   - make: a fresh working mailer for each check, and how to read what it delivered.
    ///   - makeFailing: a mailer of the same kind whose mail system refuses every mail.
    public init(
        make: @escaping @Sendable () async throws -> MailerUnderTest,
        makeFailing: @escaping @Sendable () async throws -> any Mailer
    ) {
        self.make = make
        self.makeFailing = makeFailing
    }

    /// Runs every check.
    public func runAll() async throws {
        for check in Check.allCases { try await run(check) }
    }

    /// Runs one check on a fresh mailer.
    public func run(_ check: Check) async throws {
        let c = MailChecker(check: check)
        switch check {
        case .deliversWhole: try await c.deliversWhole(try await make())
        case .nonASCII: try await c.nonASCII(try await make())
        case .longLines: try await c.longLines(try await make())
        case .carriesIdempotencyKey: try await c.carriesIdempotencyKey(try await make())
        case .refusesHeaderInjection: try await c.refusesHeaderInjection(try await make())
        case .reportsFailure: try await c.reportsFailure(try await makeFailing())
        }
    }

    /// Line breaks as LF, and one at the end of a non-empty body: what a body looks like once it has crossed a mail
    /// system.
    public static func normalisedBody(_ body: String) -> String {
        var text = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        return text
    }

    /// Mails that try to inject a header or a recipient; every mailer must refuse each.
    public static let injectionAttempts: [OutgoingMail] = [
        OutgoingMail(
            idempotencyKey: "inject-1", to: "pat@example.com\r\nBcc: victim@example.com", subject: "s", body: "b"),
        OutgoingMail(
            idempotencyKey: "inject-2", to: "pat@example.com\nBcc: victim@example.com", subject: "s", body: "b"),
        OutgoingMail(
            idempotencyKey: "inject-3", to: "pat@example.com", subject: "Hi\r\nBcc: victim@example.com", body: "b"),
        OutgoingMail(
            idempotencyKey: "inject-4", to: "pat@example.com", subject: "Hi\nBcc: victim@example.com", body: "b"),
        OutgoingMail(idempotencyKey: "inject-5", to: "pat@example.com", subject: "Hi\rX-Evil: 1", body: "b"),
        OutgoingMail(
            idempotencyKey: "inject-6\r\nBcc: victim@example.com", to: "pat@example.com", subject: "s", body: "b"),
        OutgoingMail(idempotencyKey: "inject-7", to: "pat@example.com, victim@example.com", subject: "s", body: "b"),
        OutgoingMail(idempotencyKey: "inject-8", to: "pat@example.com victim@example.com", subject: "s", body: "b"),
        OutgoingMail(idempotencyKey: "inject-9", to: "", subject: "s", body: "b"),
    ]
}

/// A mailer to check, and how to read what its mail system received so far.
public struct MailerUnderTest: Sendable {
    public let mailer: any Mailer
    public let delivered: @Sendable () async throws -> [MailerConformance.Delivered]

    public init(mailer: any Mailer, delivered: @escaping @Sendable () async throws -> [MailerConformance.Delivered]) {
        self.mailer = mailer
        self.delivered = delivered
    }
}

private struct MailChecker {
    let check: MailerConformance.Check

    func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw MailerConformance.Failure(check: check, message: message()) }
    }

    /// Sends `mails` and checks that exactly they arrived, whole.
    func expectDelivered(_ mails: [OutgoingMail], through subject: MailerUnderTest) async throws {
        for mail in mails { try await subject.mailer.send(mail) }
        let delivered = try await subject.delivered()
        try expect(delivered.count == mails.count, "\(mails.count) mails sent, \(delivered.count) delivered")
        for mail in mails {
            guard let got = delivered.first(where: { $0.idempotencyKey == mail.idempotencyKey }) else {
                throw MailerConformance.Failure(
                    check: check, message: "no delivered message carries the key \(mail.idempotencyKey)")
            }
            try expect(got.to == mail.to, "recipient: sent \(mail.to), delivered \(got.to)")
            try expect(
                got.subject == mail.subject,
                "subject: sent \(mail.subject.debugDescription), delivered \(got.subject.debugDescription)")
            let sent = MailerConformance.normalisedBody(mail.body)
            let received = MailerConformance.normalisedBody(got.body)
            if sent != received {
                let at = zip(sent.utf8, received.utf8).prefix { $0 == $1 }.count
                throw MailerConformance.Failure(
                    check: check,
                    message:
                        "body differs at octet \(at) (sent \(sent.utf8.count) octets, delivered \(received.utf8.count))"
                )
            }
        }
    }

    func deliversWhole(_ subject: MailerUnderTest) async throws {
        try await expectDelivered(
            [
                OutgoingMail(
                    idempotencyKey: "mail-conformance-1", to: "pat@example.com", subject: "Something new to view",
                    body:
                        "Hello,\r\n\r\nThere is something new in your inbox.\n.\nFrom the portal:\n..\n  indented\nlast line"
                )
            ], through: subject)
    }

    func nonASCII(_ subject: MailerUnderTest) async throws {
        try await expectDelivered(
            [
                OutgoingMail(
                    idempotencyKey: "mail-conformance-2", to: "zoe@example.com",
                    subject: "Nouveau message à lire — 税务 😀",
                    body: "Zoë, votre déclaration est prête.\n税务通知\n😀 ✓\n")
            ], through: subject)
    }

    func longLines(_ subject: MailerUnderTest) async throws {
        let long = String(repeating: "é", count: 3000) + " end"  // 6,004 octets on one line
        let ascii = String(repeating: "x", count: 998)
        try await expectDelivered(
            [
                OutgoingMail(
                    idempotencyKey: "mail-conformance-3", to: "pat@example.com",
                    subject: String(repeating: "Déclaration trimestrielle ", count: 8) + "fin",
                    body: "short\n\(long)\n\(ascii)\n\(ascii)y\n= trailing space \nend")
            ], through: subject)
    }

    func carriesIdempotencyKey(_ subject: MailerUnderTest) async throws {
        try await expectDelivered(
            [
                OutgoingMail(idempotencyKey: "mail-M1", to: "pat@example.com", subject: "One", body: "first"),
                OutgoingMail(
                    idempotencyKey: "key with spaces=and<angles>@x", to: "pat@example.com", subject: "Two",
                    body: "second"),
            ], through: subject)
    }

    func refusesHeaderInjection(_ subject: MailerUnderTest) async throws {
        for mail in MailerConformance.injectionAttempts {
            var refused = false
            do { try await subject.mailer.send(mail) } catch { refused = true }
            try expect(
                refused,
                "the mail \(mail.idempotencyKey.debugDescription) to \(mail.to.debugDescription) with subject \(mail.subject.debugDescription) was accepted"
            )
        }
        let delivered = try await subject.delivered()
        try expect(delivered.isEmpty, "\(delivered.count) refused mails were delivered anyway")
    }

    func reportsFailure(_ mailer: any Mailer) async throws {
        var threw = false
        do {
            try await mailer.send(
                OutgoingMail(idempotencyKey: "mail-conformance-4", to: "pat@example.com", subject: "s", body: "b"))
        } catch {
            threw = true
        }
        try expect(threw, "a mailer whose mail system refuses returned as if it had sent")
    }
}

/// Just enough RFC 5322 / MIME reading to check what a mailer wrote.
struct ParsedMessage {
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    init(_ bytes: [UInt8]) throws {
        // Lines as byte arrays, CRLF or LF.
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 10 {
                if current.last == 13 { current.removeLast() }
                lines.append(current)
                current = []
            } else {
                current.append(byte)
            }
            index += 1
        }
        let unterminated = !current.isEmpty
        if unterminated { lines.append(current) }
        guard let blank = lines.firstIndex(where: \.isEmpty) else {
            throw MailerConformance.Failure(
                check: nil, message: "a delivered message has no blank line after its headers")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines[..<blank] {
            let text = String(decoding: line, as: UTF8.self)
            if let first = line.first, first == 32 || first == 9, !headers.isEmpty {
                headers[headers.count - 1].value += text  // unfold: the line break goes, the white space stays
            } else if let colon = text.firstIndex(of: ":") {
                let value = text[text.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                headers.append((String(text[..<colon]), String(value)))
            }
        }
        self.headers = headers
        var body: [UInt8] = []
        for (offset, line) in lines[(blank + 1)...].enumerated() {
            if offset > 0 { body.append(10) }
            body += line
        }
        if !unterminated && blank + 1 < lines.count { body.append(10) }
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var decodedBody: String {
        switch header("Content-Transfer-Encoding")?.lowercased() {
        case "quoted-printable": String(decoding: Self.decodeQuotedPrintable(body), as: UTF8.self)
        case "base64":
            String(
                decoding: Data(base64Encoded: String(decoding: body, as: UTF8.self), options: .ignoreUnknownCharacters)
                    ?? Data(), as: UTF8.self)
        default: String(decoding: body, as: UTF8.self)
        }
    }

    /// RFC 2045 §6.7, lines already LF: `=` at a line's end joins it to the next; `=XX` is the byte.
    static func decodeQuotedPrintable(_ text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == 61 {  // "="
                if index + 1 < text.count, text[index + 1] == 10 {
                    index += 2
                    continue
                }
                if index + 2 < text.count,
                    let value = UInt8(String(decoding: text[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
                {
                    out.append(value)
                    index += 3
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }

    /// RFC 2047: encoded words (`=?charset?B|Q?text?=`) decoded, the white space between two of them dropped.
    static func decodeWords(_ value: String) -> String {
        var result: [UInt8] = []
        var pendingSpace: [UInt8] = []
        var previousWasWord = false
        var rest = Substring(value)
        while !rest.isEmpty {
            let space = rest.prefix { $0 == " " || $0 == "\t" }
            rest = rest.dropFirst(space.count)
            pendingSpace = Array(space.utf8)
            let token = rest.prefix { $0 != " " && $0 != "\t" }
            rest = rest.dropFirst(token.count)
            if let decoded = decodeWord(token) {
                if !previousWasWord { result += pendingSpace }
                result += decoded
                previousWasWord = true
            } else {
                result += pendingSpace + Array(token.utf8)
                previousWasWord = false
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func decodeWord(_ token: Substring) -> [UInt8]? {
        guard token.hasPrefix("=?"), token.hasSuffix("?="), token.count >= 8 else { return nil }
        let parts = token.dropFirst(2).dropLast(2).split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        switch parts[1].uppercased() {
        case "B": return Data(base64Encoded: String(parts[2])).map { [UInt8]($0) }
        case "Q":
            let text = Array(parts[2].replacingOccurrences(of: "_", with: " ").utf8)
            return decodeQuotedPrintable(text)
        default: return nil
        }
    }
}
