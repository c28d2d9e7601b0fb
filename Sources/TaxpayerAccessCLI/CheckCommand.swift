import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access check [--snapshot FILE | --follow [--interval MS]]`: answers JSON Lines questions from standard
/// input (SnapshotFormat.md), from a snapshot document or, without one, from the database; with `--follow` the
/// answers stay current with every process's commits until standard input ends.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Answer access questions read as JSON Lines on standard input, one answer line per question.",
        discussion: """
            With --snapshot the answers come from that document; without it, from the database as it was when the \
            command started. With --follow the command keeps following the database's change feed while it reads \
            (Portal.follow: on PostgreSQL every commit of any process wakes it, and it polls every --interval), so \
            each answer reflects the other processes' changes too.
            """)

    @OptionGroup var options: DatabaseOptions

    @Option(name: .long, help: "A snapshot document to answer from instead of the database.")
    var snapshot: String?

    @Flag(name: .long, help: "Keep the answers current with the database's changes, other processes' included.")
    var follow = false

    @Option(name: .long, help: "With --follow: how often to poll the feed, in milliseconds.")
    var interval = 1000

    func validate() throws {
        if follow, snapshot != nil { throw ValidationError("--follow answers from the database; drop --snapshot") }
        if interval < 10 { throw ValidationError("--interval must be at least 10 milliseconds") }
    }

    func run() async throws {
        if follow { return try await runFollowing() }
        let resolver: AccessResolver
        if let snapshot {
            resolver = AccessResolver(snapshot: try loadSnapshot(snapshot))
        } else {
            resolver = try await AccessResolver.load(from: try await openStore(at: options.database, .mustExist))
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

    /// A portal on the database whose resolver follows the feed while the questions are read on a thread of their own
    /// (a blocking read never holds up the follower).
    private func runFollowing() async throws {
        let store = try await openStore(at: options.database, .mustExist)
        let portal = try await harnessPortal(store: store, options: options)
        let follower = Task { [interval] in try await portal.follow(every: .milliseconds(interval)) }
        defer { follower.cancel() }
        let answerer = QuestionAnswerer(resolver: portal.resolver)
        let output = FileHandle.standardOutput
        for await line in standardInputLines() {
            guard let answer = answerer.answer(line) else { continue }
            output.write(Data((answer + "\n").utf8))
        }
    }
}

/// The lines of standard input, read on a thread of its own; the stream ends with the input.
func standardInputLines() -> AsyncStream<String> {
    AsyncStream { continuation in
        let reader = Thread {
            while let line = readLine(strippingNewline: true) { continuation.yield(line) }
            continuation.finish()
        }
        reader.start()
    }
}
