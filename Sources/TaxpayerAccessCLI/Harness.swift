import ArgumentParser
import Configuration
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--database PATH|URL [--key-file PATH] [--config FILE]`: the SQLite file or PostgreSQL database a command works on,
/// its sealing keys, and the settings file (Documentation/Operations.md, Settings).
///
/// The two settings here, and the others a command reads (``HarnessSettings``), come from the command line, else the
/// environment (`TAXPAYER_ACCESS_DATABASE`, `TAXPAYER_ACCESS_KEY_FILE`, …), else the settings file; a bad one stops
/// the command before anything is opened, naming the setting.
struct DatabaseOptions: ParsableArguments {
    /// The file every operator command uses unless told otherwise, in the working directory.
    static let defaultPath = "taxpayer-access.db"
    /// The key file of a PostgreSQL database unless told otherwise, in the working directory.
    static let defaultURLKeyFile = "taxpayer-access.key"

    @Option(
        name: .customLong("database"),
        help: ArgumentHelp(
            "The SQLite database file, or a postgres:// URL (a build with the PostgreSQL trait). A file's sealing keys "
                + "are kept beside it as <file>.key, a URL's in \(Self.defaultURLKeyFile). Setting `database` "
                + "(default \(Self.defaultPath)).",
            valueName: "path-or-url"))
    var databaseOption: String?

    @Option(
        name: .customLong("key-file"),
        help: ArgumentHelp(
            "The sealing key file (default: <database>.key, or \(Self.defaultURLKeyFile) for a URL): 32 bytes per key, "
                + "the current key first. Setting `keyFile`.",
            valueName: "path"))
    var keyFileOption: String?

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A JSON settings file (default: $TAXPAYER_ACCESS_CONFIG, else none); the command line and the environment "
                + "override it.",
            valueName: "path"))
    var configFile: String?

    /// The database: the `database` setting (resolved by ``validate()``).
    var database: String { databaseOption ?? Self.defaultPath }

    /// The key file: the `keyFile` setting, else `<database>.key` (a URL: `taxpayer-access.key`).
    var keyFile: String {
        keyFileOption ?? (isDatabaseURL(database) ? Self.defaultURLKeyFile : database + ".key")
    }

    /// The database as it may be printed: a URL without its password.
    var databaseName: String { displayName(ofDatabase: database) }

    /// Reads the settings once the command line is parsed, so a bad one stops the command before it opens anything,
    /// and fixes the database and key file to what they say.
    mutating func validate() throws {
        let settings = try settings()
        databaseOption = settings.database
        keyFileOption = settings.keyFile
    }

    /// The settings, with what the command line gave (these options and a command's `extra`) first.
    ///
    /// - Throws: ``SettingsError`` naming the setting at fault.
    func settings(_ extra: [String: ConfigContent] = [:]) throws(SettingsError) -> HarnessSettings {
        var arguments = extra
        if let databaseOption { arguments["database"] = .string(databaseOption) }
        if let keyFileOption { arguments["keyFile"] = .string(keyFileOption) }
        return try HarnessSettings(arguments: arguments, configFile: configFile)
    }
}

/// Whether `--database` names a PostgreSQL database (`postgres://…` or `postgresql://…`) rather than a file.
func isDatabaseURL(_ location: String) -> Bool {
    location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
}

/// A database location as it may be printed: a URL's password replaced by `***`, a path as it is.
func displayName(ofDatabase location: String) -> String {
    guard isDatabaseURL(location), var parts = URLComponents(string: location), parts.password != nil else {
        return location
    }
    parts.password = "***"
    return parts.string ?? "a postgres:// URL"
}

/// Whether a command may create the database file when it does not exist yet.
enum OpenMode {
    /// Create and migrate a new file (commands that write the first records: `import`, `taxpayer add`).
    case createIfMissing
    /// Refuse a missing file, so a mistyped path never leaves an empty database behind.
    case mustExist
}

/// The one place a command gets its store: the SQLite file at `path`, or the PostgreSQL database of a `postgres://`
/// URL (which must exist; its tables are made on the first connection, whatever `mode` says).
///
/// - Throws: ``CLIError`` for a missing file under ``OpenMode/mustExist``, or for a URL in a build without the
///   `PostgreSQL` trait; ``StoreError`` when the database refuses (a newer schema, not a database, a folder that is
///   not there, a server that cannot be reached).
func openStore(at path: String, _ mode: OpenMode) async throws -> any AccessStore {
    if isDatabaseURL(path) { return try await openPostgresStore(url: path) }
    if mode == .mustExist, !FileManager.default.fileExists(atPath: path) {
        throw CLIError(
            "no database at \(path) (create one with `taxpayer-access import` or `taxpayer-access taxpayer add`)")
    }
    return try SQLiteAccessStore(path: path)
}

/// The portal of the harness: the store, the system clock, the system's CSPRNG, Argon2id at the policy's cost, the
/// development text gateway, and the command's settings — the policy (default MassTaxConnect), the links
/// (`portal.url`, default `https://portal.example.gov`), and the sealing keys of the key file, checked against the
/// store (``keyRing(for:keyFile:)``). Its mail is delivered by `deliver-mail`, not by the portal's own worker.
func harnessPortal(store: any AccessStore, options: DatabaseOptions) async throws -> Portal {
    let settings = try options.settings()
    return try await harnessPortal(
        store: store, keys: try await keyRing(for: store, keyFile: options.keyFile), policy: settings.policy,
        links: settings.links(defaultPortalURL: "https://portal.example.gov"))
}

