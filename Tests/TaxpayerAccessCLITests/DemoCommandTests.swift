import Foundation
import Testing

/// `taxpayer-access demo`: the whole story on its own SQLite file, real Argon2id (a few seconds).
@Suite("taxpayer-access demo")
struct DemoCommandTests {
    @Test(
        "the demo runs to completion, twice, on its own file; the secondaries lose access at the cancel (S7, X8, U2, N2)"
    )
    func demoRuns() throws {
        let cli = try CLI()
        let result = try cli.run("demo")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.isEmpty)
        let out = result.stdout
        for line in [
            "Pat's request is in: confirmation number", "the logon is active",
            "She types the code from the email and ticks \"trust this device\": she is signed in, and this device is trusted.",
            "ALLOWED  Alex (Acme) view A101", "DENIED   Alex (Acme) file A101",
            "DENIED   Kim (secondary TA) file A102", "ALLOWED  Kim (secondary TA) view A102",
            "Kim (secondary TA) now reaches no taxpayer at all",
            "Access was cancelled by the taxpayer's Master Administrator on",
            "Just before the cancel", "emails were delivered as .eml files",
        ] {
            #expect(out.contains(line), "missing: \(line)")
        }
        // After the cancel, Kim is denied with the reason (S7).
        let afterCancel = try #require(out.range(of: "7. Pat cancels Acme's access")).upperBound
        #expect(out[afterCancel...].contains("DENIED   Kim (secondary TA) view A102"))
        // Who had access: Kim before the cancel, only Pat now (U2).
        let history = try #require(out.range(of: "8. Who had access")).upperBound
        let now = try #require(out.range(of: "   Now (", range: history..<out.endIndex)).lowerBound
        #expect(out[history..<now].contains("Kim Clerk (kim.clerk)"))
        #expect(!out[now...].contains("Kim Clerk") && out[now...].contains("Pat Q Client (pat.client)"))

        // Its own file and key, not the operators' database.
        #expect(
            FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("taxpayer-access-demo.db").path)
        )
        #expect(!FileManager.default.fileExists(atPath: cli.database.path))
        let mail = cli.directory.appendingPathComponent("demo-mail")
        let files = try FileManager.default.contentsOfDirectory(atPath: mail.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count >= 10)

        // No password, and no security code from the emails, is ever printed.
        for secret in ["Harbor2026q", "Ledger4Acme", "Clerk2026xy"] { #expect(!out.contains(secret)) }
        for file in files {
            let text = try String(contentsOf: mail.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("Subject: Your security code"),
                let range = text.range(of: "Your security code is ")
            else { continue }
            let code = String(text[range.upperBound...].prefix(6))
            #expect(code.count == 6 && !out.contains(code), "code \(code) printed")
        }

        // It runs again from scratch: the file is recreated, the old mail replaced.
        let again = try cli.run("demo")
        #expect(again.status == 0, "stderr: \(again.stderr)")
        let filesAgain = try FileManager.default.contentsOfDirectory(atPath: mail.path).filter { $0.hasSuffix(".eml") }
        #expect(filesAgain.count == files.count)
        #expect(Set(filesAgain).isDisjoint(with: files))
    }

    @Test("demo: an unusable database path, or the operators' database, is refused in one line")
    func demoErrors() throws {
        let cli = try CLI()
        CLI.expectOneLineError(try cli.run("demo", "--database", "/nonexistent/dir/demo.db"), containing: "store:")
        CLI.expectOneLineError(
            try cli.run("demo", "--database", "taxpayer-access.db"), containing: "will not overwrite")
    }
}
