import ArgumentParser
import Foundation
import TaxpayerAccess

/// The file beside the database that holds the agency's proofing facts — filed returns and sign-up letters (RULES
/// R2) — which the store does not keep: `<database>.directory.json`.
/// Beside a database file; for a `postgres://` URL (which may hold a password) in the working directory, never a path
/// built from the URL.
func directoryFactsPath(_ database: String) -> String {
    isDatabaseURL(database) ? "taxpayer-access.directory.json" : database + ".directory.json"
}

/// The proofing facts of the agency's extract, by taxpayer id: filed returns and sign-up letters.
struct DirectoryFacts: Codable, Sendable, Equatable {
    var returns: [String: [FiledReturn]] = [:]
    var letters: [String: [SignUpLetter]] = [:]

    static func read(_ path: String) throws -> DirectoryFacts {
        guard FileManager.default.fileExists(atPath: path) else { return DirectoryFacts() }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(DirectoryFacts.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw CLIError("\(path) is not a directory facts file")
        }
    }

    func write(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path)")
        }
    }
}

/// The harness's taxpayer directory, kept in the database (RULES T3): taxpayers and accounts as `taxpayer add` and
/// `account add` loaded them into the store, and the proofing facts of ``DirectoryFacts`` (`taxpayer return`,
/// `taxpayer letter`), so that self-registration works against a database the operator built. The facts file is read
/// at each lookup: a fact added while `serve` runs counts at once.
struct StoreTaxpayerDirectory: TaxpayerDirectory {
    let store: any AccessStore
    let factsFile: String

    // RULES R3, L4: a known and an unknown ID number cost the same work — the same store reads (an unknown taxpayer's
    // accounts are read under an id that holds none) and one read of the facts file each — so an attacker timing a
    // registration preview cannot tell whether an ID is on file.

    func entry(for taxID: TaxIdentifier) async throws -> DirectoryEntry? {
        let taxpayer = try await store.taxpayer(byTaxID: taxID)?.value
        let accounts = try await store.accounts(of: taxpayer?.id ?? TaxpayerID("\u{0}no-such-taxpayer")).map(\.value)
        return taxpayer.map { DirectoryEntry(taxpayer: $0, accounts: accounts) }
    }

    func filedReturns(for taxID: TaxIdentifier, accountType: AccountType) async throws -> [FiledReturn] {
        let entry = try await entry(for: taxID)
        let facts = try DirectoryFacts.read(factsFile)
        guard let entry else { return [] }
        let accounts = Set(entry.accounts.filter { $0.type == accountType }.map(\.id))
        let returns = facts.returns[entry.taxpayer.id.rawValue] ?? []
        return Array(returns.filter { accounts.contains($0.account) }.sorted { $0.filedAt > $1.filedAt }.prefix(3))
    }

    func signUpLetters(for taxID: TaxIdentifier) async throws -> [SignUpLetter] {
        let entry = try await entry(for: taxID)
        let facts = try DirectoryFacts.read(factsFile)
        guard let entry else { return [] }
        return facts.letters[entry.taxpayer.id.rawValue] ?? []
    }
}

/// `taxpayer return`: records a filed return of a taxpayer's account, a fact an applicant may prove (RULES R2).
struct TaxpayerReturnCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "return", abstract: "Record a filed return (a proofing fact for self-registration).")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "The taxpayer's id, e.g. T1.") var taxpayer: String
    @Option(name: .long, help: "The account's id, e.g. A1.") var account: String
    @Option(name: .long, help: "The tax period, e.g. 2025.") var period: String
    @Option(name: .customLong("amount-due"), help: "The amount due, e.g. 1234.56.") var amountDue = "0"
    @Option(name: .long, help: "The refund, e.g. 310.00.") var refund = "0"
    @Option(name: .customLong("filed-at"), help: "When it was filed (ISO 8601; default: now).") var filedAt: String?

    func run() async throws {
        guard let due = Cents(parsing: amountDue) else { throw CLIError("--amount-due \(amountDue): not an amount") }
        guard let refunded = Cents(parsing: refund) else { throw CLIError("--refund \(refund): not an amount") }
        let date =
            try filedAt.map { text in
                guard let date = parseISOTime(text) else { throw CLIError("--filed-at \(text): not an ISO 8601 time") }
                return date
            } ?? Date()
        let store = try await openStore(at: options.database, .mustExist)
        guard let owner = try await store.taxpayer(TaxpayerID(taxpayer))?.value else {
            throw CLIError("unknown taxpayer \(taxpayer)")
        }
        guard try await store.accounts(of: owner.id).contains(where: { $0.value.id == AccountID(account) }) else {
            throw CLIError("taxpayer \(taxpayer) has no account \(account) (add it with `account add`)")
        }
        let path = directoryFactsPath(options.database)
        var facts = try DirectoryFacts.read(path)
        facts.returns[taxpayer, default: []].append(
            FiledReturn(account: AccountID(account), period: period, filedAt: date, amountDue: due, refund: refunded))
        try facts.write(path)
        print("return \(period) of account \(account) of taxpayer \(taxpayer) recorded in \(path)")
    }
}

/// `taxpayer letter`: records a sign-up letter the agency sent, whose letter ID an applicant may prove (RULES R2).
struct TaxpayerLetterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "letter", abstract: "Record a sign-up letter (a proofing fact for self-registration).")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "The taxpayer's id, e.g. T1.") var taxpayer: String
    @Option(name: .long, help: "The account's id, e.g. A1.") var account: String
    @Option(name: .customLong("letter-id"), help: "The letter's ID.") var letterID: String

    func run() async throws {
        let store = try await openStore(at: options.database, .mustExist)
        guard try await store.taxpayer(TaxpayerID(taxpayer)) != nil else {
            throw CLIError("unknown taxpayer \(taxpayer)")
        }
        let path = directoryFactsPath(options.database)
        var facts = try DirectoryFacts.read(path)
        facts.letters[taxpayer, default: []].append(
            SignUpLetter(letterID: letterID, account: AccountID(account), sentAt: Date()))
        try facts.write(path)
        print("letter of account \(account) of taxpayer \(taxpayer) recorded in \(path)")
    }
}
