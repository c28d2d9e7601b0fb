import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access check [--snapshot FILE]`: answers JSON Lines questions from standard input (SnapshotFormat.md), from a
/// snapshot document or, without one, from the database.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Answer access questions read as JSON Lines on standard input, one answer line per question.",
        discussion: "With --snapshot the answers come from that document; without it, from the database.")

    @OptionGroup var options: DatabaseOptions

    @Option(name: .long, help: "A snapshot document to answer from instead of the database.")
    var snapshot: String?

    func run() async throws {
        let resolver: AccessResolver
        if let snapshot {
            resolver = AccessResolver(snapshot: try loadSnapshot(snapshot))
        } else {
            resolver = try await AccessResolver.load(from: try openStore(at: options.database, .mustExist))
        }
        let answerer = QuestionAnswerer(resolver: resolver)
        let output = FileHandle.standardOutput
        var number = 0
        while let line = readLine(strippingNewline: true) {
            number += 1
            guard let answer = answerer.answer(line, number: number) else { continue }
            output.write(Data((answer + "\n").utf8))
        }
    }
}
