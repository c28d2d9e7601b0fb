import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access taxpayer add|list`: the agency's taxpayer master data (RULES T1, T3, T4).
struct TaxpayerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxpayer", abstract: "Add and list taxpayers.",
        subcommands: [Add.self, List.self, TaxpayerReturnCommand.self, TaxpayerLetterCommand.self])

    /// `taxpayer add`: loads (inserts or updates) a taxpayer through ``AgencyAdministration`` (RULES T1, T3).
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract: "Add a taxpayer, or update one with the same id (the database is created if missing).")

        @OptionGroup var options: DatabaseOptions
        @Option(name: .long, help: "The taxpayer's id in the library, e.g. T1.") var id: String
        @Option(name: .long, help: "SSN, ITIN or FEIN.") var idType: String
        @Option(name: .long, help: "The nine digits of the ID (dashes allowed).") var idNumber: String
        @Option(name: .long, help: "The legal name.") var legalName: String
        @Option(name: .long, help: "individual, business, fiduciary, trust, partnership or estate.") var kind: String
        @Option(name: .long, help: "The agency operator doing this, for the audit log.") var `operator` =
            "taxpayer-access"

        func run() async throws {
            guard let type = IDType(rawValue: idType.uppercased()) else {
                throw CLIError("--id-type \(idType): expected SSN, ITIN or FEIN")
            }
            guard let kind = TaxpayerKind(rawValue: kind) else {
                throw CLIError(
                    "--kind \(kind): expected " + TaxpayerKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let taxID = try Policy.validateTaxIdentifier(type: type, number: idNumber)
            let store = try await openStore(at: options.database, .createIfMissing)
            let agency = try await harnessPortal(store: store, options: options).agency
            let taxpayer = Taxpayer(id: TaxpayerID(id), taxID: taxID, legalName: legalName, kind: kind)
            try await agency.load(DirectoryEntry(taxpayer: taxpayer, accounts: []), by: `operator`)
            print("taxpayer \(id) \(taxID) \"\(legalName)\" (\(kind.rawValue)) loaded")
        }
    }

    /// `taxpayer list`: one line per taxpayer with its accounts; ID numbers masked (RULES T4).
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the taxpayers and their accounts (ID numbers masked).")

        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let taxpayers = try await store.records(ofKind: .taxpayer).compactMap { $0.taxpayer?.value }
            if taxpayers.isEmpty { print("no taxpayers in \(options.databaseName)") }
            for taxpayer in taxpayers {
                let accounts = try await store.accounts(of: taxpayer.id).map(\.value).sorted { $0.id < $1.id }
                let listed =
                    accounts.isEmpty
                    ? "no accounts"
                    : accounts.map { "\($0.id.rawValue) \($0.type) \($0.status.rawValue)" }.joined(separator: ", ")
                print(
                    "\(taxpayer.id.rawValue) \(taxpayer.taxID) \"\(taxpayer.legalName)\" \(taxpayer.kind.rawValue): \(listed)"
                )
            }
        }
    }
}

/// `taxpayer-access account add`: a tax account of a taxpayer, through ``AgencyAdministration`` (RULES T2).
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account", abstract: "Add tax accounts.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add an account to a taxpayer, or change the status of one it has.")

        @OptionGroup var options: DatabaseOptions
        @Option(name: .long, help: "The taxpayer's id, e.g. T1.") var taxpayer: String
        @Option(name: .long, help: "The account's id, e.g. A1.") var id: String
        @Option(name: .long, help: "The account type, a camelCase name: personalIncome, withholding, salesAndUse, …")
        var type: String
        @Option(name: .long, help: "active or closed.") var status = "active"
        @Option(name: .long, help: "The agency operator doing this, for the audit log.") var `operator` =
            "taxpayer-access"

        func run() async throws {
            guard let status = AccountStatus(rawValue: status) else {
                throw CLIError("--status \(status): expected active or closed")
            }
            let store = try await openStore(at: options.database, .mustExist)
            guard let owner = try await store.taxpayer(TaxpayerID(taxpayer))?.value else {
                throw CLIError("unknown taxpayer \(taxpayer)")
            }
            let agency = try await harnessPortal(store: store, options: options).agency
            let account = TaxAccount(id: AccountID(id), taxpayer: owner.id, type: AccountType(type), status: status)
            try await agency.load(DirectoryEntry(taxpayer: owner, accounts: [account]), by: `operator`)
            print("account \(id) \(type) \(status.rawValue) of taxpayer \(taxpayer) loaded")
        }
    }
}
