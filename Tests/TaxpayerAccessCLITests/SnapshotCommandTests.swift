import Foundation
import Testing

/// `check`, `import` and `export` on the database file, and `check --snapshot` with the snapshot format's protocol unchanged.
@Suite("taxpayer-access check, import, export")
struct SnapshotCommandTests {
    /// the snapshot format's questions and answers, in order, plus two unknown ids.
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

    static func expectExchange(_ result: CLI.Result) throws {
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.lines
        try #require(lines.count == exchange.count)
        for (line, expected) in zip(lines, exchange.map(\.answer)) {
            #expect(try CLI.json(line) == CLI.json(expected), "\(line) != \(expected)")
        }
    }

    static var questions: String { exchange.map(\.question).joined(separator: "\n") + "\n" }

    @Test("check --snapshot answers the snapshot format's examples exactly, in order (L2, L4, S6, X7, W1, W2)")
    func checkSnapshot() throws {
        let cli = try CLI()
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        try Self.expectExchange(try cli.run(["check", "--snapshot", file], input: Self.questions))
        #expect(
            !FileManager.default.fileExists(atPath: cli.database.path), "check --snapshot leaves no database behind")
    }

    @Test("check without --snapshot answers from the database, the same answers (L4, S6, W1)")
    func checkDatabase() throws {
        let cli = try CLI()
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        let imported = try cli.run("import", "--snapshot", file)
        #expect(imported.status == 0, "stderr: \(imported.stderr)")
        try Self.expectExchange(try cli.run(["check"], input: Self.questions))
        // --database names another file: the same answers from there.
        let other = cli.directory.appendingPathComponent("other.db").path
        #expect(try cli.run("import", "--snapshot", file, "--database", other).status == 0)
        try Self.expectExchange(try cli.run(["check", "--database", other], input: Self.questions))
    }

    @Test("a malformed question line gets an error line in its place and the run goes on")
    func malformedLine() throws {
        let cli = try CLI()
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        let input =
            [
                #"{"logon":"L2","account":"A90","action":"file"}"#, "{not json",
                #"{"logon":"L2","account":"A90","action":"fly"}"#,
                #"{"clientsOf":"L2","extra":1}"#, #"{"clientsOf":"L1"}"#,
            ].joined(separator: "\n") + "\n"
        let result = try cli.run(["check", "--snapshot", file], input: input)
        #expect(result.status == 0)
        let lines = result.lines
        try #require(lines.count == 5)
        #expect(try CLI.json(lines[0]) == CLI.json(#"{"allowed":true,"level":"fileAndPay"}"#))
        for line in lines[1...3] {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object.keys.sorted() == ["error"])
        }
        #expect(try CLI.json(lines[4]) == CLI.json(#"{"clients":["T1","T9"]}"#))
    }

    @Test("check: a bad snapshot names the JSON path; a missing database is named; one line each")
    func checkErrors() throws {
        let cli = try CLI()
        let bad = Documents.snapshotExample.replacingOccurrences(
            of: #""parent": "L1", "role""#, with: #""parent": "L9", "role""#)
        let file = try cli.write(bad, to: "bad.json")
        let result = try cli.run("check", "--snapshot", file)
        CLI.expectOneLineError(result, containing: #"$.logons[1].secondary.parent: unknown logon "L9""#)
        #expect(result.stdout.isEmpty)
        CLI.expectOneLineError(
            try cli.run("check", "--snapshot", "/nonexistent/snapshot.json"),
            containing: "cannot read /nonexistent/snapshot.json")
        CLI.expectOneLineError(try cli.run("check"), containing: "no database at taxpayer-access.db")
        #expect(!FileManager.default.fileExists(atPath: cli.database.path), "a refused read creates no database")
    }

    @Test("import then export round-trips the document through the database file (export∘import lossless)")
    func importExportRoundTrip() throws {
        let cli = try CLI()
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        let imported = try cli.run("import", "--snapshot", file)
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("imported"))
        #expect(FileManager.default.fileExists(atPath: cli.database.path))
        let output = cli.directory.appendingPathComponent("export.json")
        let exported = try cli.run("export", "--output", output.path)
        #expect(exported.status == 0, "stderr: \(exported.stderr)")
        let toStdout = try cli.run("export")
        #expect(toStdout.status == 0)
        let written = try String(contentsOf: output, encoding: .utf8)
        #expect(try CLI.json(written) == CLI.json(toStdout.stdout))
        #expect(try CLI.json(written) == CLI.json(Documents.snapshotExample))
        // And the export imports into a second file, which exports the same again.
        let second = cli.directory.appendingPathComponent("second.db").path
        #expect(try cli.run("import", "--snapshot", output.path, "--database", second).status == 0)
        #expect(try CLI.json(try cli.run("export", "--database", second).stdout) == CLI.json(written))
    }

    @Test("import: an invalid document or a second import of the same records is refused in one line, nothing written")
    func importErrors() throws {
        let cli = try CLI()
        let bad = Documents.snapshotExample.replacingOccurrences(
            of: #""kind": "business""#, with: #""kind": "company""#)
        CLI.expectOneLineError(
            try cli.run("import", "--snapshot", try cli.write(bad, to: "bad.json")), containing: "bad.json")
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        #expect(try cli.run("import", "--snapshot", file).status == 0)
        CLI.expectOneLineError(try cli.run("import", "--snapshot", file), containing: "store:")
        #expect(try CLI.json(try cli.run("export").stdout) == CLI.json(Documents.snapshotExample))
    }

    @Test("export: a missing database and an unwritable output are one line each")
    func exportErrors() throws {
        let cli = try CLI()
        CLI.expectOneLineError(try cli.run("export"), containing: "no database at taxpayer-access.db")
        #expect(try cli.run("import", "--snapshot", try cli.write(Documents.snapshotExample, to: "w.json")).status == 0)
        CLI.expectOneLineError(
            try cli.run("export", "--output", "/nonexistent/dir/out.json"),
            containing: "cannot write /nonexistent/dir/out.json")
    }
}
