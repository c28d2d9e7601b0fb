import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

/// `taxpayer-access demo`: plays the story of the source documents end to end on a fresh SQLite file, printing each
/// step (DemoStory).
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Play the whole story end to end on a fresh demo database, printing each step.",
        discussion: """
            The demo database (default taxpayer-access-demo.db in the working directory) and its .key file are \
            deleted and created again at every run; its mail is delivered as .eml files into demo-mail/ beside it. \
            Passwords are hashed with Argon2id at the MassTaxConnect cost, so the demo takes a few seconds.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The demo's own SQLite file, deleted and created again at every run; or an empty PostgreSQL database's "
                + "postgres:// URL (a build with the PostgreSQL trait; the key is then taxpayer-access-demo.key).",
            valueName: "path-or-url"))
    var database = "taxpayer-access-demo.db"

    func run() async throws {
        if isDatabaseURL(database) { return try await runOnPostgreSQL() }
        let file = URL(fileURLWithPath: database)
        guard file.lastPathComponent != DatabaseOptions.defaultPath else {
            throw CLIError("the demo will not overwrite the operators' database \(database); give it another file")
        }
        for suffix in ["", "-wal", "-shm", ".key"] where FileManager.default.fileExists(atPath: database + suffix) {
            do {
                try FileManager.default.removeItem(atPath: database + suffix)
            } catch {
                throw CLIError("cannot remove the old demo database \(database + suffix)")
            }
        }
        let mailFolder = file.deletingLastPathComponent().appendingPathComponent("demo-mail")
        // Only the demo's own earlier mail goes: the .eml files in demo-mail/.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: mailFolder.path)) ?? []
        where name.hasSuffix(".eml") {
            try? FileManager.default.removeItem(at: mailFolder.appendingPathComponent(name))
        }
        let store = try await openStore(at: database, .createIfMissing)
        let directory = DemoStory.systemOfRecord(now: Date())
        let keys = try await keyRing(for: store, keyFile: database + ".key")
        let portal = try await harnessPortal(store: store, keys: keys, directory: directory)
        try await DemoStory(
            portal: portal, box: keys.box, directory: directory, databasePath: database, mailFolder: mailFolder.path
        ).play()
    }

    /// The story on a PostgreSQL database, which must be empty (the demo never drops anyone's tables): its key file
    /// and mail in the working directory.
    private func runOnPostgreSQL() async throws {
        let store = try await openStore(at: database, .createIfMissing)
        guard try await store.lastSequence() == 0 else {
            throw CLIError(
                "the demo needs an empty database, and \(displayName(ofDatabase: database)) holds changes: "
                    + "give it a new one (createdb)")
        }
        let keyFile = "taxpayer-access-demo.key"
        if FileManager.default.fileExists(atPath: keyFile) {
            do {
                try FileManager.default.removeItem(atPath: keyFile)
            } catch {
                throw CLIError("cannot remove the old demo key file \(keyFile)")
            }
        }
        let mailFolder = URL(fileURLWithPath: "demo-mail")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: mailFolder.path)) ?? []
        where name.hasSuffix(".eml") {
            try? FileManager.default.removeItem(at: mailFolder.appendingPathComponent(name))
        }
        let directory = DemoStory.systemOfRecord(now: Date())
        let keys = try await keyRing(for: store, keyFile: keyFile)
        let portal = try await harnessPortal(store: store, keys: keys, directory: directory)
        try await DemoStory(
            portal: portal, box: keys.box, directory: directory, databasePath: displayName(ofDatabase: database),
            mailFolder: mailFolder.path, storeKind: "PostgreSQL", keyFile: keyFile
        ).play()
    }
}
