import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access keys status|rotate|reseal|retire`: the sealing keys of the database (Documentation/Operations.md,
/// Key safety).
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show, rotate, reseal and retire the sealing keys of the database.",
        subcommands: [Status.self, Rotate.self, Reseal.self, Retire.self])

    /// `keys status`: every key the database recorded, whether the key file holds it, and what it still opens.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the recorded keys, which the key file holds, and what each still opens.")
        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let file = try readKeyFile(options.keyFile)
            let usage = try await SealingKeyCheck.usage(in: store, ring: file)
            let registry = try await SealingKeyCheck.registry(in: store)?.value
            func opens(_ id: String?) -> String {
                let u = usage.first { $0.keyID == id }
                return "opens \(u?.mailBodies ?? 0) pending mail, \(u?.authenticatorSecrets ?? 0) authenticator secrets"
            }
            for entry in registry?.keys ?? [] {
                let role =
                    entry.retiredAt != nil
                    ? "retired \(isoTime(entry.retiredAt!))"
                    : entry.id == registry?.currentKeyID ? "current" : "previous"
                let held = file?.key(withID: entry.id) != nil ? "in key file" : "NOT in key file"
                print("\(entry.id)\t\(role)\t\(held)\t\(opens(entry.id))\tsince \(isoTime(entry.registeredAt))")
            }
            for key in file?.keys ?? [] where registry?.keys.contains(where: { $0.id == key.id }) != true {
                print("\(key.id)\tnot recorded\tin key file\t\(opens(key.id))")
            }
            if usage.contains(where: { $0.keyID == nil }) {
                print("unknown key\t\t\t\(opens(nil))")
            }
            if registry == nil && file == nil { print("no sealing key recorded, no key file at \(options.keyFile)") }
        }
    }

    /// `keys rotate`: a new current key; the old ones stay in the file to open what they sealed.
    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a new current key; the old keys stay in the key file to open what they sealed.")
        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let old = try await keyRing(for: store, keyFile: options.keyFile)
            let new = SealingKeyRing(current: SealingKey.generate(using: SecureRandom()), previous: old.keys)
            try replaceKeyFile(options.keyFile, keys: new.keys)
            do {
                try await SealingKeyCheck.verify(new, store: store, clock: SystemTimeSource())
            } catch let error as SealingKeyError {
                throw CLIError("\(options.keyFile): \(error.message)")
            }
            print("key \(new.current.id) seals from now on; \(old.keys.map(\.id).joined(separator: ", ")) kept to open")
            print("back up \(options.keyFile) now: the database cannot be opened without it")
        }
    }

    /// `keys reseal`: everything sealed with an older key sealed again with the current one.
    struct Reseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal again with the current key everything sealed with an older one.")
        @OptionGroup var options: DatabaseOptions

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let ring = try await keyRing(for: store, keyFile: options.keyFile)
            let count = try await SealingKeyCheck.reseal(
                store: store, ring: ring, random: SecureRandom(), clock: SystemTimeSource())
            print("resealed \(count) record\(count == 1 ? "" : "s") with key \(ring.current.id)")
        }
    }

    /// `keys retire ID`: a key nothing needs any more leaves the record and the key file.
    struct Retire: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retire a key nothing sealed needs any more, and drop it from the key file.")
        @OptionGroup var options: DatabaseOptions
        @Argument(help: "The id of the key (from `keys status`).") var id: String

        func run() async throws {
            let store = try await openStore(at: options.database, .mustExist)
            let file = try readKeyFile(options.keyFile)
            do {
                try await SealingKeyCheck.retire(id, store: store, ring: file, clock: SystemTimeSource())
            } catch let error as SealingKeyError {
                throw CLIError(error.message)
            }
            if let file, file.key(withID: id) != nil {
                guard file.current.id != id else { throw CLIError("key \(id) is the key file's current key") }
                try replaceKeyFile(options.keyFile, keys: file.keys.filter { $0.id != id })
                print("key \(id) retired and removed from \(options.keyFile)")
            } else {
                print("key \(id) retired")
            }
        }
    }
}
