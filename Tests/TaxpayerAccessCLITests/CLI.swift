import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs the built `taxpayer-access` binary in a temporary directory of its own, as swift-argument-parser's example
/// tests do. Each ``CLI`` is a fresh working directory, so the default database `taxpayer-access.db` is the test's own;
/// it is removed when the value goes.
final class CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String

        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The working directory.
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "taxpayer-access-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The default database of this working directory.
    var database: URL { directory.appendingPathComponent("taxpayer-access.db") }

    /// The built binary, next to the test bundle (swift-argument-parser's `debugURL`).
    static var binary: URL {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" || !directory.hasDirectoryPath {
            directory = directory.deletingLastPathComponent()
        }
        let candidate = directory.appendingPathComponent("taxpayer-access")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("taxpayer-access")
    }

    @discardableResult
    func run(_ arguments: String..., input: String = "", environment: [String: String] = [:]) throws -> Result {
        try run(arguments, input: input, environment: environment)
    }

    /// Runs the binary with `arguments`, `input` on its standard input, and the test's environment with `environment`
    /// added.
    func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// Starts `taxpayer-access serve` with `arguments` (and `environment` added to the test's), its output going to
    /// `server.log` in the working directory, and waits until it says where it listens.
    ///
    /// - Returns: the process (stop it with `terminate()`: SIGTERM) and the port it listens on.
    func serve(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Process, port: Int) {
        let logURL = directory.appendingPathComponent("server.log")
        try #require(FileManager.default.createFile(atPath: logURL.path, contents: nil))
        let log = try FileHandle(forWritingTo: logURL)
        let server = Process()
        server.executableURL = Self.binary
        server.arguments = ["serve"] + arguments
        server.currentDirectoryURL = directory
        server.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        server.standardOutput = log
        server.standardError = log
        try server.run()
        for _ in 0..<150 {
            try await Task.sleep(for: .milliseconds(100))
            if let range = serverLog.range(of: "listening on 127.0.0.1:"),
                let port = Int(serverLog[range.upperBound...].prefix { $0.isNumber })
            {
                return (server, port)
            }
            if !server.isRunning { break }
        }
        if server.isRunning { server.terminate() }
        Issue.record("the server never said where it listens: \(serverLog)")
        throw CancellationError()
    }

    /// What the server of ``serve(_:environment:)`` has written so far.
    var serverLog: String {
        (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    /// Loads the directory facts of Pat Q Client (taxpayer T1, account A1, a 2025 return with 1234.56 due) into the
    /// working directory's database, so a server on it can register Pat.
    func loadPat() throws {
        try #require(
            run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123-45-6789", "--legal-name",
                "Pat Q Client", "--kind", "individual"
            ).status == 0)
        try #require(run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "personalIncome").status == 0)
        try #require(
            run(
                "taxpayer", "return", "--taxpayer", "T1", "--account", "A1", "--period", "2025", "--amount-due",
                "1234.56"
            ).status == 0)
    }

    /// Pat's self-registration (RULES R1–R7) as the portal's page posts it, with `password`.
    static func patRegistration(password: String = "Harbor2026q") throws -> Data {
        let body: [String: Any] = [
            "idType": "SSN", "idNumber": "123-45-6789", "idNumberAgain": "123456789", "accountType": "personalIncome",
            "proof": ["kind": "amountDue", "amount": "1234.56"], "fullName": "Pat Q Client",
            "phoneNumber": "617-555-0134", "pin": "0417", "email": "pat@client.example",
            "emailAgain": "pat@client.example", "username": "pat.client", "password": password,
            "passwordAgain": password, "securityQuestion": "firstPet", "securityAnswer": "Mr. Whiskers",
            "acceptedTerms": true,
        ]
        return try JSONSerialization.data(withJSONObject: body)
    }

    /// A JSON POST to the server on `port`, with the CSRF header the API asks of scripts.
    static func post(_ path: String, port: Int, body: Data) async throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("1", forHTTPHeaderField: "X-CSRF-Protection")
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// Writes a file into the working directory; returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The refusal contract: a non-zero exit, exactly one line on standard error, prefixed and holding `fragment`.
    static func expectOneLineError(
        _ result: Result, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, "exit status", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(
            result.stderr.hasPrefix("taxpayer-access: "), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error"), sourceLocation: sourceLocation)
    }

    /// A JSON text as a comparable value.
    static func json(_ text: String) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject)
    }
}