/// The harness's portal over keys already read (``keyRing(for:keyFile:)``).
func harnessPortal(
    store: any AccessStore, keys: SealingKeyRing, directory: any TaxpayerDirectory = InMemoryTaxpayerDirectory(),
    policy: Policy = .massTaxConnect, links: LinkShapes = .standard(portalURL: "https://portal.example.gov")
) async throws -> Portal {
    try await Portal.open(
        store: store, directory: directory, mailer: DeliverMailSeparately(), texts: DevelopmentTextGateway(),
        keys: keys, policy: policy, links: links)
}

/// The harness's portal mailer: the harness delivers the outbox with `taxpayer-access deliver-mail`.
struct DeliverMailSeparately: Mailer {
    func send(_ mail: OutgoingMail) async throws {
        throw CLIError("the harness delivers mail with `taxpayer-access deliver-mail`")
    }
}

/// The sealing keys of `keyFile`, checked against what the store recorded (``SealingKeyCheck/verify(_:store:clock:)``).
///
/// The file holds raw keys of 32 bytes each, the current one first, mode 0600. When it is missing, a new key is made
/// only if the store has recorded none and holds nothing sealed (a new database); otherwise the command refuses,
/// naming the file: a new key could never open what the old one sealed, so it is never made silently.
///
/// - Throws: ``CLIError`` naming the key file and what to do.
func keyRing(for store: any AccessStore, keyFile: String) async throws -> SealingKeyRing {
    let clock = SystemTimeSource()
    if let ring = try readKeyFile(keyFile) {
        do {
            try await SealingKeyCheck.verify(ring, store: store, clock: clock)
        } catch let error as SealingKeyError {
            throw CLIError("\(keyFile): \(error.message)")
        }
        return ring
    }
    switch try await SealingKeyCheck.requirement(of: store) {
    case .none: break
    case .recordedKeys(let ids):
        throw CLIError(
            "the key file \(keyFile) is missing, and the database holds data sealed with key "
                + "\(ids.joined(separator: ", ")): put back the key file kept with the database (or name it with "
                + "--key-file); no new key was made, as it could not open what is sealed")
    case .unrecordedSealedData(let count):
        throw CLIError(
            "the key file \(keyFile) is missing, and the database holds \(count) sealed value\(count == 1 ? "" : "s"): "
                + "put back the key file kept with the database (or name it with --key-file); no new key was made, "
                + "as it could not open what is sealed")
    }
    let key = SealingKey.generate(using: SecureRandom())
    do {
        try writeNewKeyFile(keyFile, keys: [key])
    } catch {
        // Another process made it first: use that one.
        if FileManager.default.fileExists(atPath: keyFile) { return try await keyRing(for: store, keyFile: keyFile) }
        throw error
    }
    do {
        try await SealingKeyCheck.verify(SealingKeyRing(current: key), store: store, clock: clock)
    } catch let error as SealingKeyError {
        throw CLIError("\(keyFile): \(error.message)")
    }
    return SealingKeyRing(current: key)
}

/// The keys of a key file, the current first; `nil` when there is no file.
///
/// - Throws: ``CLIError`` when it cannot be read or is not whole keys.
func readKeyFile(_ path: String) throws -> SealingKeyRing? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIError("cannot read the key file \(path)")
    }
    let size = SealingKey.byteCount
    guard !data.isEmpty, data.count % size == 0 else {
        throw CLIError(
            "\(path) is not a sealing key file (whole keys of \(size) bytes expected, found \(data.count) bytes)")
    }
    let bytes = [UInt8](data)
    let keys = try stride(from: 0, to: bytes.count, by: size).map { try SealingKey(Array(bytes[$0..<$0 + size])) }
    return SealingKeyRing(current: keys[0], previous: Array(keys.dropFirst()))
}

/// Writes a key file that must not exist yet (O_EXCL: two processes starting at once never both write one).
func writeNewKeyFile(_ path: String, keys: [SealingKey]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
    guard descriptor >= 0 else { throw CLIError("cannot create the key file \(path)") }
    defer { close(descriptor) }
    let bytes = keys.flatMap(\.rawBytes)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count, fsync(descriptor) == 0 else { throw CLIError("cannot write the key file \(path)") }
}

/// Replaces a key file in one step: a new file beside it (mode 0600, synced), renamed over it, the folder synced. A
/// crash leaves the old file or the new one, never half of one.
func replaceKeyFile(_ path: String, keys: [SealingKey]) throws {
    let temporary = path + ".new"
    if FileManager.default.fileExists(atPath: temporary) { try? FileManager.default.removeItem(atPath: temporary) }
    try writeNewKeyFile(temporary, keys: keys)
    guard rename(temporary, path) == 0 else { throw CLIError("cannot replace the key file \(path)") }
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    let directory = open(folder, O_RDONLY)
    if directory >= 0 {
        _ = fsync(directory)
        close(directory)
    }
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

/// `A1=viewOnly` → (A1, View Only); the level by its JSON name (SnapshotFormat.md), `none` included.
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
    levelsText(AccountLevels(levels))
}

/// `A90=fileAndPay A91=viewOnly`: the levels in account id byte order.
func levelsText(_ levels: AccountLevels) -> String {
    levels.map { "\($0.account.rawValue)=\($0.level.name)" }.joined(separator: " ")
}
