import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--database PATH`: the SQLite file a command works on (Documentation/Operations.md, Harness).
struct DatabaseOptions: ParsableArguments {
    /// The file every operator command uses unless told otherwise, in the working directory.
    static let defaultPath = "taxpayer-access.db"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The SQLite database file. Its sealing key is kept beside it as <file>.key.", valueName: "path"))
    var database: String = Self.defaultPath
}

/// Whether a command may create the database file when it does not exist yet.
enum OpenMode {
    /// Create and migrate a new file (commands that write the first records: `import`, `taxpayer add`).
    case createIfMissing
    /// Refuse a missing file, so a mistyped path never leaves an empty database behind.
    case mustExist
}

/// The one place a command gets its store: the SQLite file at `path`.
///
/// - Throws: ``CLIError`` for a missing file under ``OpenMode/mustExist``; ``StoreError`` when SQLite refuses the file
///   (a newer schema, not a database, a folder that is not there).
func openStore(at path: String, _ mode: OpenMode) throws -> any AccessStore {
    if mode == .mustExist, !FileManager.default.fileExists(atPath: path) {
        throw CLIError(
            "no database at \(path) (create one with `taxpayer-access import` or `taxpayer-access taxpayer add`)")
    }
    return try SQLiteAccessStore(path: path)
}

/// The services' context for the harness: the SQLite store, the system clock, the system's CSPRNG, Argon2id at the
/// policy's cost, the MassTaxConnect policy, the development text gateway, and the sealing key kept beside the
/// database (``sealingKey(besideDatabase:)``).
func harnessContext(
    store: any AccessStore, databasePath: String, directory: any TaxpayerDirectory = InMemoryTaxpayerDirectory(),
    policy: Policy = .massTaxConnect
) throws -> ServiceContext {
    ServiceContext(
        store: store, directory: directory, clock: SystemTimeSource(), random: SecureRandom(),
        hasher: Argon2idHasher(cost: policy.hashingCost), policy: policy, texts: DevelopmentTextGateway(),
        secretKey: try sealingKey(besideDatabase: databasePath))
}

/// The 32-byte key that seals authenticator-app secrets and outbox mail bodies at rest, in `<database>.key` (raw bytes, mode 0600). Made
/// with ``SecretBox/generateKey(using:)`` the first time; the same key must stay with the database for ever (a new
/// key cannot open the secrets sealed under the old one).
func sealingKey(besideDatabase databasePath: String) throws -> [UInt8] {
    let path = databasePath + ".key"
    if FileManager.default.fileExists(atPath: path) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the key file \(path)")
        }
        guard data.count == SecretBox.keyByteCount else {
            throw CLIError(
                "\(path) is not a sealing key (\(SecretBox.keyByteCount) bytes expected, found \(data.count))")
        }
        return [UInt8](data)
    }
    let key = SecretBox.generateKey(using: SecureRandom())
    // O_EXCL: two processes starting at once never both write a key; the loser reads the winner's.
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    if descriptor < 0 {
        if errno == EEXIST { return try sealingKey(besideDatabase: databasePath) }
        throw CLIError("cannot create the key file \(path)")
    }
    defer { close(descriptor) }
    let written = key.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == key.count, fsync(descriptor) == 0 else { throw CLIError("cannot write the key file \(path)") }
    return key
}

/// The development text gateway: prints each text message on standard output instead of sending it (RULES A3 by
/// text, on one machine). Never use it where the output is seen by anyone but the phone's owner.
struct DevelopmentTextGateway: TextMessenger {
    func send(_ text: OutgoingText) async throws {
        print("[development text gateway: text message to \(text.to.masked), not sent] \(text.body)")
    }
}

/// Reads and validates a snapshot file.
func loadSnapshot(_ path: String) throws -> AccessSnapshot {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
        throw CLIError("cannot read \(path)")
    }
    do {
        return try AccessSnapshot.decode(from: data)
    } catch let error as SnapshotError {
        throw CLIError("\(path): \(error)")
    }
}

/// Ends the process with `status` (the C library's `exit`, out of reach of `ParsableCommand.exit` inside a command).
func terminate(_ status: Int32) -> Never {
    exit(status)
}

/// A failure reported as one line on standard error.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A time as operators read and write it: ISO 8601 in UTC with milliseconds (`2026-01-31T09:30:00.000Z`).
func isoTime(_ date: Date) -> String {
    date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}

/// Parses an ISO 8601 time, with or without fractional seconds (`2026-01-31T09:30:00Z`).
func parseISOTime(_ text: String) -> Date? {
    (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
        ?? (try? Date.ISO8601FormatStyle().parse(text))
}

/// `A1=viewOnly` → (A1, View Only); the level by its JSON name (SNAPSHOT.md), `none` included.
func parseAccountLevel(_ text: String) throws -> (AccountID, AccessLevel) {
    let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
    guard parts.count == 2, !parts[0].isEmpty else {
        throw CLIError("--level \(text): expected ACCOUNT=LEVEL, e.g. A1=viewOnly")
    }
    guard let level = AccessLevel(name: String(parts[1])) else {
        throw CLIError(
            "--level \(text): unknown level \"\(parts[1])\" (expected viewOnly, fileAndPay, allAccess or none)")
    }
    return (AccountID(String(parts[0])), level)
}

/// `A1=viewOnly A2=fileAndPay`, sorted by account id.
func levelsText(_ levels: [AccountID: AccessLevel]) -> String {
    levels.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value.name)" }.joined(separator: " ")
}
