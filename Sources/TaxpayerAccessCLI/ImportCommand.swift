import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access import --snapshot FILE`: validates a snapshot and writes it into the database in one commit.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a snapshot document into the database (one commit; the database is created if missing).")

    @OptionGroup var options: DatabaseOptions

    @Option(name: .long, help: "The snapshot document to import.")
    var snapshot: String

    func run() async throws {
        let document = try loadSnapshot(snapshot)
        let store = try await openStore(at: options.database, .createIfMissing)
        let records = document.records().count
        try await document.import(into: store, at: Date(), actor: .agency(operator: "taxpayer-access import"))
        print("imported \(records) records from \(snapshot) into \(options.databaseName)")
    }
}
