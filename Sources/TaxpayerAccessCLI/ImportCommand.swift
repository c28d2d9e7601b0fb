import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access import --snapshot FILE`: validates a snapshot and writes it into the store in one commit.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import a snapshot document into the store (one commit).")

    @Option(name: .long, help: "The snapshot document to import.")
    var snapshot: String

    func run() async throws {
        try await reportingErrors {
            let document = try loadSnapshot(snapshot)
            let store = try await makeStore()
            let records = document.records().count
            try await document.import(into: store, at: Date(), actor: .agency(operator: "taxpayer-access import"))
            print("imported \(records) records from \(snapshot)")
        }
    }
}
