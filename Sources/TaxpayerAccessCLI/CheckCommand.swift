import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access check --snapshot FILE`: answers JSON Lines questions from standard input (SNAPSHOT.md).
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Answer access questions read as JSON Lines on standard input, one answer line per question.")

    @Option(name: .long, help: "The snapshot document to answer from.")
    var snapshot: String

    func run() async throws {
        try await reportingErrors {
            let resolver = AccessResolver(snapshot: try loadSnapshot(snapshot))
            let answerer = QuestionAnswerer(resolver: resolver)
            let output = FileHandle.standardOutput
            while let line = readLine(strippingNewline: true) {
                guard let answer = answerer.answer(line) else { continue }
                output.write(Data((answer + "\n").utf8))
            }
        }
    }
}
