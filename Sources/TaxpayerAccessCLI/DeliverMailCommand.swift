import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSendmail

/// `taxpayer-access deliver-mail (--folder DIR | --sendmail PATH)`: sends the outbox's due mail (RULES N2), as `.eml`
/// files (the development mailer, ``EMLFileMailer``) or through the system's `sendmail -t -oi` (``SendmailMailer``).
struct DeliverMailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver-mail",
        abstract:
            "Deliver the outbox's due mail as .eml files or through sendmail, and report sent, failed and remaining.")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "Write the mail as .eml files into this folder (created if missing).")
    var folder: String?
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Send through this sendmail-compatible program, run as `PATH -t -oi` (Postfix, Exim, msmtp).",
            valueName: "path"))
    var sendmail: String?
    @Option(
        name: .customLong("sendmail-argument"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "An argument after -t -oi (repeat for more: --sendmail-argument -C --sendmail-argument FILE).",
            valueName: "argument"))
    var sendmailArguments: [String] = []
    @Option(name: .long, help: "The From header.") var from = "noreply@portal.example.gov"

    func validate() throws {
        guard (folder == nil) != (sendmail == nil) else {
            throw ValidationError("give exactly one of --folder and --sendmail")
        }
        if sendmail == nil && !sendmailArguments.isEmpty {
            throw ValidationError("--sendmail-argument needs --sendmail")
        }
    }

    func run() async throws {
        let store = try await openStore(at: options.database, .mustExist)
        let box = try await keyRing(for: store, keyFile: options.keyFile).box
        // Texts hold codes: written to files of their own (setting texts.folder), never to standard output.
        let texts = try TextFolderGateway(folder: URL(fileURLWithPath: try options.settings().textsFolder))
        let report: OutboxDelivery.DeliveryReport
        if let sendmail {
            let mailer = try SendmailMailer(
                from: from, executable: sendmail, extraArguments: sendmailArguments, clock: SystemTimeSource())
            report = await deliverOutbox(of: store, opening: box, through: mailer, texts: texts)
        } else {
            report = try await deliverOutbox(of: store, opening: box, into: folder ?? "", from: from, texts: texts)
        }
        print("sent \(report.sent), failed \(report.failed), remaining \(report.remaining)")
        if let first = report.storeErrors.first {
            throw CLIError(
                "store: \(first)" + (report.storeErrors.count > 1 ? " (and \(report.storeErrors.count - 1) more)" : ""))
        }
    }
}

/// Runs ``OutboxDelivery`` passes with an ``EMLFileMailer`` until a pass sends less than a full batch, and sums them.
func deliverOutbox(
    of store: any AccessStore, opening box: SecretBox, into folder: String, from: String,
    texts: any TextMessenger = DevelopmentTextGateway()
) async throws -> OutboxDelivery.DeliveryReport {
    let mailer: EMLFileMailer
    do {
        mailer = try EMLFileMailer(folder: URL(fileURLWithPath: folder), from: from, clock: SystemTimeSource())
    } catch let error as MailRefusal {
        throw error
    } catch {
        throw CLIError("cannot create the mail folder \(folder)")
    }
    return await deliverOutbox(of: store, opening: box, through: mailer, texts: texts)
}

/// Runs ``OutboxDelivery`` passes with `mailer` and `texts` until a pass sends less than a full batch, and sums them.
func deliverOutbox(
    of store: any AccessStore, opening box: SecretBox, through mailer: any Mailer,
    texts: any TextMessenger = DevelopmentTextGateway()
) async -> OutboxDelivery.DeliveryReport {
    let delivery = OutboxDelivery(
        store: store, mailer: mailer, texts: texts, clock: SystemTimeSource(),
        random: SecureRandom(), box: box)
    var total = OutboxDelivery.DeliveryReport()
    while true {
        let pass = await delivery.deliverPending()
        total.add(pass)
        if pass.sent < delivery.batchSize || !pass.storeErrors.isEmpty { return total }
    }
}
