import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSendmail
import TaxpayerAccessTesting

@Suite("SendmailMailer")
struct SendmailMailerTests {
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))  // Fri, 15 Jan 2027 08:00:00 UTC
    let from = "MassTaxConnect <noreply@portal.example.gov>"

    func mailer(_ fake: FakeSendmail, timeout: Duration = .seconds(30), extra: [String] = []) throws -> SendmailMailer {
        try SendmailMailer(
            from: from, executable: fake.script.path, extraArguments: extra, timeout: timeout, clock: clock)
    }

    // N2: the contract every mailer keeps, against a fake sendmail that captures its standard input.
    @Test(arguments: MailerConformance.Check.allCases)
    func conformance(_ check: MailerConformance.Check) async throws {
        let clock = clock
        let from = from
        // One fake per check; the closures keep it alive until the check is done.
        let working = try FakeSendmail.capturing()
        let refusing = try FakeSendmail.refusing()
        try await MailerConformance(
            make: {
                let mailer = try SendmailMailer(from: from, executable: working.script.path, clock: clock)
                return MailerUnderTest(mailer: mailer) {
                    try working.messages().map { try MailerConformance.Delivered(parsing: $0) }
                }
            },
            makeFailing: { try SendmailMailer(from: from, executable: refusing.script.path, clock: clock) }
        ).run(check)
    }

    @Test("runs `sendmail -t -oi` plus the extra arguments and writes the message with LF line endings")
    func messageOnThePipe() async throws {
        let fake = try FakeSendmail.capturing()
        let mailer = try mailer(fake, extra: ["-f", "bounces@portal.example.gov"])
        try await mailer.send(
            OutgoingMail(
                idempotencyKey: "mail-M1", to: "pat@example.com", subject: "Something new",
                body: "Log in to view it.\r\nThe portal"))
        #expect(try fake.arguments() == [["-t", "-oi", "-f", "bounces@portal.example.gov"]])
        let message = try #require(try fake.messages().first)
        #expect(!message.contains(13), "no CR on the pipe: sendmail writes CRLF itself")
        let expected = [
            "From: MassTaxConnect <noreply@portal.example.gov>",
            "To: pat@example.com",
            "Subject: Something new",
            "Date: Fri, 15 Jan 2027 08:00:00 +0000",
            "Message-ID: <mail-M1@portal.example.gov>",  // the From address's domain
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Log in to view it.",
            "The portal",
            "",
        ].joined(separator: "\n")
        #expect(String(decoding: message, as: UTF8.self) == expected)
    }

    @Test("a line past 998 octets goes quoted-printable, and no line on the pipe is longer than 76 characters")
    func longLinesAreQuotedPrintable() async throws {
        let fake = try FakeSendmail.capturing()
        let body = String(repeating: "é", count: 1000) + "\nshort"
        try await mailer(fake).send(OutgoingMail(idempotencyKey: "k", to: "pat@example.com", subject: "s", body: body))
        let text = String(decoding: try #require(try fake.messages().first), as: UTF8.self)
        #expect(text.contains("\nContent-Transfer-Encoding: quoted-printable\n"))
        let bodyLines = text.components(separatedBy: "\n\n").dropFirst().joined().split(separator: "\n")
        #expect(bodyLines.count > 20 && bodyLines.allSatisfy { $0.utf8.count <= 76 })
        #expect(try MailerConformance.Delivered(parsing: Array(text.utf8)).body == body + "\n")
    }

    // N2: a refusal throws, with the exit status and what sendmail said, so the outbox records it and retries.
    @Test("a non-zero exit throws with the status and sendmail's last words, never the body's")
    func failureNamesStatusNotBody() async throws {
        let fake = try FakeSendmail(
            """
            grep -i code >&2
            echo "sendmail: cannot queue: status=deferred" >&2
            exit 75
            """)
        let mail = OutgoingMail(
            idempotencyKey: "k", to: "pat@example.com", subject: "Your security code",
            body: "Your security code is 481516.\nIt works for 10 minutes.")
        do {
            try await mailer(fake).send(mail)
            Issue.record("a failing sendmail was taken as a success")
        } catch let failure as SendmailMailer.Failure {
            #expect(failure.code == .exitStatus && failure.status == 75)
            #expect(failure.message.contains("exited with status 75"))
            #expect(failure.message.contains("status=deferred"))
            #expect(!failure.message.contains("481516"), "the body's code is not in the error: \(failure.message)")
            #expect(!failure.output.contains("481516"))
        }
    }

    @Test("a sendmail that exits without reading a large message is an error, not the end of the process (SIGPIPE)")
    func earlyExitIsAnError() async throws {
        let fake = try FakeSendmail("echo 'sendmail: recipient refused' >&2\nexit 67")
        let body = String(repeating: "line of text\n", count: 200_000)  // 2.6 MB, far more than a pipe holds
        await #expect(throws: SendmailMailer.Failure.self) {
            try await mailer(fake).send(
                OutgoingMail(idempotencyKey: "k", to: "pat@example.com", subject: "s", body: body))
        }
        // Still alive: a second send works.
        let working = try FakeSendmail.capturing()
        try await mailer(working).send(
            OutgoingMail(idempotencyKey: "k2", to: "pat@example.com", subject: "s", body: body))
        #expect(try working.messages().count == 1)
    }

    @Test("a missing program, a signal and a hang are each a clear failure")
    func otherFailures() async throws {
        let mail = OutgoingMail(idempotencyKey: "k", to: "pat@example.com", subject: "s", body: "b")
        let missing = try SendmailMailer(from: from, executable: "/nonexistent/sendmail", clock: clock)
        do {
            try await missing.send(mail)
            Issue.record("a missing sendmail was taken as a success")
        } catch let failure as SendmailMailer.Failure {
            #expect(failure.code == .couldNotStart && failure.message.contains("/nonexistent/sendmail"))
        }
        let killed = try FakeSendmail("cat > /dev/null\nkill -9 $$")
        do {
            try await mailer(killed).send(mail)
            Issue.record("a killed sendmail was taken as a success")
        } catch let failure as SendmailMailer.Failure {
            #expect(failure.code == .signal && failure.status == 9)
        }
        let hanging = try FakeSendmail("exec sleep 60")
        do {
            try await mailer(hanging, timeout: .milliseconds(300)).send(mail)
            Issue.record("a hanging sendmail was taken as a success")
        } catch let failure as SendmailMailer.Failure {
            #expect(failure.code == .timedOut && failure.message.contains("did not finish"))
        }
    }

    @Test("a From with a line break or outside ASCII, and a bad Message-ID domain, are refused at once")
    func badConfiguration() {
        #expect(throws: MailRefusal.self) {
            try SendmailMailer(from: "a@example.com\nBcc: b@example.com", clock: clock)
        }
        #expect(throws: MailRefusal.self) { try SendmailMailer(from: "Zoë <z@example.com>", clock: clock) }
        #expect(throws: MailRefusal.self) {
            try SendmailMailer(from: "a@example.com", messageIDDomain: "bad domain>", clock: clock)
        }
    }

    // N2: through the outbox: a refusal leaves the mail pending with the reason; the next pass sends it.
    @Test("the outbox records sendmail's refusal, without the body, and sends the mail once sendmail takes it")
    func throughTheOutbox() async throws {
        let store = InMemoryAccessStore()
        let box = try SecretBox(key: [UInt8](repeating: 7, count: 32))
        let random = SeededRandom(seed: 3)
        var changes = ChangeSet()
        changes.send(
            OutboxMail(
                id: "M1", to: "pat@example.com", subject: "Your code", body: "Your code is 271828.", sealedWith: box,
                random: random, createdAt: clock.now()))
        try await store.commit(changes)

        let refusing = try FakeSendmail.refusing()
        let first = await OutboxDelivery(
            store: store, mailer: try mailer(refusing), clock: clock, random: random, box: box
        )
        .deliverPending()
        #expect(first.failed == 1 && first.sent == 0)
        let pending = try #require(try await store.mail("M1")).value
        #expect(pending.status == .pending)
        #expect(pending.lastError?.contains("exited with status 75") == true)
        #expect(pending.lastError?.contains("271828") == false)

        clock.advance(by: .seconds(3600))
        let working = try FakeSendmail.capturing()
        let second = await OutboxDelivery(
            store: store, mailer: try mailer(working), clock: clock, random: random, box: box
        )
        .deliverPending()
        #expect(second.sent == 1)
        let delivered = try MailerConformance.Delivered(parsing: try #require(try working.messages().first))
        #expect(delivered.body == "Your code is 271828.\n" && delivered.idempotencyKey == "mail-M1")
    }
}
