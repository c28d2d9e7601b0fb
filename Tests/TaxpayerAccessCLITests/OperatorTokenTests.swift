#if HTTP
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `taxpayer-access operator` and `serve`'s `/api/agency` routes as an operator uses them: a token issued once, kept
/// as a hash, accepted by a real server, refused once removed.
@Suite("operator tokens")
struct OperatorTokenTests {
    /// A request to the server on `port` with the operator header when `token` is given.
    static func send(_ method: String, _ path: String, port: Int, token: String?) async throws -> (String, Int) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue(token, forHTTPHeaderField: "X-Operator-Token") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    @Test("RULES R10, U1: operator add prints a token once and keeps its hash; serve accepts it on /api/agency only")
    func operatorTokens() async throws {
        let cli = try CLI()
        try cli.loadPat()
        let added = try cli.run("operator", "add", "clerk 12")
        #expect(added.status == 0, "\(added.stderr)")
        let token = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.count == 43, "32 random bytes as base64url: \(token.count)")
        let file = cli.directory.appendingPathComponent("taxpayer-access.db.operators.json")
        let kept = try String(contentsOf: file, encoding: .utf8)
        #expect(kept.contains("clerk 12") && kept.contains("tokenHash"))
        #expect(!kept.contains(token), "the token itself is kept nowhere")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "owner-only")
        CLI.expectOneLineError(try cli.run("operator", "add", "CLERK 12"), containing: "already an operator named")
        #expect(try cli.run("operator", "list").lines == ["clerk 12"])

        let (server, port) = try await cli.serve(["--port", "0", "--mail-folder", "mail"])
        defer { if server.isRunning { server.terminate() } }
        #expect(cli.serverLog.contains("agency operators: 1 from taxpayer-access.db.operators.json"))
        let (receipt, registered) = try await CLI.post("/api/registrations", port: port, body: CLI.patRegistration())
        #expect(registered == 201)
        let number = try #require(
            (try JSONSerialization.jsonObject(with: Data(receipt)) as? [String: Any])?["confirmationNumber"] as? String)
        let path = "/api/agency/registrations/\(number)"
        let (_, anonymous) = try await Self.send("GET", path, port: port, token: nil)
        #expect(anonymous == 401)
        let (shown, status) = try await Self.send("GET", path, port: port, token: token)
        #expect(status == 200, "\(shown)")
        #expect(shown.contains("\"status\":\"approved\""), "approved on submission (the default policy): \(shown)")
        let (_, again) = try await Self.send("POST", "\(path)/approve", port: port, token: token)
        #expect(again == 409, "already decided")
        server.terminate()
        server.waitUntilExit()
        #expect(!cli.serverLog.contains(token), "the token never reaches the log")

        // Removed: the next start refuses the token.
        #expect(try cli.run("operator", "remove", "Clerk 12").status == 0)
        #expect(try cli.run("operator", "list").stdout.isEmpty)
        CLI.expectOneLineError(try cli.run("operator", "remove", "clerk 12"), containing: "no operator named")
        let (restarted, newPort) = try await cli.serve(["--port", "0", "--mail-folder", "mail"])
        defer { if restarted.isRunning { restarted.terminate() } }
        let (_, refused) = try await Self.send("GET", path, port: newPort, token: token)
        #expect(refused == 401)
        restarted.terminate()
        restarted.waitUntilExit()

        // A file others may read or write is refused: a token hash written by anyone else would make an operator.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        CLI.expectOneLineError(try cli.run("operator", "list"), containing: "chmod 600")

        // A file that is not the operators JSON stops the command, naming the file.
        let bad = try cli.write("not json", to: "bad-operators.json")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: bad)
        CLI.expectOneLineError(
            try cli.run("operator", "list", "--operators-file", bad), containing: "operators file \(bad)")
    }
}
#endif
