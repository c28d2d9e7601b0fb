import ArgumentParser
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

/// `taxpayer-access`: the reference harness over the library (SNAPSHOT.md).
@main
struct TaxpayerAccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxpayer-access",
        abstract: "Answer access questions, import and export access snapshots (taxpayer-access-snapshot/1).",
        subcommands: [CheckCommand.self, ImportCommand.self, ExportCommand.self])
}

/// The one place a command gets its store: an in-memory store for now; a durable default replaces it later.
func makeStore() async throws -> any AccessStore {
    InMemoryAccessStore()
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

/// A failure reported as one line on standard error.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command body, turning every failure into one line on standard error and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        fail(error.description)
    } catch let error as SnapshotError {
        fail(error.description)
    } catch let error as StoreError {
        fail("store: \(error.message)")
    } catch {
        fail("\(error)")
    }
}

private func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("taxpayer-access: \(message)\n".utf8))
    exit(1)
}
