import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSendmail

/// `taxpayer-access`: the reference harness over the library, on an SQLite file (Documentation/Operations.md).
@main
struct TaxpayerAccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxpayer-access",
        abstract: "Run TaxpayerAccess on one SQLite file: the demo, operator commands, snapshots and access questions.",
        discussion: """
            Every command but `demo` works on --database (default: \(DatabaseOptions.defaultPath) in the working \
            directory). Start with `taxpayer-access demo`.
            """,
        subcommands: [
            DemoCommand.self, TaxpayerCommand.self, AccountCommand.self, RequestsCommand.self,
            WhoHasAccessCommand.self, AuditCommand.self, DeliverMailCommand.self, KeysCommand.self, CheckCommand.self,
            ImportCommand.self, ExportCommand.self,
        ] + httpSubcommands)

    /// Parses and runs the command; every failure becomes one line on standard error and a non-zero exit — never a
    /// stack trace, never a usage page (help itself still prints in full).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            if let line = errorLine(for: error) {
                FileHandle.standardError.write(Data("taxpayer-access: \(line)\n".utf8))
            }
            terminate(code == .success ? 1 : code.rawValue)
        }
    }

    /// The one line shown for an error; `nil` for a bare exit code.
    static func errorLine(for error: any Error) -> String? {
        let text: String
        switch error {
        case let error as CLIError: text = error.description
        case let error as SettingsError: text = error.description
        case let error as AccessError: text = error.message  // written to be safe to show (RULES R3, A1, V1, X2)
        case let error as SnapshotError: text = error.description
        case let error as StoreError: text = "store: \(error.message)"
        case let error as MailRefusal: text = "mail: \(error.message)"
        case let error as SendmailMailer.Failure: text = "mail: \(error.message)"
        case let error as SealingKeyError: text = error.message
        case is ExitCode: return nil
        default:
            text = message(for: error)
            // A bad setting found while the command line was parsed: it names itself, it is no typo of the line.
            if text.hasPrefix("setting "), text.contains("): ") { return firstLine(text) }
            if error is ValidationError || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
                return firstLine(text) + " (see --help)"  // a mistyped command line
            }
        }
        return firstLine(text)
    }

    private static func firstLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "failed"
    }
}
