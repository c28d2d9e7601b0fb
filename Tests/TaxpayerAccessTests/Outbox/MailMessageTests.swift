import Foundation
import Testing
@testable import TaxpayerAccess

/// The RFC 5322 message every wire mailer writes (N1, N2: the outbox's mail as it leaves).
@Suite("MailMessage")
struct MailMessageTests {
    let date = Date(timeIntervalSince1970: 1_800_000_000)

    func text(_ mail: OutgoingMail, _ ending: MailMessage.LineEnding = .crlf) throws -> String {
        String(
            decoding: try MailMessage.compose(mail, from: "n@example.com", date: date, lineEnding: ending),
            as: UTF8.self)
    }

    @Test(
        "dates are RFC 5322 in UTC",
        arguments: [
            (0.0, "Thu, 01 Jan 1970 00:00:00 +0000"),
            (1_800_000_000, "Fri, 15 Jan 2027 08:00:00 +0000"),
            (951_782_400, "Tue, 29 Feb 2000 00:00:00 +0000"),
            (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 +0000"),
            (-1, "Wed, 31 Dec 1969 23:59:59 +0000"),
        ])
    func dates(seconds: Double, expected: String) {
        #expect(MailMessage.rfc5322Date(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("a short ASCII subject stays plain; anything else is encoded words of whole characters, ≤ 75 each, folded")
    func subjects() throws {
        #expect(MailMessage.encodedSubject("Something new", foldingWith: "\r\n ") == "Something new")
        for subject in ["Nouveau à lire", " leading space", "looks =?like?= a word", String(repeating: "a", count: 80)]
        {
            let encoded = MailMessage.encodedSubject(subject, foldingWith: "\r\n ")
            #expect(encoded.hasPrefix("=?utf-8?B?"), "\(subject)")
        }
        let long = String(repeating: "税务通知😀", count: 30)
        let folded = MailMessage.encodedSubject(long, foldingWith: "\r\n ")
        let words = folded.components(separatedBy: "\r\n ")
        #expect(words.count > 5 && words.allSatisfy { $0.count <= 75 })
        let decoded = words.map { word -> String in
            let base64 = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            return String(decoding: Data(base64Encoded: String(base64))!, as: UTF8.self)  // each word whole UTF-8
        }
        #expect(decoded.joined() == long)
    }

    @Test("8bit up to 998 octets a line; quoted-printable past it, every line ≤ 76, round-tripping exactly")
    func bodies() throws {
        let fits = String(repeating: "é", count: 499)  // 998 octets
        #expect(
            try text(OutgoingMail(idempotencyKey: "k", to: "p@example.com", subject: "s", body: fits)).contains(
                "Content-Transfer-Encoding: 8bit"))
        let over = fits + "x"
        let message = try text(
            OutgoingMail(idempotencyKey: "k", to: "p@example.com", subject: "s", body: over + " \n= x\t"))
        #expect(message.contains("Content-Transfer-Encoding: quoted-printable"))
        let lines = message.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(!message.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "no bare LF with CRLF endings")
        #expect(message.contains("=3D x=09\r\n"), "= and a trailing tab are encoded")
    }

    @Test("line breaks of every kind become the chosen ending, with one at the end")
    func lineEndings() throws {
        let mail = OutgoingMail(idempotencyKey: "k", to: "p@example.com", subject: "s", body: "a\r\nb\rc\nd")
        #expect(try text(mail, .crlf).hasSuffix("\r\n\r\na\r\nb\r\nc\r\nd\r\n"))
        #expect(try text(mail, .lf).hasSuffix("\n\na\nb\nc\nd\n"))
        #expect(try !text(mail, .lf).contains("\r"))
    }

    @Test(
        "the Message-ID carries the idempotency key and gives it back", arguments: ["mail-M1", "a b<c>=d", "é@x", ""])
    func messageIDs(key: String) {
        let id = MailMessage.messageID(for: key, domain: "portal.example.gov")
        #expect(id.hasPrefix("<") && id.hasSuffix("@portal.example.gov>"))
        #expect(id.dropFirst().dropLast().allSatisfy { $0.isASCII && $0 != " " && $0 != "<" && $0 != ">" })
        #expect(MailMessage.idempotencyKey(fromMessageID: id) == (key.isEmpty ? "mail" : key))
    }

    @Test(
        "header injection and a second recipient are refused, naming the header",
        arguments: [
            ("pat@example.com\r\nBcc: v@example.com", "s", "k", "To"),
            ("pat@example.com, v@example.com", "s", "k", "To"),
            ("Pat <pat@example.com>", "s", "k", "To"),
            ("pat@example.com", "Hi\nBcc: v@example.com", "k", "Subject"),
            ("pat@example.com", "s", "k\rX: 1", "Message-ID"),
        ])
    func refusals(to: String, subject: String, key: String, header: String) {
        do {
            try OutgoingMail(idempotencyKey: key, to: to, subject: subject, body: "b").checkHeaders()
            Issue.record("accepted")
        } catch {
            #expect(error.header == header)
        }
    }
}
