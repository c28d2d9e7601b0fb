#if PostgreSQL && os(Linux)
import Testing
import TaxpayerAccess
import TaxpayerAccessPostgres
import TaxpayerAccessTesting
import PostgresNIO
import Logging
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A server of the test's own (`Scripts/postgres.sh`), so killing it disturbs no other test.
struct OwnServer {
    let directory: URL
    let url: String

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/postgres.sh")

    /// Runs `Scripts/postgres.sh COMMAND DIRECTORY` through the C library's `system`, which waits for the script
    /// alone (the server it starts lives on); its standard output goes to a file, which the server inherits.
    @discardableResult
    static func run(_ command: String, _ directory: URL) throws -> String {
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ta-crash-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let status = system("bash '\(script.path)' \(command) '\(directory.path)' > '\(outputFile.path)'")
        try #require(status == 0, "Scripts/postgres.sh \(command) failed (\(status))")
        return try String(contentsOf: outputFile, encoding: .utf8)
    }

    static func start() throws -> OwnServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ta-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let exports = try run("start", directory)
        let line = try #require(exports.split(separator: "\n").first { $0.contains("TAXPAYER_ACCESS_POSTGRES_URL=") })
        let url = String(line.split(separator: "=", maxSplits: 1)[1]).trimmingCharacters(
            in: CharacterSet(charactersIn: "'"))
        return OwnServer(directory: directory, url: url)
    }

    /// SIGKILL to the postmaster and every backend it started: a crash, no shutdown of any kind.
    func crash() throws {
        let pidFile = directory.appendingPathComponent("data/postmaster.pid")
        let text = try String(contentsOf: pidFile, encoding: .utf8)
        let postmaster = try #require(text.split(separator: "\n").first.flatMap { pid_t(String($0)) })
        var victims = [postmaster]
        for entry in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
            guard let pid = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { victims.append(pid) }
        }
        for pid in victims { _ = kill(pid, SIGKILL) }
        // Gone, every one (a backend left attached to the shared memory would stop the restart).
        let deadline = Date().addingTimeInterval(30)
        while victims.contains(where: { kill($0, 0) == 0 }), Date() < deadline { usleep(20_000) }
    }

    func restart() throws { try Self.run("restart", directory) }

    func remove() {
        _ = try? Self.run("stop", directory)
        try? FileManager.default.removeItem(at: directory)
    }
}

/// The commits the store acknowledged, with their feed numbers.
final class Acknowledged: Sendable {
    let list = Mutex<[(id: String, sequence: UInt64)]>([])
    /// Set once the server is killed: no writer starts another commit.
    let stopped = Mutex(false)
    /// Writers that have returned.
    let finished = Mutex(0)
}

@Suite(
    "PostgreSQL server killed under load",
    .enabled(
        if: TestServer.url != nil && FileManager.default.fileExists(atPath: "/usr/lib/postgresql"),
        "needs TAXPAYER_ACCESS_POSTGRES_URL and a local PostgreSQL (Debian's packages) to start a server of its own"))
struct PostgresCrashTests {
    @Test("SIGKILL of the server mid-load: every acknowledged commit is there after restart, none partial, no gap")
    func serverKilled() async throws {
        let server = try OwnServer.start()
        defer { server.remove() }
        var configuration = try PostgresStoreConfiguration(url: server.url, tls: .disable, maximumConnections: 10)
        configuration.followMode = .pollingOnly
        let store = try await PostgresAccessStore(configuration: configuration)
        let acknowledged = Acknowledged()
        for writer in 0..<8 {
            Task {
                defer { acknowledged.finished.withLock { $0 += 1 } }
                var index = 0
                while !acknowledged.stopped.withLock({ $0 }) {
                    let id = "W\(writer)-\(index)"
                    do {
                        let sequence = try await commitTaxpayer(
                            store, id, number: 200_000_000 + writer * 10_000 + index)
                        acknowledged.list.withLock { $0.append((id, sequence)) }
                    } catch {
                        return
                    }
                    index += 1
                }
            }
        }
        let loaded = try await eventually(within: .seconds(60)) { acknowledged.list.withLock { $0.count } >= 60 }
        #expect(loaded, "the writers never got going")
        try server.crash()
        acknowledged.stopped.withLock { $0 = true }
        try server.restart()
        // A commit in flight at the kill fails, or waits for the pool and lands after the restart: acknowledged either
        // way only once it returned.
        let settled = try await eventually(within: .seconds(30)) { acknowledged.finished.withLock { $0 } == 8 }
        // Each attempt is bounded (`attemptTimeout`): a commit on a connection the kill closed is abandoned and
        // retried under its commit id, so every writer returns.
        #expect(settled, "a writer never returned after the restart")
        let known = acknowledged.list.withLock { $0 }

        let after = try await PostgresAccessStore(configuration: configuration)
        let feed = try await after.changes(after: 0, limit: 1_000_000)
        #expect(feed.map(\.sequence) == (0..<feed.count).map { UInt64($0 + 1) }, "the feed has a gap")
        #expect(try await after.lastSequence() == UInt64(feed.count))
        #expect(feed.count >= known.count)
        let bySequence = Dictionary(uniqueKeysWithValues: feed.map { ($0.sequence, $0) })
        for (id, sequence) in known {
            let change = try #require(bySequence[sequence], "acknowledged commit \(sequence) is missing")
            #expect(change.written.map(\.value.key) == [RecordKey(.taxpayer, id)])
        }
        // None partial: each change's record is there, and each record's unique key, and nothing else.
        let records = try await after.records(ofKind: .taxpayer)
        #expect(records.count == feed.count)
        #expect(Set(records.map(\.value.key)) == Set(feed.flatMap { $0.written.map(\.value.key) }))
        for record in records {
            for key in record.value.uniqueKeys {
                #expect(try await after.record(unique: key)?.value.key == record.value.key)
            }
        }
    }
}
#endif