/// the snapshot format's example document.
enum Documents {
    static let snapshotExample = #"""
        {
          "format": "taxpayer-access-snapshot/1",
          "taxpayers": [
            { "id": "T1", "idType": "FEIN", "idNumber": "041234567", "legalName": "Acme Payroll LLC", "kind": "business",
              "accounts": [ { "id": "A1", "type": "withholding", "status": "active" },
                            { "id": "A2", "type": "salesAndUse", "status": "closed" } ] },
            { "id": "T9", "idType": "SSN", "idNumber": "123456789", "legalName": "Pat Client", "kind": "individual",
              "accounts": [ { "id": "A90", "type": "withholding", "status": "active" },
                            { "id": "A91", "type": "personalIncome", "status": "active" } ] }
          ],
          "logons": [
            { "id": "L1", "username": "acme.owner", "email": "owner@acme.example", "status": "active",
              "clientManagement": true },
            { "id": "L2", "username": "acme.clerk", "email": "clerk@acme.example", "status": "active",
              "clientManagement": false,
              "secondary": { "parent": "L1", "role": "taxAdministrator", "level": "fileAndPay",
                             "groups": ["G2"], "accountTypes": ["withholding"] } },
            { "id": "L3", "username": "pat.client", "email": "pat@client.example", "status": "active",
              "clientManagement": false }
          ],
          "roles": [
            { "logon": "L1", "taxpayer": "T1", "role": "masterAdministrator" },
            { "logon": "L3", "taxpayer": "T9", "role": "masterAdministrator" }
          ],
          "thirdPartyGrants": [
            { "taxpayer": "T9", "thirdParty": "L1", "accounts": { "A90": "fileAndPay", "A91": "viewOnly" } }
          ],
          "securityGroups": [
            { "id": "G1", "parent": "L1", "name": "Default", "isDefault": true },
            { "id": "G2", "parent": "L1", "name": "Payroll clients", "isDefault": false }
          ],
          "groupAssignments": [ { "parent": "L1", "taxpayer": "T9", "group": "G2" } ],
          "refinements": [ { "secondary": "L2", "taxpayer": "T9", "accounts": { "A91": "none" } } ]
        }
        """#

    /// A firm and a client with no access between them yet: the start of a third-party request.
    static let firmAndClient = #"""
        {
          "format": "taxpayer-access-snapshot/1",
          "taxpayers": [
            { "id": "T1", "idType": "FEIN", "idNumber": "041234567", "legalName": "Acme Payroll LLC", "kind": "business",
              "accounts": [ { "id": "A1", "type": "withholding", "status": "active" } ] },
            { "id": "T9", "idType": "SSN", "idNumber": "123456789", "legalName": "Pat Client", "kind": "individual",
              "accounts": [ { "id": "A90", "type": "withholding", "status": "active" },
                            { "id": "A91", "type": "personalIncome", "status": "active" } ] }
          ],
          "logons": [
            { "id": "L1", "username": "acme.owner", "email": "owner@acme.example", "status": "active",
              "clientManagement": true },
            { "id": "L3", "username": "pat.client", "email": "pat@client.example", "status": "active",
              "clientManagement": false }
          ],
          "roles": [
            { "logon": "L1", "taxpayer": "T1", "role": "masterAdministrator" },
            { "logon": "L3", "taxpayer": "T9", "role": "masterAdministrator" }
          ]
        }
        """#
}
