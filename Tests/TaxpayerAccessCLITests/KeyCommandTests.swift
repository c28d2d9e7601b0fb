import Foundation
import Testing
import TaxpayerAccess
import TaxpayerAccessSQLite

/// Key safety in the harness (Documentation/Operations.md, Key safety): a database is never opened with a new key
/// while it holds what the old one sealed; keys rotate, reseal and retire.
@Suite("taxpayer-access keys and key safety")
struct KeyCommandTests {
    static func addTaxpayer(_ cli: CLI, database: String? = nil) throws -> CLI.Result {
        try cli.run(
            [
                "taxpayer", "add", "--id", "T1", "--id-type", "SSN", "--id-number", "123456789", "--legal-name", "Pat",
                "--kind", "individual",
            ] + (database.map { ["--database", $0] } ?? []))
    }

    static func keys(at path: String) throws -> [SealingKey] {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return try stride(from: 0, to: bytes.count, by: 32).map { try SealingKey(Array(bytes[$0..<$0 + 32])) }
    }

    /// Commits a pending mail to `database` whose body is sealed with `key`.
    static func queueMail(_ id: String, body: String, in database: String, sealedWith key: SealingKey) async throws {
        let store = try SQLiteAccessStore(path: database)
        var changes = ChangeSet()
        changes.send(
            OutboxMail(
                id: MailID(id), to: "pat@example.com", subject: "Your code", body: body,
                sealedWith: SealingKeyRing(current: key).box, random: SecureRandom(), createdAt: Date()))
        try await store.commit(changes)
    }

    static func pending(in database: String) async throws -> Int {
        try await SQLiteAccessStore(path: database).pendingMail().count
    }

    @Test(
        "a restored database without its key file refuses to start, makes no key, loses nothing; with the key back the mail goes"
    )
    func restoredWithoutKey() async throws {
        let cli = try CLI()
        #expect(try Self.addTaxpayer(cli).status == 0)
        let keyFile = cli.database.path + ".key"
        let key = try #require(try Self.keys(at: keyFile).first, "a new database gets a new key")
        try await Self.queueMail("M1", body: "Your code is 314159.", in: cli.database.path, sealedWith: key)

        // Restore the database elsewhere, without its key file.
        let restored = cli.directory.appendingPathComponent("restored.db").path
        try await SQLiteAccessStore(path: cli.database.path).backup(to: restored)
        let refused = try cli.run("deliver-mail", "--database", restored, "--folder", "out")
        CLI.expectOneLineError(refused, containing: "the key file \(restored).key is missing")
        #expect(refused.stderr.contains(key.id), "names the key the database needs")
        #expect(refused.stderr.contains("put back the key file"))
        #expect(!FileManager.default.fileExists(atPath: restored + ".key"), "no new key was made")
        CLI.expectOneLineError(try Self.addTaxpayer(cli, database: restored), containing: "is missing")
        #expect(!FileManager.default.fileExists(atPath: restored + ".key"))
        #expect(try await Self.pending(in: restored) == 1, "the mail is still there")

        // Another key is refused too, naming both.
        try Data(SecretBox.generateKey(using: SecureRandom())).write(to: URL(fileURLWithPath: restored + ".key"))
        let wrong = try cli.run("deliver-mail", "--database", restored, "--folder", "out")
        CLI.expectOneLineError(wrong, containing: key.id)
        #expect(try await Self.pending(in: restored) == 1)

        // The key given back: the mail opens and goes, whole.
        try FileManager.default.removeItem(atPath: restored + ".key")
        try FileManager.default.copyItem(atPath: keyFile, toPath: restored + ".key")
        let delivered = try cli.run("deliver-mail", "--database", restored, "--folder", "out")
        #expect(delivered.status == 0, "stderr: \(delivered.stderr)")
        #expect(delivered.lines == ["sent 1, failed 0, remaining 0"])
        let eml = try String(contentsOf: cli.directory.appendingPathComponent("out/mail-M1.eml"), encoding: .utf8)
        #expect(eml.hasSuffix("\r\n\r\nYour code is 314159.\r\n"))
    }

