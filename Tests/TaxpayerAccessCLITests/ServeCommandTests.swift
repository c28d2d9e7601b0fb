#if HTTP
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `taxpayer-access serve` as an operator runs it: a real process on a loopback port, stopped with SIGTERM.
@Suite("serve")
struct ServeCommandTests {
    @Test("RULES N2, T3, U1: serve counts a failed sign-in at /metrics, reports outbox progress, delivers on SIGTERM")
    func gracefulShutdownDeliversCommittedMail() async throws {
        let cli = try CLI()
        try #require(
            cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123-45-6789", "--legal-name",
                "Pat Q Client", "--kind", "individual"
            ).status == 0)
        try #require(
            cli.run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "personalIncome").status == 0)
        try #require(
            cli.run(
                "taxpayer", "return", "--taxpayer", "T1", "--account", "A1", "--period", "2025", "--amount-due",
                "1234.56"
            ).status == 0)

        // The outbox worker waits an hour once it finds nothing: only the shutdown's last pass can send the mail.
        let logURL = cli.directory.appendingPathComponent("server.log")
        try #require(FileManager.default.createFile(atPath: logURL.path, contents: nil))
        let log = try FileHandle(forWritingTo: logURL)
        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = [
            "serve", "--port", "0", "--mail-folder", "mail", "--outbox-interval", "3600", "--outbox-progress-interval",
            "1",
        ]
        server.currentDirectoryURL = cli.directory
        server.standardOutput = log
        server.standardError = log
        try server.run()
        defer { if server.isRunning { server.terminate() } }

        var port: Int?
        for _ in 0..<100 where port == nil {
            try await Task.sleep(for: .milliseconds(100))
            let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on 127.0.0.1:") {
                port = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        let bound = try #require(port, "the server said where it listens")

        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(bound)/api/registrations")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("1", forHTTPHeaderField: "X-CSRF-Protection")
        let body: [String: Any] = [
            "idType": "SSN", "idNumber": "123-45-6789", "idNumberAgain": "123456789", "accountType": "personalIncome",
            "proof": ["kind": "amountDue", "amount": "1234.56"], "fullName": "Pat Q Client",
            "phoneNumber": "617-555-0134", "pin": "0417", "email": "pat@client.example",
            "emailAgain": "pat@client.example", "username": "pat.client", "password": "Harbor2026q",
            "passwordAgain": "Harbor2026q", "securityQuestion": "firstPet", "securityAnswer": "Mr. Whiskers",
            "acceptedTerms": true,
        ]
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201, "the directory in the database proved Pat")

        // A wrong password (RULES A2) is counted, and the exposition names no username.
        var signIn = URLRequest(url: URL(string: "http://127.0.0.1:\(bound)/api/session")!)
        signIn.httpMethod = "POST"
        signIn.setValue("application/json", forHTTPHeaderField: "Content-Type")
        signIn.setValue("1", forHTTPHeaderField: "X-CSRF-Protection")
        signIn.httpBody = try JSONSerialization.data(withJSONObject: [
            "username": "pat.client", "password": "Wrong2026pass",
        ])
        let (_, refused) = try await URLSession.shared.data(for: signIn)
        #expect((refused as? HTTPURLResponse)?.statusCode == 401)
        let (metrics, metricsResponse) = try await URLSession.shared.data(
            from: URL(string: "http://127.0.0.1:\(bound)/metrics")!)
        let exposition = String(decoding: metrics, as: UTF8.self)
        #expect((metricsResponse as? HTTPURLResponse)?.statusCode == 200)
        #expect(
            (metricsResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
                == "text/plain; version=0.0.4")
        #expect(exposition.contains("\ntaxpayer_access_sign_in_failures_total 1\n"), "\(exposition)")
        #expect(exposition.contains("\ntaxpayer_access_sign_ins_total 0\n"))
        #expect(!exposition.contains("pat.client") && !exposition.contains("123-45-6789"))

        // The worker sleeps for an hour between passes, yet reports progress on its own interval.
        var progressed = false
        for _ in 0..<50 where !progressed {
            try await Task.sleep(for: .milliseconds(100))
            progressed = ((try? String(contentsOf: logURL, encoding: .utf8)) ?? "").contains("outbox progress: sent 0")
        }
        #expect(progressed, "a progress line before the worker stopped")

        let folder = cli.directory.appendingPathComponent("mail")
        let before = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        #expect(before.isEmpty, "no mail before the shutdown: the worker was waiting")

        server.terminate()  // SIGTERM
        server.waitUntilExit()
        #expect(server.terminationStatus == 0, "a graceful shutdown exits cleanly")
        let mails = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }
        let texts = try mails.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        let activation = try #require(texts.first { $0.contains("#token=") }, "the activation mail was written")
        // The token is base64url (RFC 4648 §5): letters, digits, "-" and "_"; 32 bytes make 43 characters.
        let base64url = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let token = String(activation.split(separator: "#token=")[1].prefix { base64url.contains($0) })
        #expect(token.count == 43, "the whole link token was read from the mail")
        let logged = try String(contentsOf: logURL, encoding: .utf8)
        #expect(logged.contains("POST /api/registrations 201"))
        #expect(!logged.contains(token), "no link token in the server's log")
        #expect(!logged.contains("Harbor2026q"))
    }
}
#endif
