import Foundation
import Synchronization
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// A mailer that breaks the contract in one way, to prove the suite catches it.
final class CarelessMailer: Mailer {
    enum Flaw { case acceptsInjection, dropsNonASCII, swallowsFailure, losesKey }
    let flaw: Flaw
    private let kept = Mutex<[OutgoingMail]>([])
    init(_ flaw: Flaw) { self.flaw = flaw }

    func send(_ mail: OutgoingMail) async throws {
        var mail = mail
        switch flaw {
        case .acceptsInjection: break
        case .dropsNonASCII:
            try mail.checkHeaders()
            mail.body = String(String.UnicodeScalarView(mail.body.unicodeScalars.filter(\.isASCII)))
        case .swallowsFailure: return  // "sent", whatever the mail system said
        case .losesKey:
            try mail.checkHeaders()
            mail.idempotencyKey = "mail"
        }
        kept.withLock { $0.append(mail) }
    }

    var delivered: [MailerConformance.Delivered] { kept.withLock { $0.map(MailerConformance.Delivered.init) } }
}

@Suite("MailerConformance")
struct MailerConformanceTests {
    let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))

    // N2: the in-memory mailer keeps the contract.
    @Test(arguments: MailerConformance.Check.allCases)
    func recordingMailer(_ check: MailerConformance.Check) async throws {
        try await MailerConformance(
            make: {
                let mailer = RecordingMailer()
                return MailerUnderTest(mailer: mailer) { mailer.mails.map(MailerConformance.Delivered.init) }
            },
            makeFailing: { RecordingMailer(refusing: true) }
        ).run(check)
    }

    // N2: the .eml mailer keeps the contract; a "folder" that is a file cannot be written.
    @Test(arguments: MailerConformance.Check.allCases)
    func emlFileMailer(_ check: MailerConformance.Check) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("eml-conf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let clock = clock
        try await MailerConformance(
            make: {
                let folder = root.appendingPathComponent("mail")
                let mailer = try EMLFileMailer(folder: folder, from: "noreply@portal.example.gov", clock: clock)
                return MailerUnderTest(mailer: mailer) { try MailerConformance.Delivered.files(in: folder) }
            },
            makeFailing: {
                let folder = root.appendingPathComponent("blocked")
                let mailer = try EMLFileMailer(folder: folder, from: "noreply@portal.example.gov", clock: clock)
                try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: folder.path)
                // As root the permission does not stop a write: replace the folder by a file instead.
                try FileManager.default.removeItem(at: folder)
                try Data("not a folder".utf8).write(to: folder)
                return mailer
            }
        ).run(check)
    }

    @Test(
        "the suite catches a mailer that breaks the contract",
        arguments: [
            (CarelessMailer.Flaw.acceptsInjection, MailerConformance.Check.refusesHeaderInjection),
            (.dropsNonASCII, .nonASCII),
            (.swallowsFailure, .reportsFailure),
            (.losesKey, .carriesIdempotencyKey),
        ])
    func catchesBrokenMailers(flaw: CarelessMailer.Flaw, check: MailerConformance.Check) async {
        await #expect(throws: MailerConformance.Failure.self) {
            try await MailerConformance(
                make: {
                    let mailer = CarelessMailer(flaw)
                    return MailerUnderTest(mailer: mailer) { mailer.delivered }
                },
                makeFailing: { CarelessMailer(flaw) }
            ).run(check)
        }
    }

    @Test("the parser reads what MailMessage writes: folded encoded words, quoted-printable, CRLF or LF")
    func parserRoundTrip() throws {
        let mail = OutgoingMail(
            idempotencyKey: "a b=c", to: "zoe@example.com",
            subject: String(repeating: "Déclaration ", count: 10), body: String(repeating: "ü", count: 600) + "\nok")
        for ending in [MailMessage.LineEnding.crlf, .lf] {
            let bytes = try MailMessage.compose(mail, from: "n@example.com", date: clock.now(), lineEnding: ending)
            let delivered = try MailerConformance.Delivered(parsing: bytes)
            #expect(delivered.idempotencyKey == "a b=c")
            #expect(delivered.subject == mail.subject)
            #expect(delivered.body == mail.body + "\n")
        }
    }
}
