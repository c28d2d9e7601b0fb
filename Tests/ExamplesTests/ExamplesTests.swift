import Foundation
import Testing

/// Each example program is built, run as a child process and held to the story it tells: the outcomes each step must
/// reach (the rule ids are in the test names) and its exit status, not every byte it prints. When an example's
/// wording changes, these tests change with it; when its story stops reaching an outcome, they fail.
@Suite("Examples")
struct ExamplesTests {
    /// Whether `text` holds a run of six digits: a security code is six digits (A3), and no example prints one.
    /// Confirmation numbers, `d-ddd-ddd-ddd`, have no such run.
    static func hasSixDigits(_ text: String) -> Bool { text.firstMatch(of: #/\d{6}/#) != nil }

    /// A d-ddd-ddd-ddd confirmation number, approved at once; two-step set up at the first login; a code, then none
    /// on the trusted device; the new logon is its taxpayer's MA with All Access.
    @Test("CreateLogon: submitted, activated, two-step, trusted device, MA (R10, R11, R12, A3, A6, N1)")
    func createLogon() throws {
        let run = try Example.run("CreateLogon")
        run.expectSucceeded()
        let submitted = try #require(run.lines(startingWith: "1. Submitted:").first)
        #expect(
            submitted.wholeMatch(of: #/1\. Submitted: confirmation number \d-\d{3}-\d{3}-\d{3}, approved: true/#)
                != nil,
            "\(submitted)")
        #expect(run.lines(startingWith: "2. Activated").count == 1)
        #expect(run.lines.contains("3. First login: stage awaitingTwoStepSetup"))
        #expect(
            run.line(after: "3. First login: stage awaitingTwoStepSetup", startingWith: "Email codes set up") != nil)
        let second = try #require(run.lines(startingWith: "4. Login:").first)
        #expect(second.hasPrefix("4. Login: stage awaitingCode, code sent to "), "\(second)")
        #expect(run.line(after: second, startingWith: "Code accepted; device trusted: true") != nil)
        #expect(run.lines.contains("5. Login on the trusted device: stage authenticated"))
        let rights = try #require(
            run.line(after: "5. Login on the trusted device: stage authenticated", startingWith: "Pat Q Client"))
        #expect(rights.hasPrefix("Pat Q Client ***-**-6789: masterAdministrator"), "\(rights)")
        #expect(rights.contains("personalIncome All Access"), "\(rights)")
        // The address is shown masked (N1), never the password, answer, PIN, ID number, phone or a security code.
        #expect(second.hasSuffix("p**@c*****.example"), "\(second)")
        run.expectNeverPrinted([
            "Secret123", "Mr. Whiskers", "0417", "123456789", "123-45-6789", "555-0134", "pat@client.example",
        ])
        #expect(!Self.hasSixDigits(run.stdout))
    }

    #if HTTP
    /// A registration waits for review; no token, 401; the operator's review shows it submitted, the approval makes it
    /// approved, a second approval is a conflict; the operator is the audit actor; one activation mail.
    @Test("AgencyReviewHTTP: review by an operator token over HTTP, 401 without it, audited (R10, R11, U1)")
    func agencyReviewHTTP() throws {
        let run = try Example.run("AgencyReviewHTTP")
        run.expectSucceeded()
        let issued = try #require(run.lines(startingWith: "1. Operator \"clerk 12\" issued a token of ").first)
        #expect(issued.hasSuffix("characters; kept: its hash only"), "\(issued)")
        let submitted = try #require(run.lines(startingWith: "2. Registration: ").first)
        #expect(
            submitted.wholeMatch(
                of: #/2\. Registration: 201, confirmation number \d-\d{3}-\d{3}-\d{3}, approved: false/#)
                != nil, "\(submitted)")
        #expect(run.lines.contains("3. Without a token: 401 operatorUnauthorized"))
        #expect(run.lines.contains("4. Review: pat.client for taxpayer T1, status submitted"))
        #expect(run.lines.contains("5. Approve: 204; status now approved"))
        #expect(run.lines.contains("6. Approve again: 409 conflict"))
        #expect(run.lines.contains("7. Audit actor: agency operator clerk 12"))
        #expect(run.lines.contains("8. Activation mails to the applicant: 1"))
        run.expectNeverPrinted(["Secret123", "Mr. Whiskers", "0417", "123456789", "123-45-6789", "token="])
        #expect(!Self.hasSixDigits(run.stdout))
    }
    #endif

    /// The same answer for a known and an unknown username, the security question, an earlier password refused, a
    /// new one set, and the next login still asks for a code.
    @Test("RecoverPassword: same answer, question, reuse refused, new password, code still asked (V2, R7, A3)")
    func recoverPassword() throws {
        let run = try Example.run("RecoverPassword")
        run.expectSucceeded()
        #expect(run.lines.first == "0. pat.client exists, with email codes")
        let answer = try #require(run.lines(startingWith: "1. ").first)
        #expect(answer.count > "1. ".count)
        #expect(run.line(after: answer, startingWith: "The same answer for an unknown username: true") != nil)
        let question = try #require(run.lines(startingWith: "2. Reset link opened; security question: ").first)
        #expect(!question.hasSuffix(": none"), "\(question)")
        let refused = try #require(run.lines(startingWith: "3. Refused: ").first)
        #expect(refused.count > "3. Refused: ".count)
        #expect(run.line(after: refused, startingWith: "New password set") != nil)
        let login = try #require(run.lines(startingWith: "4. Login:").first)
        #expect(login.hasPrefix("4. Login: stage awaitingCode, code sent to p**@c*****.example"), "\(login)")
        #expect(run.line(after: login, startingWith: "Code accepted: signed in") != nil)
        run.expectNeverPrinted([
            "Secret123", "Better456", "Mr. Whiskers", "mr. whiskers", "0417", "123456789", "pat@client.example",
            "token=",
        ])
        #expect(!Self.hasSixDigits(run.stdout))
    }

