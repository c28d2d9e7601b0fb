public import TaxpayerAccess
import Synchronization

/// A `TaxpayerDirectory` seeded from values: the agency's system of record for tests, examples and the demo.
///
/// ```swift
/// let directory = InMemoryTaxpayerDirectory()
/// directory.add(entry, returns: [filedReturn], letters: [letter])
/// ```
public final class InMemoryTaxpayerDirectory: TaxpayerDirectory {
    struct Facts {
        var entry: DirectoryEntry
        var returns: [FiledReturn]
        var letters: [SignUpLetter]
    }

    private let facts = Mutex<[TaxIdentifier: Facts]>([:])

    public init() {}

    /// Adds or replaces a taxpayer with its accounts, filed returns and sign-up letters.
    public func add(_ entry: DirectoryEntry, returns: [FiledReturn] = [], letters: [SignUpLetter] = []) {
        facts.withLock { $0[entry.taxpayer.taxID] = Facts(entry: entry, returns: returns, letters: letters) }
    }

    /// Every entry, ordered by taxpayer id.
    public var entries: [DirectoryEntry] {
        facts.withLock { $0.values.map(\.entry) }.sorted { $0.taxpayer.id < $1.taxpayer.id }
    }

    public func entry(for taxID: TaxIdentifier) async throws -> DirectoryEntry? {
        facts.withLock { $0[taxID]?.entry }
    }

    public func filedReturns(for taxID: TaxIdentifier, accountType: AccountType) async throws -> [FiledReturn] {
        facts.withLock { all in
            guard let f = all[taxID] else { return [] }
            let accounts = Set(f.entry.accounts.filter { $0.type == accountType }.map(\.id))
            return Array(
                f.returns.filter { accounts.contains($0.account) }.sorted { $0.filedAt > $1.filedAt }.prefix(3))
        }
    }

    public func signUpLetters(for taxID: TaxIdentifier) async throws -> [SignUpLetter] {
        facts.withLock { $0[taxID]?.letters ?? [] }
    }
}