    @Test("--key-file names the key file; a file that is not whole keys is refused")
    func keyFileOption() throws {
        let cli = try CLI()
        let keyFile = cli.directory.appendingPathComponent("secrets/access.key").path
        try FileManager.default.createDirectory(
            atPath: cli.directory.appendingPathComponent("secrets").path, withIntermediateDirectories: true)
        let added = try cli.run(
            "taxpayer", "add", "--key-file", keyFile, "--id", "T1", "--id-type", "SSN", "--id-number", "123456789",
            "--legal-name", "Pat", "--kind", "individual")
        #expect(added.status == 0, "stderr: \(added.stderr)")
        #expect(try Self.keys(at: keyFile).count == 1)
        #expect(!FileManager.default.fileExists(atPath: cli.database.path + ".key"))
        // Without --key-file the database's recorded key is missing beside it.
        CLI.expectOneLineError(
            try cli.run("account", "add", "--taxpayer", "T1", "--id", "A1", "--type", "withholding"),
            containing: "is missing")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: keyFile))
        CLI.expectOneLineError(
            try cli.run(
                "account", "add", "--key-file", keyFile, "--taxpayer", "T1", "--id", "A1", "--type", "withholding"),
            containing: "not a sealing key file")
    }

    @Test("keys rotate seals with the new key and opens with the old; reseal and retire let the old key go")
    func rotateResealRetire() async throws {
        let cli = try CLI()
        #expect(try Self.addTaxpayer(cli).status == 0)
        let keyFile = cli.database.path + ".key"
        let old = try #require(try Self.keys(at: keyFile).first)
        try await Self.queueMail("M1", body: "sealed with the old key", in: cli.database.path, sealedWith: old)

        let rotated = try cli.run("keys", "rotate")
        #expect(rotated.status == 0, "stderr: \(rotated.stderr)")
        let ring = try Self.keys(at: keyFile)
        #expect(ring.count == 2 && ring[1] == old, "the new key first, the old one kept")
        let new = ring[0]
        #expect(rotated.stdout.contains("key \(new.id) seals from now on"))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        // The services now seal with the new key (account add builds them; the registry says so).
        let store = try SQLiteAccessStore(path: cli.database.path)
        #expect(try await SealingKeyCheck.registry(in: store)?.value.currentKeyID == new.id)
        try await Self.queueMail("M2", body: "sealed with the new key", in: cli.database.path, sealedWith: new)
        let status = try cli.run("keys", "status")
        #expect(status.status == 0, "stderr: \(status.stderr)")
        #expect(status.lines.contains { $0.hasPrefix("\(new.id)\tcurrent\tin key file\topens 1 pending mail") })
        #expect(status.lines.contains { $0.hasPrefix("\(old.id)\tprevious\tin key file\topens 1 pending mail") })

        // The old key cannot go while it opens something.
        CLI.expectOneLineError(try cli.run("keys", "retire", old.id), containing: "1 pending mail body")
        let resealed = try cli.run("keys", "reseal")
        #expect(resealed.lines == ["resealed 1 record with key \(new.id)"], "stderr: \(resealed.stderr)")
        let retired = try cli.run("keys", "retire", old.id)
        #expect(retired.status == 0, "stderr: \(retired.stderr)")
        #expect(try Self.keys(at: keyFile) == [new], "the old key left the key file")
        CLI.expectOneLineError(try cli.run("keys", "retire", new.id), containing: "current key")

        // Both mails open with the new key alone.
        let delivered = try cli.run("deliver-mail", "--folder", "out")
        #expect(delivered.lines == ["sent 2, failed 0, remaining 0"], "stderr: \(delivered.stderr)")
        for (id, body) in [("M1", "sealed with the old key"), ("M2", "sealed with the new key")] {
            let eml = try String(
                contentsOf: cli.directory.appendingPathComponent("out/mail-\(id).eml"), encoding: .utf8)
            #expect(eml.hasSuffix("\r\n\r\n\(body)\r\n"))
        }
    }

    @Test("deliver-mail --sendmail hands each mail to sendmail -t -oi with the extra arguments (N2)")
    func deliverThroughSendmail() async throws {
        let cli = try CLI()
        #expect(try Self.addTaxpayer(cli).status == 0)
        let key = try #require(try Self.keys(at: cli.database.path + ".key").first)
        try await Self.queueMail("M1", body: "Something new to view.", in: cli.database.path, sealedWith: key)
        let captured = cli.directory.appendingPathComponent("captured").path
        let script = try cli.write(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '\(captured).args'\ncat > '\(captured).eml'\n", to: "sendmail")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let sent = try cli.run(
            "deliver-mail", "--sendmail", script, "--sendmail-argument", "-f", "--sendmail-argument",
            "bounces@portal.example.gov")
        #expect(sent.lines == ["sent 1, failed 0, remaining 0"], "stderr: \(sent.stderr)")
        #expect(
            try String(contentsOfFile: captured + ".args", encoding: .utf8)
                == "-t\n-oi\n-f\nbounces@portal.example.gov\n")
        let message = try String(contentsOfFile: captured + ".eml", encoding: .utf8)
        #expect(message.contains("\nMessage-ID: <mail-M1@portal.example.gov>\n"))
        #expect(message.hasSuffix("\n\nSomething new to view.\n") && !message.contains("\r"))

        // A sendmail that refuses: the mail stays pending and the reason is printed.
        let refusing = try cli.write("#!/bin/sh\ncat >/dev/null\necho 'queue full' >&2\nexit 75\n", to: "refusing")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: refusing)
        try await Self.queueMail("M2", body: "Second.", in: cli.database.path, sealedWith: key)
        let failed = try cli.run("deliver-mail", "--sendmail", refusing)
        #expect(failed.lines == ["sent 0, failed 1, remaining 1"], "stderr: \(failed.stderr)")
        let mail = try #require(try await SQLiteAccessStore(path: cli.database.path).mail("M2"))
        #expect(mail.value.lastError?.contains("exited with status 75: queue full") == true)

        CLI.expectOneLineError(try cli.run("deliver-mail"), containing: "exactly one of --folder and --sendmail")
        CLI.expectOneLineError(
            try cli.run("deliver-mail", "--folder", "out", "--sendmail", script), containing: "exactly one")
    }
}
