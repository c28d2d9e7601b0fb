import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access requests list|decide`: third-party access requests, and the agency's recording of a taxpayer's
/// signed printed form (RULES X4, X5, X10).
struct RequestsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requests", abstract: "List third-party access requests and record printed-form decisions.",
        subcommands: [List.self, Decide.self])

    /// `requests list [--pending]`: one line per request, oldest first.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List access requests, oldest first.")

        @OptionGroup var options: DatabaseOptions
        @Flag(name: .long, help: "Only requests still waiting for a decision (and not expired).") var pending = false

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let now = Date()
            let requests = try await store.records(ofKind: .accessRequest).compactMap { $0.accessRequest?.value }
                .sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            var shown = 0
            for request in requests {
                // X10: a pending request past its lifetime is expired, whether or not it was marked so yet.
                let status =
                    request.status == .pending && request.expiresAt <= now ? RequestStatus.expired : request.status
                if pending, status != .pending { continue }
                let thirdParty = try await store.logon(request.thirdParty)?.value.username ?? "?"
                let taxpayer = try await store.taxpayer(request.taxpayer)?.value.legalName ?? "?"
                print(
                    "\(request.confirmationNumber) \(status.rawValue) \(request.channel.rawValue): "
                        + "\(request.thirdParty.rawValue) (\(thirdParty)) asks for taxpayer \(request.taxpayer.rawValue) "
                        + "(\(taxpayer)) \(levelsText(request.accounts)); submitted \(isoTime(request.createdAt)), "
                        + (status == .pending
                            ? "expires \(isoTime(request.expiresAt))"
                            : request.decidedAt.map { "decided \(isoTime($0))" }
                                ?? "expired \(isoTime(request.expiresAt))"))
                shown += 1
            }
            if shown == 0 { print(pending ? "no pending requests" : "no requests") }
        }
    }

    /// `requests decide --confirmation N (--approve --level A1=viewOnly … | --deny) --operator NAME` (RULES X4, X5).
    struct Decide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract: "Record the taxpayer's signed decision on a printed-form request.",
            discussion: "Approving, give each account's level as the taxpayer wrote it — any level, whatever was asked."
        )

        @OptionGroup var options: DatabaseOptions
        @Option(name: .long, help: "The confirmation number printed on the form, d-ddd-ddd-ddd.") var confirmation:
            String
        @Flag(name: .long, help: "The taxpayer approved.") var approve = false
        @Flag(name: .long, help: "The taxpayer denied.") var deny = false
        @Option(
            name: .long,
            help: ArgumentHelp(
                "An account and its level, e.g. A1=viewOnly (repeat for each).",
                valueName: "account=level"))
        var level: [String] = []
        @Option(name: .long, help: "The agency operator recording the decision, for the audit log.") var `operator`:
            String

        func validate() throws {
            guard approve != deny else { throw ValidationError("give exactly one of --approve and --deny") }
            if approve, level.isEmpty {
                throw ValidationError("--approve needs a --level ACCOUNT=LEVEL for each account")
            }
            if deny, !level.isEmpty { throw ValidationError("--deny takes no --level") }
        }

        func run() async throws {
            var levels: [AccountID: AccessLevel] = [:]
            for text in level {
                let (account, value) = try parseAccountLevel(text)
                guard levels.updateValue(value, forKey: account) == nil else {
                    throw CLIError("--level: account \(account.rawValue) given twice")
                }
            }
            let store = try await openStore(at: options.database, .mustExist)
            let access = try await harnessPortal(store: store, options: options).thirdParties
            try await access.recordPrintedDecision(
                confirmationNumber: confirmation, approve: approve, levels: levels, by: `operator`)
            print(
                approve
                    ? "request \(confirmation) approved: \(levelsText(levels))"
                    : "request \(confirmation) denied")
        }
    }
}
