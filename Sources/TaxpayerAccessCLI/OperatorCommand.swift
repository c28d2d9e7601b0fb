#if HTTP
import ArgumentParser
import Configuration
import Foundation
import TaxpayerAccessHummingbird

/// `taxpayer-access operator`: the agency operators who may call `serve`'s `/api/agency` routes (registration
/// review, printed-form decisions, correspondence). Each has a name, recorded as the actor of what it does (RULES
/// U1), and a token shown once when it is added; the operators file (setting `server.operatorsFile`, default
/// `<database>.operators.json`) keeps only the token's hash. `serve` reads the file when it starts.
struct OperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator",
        abstract: "Add, list and remove the agency operators of serve's /api/agency routes.",
        subcommands: [Add.self, List.self, Remove.self])

    /// The options every operator subcommand takes.
    struct FileOptions: ParsableArguments {
        @OptionGroup var options: DatabaseOptions
        @Option(
            name: .customLong("operators-file"),
            help: "The operators file (setting server.operatorsFile; default <database>.operators.json).")
        var operatorsFile: String?

        /// The operators file the settings name.
        func path() throws -> String {
            var extra: [String: ConfigContent] = [:]
            if let operatorsFile { extra["server.operatorsFile"] = .string(operatorsFile) }
            return try options.settings(extra).server.operatorsFile
        }

        func read() throws -> (AgencyOperators, URL) {
            let url = URL(fileURLWithPath: try path())
            do {
                return (try AgencyOperators.read(from: url), url)
            } catch let error as AgencyOperatorsError {
                throw CLIError(error.description)
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add an operator and print its token, once: give it to the operator; it is kept nowhere.")

        @OptionGroup var file: FileOptions
        @Argument(help: "The operator's name, as the audit log shows it (e.g. \"clerk 12\").") var name: String

        func run() async throws {
            var (operators, url) = try file.read()
            let (token, newcomer) = AgencyOperators.issue(name: name)
            do {
                try operators.add(newcomer)
            } catch let error as AgencyOperatorsError {
                throw CLIError(error.description)
            }
            try operators.write(to: url)
            FileHandle.standardError.write(
                Data(
                    "operator \"\(newcomer.name)\" added to \(url.path); its token (shown once, send it as \(AgencyOperators.headerName)):\n"
                        .utf8))
            print(token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the operators' names, in the order they were added.")

        @OptionGroup var file: FileOptions

        func run() async throws {
            for one in try file.read().0.operators { print(one.name) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove an operator; its token stops working when serve next starts.")

        @OptionGroup var file: FileOptions
        @Argument(help: "The operator's name (case does not matter).") var name: String

        func run() async throws {
            var (operators, url) = try file.read()
            guard operators.remove(named: name) else { throw CLIError("there is no operator named \"\(name)\"") }
            try operators.write(to: url)
            FileHandle.standardError.write(Data("operator \"\(name)\" removed from \(url.path)\n".utf8))
        }
    }
}
#endif
