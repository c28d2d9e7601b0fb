import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

/// `taxpayer-access deliver-mail --folder DIR`: sends the outbox's due mail as `.eml` files (RULES N2; the
/// development mailer, ``EMLFileMailer``).
struct DeliverMailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliver-mail",
        abstract: "Deliver the outbox's due mail into a folder as .eml files, and report sent, failed and remaining.")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "The folder for the .eml files (created if missing).") var folder: String
    @Option(name: .long, help: "The From address.") var from = "noreply@portal.example.gov"

    func run() async throws {
        let store = try openStore(at: options.database, .mustExist)
        let box = try SecretBox(key: try sealingKey(besideDatabase: options.database))
        let report = try await deliverOutbox(of: store, opening: box, into: folder, from: from)
        print("sent \(report.sent), failed \(report.failed), remaining \(report.remaining)")
        if let first = report.storeErrors.first {
            throw CLIError(
                "store: \(first)" + (report.storeErrors.count > 1 ? " (and \(report.storeErrors.count - 1) more)" : ""))
        }
    }
}

/// Runs ``OutboxDelivery`` passes with an ``EMLFileMailer`` until a pass sends less than a full batch, and sums them.
func deliverOutbox(
    of store: any AccessStore, opening box: SecretBox, into folder: String, from: String
) async throws -> OutboxDelivery.DeliveryReport {
    let clock = SystemTimeSource()
    let mailer: EMLFileMailer
    do {
        mailer = try EMLFileMailer(folder: URL(fileURLWithPath: folder), from: from, clock: clock)
    } catch let error as EMLFileMailer.Refusal {
        throw error
    } catch {
        throw CLIError("cannot create the mail folder \(folder)")
    }
    let delivery = OutboxDelivery(
        store: store, mailer: mailer, texts: DevelopmentTextGateway(), clock: clock, random: SecureRandom(), box: box)
    var total = OutboxDelivery.DeliveryReport()
    while true {
        let pass = await delivery.deliverPending()
        total.sent += pass.sent
        total.failed += pass.failed
        total.skipped += pass.skipped
        total.remaining = pass.remaining
        total.storeErrors += pass.storeErrors
        if pass.sent < delivery.batchSize || !pass.storeErrors.isEmpty { return total }
    }
}
