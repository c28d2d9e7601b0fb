import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The harness's and server's settings (Documentation/Operations.md, Settings): the command line over the
/// environment over the settings file, and a bad setting stopping the command with its name before anything opens.
@Suite("settings")
struct SettingsTests {
    static let addTaxpayer = [
        "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123-45-6789", "--legal-name",
        "Pat Q Client", "--kind", "individual",
    ]

    @Test("settings: the command line wins over the environment, which wins over the settings file")
    func precedence() throws {
        let cli = try CLI()
        let file = try cli.write(#"{"database": "from-file.db"}"#, to: "settings.json")
        let exists = { (name: String) in
            FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(name).path)
        }

        try #require(cli.run(Self.addTaxpayer + ["--config", file]).status == 0)
        #expect(exists("from-file.db") && !exists("taxpayer-access.db"), "the file named the database")

        let environment = ["TAXPAYER_ACCESS_DATABASE": "from-environment.db"]
        try #require(cli.run(Self.addTaxpayer + ["--config", file], environment: environment).status == 0)
        #expect(exists("from-environment.db"), "the environment overrode the file")

        let viaVariable = ["TAXPAYER_ACCESS_CONFIG": file, "TAXPAYER_ACCESS_KEY_FILE": "keys.bin"]
        try #require(cli.run(Self.addTaxpayer + ["--database", "from-line.db"], environment: viaVariable).status == 0)
        #expect(exists("from-line.db") && exists("keys.bin"), "the command line overrode both; the key file came too")
        #expect(!exists("from-line.db.key"))
    }

    /// A bad setting, how it is given, and what the one-line error must say.
    static let refusals: [(file: String?, environment: [String: String], error: String)] = [
        (
            #"{"server": {"port": "eighty"}}"#, [:],
            "setting server.port (in SETTINGS): expected a whole number from 0 to 65535"
        ),
        (
            nil, ["TAXPAYER_ACCESS_SERVER_PORT": "70000"],
            "setting server.port (TAXPAYER_ACCESS_SERVER_PORT in the environment): expected a whole number from 0 to "
                + "65535, not 70000"
        ),
        (#"{"server": {"prot": 8080}}"#, [:], "setting server.prot (in SETTINGS): no such setting"),
        (
            #"{"policy": {"lockoutThreshold": 0}}"#, [:],
            "setting policy.lockoutThreshold (in SETTINGS): lockoutThreshold (RULES A2, failures) must be at least 1"
        ),
        (
            nil, ["TAXPAYER_ACCESS_LINKS_PLACEMENT": "hash"],
            #"setting links.placement (TAXPAYER_ACCESS_LINKS_PLACEMENT in the environment): expected one of "#
                + #"fragment, path, query, not "hash""#
        ),
        (
            nil, ["TAXPAYER_ACCESS_LOG_LEVEL": "loud"],
            "setting log.level (TAXPAYER_ACCESS_LOG_LEVEL in the environment): expected one of trace, debug, info"
        ),
        (
            #"{"mail": {"transport": "files", "sendmail": "/usr/sbin/sendmail"}}"#, [:],
            "setting mail.sendmail (in SETTINGS): applies to mail.transport sendmail only"
        ),
        (#"{"policy": {"preset": "strict"}}"#, [:], "setting policy.preset (in SETTINGS)"),
        ("{", [:], "setting config (SETTINGS): the settings file is not JSON"),
        (nil, ["TAXPAYER_ACCESS_CONFIG": "missing.json"], "setting config (TAXPAYER_ACCESS_CONFIG): no settings file"),
    ]

    @Test("settings, RULES A2: a bad setting stops the command, naming the setting and its source, and opens nothing")
    func badSettingNamesItself() throws {
        for refusal in Self.refusals {
            let cli = try CLI()
            var arguments = Self.addTaxpayer
            var expected = refusal.error
            if let text = refusal.file {
                let path = try cli.write(text, to: "settings.json")
                arguments += ["--config", path]
                expected = expected.replacingOccurrences(of: "SETTINGS", with: path)
            }
            let result = try cli.run(arguments, environment: refusal.environment)
            CLI.expectOneLineError(result, containing: expected)
            #expect(!result.stderr.contains("see --help"), "a setting is not a mistyped command line")
            #expect(!FileManager.default.fileExists(atPath: cli.database.path), "nothing opened: \(expected)")
        }
    }

    @Test("settings: the documented example file is read whole and works as it stands")
    func documentedExample() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Documentation/settings-example.json")
        let cli = try CLI()
        let result = try cli.run(Self.addTaxpayer + ["--config", example.path])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: example)) as? [String: Any])
        let database = try #require(object["database"] as? String)
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(database).path))
        // Every setting the harness knows is in the example, so the example documents them all.
        for section in ["portal", "links", "policy", "mail", "texts", "server", "log", "outbox"] {
            #expect(object[section] != nil, "the example shows \(section)")
        }
    }

    #if HTTP
    @Test("settings, RULES R6, R12: serve takes its policy, links, mail folder and log level from the settings")
    func serveReadsSettings() async throws {
        let cli = try CLI()
        try cli.loadPat()
        let file = try cli.write(
            """
            {
              "portal": {"url": "https://tax.example.gov"},
              "links": {"placement": "path"},
              "policy": {"preset": "nist80063b"},
              "mail": {"transport": "files", "folder": "mail-from-settings"},
              "server": {"port": 0},
              "log": {"level": "error"},
              "outbox": {"interval": 1}
            }
            """, to: "settings.json")
        // The environment lowers the file's log level, so the server says where it listens.
        let (server, port) = try await cli.serve(
            ["--config", file], environment: ["TAXPAYER_ACCESS_LOG_LEVEL": "info"])
        defer { if server.isRunning { server.terminate() } }

        // 20 characters: refused by MassTaxConnect's 8–15 (RULES R6), allowed by NIST 800-63B's 8–64.
        let long = "Lighthouse2026Harbor"
        let (_, status) = try await CLI.post(
            "/api/registrations", port: port, body: CLI.patRegistration(password: long))
        #expect(status == 201, "the policy of the settings file applied")

        let folder = cli.directory.appendingPathComponent("mail-from-settings")
        var texts: [String] = []
        for _ in 0..<100 where texts.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter {
                $0.hasSuffix(".eml")
            }
            texts = names.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
        }
        let activation = try #require(texts.first { $0.contains("https://tax.example.gov/activate/") })
        let base64url = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let token = activation.components(separatedBy: "https://tax.example.gov/activate/")[1].prefix {
            base64url.contains($0)
        }
        #expect(token.count == 43, "the token in the link's path, as links.placement said")
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
    }
    #endif
}
