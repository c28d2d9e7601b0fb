import Foundation
import Testing

#if PostgreSQL
/// The server the PostgreSQL trait's tests use (`TAXPAYER_ACCESS_POSTGRES_URL`), `nil` and one printed line without it.
enum CLIServer {
    static let url: String? = {
        let value = ProcessInfo.processInfo.environment["TAXPAYER_ACCESS_POSTGRES_URL"]
        if value == nil || value == "" {
            print("PostgresCLITests: skipped, TAXPAYER_ACCESS_POSTGRES_URL is not set")
            return nil
        }
        return value
    }()

    /// A new, empty database on the server (through `psql`, which comes with the server); its URL.
    static func freshDatabase() throws -> String {
        let base = try #require(url)
        let name = "ta_cli_" + UUID().uuidString.filter { $0 != "-" }.lowercased()
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", base, "--quiet", "--command", "CREATE DATABASE \(name)"]
        try psql.run()
        psql.waitUntilExit()
        try #require(psql.terminationStatus == 0, "psql could not create a database")
        var parts = try #require(URLComponents(string: base))
        parts.path = "/" + name
        return try #require(parts.string)
    }
}

/// A `taxpayer-access check --follow` child: asks one question at a time and reads its one answer line.
final class FollowingChild {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    init(_ cli: CLI, database: String, interval: Int) throws {
        process.executableURL = CLI.binary
        process.arguments = ["check", "--follow", "--interval", String(interval), "--database", database]
        process.currentDirectoryURL = cli.directory
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
    }

    /// The answer line to one question; `nil` if the child ended.
    func ask(_ question: String) throws -> String? {
        input.fileHandleForWriting.write(Data((question + "\n").utf8))
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<end], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...end)
                return line
            }
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { return nil }
            buffer.append(more)
        }
    }

    /// Asks until the answer is `expected` or `timeout` passes; whether it came.
    func waitForAnswer(_ question: String, _ expected: String, timeout: TimeInterval = 30) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        let wanted = try CLI.json(expected)
        repeat {
            guard let line = try ask(question) else { return false }
            if try CLI.json(line) == wanted { return true }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return false
    }

    /// Ends the input and waits for the exit; its status.
    func finish() throws -> Int32 {
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

@Suite("taxpayer-access on PostgreSQL", .enabled(if: CLIServer.url != nil))
struct PostgresCLITests {
    /// Site `n`'s own taxpayer, account and Master Administrator (RULES M1), as a snapshot one import writes.
    static func site(_ n: Int) -> String {
        #"""
        {
          "format": "taxpayer-access-snapshot/1",
          "taxpayers": [
            { "id": "T\#(n)", "idType": "SSN", "idNumber": "12345670\#(n)", "legalName": "Site \#(n) Owner",
              "kind": "individual", "accounts": [ { "id": "A\#(n)", "type": "personalIncome", "status": "active" } ] }
          ],
          "logons": [
            { "id": "L\#(n)", "username": "site\#(n).owner", "email": "owner\#(n)@site.example", "status": "active",
              "clientManagement": false }
          ],
          "roles": [ { "logon": "L\#(n)", "taxpayer": "T\#(n)", "role": "masterAdministrator" } ]
        }
        """#
    }

    static func question(_ n: Int) -> String { #"{"logon":"L\#(n)","account":"A\#(n)","action":"file"}"# }

    @Test("three processes on one database: each one's resolver answers the others' writes (M1, L2)")
    func threeProcesses() throws {
        let cli = try CLI()
        let database = try CLIServer.freshDatabase()
        // The first command makes the key file every process of this database then shares.
        let first = try cli.run(
            "taxpayer", "add", "--database", database, "--id", "T0", "--id-type", "SSN", "--id-number", "123456700",
            "--legal-name", "Site Zero", "--kind", "individual")
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(
            FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("taxpayer-access.key").path))

        // An interval of a minute: within the test's time only the notifications can bring the others' writes.
        let children = try (1...3).map { _ in try FollowingChild(cli, database: database, interval: 60_000) }
        for child in children {
            #expect(try child.waitForAnswer(Self.question(1), #"{"allowed":false,"level":"none"}"#))
        }
        for site in 1...3 {
            let file = try cli.write(Self.site(site), to: "site\(site).json")
            let imported = try cli.run("import", "--snapshot", file, "--database", database)
            #expect(imported.status == 0, "stderr: \(imported.stderr)")
            for (index, child) in children.enumerated() {
                let answered = try child.waitForAnswer(Self.question(site), #"{"allowed":true,"level":"allAccess"}"#)
                #expect(answered, "process \(index + 1) never saw site \(site)'s write")
            }
        }
        for child in children { #expect(try child.finish() == 0) }
    }

    @Test("the demo plays on an empty PostgreSQL database, and refuses one that holds changes")
    func demo() throws {
        let cli = try CLI()
        let database = try CLIServer.freshDatabase()
        let played = try cli.run("demo", "--database", database)
        #expect(played.status == 0, "stderr: \(played.stderr)")
        #expect(played.stdout.contains("(PostgreSQL;"))
        let again = try cli.run("demo", "--database", database)
        CLI.expectOneLineError(again, containing: "empty database")
    }
}
#else
@Suite("taxpayer-access without the PostgreSQL trait")
struct PostgresCLITests {
    @Test("a postgres:// URL is refused in one line naming the option and the trait")
    func refusedWithoutTrait() throws {
        let cli = try CLI()
        let result = try cli.run("taxpayer", "list", "--database", "postgres://someone:secret@127.0.0.1:1/access")
        CLI.expectOneLineError(result, containing: "--database")
        #expect(result.stderr.contains("PostgreSQL trait"))
        #expect(!result.stderr.contains("secret"))
    }
}
#endif
