import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessSQLite
import TaxpayerAccessTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash safety: a child process commits in a loop and is killed with SIGKILL at random moments; after each kill the
/// file shows every commit the child reported done, none partially, and a change feed without gaps.
@Suite("SQLiteAccessStore crash safety")
struct CrashTests {
    static let kills = 60

    @Test("SIGKILL at random moments loses no reported commit and leaves no partial one")
    func killedChildLosesNothing() async throws {
        let child = try Self.childExecutable()
        let folder = try TemporaryDirectory()
        let path = folder.path("crash.sqlite")
        var random = SplitMix64(seed: 0x5eed_c0de)
        var reported: [(sequence: UInt64, name: String)] = []
        for run in 1...Self.kills {
            // How many commits to wait for before the kill; 0 kills it while it opens (and, first, migrates).
            let wait = Int(random.next() % 8)
            let lines = try Self.runAndKill(child, path: path, tag: "r\(run)", afterLines: wait)
            reported += lines
            try await Self.verify(path: path, reported: reported, run: run)
        }
        #expect(reported.count >= Self.kills, "the children reported commits (got \(reported.count))")
    }

    /// Starts the child, reads until it reported `afterLines` commits, kills it with SIGKILL, and returns every commit
    /// it reported, including lines written between the last read and the kill.
    static func runAndKill(_ child: URL, path: String, tag: String, afterLines: Int) throws -> [(
        sequence: UInt64, name: String
    )] {
        let process = Process()
        process.executableURL = child
        process.arguments = [path, tag]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var buffer = Data()
        func completeLines() -> Int { buffer.filter { $0 == UInt8(ascii: "\n") }.count }
        while completeLines() < afterLines {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // The child ended on its own: reported below.
            buffer += chunk
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        buffer += output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationReason == .uncaughtSignal, process.terminationStatus == SIGKILL else {
            throw CrashTestFailure(
                message: "the child \(tag) ended by itself (\(process.terminationStatus)): \(stderr)")
        }
        // A line counts only once complete: the child writes each with one write(2), so a line is never torn.
        let text = String(decoding: buffer, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let sequence = UInt64(parts[0]) else { return nil }
            return (sequence, String(parts[1]))
        }
    }

    /// Reopens the file and checks it against what the children reported.
    static func verify(path: String, reported: [(sequence: UInt64, name: String)], run: Int) async throws {
        let store = try SQLiteAccessStore(path: path)
        let last = try await store.lastSequence()
        // The feed: 1…N, no gaps, one entry per commit.
        var feed: [Change] = []
        while true {
            let page = try await store.changes(after: feed.last?.sequence ?? 0, limit: 500)
            if page.isEmpty { break }
            feed += page
        }
        #expect(
            feed.map(\.sequence) == (0..<last).map { $0 + 1 },
            "run \(run): the feed is 1…\(last) without gaps")
        // Every reported commit is there, with all it wrote.
        #expect(reported.last.map { $0.sequence <= last } ?? true, "run \(run): a reported sequence is beyond the feed")
        for (sequence, name) in reported {
            guard sequence >= 1, sequence <= UInt64(feed.count) else {
                Issue.record("run \(run): reported commit \(sequence) \(name) is missing from the feed")
                continue
            }
            let keys = Set(feed[Int(sequence) - 1].written.map(\.value.key))
            #expect(keys == Self.keys(of: name), "run \(run): commit \(sequence) wrote \(keys)")
            #expect(try await store.taxpayer(TaxpayerID("T-\(name)")) != nil, "run \(run): T-\(name) is missing")
            #expect(try await store.accounts(of: TaxpayerID("T-\(name)")).count == 2, "run \(run): accounts of \(name)")
            #expect(try await store.mail(MailID("M-\(name)")) != nil, "run \(run): the mail of \(name) is missing")
        }
        // All or nothing: every commit in the feed left exactly its three records, one mail and one audit event,
        // and the counter record moved once per commit.
        let n = Int(last)
        #expect(try await store.records(ofKind: .taxpayer).count == n + (n > 0 ? 1 : 0), "run \(run): taxpayers")
        #expect(try await store.records(ofKind: .account).count == 2 * n, "run \(run): accounts")
        #expect(try await store.records(ofKind: .mail).count == n, "run \(run): mails")
        #expect(try await store.allAuditEvents().count == n, "run \(run): audit events")
        #expect(try await store.taxpayer("T0")?.version ?? 0 == n, "run \(run): the counter record")
        for change in feed {
            let name =
                change.written.compactMap { versioned -> String? in
                    guard case .mail(let mail) = versioned.value else { return nil }
                    return String(mail.id.rawValue.dropFirst(2))
                }.first ?? "?"
            #expect(
                Set(change.written.map(\.value.key)) == Self.keys(of: name), "run \(run): change \(change.sequence)")
        }
        // The sequences reported are distinct and increasing.
        #expect(
            reported.map(\.sequence) == reported.map(\.sequence).sorted()
                && Set(reported.map(\.sequence)).count == reported.count)
    }

    static func keys(of name: String) -> Set<RecordKey> {
        [
            RecordKey(.taxpayer, "T0"), RecordKey(.taxpayer, "T-\(name)"), RecordKey(.account, "A-\(name)-1"),
            RecordKey(.account, "A-\(name)-2"), RecordKey(.mail, "M-\(name)"),
        ]
    }

    /// The child is built with the tests (the test target depends on it) into the build products folder, next to
    /// the test bundle.
    static func childExecutable() throws -> URL {
        var folders: [URL] = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }
            .map { $0.bundleURL.deletingLastPathComponent() }
        if let main = Bundle.main.executableURL { folders.append(main.deletingLastPathComponent()) }
        folders.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent("SQLiteCrashTestChild")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CrashTestFailure(
            message: "SQLiteCrashTestChild not found in \(folders.map(\.path)); run swift build --build-tests")
    }
}

struct CrashTestFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