    /// The request is listed for the client's MA, whose email names nothing; View Only granted though File and Pay
    /// was asked, raised, then cancelled; the preparer is told at each step.
    @Test("ThirdPartyAccess: requested, listed, granted less, raised, cancelled, told (X2, X3, X5–X8, N1)")
    func thirdPartyAccess() throws {
        let run = try Example.run("ThirdPartyAccess")
        run.expectSucceeded()
        let request = try #require(run.lines(startingWith: "Request ").first)
        let number = try #require(request.firstMatch(of: #/^Request (\d-\d{3}-\d{3}-\d{3}) submitted/#)?.output.1)
        let emails = run.lines(startingWith: "  email to the client: ")
        #expect(!emails.isEmpty)
        for email in emails {
            for detail in ["Acme", "Alex", "File and Pay", "A90", String(number)] {
                #expect(!email.contains(detail), "N1: \(email)")
            }
        }
        let waiting = try #require(run.lines(startingWith: "  waiting for the client: ").first)
        #expect(waiting.contains(String(number)), "X3: \(waiting)")

        #expect(
            run.line(after: "Approved with View Only", startingWith: "preparer on A90:") == "preparer on A90: View Only"
        )
        let clients = try #require(run.line(after: "Approved with View Only", startingWith: "the preparer's clients:"))
        #expect(clients.contains("Pat Client"), "X7: \(clients)")
        #expect(
            run.line(after: "Raised to File and Pay", startingWith: "preparer on A90:")
                == "preparer on A90: File and Pay")
        #expect(
            run.line(after: "Cancelled by the client", startingWith: "preparer on A90:") == "preparer on A90: no access"
        )
        let why = try #require(run.line(after: "Cancelled by the client", startingWith: "why:"))
        #expect(why.lowercased().contains("cancelled"), "\(why)")

        // X6, X8: the preparer's e-messages, oldest first: received, approved, changed, cancelled.
        let messages = run.lines(startingWith: "  - ").map { $0.lowercased() }
        #expect(messages.count == 4, "\(messages)")
        for (message, word) in zip(messages, ["received", "approved", "changed", "cancelled"]) {
            #expect(message.contains(word), "\(message)")
        }
        run.expectNeverPrinted(["123456789", "123-45-6789", "041234567"])
    }

    /// Secondaries read Parent Web Logon; a clerk gets the lower of the parent's level and its cap, on its account
    /// types only; a client's cancel takes that client from every secondary at once.
    @Test("FirmSecurityGroups: labels, capped levels through a group, the cancel reaches every secondary (S6, S7, S9)")
    func firmSecurityGroups() throws {
        let run = try Example.run("FirmSecurityGroups")
        run.expectSucceeded()
        #expect(run.lines.contains("Kim Clerk: Parent Web Logon"))
        #expect(run.lines.contains("Morgan Manager: Parent Web Logon"))

        let before = try Self.table(in: run, headed: "Access with both clients in")
        #expect(before["owner"] == ["A90": "allAccess", "A91": "fileAndPay", "A80": "fileAndPay"])
        #expect(before["manager"] == before["owner"])
        #expect(before["clerk"] == ["A90": "fileAndPay", "A91": "none", "A80": "fileAndPay"])

        let after = try Self.table(in: run, headed: "After Pat Client cancelled")
        for name in ["owner", "manager", "clerk"] {
            #expect(
                after[name] == ["A90": "none", "A91": "none", "A80": "fileAndPay"], "\(name): \(after[name] ?? [:])")
        }

        let noAccess = try #require(run.line(after: "Why has the clerk no access to A90?", startingWith: "No access."))
        #expect(noAccess.lowercased().contains("cancelled"), "\(noAccess)")
        let access = try #require(run.line(after: "Why has the clerk access to A80?", startingWith: "File and Pay."))
        #expect(access.contains("\"Payroll clients\""), "\(access)")
        run.expectNeverPrinted(["Clerk2026x", "123456789", "223456789", "041234567"])
    }

    @Test("README: its usage snippet is Examples/ReadmeSnippet word for word, and it runs (R11, R12, A3, A7, L2)")
    func readmeSnippet() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let program = try String(
            contentsOf: root.appendingPathComponent("Examples/ReadmeSnippet/main.swift"), encoding: .utf8)
        let start = try #require(
            readme.range(of: "<!-- snippet: Examples/ReadmeSnippet/main.swift -->\n```swift\n"))
        let end = try #require(
            readme.range(of: "```\n<!-- end snippet -->", range: start.upperBound..<readme.endIndex))
        #expect(
            String(readme[start.upperBound..<end.lowerBound]) == program, "README's snippet differs from the program")
        let run = try Example.run("ReadmeSnippet")
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.lines.contains("Pat may file on A1: true"))
        run.expectNeverPrinted(["Harbor2026q", "123456789", "0417"])
    }

    /// The table of levels printed under the line starting with `heading`: name → account → level.
    static func table(in run: Example, headed heading: String) throws -> [String: [String: String]] {
        let start = try #require(run.lines.firstIndex { $0.hasPrefix(heading) }, "no line starting \(heading)")
        var rows: [String: [String: String]] = [:]
        for line in run.lines[(start + 1)...] {
            guard line.hasPrefix("  ") else { break }
            let fields = line.split(separator: " ")
            guard let name = fields.first else { break }
            var levels: [String: String] = [:]
            for field in fields.dropFirst() {
                let parts = field.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                levels[String(parts[0])] = String(parts[1])
            }
            rows[String(name)] = levels
        }
        #expect(rows.count == 3, "\(heading): \(rows)")
        return rows
    }
}
