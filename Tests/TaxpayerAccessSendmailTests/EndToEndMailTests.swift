import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSendmail
import TaxpayerAccessTesting

/// The outbox's mail through a real MTA client to an SMTP sink on loopback (RULES N2; Documentation/Operations.md,
/// Mail). Runs when told where they are:
///
/// - `TAXPAYER_ACCESS_SENDMAIL`: the sendmail-compatible program (`/usr/bin/msmtp`);
/// - `TAXPAYER_ACCESS_SENDMAIL_ARGS`: its extra arguments, split at spaces (`-C DIR/msmtprc`);
/// - `TAXPAYER_ACCESS_MAIL_SINK`: the folder where the sink writes each message it received as `*.eml`;
/// - `TAXPAYER_ACCESS_SENDMAIL_UNREACHABLE_ARGS` (optional): arguments that point the program at a port where nothing
///   listens, for the failure check.
///
/// `eval "$(bash Scripts/mail-sink.sh start DIR)"` sets them all. Without them the suite is skipped, and says so.
@Suite(
    "End-to-end mail through a real MTA client",
    .serialized,
    .enabled(
        if: EndToEnd.configuration != nil,
        "set TAXPAYER_ACCESS_SENDMAIL and TAXPAYER_ACCESS_MAIL_SINK (Scripts/mail-sink.sh) to send through a real MTA"))
struct EndToEndMailTests {
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))

    func mailer(_ configuration: EndToEnd.Configuration, arguments: [String]? = nil) throws -> SendmailMailer {
        try SendmailMailer(
            from: "MassTaxConnect <noreply@portal.example.gov>", executable: configuration.executable,
            extraArguments: arguments ?? configuration.arguments, clock: clock)
    }

    @Test("the outbox's mail arrives whole: every header and the body as the outbox held them (N2)")
    func outboxMailArrivesWhole() async throws {
        let configuration = try #require(EndToEnd.configuration)
        let store = InMemoryAccessStore()
        let ring = SealingKeyRing(current: SealingKey.generate(using: SecureRandom()))
        let random = SeededRandom(seed: 21)
        let mails = [
            ("M1", "pat@example.com", "Something new to view", "Log in to view it.\n.\nFrom the portal:\n..\nThe end"),
            ("M2", "zoe@example.com", "Nouveau message à lire — 税务 😀", "Zoë, votre déclaration est prête.\n😀\n"),
            (
                "M3", "lee@example.com", String(repeating: "Déclaration trimestrielle ", count: 6),
                "short\n" + String(repeating: "é", count: 2000) + "\n" + String(repeating: "x", count: 999)
            ),
        ]
        var changes = ChangeSet()
        for (id, to, subject, body) in mails {
            changes.send(
                OutboxMail(
                    id: MailID(id), to: to, subject: subject, body: body, sealedWith: ring.box, random: random,
                    createdAt: clock.now()))
        }
        try await store.commit(changes)
        let before = Set(try EndToEnd.received(in: configuration.sink).keys)

        let mailer = try mailer(configuration)
        let report = await OutboxDelivery(store: store, mailer: mailer, clock: clock, random: random, box: ring.box)
            .deliverPending()
        #expect(report.sent == 3 && report.failed == 0 && report.remaining == 0, "\(report)")

        let arrived = try EndToEnd.received(in: configuration.sink).filter { !before.contains($0.key) }
        #expect(arrived.count == 3)
        for (id, to, subject, body) in mails {
            let sent = try mailer.message(
                for: OutgoingMail(idempotencyKey: "mail-\(id)", to: to, subject: subject, body: body))
            let match = arrived.values.first { message in
                (try? MailerConformance.Delivered(parsing: message.bytes).idempotencyKey) == "mail-\(id)"
            }
            let message = try #require(match, "mail-\(id) did not arrive")
            // Byte for byte what the mailer handed over, once SMTP's CRLF is read as LF.
            let received = EndToEnd.withLF(message.bytes)
            #expect(received == sent, "mail-\(id): \(received.count) octets arrived, \(sent.count) sent")
            #expect(message.recipients == [to], "the envelope recipient is the To header's, nobody else")
            let delivered = try MailerConformance.Delivered(parsing: message.bytes)
            #expect(delivered.subject == subject && delivered.to == to)
            #expect(delivered.body == MailerConformance.normalisedBody(body))
        }
    }

    // The contract every mailer keeps, through the real MTA client.
    @Test(arguments: MailerConformance.Check.allCases)
    func conformance(_ check: MailerConformance.Check) async throws {
        let configuration = try #require(EndToEnd.configuration)
        guard check != .reportsFailure || configuration.unreachableArguments != nil else {
            print("EndToEndMailTests: reportsFailure skipped: TAXPAYER_ACCESS_SENDMAIL_UNREACHABLE_ARGS is not set")
            return
        }
        let working = try mailer(configuration)
        let failing = try mailer(configuration, arguments: configuration.unreachableArguments ?? [])
        try await MailerConformance(
            make: {
                let before = Set(try EndToEnd.received(in: configuration.sink).keys)
                return MailerUnderTest(mailer: working) {
                    // msmtp exits 0 only after the sink answered 250, and the sink writes the file before it does.
                    try EndToEnd.received(in: configuration.sink).filter { !before.contains($0.key) }.sorted {
                        $0.key < $1.key
                    }.map { try MailerConformance.Delivered(parsing: $0.value.bytes) }
                }
            },
            makeFailing: { failing }
        ).run(check)
    }
}

/// What the end-to-end test is told by its environment.
enum EndToEnd {
    struct Configuration: Sendable {
        var executable: String
        var arguments: [String]
        var unreachableArguments: [String]?
        var sink: URL
    }

    struct Message {
        var bytes: [UInt8]
        var recipients: [String]
    }

    static let configuration: Configuration? = {
        let environment = ProcessInfo.processInfo.environment
        guard let executable = environment["TAXPAYER_ACCESS_SENDMAIL"], !executable.isEmpty,
            let sink = environment["TAXPAYER_ACCESS_MAIL_SINK"], !sink.isEmpty
        else { return nil }
        func words(_ name: String) -> [String]? {
            environment[name].map { $0.split(separator: " ").map(String.init) }
        }
        return Configuration(
            executable: executable, arguments: words("TAXPAYER_ACCESS_SENDMAIL_ARGS") ?? [],
            unreachableArguments: words("TAXPAYER_ACCESS_SENDMAIL_UNREACHABLE_ARGS"), sink: URL(fileURLWithPath: sink))
    }()

    /// Every message in the sink folder by file name, with its envelope recipients.
    static func received(in folder: URL) throws -> [String: Message] {
        var messages: [String: Message] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".eml") {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
            let rcpt = folder.appendingPathComponent(String(name.dropLast(4)) + ".rcpt")
            let recipients = (try? String(contentsOf: rcpt, encoding: .utf8))?.split(separator: "\n").map(String.init)
            messages[name] = Message(bytes: bytes, recipients: recipients ?? [])
        }
        return messages
    }

    /// CRLF read as LF.
    static func withLF(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() where !(byte == 13 && index + 1 < bytes.count && bytes[index + 1] == 10)
        {
            out.append(byte)
        }
        return out
    }
}
