import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access export [--output FILE]`: writes the database's live access state as a snapshot document.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export the database's live access state as a snapshot document.")

    @OptionGroup var options: DatabaseOptions

    @Option(name: .long, help: "Where to write the document (standard output when omitted).")
    var output: String?

    func run() async throws {
        let store = try await openStore(at: options.database, .mustExist)
        let data = try await AccessSnapshot.export(from: store).encoded() + Data("\n".utf8)
        guard let output else {
            FileHandle.standardOutput.write(data)
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CLIError("cannot write \(output)")
        }
    }
}
