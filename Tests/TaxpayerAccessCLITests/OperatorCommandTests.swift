import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessSQLite

/// The operator commands on the database file: taxpayer, account, requests, who-has-access, audit, deliver-mail.
@Suite("taxpayer-access operator commands")
struct OperatorCommandTests {
    // MARK: taxpayer, account (T1–T4)

    @Test("taxpayer add and account add, then taxpayer list shows them with the ID masked (T1, T2, T4)")
    func addAndList() throws {
        let cli = try CLI()
        let added = try cli.run(
            "taxpayer", "add", "--id", "T1", "--id-type", "FEIN", "--id-number", "04-1234567", "--legal-name",
            "Acme Payroll LLC", "--kind", "business")
        #expect(added.status == 0, "stderr: \(added.stderr)")
        #expect(
            try cli.run(
                "taxpayer", "add", "--id", "T9", "--id-type", "ssn", "--id-number", "123456789",
                "--legal-name", "Pat Client", "--kind", "individual"
            ).status == 0)
        #expect(try cli.run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "withholding").status == 0)
        #expect(
            try cli.run(
                "account", "add", "--taxpayer", "T1", "--id", "A2", "--type", "salesAndUse",
                "--status", "closed"
            ).status == 0)
        let list = try cli.run("taxpayer", "list")
        #expect(list.status == 0)
        #expect(
            list.lines == [
                #"T1 FEIN **-***4567 "Acme Payroll LLC" business: A1 withholding active, A2 salesAndUse closed"#,
                #"T9 SSN ***-**-6789 "Pat Client" individual: no accounts"#,
            ])
        #expect(!list.stdout.contains("041234567") && !list.stdout.contains("123456789"))
        // The key beside the database: 32 bytes, readable by the owner only.
        let key = cli.database.path + ".key"
        let attributes = try FileManager.default.attributesOfItem(atPath: key)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect((attributes[.size] as? NSNumber)?.intValue == 32)
    }

    @Test("taxpayer add refuses a bad ID, a bad kind and an ID pair another taxpayer holds; one line each (T1)")
    func taxpayerAddErrors() throws {
        let cli = try CLI()
        CLI.expectOneLineError(
            try cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "12", "--legal-name", "X",
                "--kind", "individual"),
            containing: "9 digits")
        CLI.expectOneLineError(
            try cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123456789", "--legal-name",
                "X", "--kind", "company"),
            containing: "--kind company")
        CLI.expectOneLineError(try cli.run("taxpayer", "add", "--id", "T1"), containing: "--id-type")
        #expect(
            try cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123456789",
                "--legal-name", "Pat Client", "--kind", "individual"
            ).status == 0)
        CLI.expectOneLineError(
            try cli.run(
                "taxpayer", "add", "--id", "T2", "--id-type", "SSN", "--id-number", "123-45-6789",
                "--legal-name", "Someone Else", "--kind", "individual"),
            containing: "Another taxpayer (T1) already has this ID type and number.")
    }

    @Test("taxpayer list and account add name a missing database and an unknown taxpayer; one line each (T2)")
    func listAndAccountErrors() throws {
        let cli = try CLI()
        CLI.expectOneLineError(try cli.run("taxpayer", "list"), containing: "no database at taxpayer-access.db")
        #expect(
            try cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123456789",
                "--legal-name", "Pat Client", "--kind", "individual"
            ).status == 0)
        CLI.expectOneLineError(
            try cli.run("account", "add", "--taxpayer", "T404", "--id", "A1", "--type", "withholding"),
            containing: "unknown taxpayer T404")
        CLI.expectOneLineError(
            try cli.run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "Not A Type"),
            containing: "camelCase")
        CLI.expectOneLineError(
            try cli.run(
                "account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "withholding", "--status", "open"),
            containing: "--status open")
    }

    // MARK: requests, who-has-access (X4, X5, W1, U2)

    /// Imports a firm and a client and files a printed-form request from the firm through ``ThirdPartyAccess``;
    /// returns its confirmation number.
    /// The sealing key beside the test's database, made the way the harness makes it when missing: the services of
    /// the test and the harness's deliver-mail must share it to open outbox bodies.
    static func sealingKey(of cli: CLI, random: any RandomSource) throws -> [UInt8] {
        let path = cli.database.path + ".key"
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(
                atPath: path, contents: Data(SecretBox.generateKey(using: random)),
                attributes: [.posixPermissions: 0o600])
        }
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func printedFormRequest(in cli: CLI) async throws -> String {
        let file = try cli.write(Documents.firmAndClient, to: "world.json")
        let imported = try cli.run("import", "--snapshot", file)
        try #require(imported.status == 0, "stderr: \(imported.stderr)")
        let store = try SQLiteAccessStore(path: cli.database.path)
        // X1 needs the firm's own taxpayer; the import takes it from the firm's one Master Administrator role.
        let firm = try #require(try await store.logon("L1"))
        #expect(firm.value.ownTaxpayer == "T1")
        let random = SecureRandom()
        let (token, hash) = SecretToken.generate(using: random)
        var changes = ChangeSet()
        changes.insert(
            .session(
                Session(
                    id: "S1", tokenHash: hash, logon: "L1", stage: .authenticated, createdAt: Date(),
                    lastActivityAt: Date())))
        try await store.commit(changes)
        let portal = try await Portal.open(
            store: store, directory: EmptyDirectory(), mailer: NoMail(), texts: NoTexts(),
            keys: SealingKeyRing(current: try SealingKey(try Self.sealingKey(of: cli, random: random))),
            policy: .massTaxConnect, links: .standard(portalURL: "https://portal.example.gov"), random: random,
            hasher: Argon2idHasher(cost: .minimum))
        let receipt = try await portal.thirdParties.requestAccess(
            try await portal.authenticate(sessionToken: token), idType: .ssn, idNumber: "123-45-6789",
            legalName: "Pat Client",
            accounts: ["A90": .fileAndPay, "A91": .fileAndPay], channel: .printedForm)
        return receipt.confirmationNumber
    }

    @Test("requests list shows the printed-form request; decide approves it at other levels than asked (X4, X5, X7)")
    func listAndDecide() async throws {
        let cli = try CLI()
        let number = try await Self.printedFormRequest(in: cli)
        let pending = try cli.run("requests", "list", "--pending")
        #expect(pending.status == 0)
        try #require(pending.lines.count == 1)
        #expect(
            pending.lines[0].hasPrefix(
                "\(number) pending printedForm: L1 (acme.owner) asks for taxpayer T9 (Pat Client) A90=fileAndPay A91=fileAndPay"
            ))
        let decided = try cli.run(
            "requests", "decide", "--confirmation", number, "--approve", "--level", "A90=viewOnly", "--level",
            "A91=fileAndPay", "--operator", "clerk 7")
        #expect(decided.status == 0, "stderr: \(decided.stderr)")
        #expect(decided.stdout.contains("approved: A90=viewOnly A91=fileAndPay"))
        #expect(try cli.run("requests", "list", "--pending").lines == ["no pending requests"])
        #expect(try cli.run("requests", "list").lines.first?.hasPrefix("\(number) approved printedForm") == true)
        let who = try cli.run("who-has-access", "T9")
        #expect(
            who.lines == [
                "L1 acme.owner via=third-party A90=viewOnly A91=fileAndPay",
                "L3 pat.client via=MA A90=allAccess A91=allAccess",
            ])
        // U1: the operator is the actor of the decision.
        #expect(try cli.run("audit", "--subject", "accessRequest/").stdout.contains("agency (clerk 7)"))
    }

    @Test(
        "requests decide: unknown confirmation, both or neither verdict, a bad level, a decided request; one line each (X4)"
    )
    func decideErrors() async throws {
        let cli = try CLI()
        CLI.expectOneLineError(try cli.run("requests", "list"), containing: "no database at")
        let number = try await Self.printedFormRequest(in: cli)
        CLI.expectOneLineError(
            try cli.run("requests", "decide", "--confirmation", "0-000-000-000", "--deny", "--operator", "clerk"),
            containing: "There is no request with that confirmation number.")
        CLI.expectOneLineError(
            try cli.run("requests", "decide", "--confirmation", number, "--approve", "--deny", "--operator", "clerk"),
            containing: "exactly one of --approve and --deny")
        CLI.expectOneLineError(
            try cli.run("requests", "decide", "--confirmation", number, "--approve", "--operator", "clerk"),
            containing: "--level")
        CLI.expectOneLineError(
            try cli.run(
                "requests", "decide", "--confirmation", number, "--approve", "--level", "A90=everything",
                "--operator", "clerk"),
            containing: "unknown level \"everything\"")
        CLI.expectOneLineError(
            try cli.run("requests", "decide", "--confirmation", number, "--deny"), containing: "--operator")
        #expect(
            try cli.run("requests", "decide", "--confirmation", number, "--deny", "--operator", "clerk").status == 0)
        CLI.expectOneLineError(
            try cli.run("requests", "decide", "--confirmation", number, "--deny", "--operator", "clerk"),
            containing: "already denied")
        #expect(try cli.run("who-has-access", "T9").lines == ["L3 pat.client via=MA A90=allAccess A91=allAccess"])
    }

    @Test("who-has-access --at answers from the audit log: before the decision the firm had nothing (U2)")
    func whoHasAccessAt() async throws {
        let cli = try CLI()
        let number = try await Self.printedFormRequest(in: cli)
        let beforeDecision = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        #expect(
            try cli.run(
                "requests", "decide", "--confirmation", number, "--approve", "--level", "A90=allAccess",
                "--level", "A91=none", "--operator", "clerk"
            ).status == 0)
        #expect(
            try cli.run("who-has-access", "T9").lines
                == ["L1 acme.owner via=third-party A90=allAccess", "L3 pat.client via=MA A90=allAccess A91=allAccess"])
        #expect(
            try cli.run("who-has-access", "T9", "--at", beforeDecision).lines
                == ["L3 pat.client via=MA A90=allAccess A91=allAccess"])
        #expect(
            try cli.run("who-has-access", "T9", "--at", "2000-01-01T00:00:00Z").lines
                == ["no logon has access to taxpayer T9 at 2000-01-01T00:00:00.000Z"])
        CLI.expectOneLineError(try cli.run("who-has-access", "T404"), containing: "unknown taxpayer T404")
        CLI.expectOneLineError(try cli.run("who-has-access", "T9", "--at", "last week"), containing: "--at last week")
    }

    // MARK: audit (U1)

    @Test("audit prints one tab-separated line per event, filtered by --after, --limit and --subject (U1)")
    func audit() throws {
        let cli = try CLI()
        #expect(
            try cli.run(
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123456789",
                "--legal-name", "Pat Client", "--kind", "individual", "--operator", "clerk 7"
            ).status == 0)
        #expect(try cli.run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "personalIncome").status == 0)
        #expect(try cli.run("account", "add", "--taxpayer", "T1", "--id", "A2", "--type", "withholding").status == 0)
        let all = try cli.run("audit")
        #expect(all.status == 0)
        try #require(all.lines.count == 4)
        // The first start recorded the database's sealing key (Documentation/Operations.md, Key safety).
        let key = all.lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        #expect(key.count == 6 && key[2] == "system" && key[3] == "keys.registered")
        let fields = all.lines[1].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        try #require(fields.count == 6)
        #expect(fields[0] == "2")
        #expect(fields[2] == "agency (clerk 7)")
        #expect(fields[3] == "agency.taxpayerLoaded")
        #expect(fields[4] == "taxpayer/T1")
        #expect(try cli.run("audit", "--after", "2").lines.map { $0.prefix(2) } == ["3\t", "4\t"])
        #expect(try cli.run("audit", "--limit", "1").lines.count == 1)
        #expect(
            try cli.run("audit", "--subject", "account/").lines.map { $0.split(separator: "\t")[4] } == [
                "account/A1", "account/A2",
            ])
        CLI.expectOneLineError(try cli.run("audit", "--limit", "0"), containing: "--limit")
        CLI.expectOneLineError(
            try cli.run("audit", "--database", "missing.db"), containing: "no database at missing.db")
    }

    // MARK: deliver-mail (N2)

    @Test("deliver-mail writes the outbox as .eml files and sends each mail once (N2)")
    func deliverMail() async throws {
        let cli = try CLI()
        let number = try await Self.printedFormRequest(in: cli)
        #expect(
            try cli.run("requests", "decide", "--confirmation", number, "--deny", "--operator", "clerk").status == 0)
        let first = try cli.run("deliver-mail", "--folder", "mail")
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let sent = try #require(first.stdout.split(separator: ",").first.flatMap { Int($0.dropFirst("sent ".count)) })
        #expect(sent >= 1)
        #expect(first.stdout.contains("failed 0, remaining 0"))
        let folder = cli.directory.appendingPathComponent("mail")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count == sent)
        let text = try String(contentsOf: folder.appendingPathComponent(files[0]), encoding: .utf8)
        #expect(text.contains("From: noreply@portal.example.gov\r\n"))
        #expect(try cli.run("deliver-mail", "--folder", "mail").lines == ["sent 0, failed 0, remaining 0"])
        CLI.expectOneLineError(try cli.run("deliver-mail"), containing: "--folder")
    }
}

/// A system of record that knows nobody (the operator commands need none).
struct EmptyDirectory: TaxpayerDirectory {
    func entry(for taxID: TaxIdentifier) async throws -> DirectoryEntry? { nil }
    func filedReturns(for taxID: TaxIdentifier, accountType: AccountType) async throws -> [FiledReturn] { [] }
    func signUpLetters(for taxID: TaxIdentifier) async throws -> [SignUpLetter] { [] }
}

/// A mailer that sends nothing (the test reads nothing it would send).
struct NoMail: Mailer {
    func send(_ mail: OutgoingMail) async throws {}
}

/// A text gateway that sends nothing.
struct NoTexts: TextMessenger {
    func send(_ text: OutgoingText) async throws {}
}
