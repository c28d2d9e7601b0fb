import Foundation
import Testing

/// Runs the built `taxpayer-access` binary, as swift-argument-parser's example tests do, and compares its output
/// with SNAPSHOT.md's examples as JSON values.
@Suite("taxpayer-access CLI")
struct CheckCommandTests {
    static let document = #"""
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

    /// SNAPSHOT.md's questions and answers, in order, plus a malformed line and a question after it.
    static let exchange: [(question: String, answer: String)] = [
        (#"{"logon":"L2","account":"A90","action":"file"}"#, #"{"allowed":true,"level":"fileAndPay"}"#),
        (#"{"logon":"L2","account":"A90","action":"manageAccount"}"#, #"{"allowed":false,"level":"fileAndPay"}"#),
        (#"{"logon":"L2","account":"A91","action":"view"}"#, #"{"allowed":false,"level":"none"}"#),
        (#"{"logon":"L2","account":"A1","action":"view"}"#, #"{"allowed":false,"level":"none"}"#),
        (#"{"logon":"L1","account":"A2","action":"view"}"#, #"{"allowed":false,"level":"none"}"#),
        (#"{"clientsOf":"L2"}"#, #"{"clients":["T9"]}"#),
        (#"{"clientsOf":"L1"}"#, #"{"clients":["T1","T9"]}"#),
        (
            #"{"whoHasAccess":"T9"}"#,
            #"{"logons":[{"logon":"L1","accounts":{"A90":"fileAndPay","A91":"viewOnly"}},{"logon":"L2","accounts":{"A90":"fileAndPay"}},{"logon":"L3","accounts":{"A90":"allAccess","A91":"allAccess"}}]}"#
        ),
        (#"{"logon":"L404","account":"A90","action":"view"}"#, #"{"allowed":false,"level":"none"}"#),
        (#"{"logon":"L1","account":"A404","action":"view"}"#, #"{"allowed":false,"level":"none"}"#),
    ]

    @Test("check answers SNAPSHOT.md's examples exactly, in order (L2, L4, S6, X7, W1, W2)")
    func snapshotExamples() throws {
        let file = try Self.write(Self.document)
        let input = Self.exchange.map(\.question).joined(separator: "\n") + "\n"
        let result = try Self.run(["check", "--snapshot", file.path], input: input)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == Self.exchange.count)
        for (line, expected) in zip(lines, Self.exchange.map(\.answer)) {
            #expect(try Self.json(line) == Self.json(expected), "\(line) != \(expected)")
        }
    }

    @Test("a malformed line gets an error line in its place and the run goes on")
    func malformedLine() throws {
        let file = try Self.write(Self.document)
        let input = [
            #"{"logon":"L2","account":"A90","action":"file"}"#, "{not json", #"{"logon":"L2","account":"A90","action":"fly"}"#,
            #"{"clientsOf":"L2","extra":1}"#, #"{"clientsOf":"L1"}"#,
        ].joined(separator: "\n") + "\n"
        let result = try Self.run(["check", "--snapshot", file.path], input: input)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 5)
        #expect(try Self.json(lines[0]) == Self.json(#"{"allowed":true,"level":"fileAndPay"}"#))
        for line in lines[1...3] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object.keys.sorted() == ["error"])
            #expect((object["error"] as? String)?.isEmpty == false)
        }
        #expect(try Self.json(lines[4]) == Self.json(#"{"clients":["T1","T9"]}"#))
    }

    @Test("a bad snapshot is one line on standard error naming the JSON path, and a non-zero exit")
    func badSnapshot() throws {
        let bad = Self.document.replacingOccurrences(of: #""parent": "L1", "role""#, with: #""parent": "L9", "role""#)
        let file = try Self.write(bad)
        let result = try Self.run(["check", "--snapshot", file.path], input: "")
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains(#"$.logons[1].secondary.parent: unknown logon "L9""#))
    }

    @Test("a missing snapshot file is a clear error, not a stack trace")
    func missingFile() throws {
        let result = try Self.run(["check", "--snapshot", "/nonexistent/snapshot.json"], input: "")
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot read /nonexistent/snapshot.json"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("export of an imported snapshot writes an equal document (export∘import lossless)")
    func exportRoundTrip() throws {
        let file = try Self.write(Self.document)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).json")
        let first = try Self.run(["export", "--snapshot", file.path, "--output", output.path], input: "")
        #expect(first.status == 0)
        let second = try Self.run(["export", "--snapshot", output.path], input: "")
        #expect(second.status == 0)
        let exported = try String(contentsOf: output, encoding: .utf8)
        #expect(try Self.json(exported) == Self.json(second.stdout))
        #expect(exported.contains("\"Payroll clients\""))
    }

    @Test("import validates and commits a snapshot")
    func importSnapshot() throws {
        let file = try Self.write(Self.document)
        let result = try Self.run(["import", "--snapshot", file.path], input: "")
        #expect(result.status == 0)
        #expect(result.stdout.contains("imported"))
    }

    // MARK: Helpers

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

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

    static func run(_ arguments: [String], input: String) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
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

    static func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID().uuidString).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// A JSON text as a comparable value.
    static func json(_ text: String) throws -> NSObject {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSObject)
    }
}
