import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("EMLFileMailer")
struct EMLFileMailerTests {
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))  // Fri, 15 Jan 2027 08:00:00 UTC
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eml-\(UUID().uuidString)")

    func mailer() throws -> EMLFileMailer {
        try EMLFileMailer(folder: folder, from: "noreply@portal.example.gov", clock: clock)
    }

    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }.sorted()
    }

    @Test("writes an RFC 5322 message with CRLF lines, MIME headers and a Message-ID from the idempotency key")
    func writesMessage() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailer = try mailer()
        let mail = OutgoingMail(
            idempotencyKey: "mail-M1", to: "pat@example.com", subject: "Something new",
            body: "Log in to view it.\nThe portal")
        try await mailer.send(mail)
        #expect(try files() == ["mail-M1.eml"])
        let text = String(decoding: try Data(contentsOf: mailer.fileURL(for: "mail-M1")), as: UTF8.self)
        let expected = [
            "From: noreply@portal.example.gov",
            "To: pat@example.com",
            "Subject: Something new",
            "Date: Fri, 15 Jan 2027 08:00:00 +0000",
            "Message-ID: <mail-M1@taxpayer-access.invalid>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Log in to view it.",
            "The portal",
            "",
        ].joined(separator: "\r\n")
        #expect(text == expected)
        // No bare LF anywhere.
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test("a re-send of one idempotency key overwrites its file instead of adding one")
    func resendOverwrites() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailer = try mailer()
        let mail = OutgoingMail(idempotencyKey: "mail-M1", to: "pat@example.com", subject: "A", body: "first")
        try await mailer.send(mail)
        clock.advance(by: .seconds(60))
        var again = mail
        again.body = "second"
        try await mailer.send(again)
        try await mailer.send(OutgoingMail(idempotencyKey: "mail-M2", to: "pat@example.com", subject: "B", body: "x"))
        #expect(try files() == ["mail-M1.eml", "mail-M2.eml"])
        let text = String(decoding: try Data(contentsOf: mailer.fileURL(for: "mail-M1")), as: UTF8.self)
        #expect(text.hasSuffix("\r\n\r\nsecond\r\n"))
    }

    @Test(
        "header injection is refused and nothing is written",
        arguments: [
            OutgoingMail(
                idempotencyKey: "k1", to: "pat@example.com\r\nBcc: victim@example.com", subject: "s", body: "b"),
            OutgoingMail(
                idempotencyKey: "k2", to: "pat@example.com", subject: "Hi\nBcc: victim@example.com", body: "b"),
            OutgoingMail(idempotencyKey: "k3", to: "pat@example.com", subject: "Hi\rX: y", body: "b"),
            OutgoingMail(idempotencyKey: "k4\r\nX-Evil: 1", to: "pat@example.com", subject: "s", body: "b"),
        ])
    func headerInjectionRefused(_ mail: OutgoingMail) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailer = try mailer()
        await #expect(throws: EMLFileMailer.Refusal.self) { try await mailer.send(mail) }
        #expect(try files().isEmpty)
    }

    @Test("a From address with a line break is refused")
    func badFrom() {
        #expect(throws: EMLFileMailer.Refusal.self) {
            try EMLFileMailer(folder: folder, from: "a@example.com\nBcc: b@example.com", clock: clock)
        }
    }

    @Test("a subject outside ASCII is an RFC 2047 encoded word; the body stays UTF-8")
    func unicode() throws {
        let text = try EMLFileMailer.message(
            OutgoingMail(
                idempotencyKey: "mail-M9", to: "zoe@example.com", subject: "Nouveau message à lire", body: "Zoë"),
            from: "noreply@portal.example.gov", date: clock.now())
        let encoded = "=?utf-8?B?\(Data("Nouveau message à lire".utf8).base64EncodedString())?="
        #expect(text.contains("\r\nSubject: \(encoded)\r\n"))
        #expect(text.hasSuffix("\r\n\r\nZoë\r\n"))
    }

    @Test("keys that are not file-name safe map to distinct, safe file names and Message-IDs")
    func unsafeKeys() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let mailer = try mailer()
        for key in ["../escape", "a/b", "a_2Fb", ".hidden"] {
            try await mailer.send(OutgoingMail(idempotencyKey: key, to: "pat@example.com", subject: "s", body: "b"))
        }
        let names = try files()
        #expect(names.count == 4, "four keys, four files: \(names)")
        #expect(names.allSatisfy { !$0.hasPrefix(".") && !$0.contains("/") })
        let text = try EMLFileMailer.message(
            OutgoingMail(idempotencyKey: "a b<c>", to: "p@example.com", subject: "s", body: "b"),
            from: "n@example.com", date: clock.now())
        #expect(text.contains("Message-ID: <a=20b=3Cc=3E@taxpayer-access.invalid>"))
    }
}
