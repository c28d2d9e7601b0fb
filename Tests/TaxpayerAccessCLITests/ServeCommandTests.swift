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
        try cli.loadPat()

        // The outbox worker waits an hour once it finds nothing: only the shutdown's last pass can send the mail.
        let (server, bound) = try await cli.serve([
            "--port", "0", "--mail-folder", "mail", "--outbox-interval", "3600", "--outbox-progress-interval", "1",
        ])
        defer { if server.isRunning { server.terminate() } }
        let (_, registered) = try await CLI.post("/api/registrations", port: bound, body: CLI.patRegistration())
        #expect(registered == 201, "the directory in the database proved Pat")

        // A wrong password (RULES A2) is counted, and the exposition names no username.
        let wrong = try JSONSerialization.data(withJSONObject: ["username": "pat.client", "password": "Wrong2026pass"])
        let (_, refused) = try await CLI.post("/api/session", port: bound, body: wrong)
        #expect(refused == 401)
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
        // Latencies by route pattern (Hummingbird's metrics middleware): the sign-in's, with its 401.
        let durations = exposition.split(separator: "\n").filter {
            $0.hasPrefix("http_server_request_duration_count{") && $0.contains("/api/session")
        }
        #expect(durations.count == 1 && durations[0].contains("401"), "\(durations)")

        // The worker sleeps for an hour between passes, yet reports progress on its own interval.
        var progressed = false
        for _ in 0..<50 where !progressed {
            try await Task.sleep(for: .milliseconds(100))
            progressed = cli.serverLog.contains("outbox progress: sent 0")
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
        let logged = cli.serverLog
        #expect(logged.contains("POST /api/registrations 201"))
        #expect(!logged.contains(token), "no link token in the server's log")
        #expect(!logged.contains("Harbor2026q"))
    }
}
#endif
