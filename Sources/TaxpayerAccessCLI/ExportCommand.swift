import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access export [--output FILE]`: writes the store's live access state as a snapshot document.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the store's live access state as a snapshot document.")

    @Option(name: .long, help: "Where to write the document (standard output when omitted).")
    var output: String?

    @Option(name: .long, help: "A snapshot to import into the store first (useful with the in-memory store).")
    var snapshot: String?

    func run() async throws {
        try await reportingErrors {
            let store = try await makeStore()
            if let snapshot {
                try await loadSnapshot(snapshot).import(into: store, at: Date(), actor: .agency(operator: "taxpayer-access export"))
            }
            let data = try await AccessSnapshot.export(from: store).encoded() + Data("\n".utf8)
            if let output {
                do {
                    try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw CLIError("cannot write \(output)")
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}
