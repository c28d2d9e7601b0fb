import Foundation
import Testing

/// `check`'s question reader is as strict as the snapshot reader: each malformed line gets an error answer naming
/// its line and the field at fault, and the answers of the good lines around it are not disturbed.
@Suite("taxpayer-access check: malformed question lines")
struct QuestionLineTests {
    /// A malformed question and the error its answer carries, after `line N: `.
    static let malformed: [(question: String, error: String)] = [
        (
            #"{"logon":"L2","account":"A90","action":"fly"}"#,
            #"$.action: unknown action "fly" (expected one of view, file, pay, amend, manageAccount)"#
        ),
        (
            #"{"logon":"L2","logon":"L1","account":"A90","action":"view"}"#,
            #"$.logon: key "logon" given twice in one object"#
        ),
        (#"{"clientsOf":"L2","clientsOf":"L1"}"#, #"$.clientsOf: key "clientsOf" given twice in one object"#),
        (
            #"{"clientsOf":"L2","extra":1}"#,
            "$: expected the keys {logon, account, action}, {clientsOf} or {whoHasAccess}, got clientsOf, extra"
        ),
        ("{}", "$: expected the keys {logon, account, action}, {clientsOf} or {whoHasAccess}, got none"),
        (#"{"clientsOf":7}"#, "$.clientsOf: must be a string"),
        (#"{"logon":"L2","account":null,"action":"view"}"#, "$.account: must be a string"),
        (#"{"clientsOf":""}"#, "$.clientsOf: an id is not empty and holds no control characters"),
        (#"{"whoHasAccess":"T9\u0000"}"#, "$.whoHasAccess: an id is not empty and holds no control characters"),
        (#"["clientsOf","L2"]"#, "$: a question is a JSON object"),
        (#""L2""#, "$: a question is a JSON object"),
        ("{not json", "$: not valid JSON (column 2: expected a key (a string) in an object)"),
        (#"{"clientsOf":"L2"} {"clientsOf":"L1"}"#, "$: not valid JSON (column 20: text after the document)"),
        (#"{"clientsOf":"L2",}"#, "$.clientsOf: not valid JSON (column 19: expected a key (a string) in an object)"),
        (#"{"clientsOf":"L2""#, "$.clientsOf: not valid JSON (column 18: the document ends inside a value)"),
        (#"{"clientsOf":"L\x"}"#, "$.clientsOf: not valid JSON (column 17: unknown escape in a string)"),
    ]

    @Test("each malformed line gets an error naming its line and field, and the good lines around it are answered")
    func malformedLines() throws {
        let cli = try CLI()
        let file = try cli.write(Documents.snapshotExample, to: "world.json")
        let good = #"{"clientsOf":"L1"}"#
        let goodAnswer = #"{"clients":["T1","T9"]}"#
        // Good line, then each bad line followed by a blank line (not a question, but counted) and a good one.
        var input = [good]
        for entry in Self.malformed { input += [entry.question, "", good] }
        let result = try cli.run(["check", "--snapshot", file], input: input.joined(separator: "\n") + "\n")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = result.lines
        try #require(lines.count == 1 + 2 * Self.malformed.count)
        #expect(try CLI.json(lines[0]) == CLI.json(goodAnswer))
        for (i, entry) in Self.malformed.enumerated() {
            let number = 2 + 3 * i
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(lines[1 + 2 * i].utf8)) as? [String: Any])
            #expect(object.keys.sorted() == ["error"])
            #expect(object["error"] as? String == "line \(number): \(entry.error)", "question: \(entry.question)")
            #expect(try CLI.json(lines[2 + 2 * i]) == CLI.json(goodAnswer))
        }
    }
}
