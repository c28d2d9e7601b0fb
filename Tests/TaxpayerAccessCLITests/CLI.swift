import Foundation
import Testing

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
    func run(_ arguments: String..., input: String = "") throws -> Result {
        try run(arguments, input: input)
    }

    func run(_ arguments: [String], input: String = "") throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
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
