// Test helper, not a tool: the child process of the SQLite crash test (Tests/TaxpayerAccessSQLiteTests/CrashTests).
//
// Usage: SQLiteCrashTestChild DATABASE_PATH RUN_TAG
//
// Opens the store and commits in a loop until killed. Each commit writes three related records (a taxpayer and two
// accounts named after RUN_TAG and the commit's number), bumps the counter record `taxpayer/T0`, appends one audit
// event and queues one outbox mail. Only after `commit` returned does it print `SEQUENCE RUN_TAG-N` with a single
// unbuffered write, so every line the parent reads is a commit SQLite reported durable.
import TaxpayerAccess
import TaxpayerAccessSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: SQLiteCrashTestChild DATABASE_PATH RUN_TAG\n".utf8))
    exit(2)
}
let tag = arguments[2]
let time = Date(timeIntervalSince1970: 1_800_000_000)

do {
    let store = try SQLiteAccessStore(path: arguments[1])
    var counter = try await store.taxpayer("T0")
    var n = 0
    while true {
        n += 1
        let name = "\(tag)-\(n)"
        var changes = ChangeSet()
        let next = Taxpayer(
            id: "T0", taxID: TaxIdentifier(type: .fein, number: "000000000"),
            legalName: "last \(name)", kind: .business)
        changes.put(.taxpayer(next), from: counter?.version)
        changes.insert(
            .taxpayer(
                Taxpayer(
                    id: TaxpayerID("T-\(name)"), taxID: TaxIdentifier(type: .ssn, number: name),
                    legalName: "Taxpayer \(name)", kind: .individual)))
        changes.insert(
            .account(TaxAccount(id: AccountID("A-\(name)-1"), taxpayer: TaxpayerID("T-\(name)"), type: .withholding)))
        changes.insert(
            .account(TaxAccount(id: AccountID("A-\(name)-2"), taxpayer: TaxpayerID("T-\(name)"), type: .personalIncome))
        )
        changes.audit(AuditEvent(time: time, actor: .system, action: .taxpayerLoaded, subject: "taxpayer/T-\(name)"))
        changes.send(
            OutboxMail(
                id: MailID("M-\(name)"), to: "crash@example.com", subject: "Loaded",
                sealedBody: Array(name.utf8), createdAt: time))
        let committed = try await store.commit(changes)
        counter = Versioned(next, version: (counter?.version ?? 0) + 1)
        let line = "\(committed) \(name)\n"
        _ = line.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
    }
} catch {
    FileHandle.standardError.write(Data("SQLiteCrashTestChild: \(error)\n".utf8))
    exit(1)
}
