import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access who-has-access TAXPAYER [--at ISO8601]`: every logon with access to a taxpayer's accounts, now
/// (the resolver, RULES W1) or at a past moment (the audit log, RULES U2).
struct WhoHasAccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "who-has-access",
        abstract: "List every logon with access to a taxpayer's accounts, now or at a past moment.",
        discussion: """
            One line per logon: id, username, how it reaches the taxpayer (via=MA, TA, third-party or \
            secondary-of-PARENT, comma-separated when it holds several paths), then ACCOUNT=LEVEL for each account \
            it reaches.
            """)

    @OptionGroup var options: DatabaseOptions
    @Argument(help: "The taxpayer's id, e.g. T1.") var taxpayer: String
    @Option(name: .long, help: ArgumentHelp("A past moment, ISO 8601 (2026-01-31T09:30:00Z).", valueName: "time"))
    var at: String?

    func run() async throws {
        let moment = try at.map { text in
            guard let date = parseISOTime(text) else {
                throw CLIError("--at \(text): expected an ISO 8601 time such as 2026-01-31T09:30:00Z")
            }
            return date
        }
        let store = try await openStore(at: options.database, .mustExist)
        let id = TaxpayerID(taxpayer)
        guard try await store.taxpayer(id) != nil else { throw CLIError("unknown taxpayer \(taxpayer)") }
        let entries =
            if let moment {
                try await AccessHistory(store: store).accessHistory(taxpayer: id, at: moment)
            } else {
                try await AccessResolver.load(from: store).whoHasAccess(taxpayer: id)
            }
        for entry in entries {
            // Usernames never change (RULES R5), so today's name is the name it had then.
            let logon = try await store.logon(entry.logon)?.value
            let username = logon.map { $0.activated ? $0.username : "(not-completed)" } ?? "?"
            print("\(entry.logon.rawValue) \(username) via=\(routesText(entry.routes)) \(levelsText(entry.accounts))")
        }
        if entries.isEmpty {
            print("no logon has access to taxpayer \(taxpayer) \(moment.map { "at \(isoTime($0))" } ?? "now")")
        }
    }
}

/// The routes of a who-has-access line (RULES W1): `MA`, `TA`, `third-party`, `secondary-of-PARENT`.
func routesText(_ routes: AccessRoutes) -> String {
    routes.map { route in
        switch route {
        case .masterAdministrator: "MA"
        case .taxAdministrator: "TA"
        case .thirdParty: "third-party"
        case .secondary(of: let parent): "secondary-of-\(parent.rawValue)"
        }
    }.joined(separator: ",")
}
