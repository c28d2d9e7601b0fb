// A firm with secondary logons in custom security groups (RULES S2–S6). When a client cancels the firm's access,
// every secondary loses its access to that client at once (S7), and explain says why.
//
//     swift run FirmSecurityGroups
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

let world = FixtureWorld()
// The firm: its owner is the parent logon, MA of the firm's own taxpayer, with client management (S1).
try await world.taxpayer(
    "T1", idType: .fein, number: "041234567", name: "Acme Payroll LLC", kind: .business,
    accounts: [("A1", .withholding)])
try await world.logon("L1", name: "Alex Owner", clientManagement: true, ownTaxpayer: "T1")
try await world.role("L1", on: "T1", .masterAdministrator)
// Two clients, each already granting the firm access (X7).
try await world.taxpayer(
    "T9", number: "123456789", name: "Pat Client",
    accounts: [("A90", .withholding), ("A91", .personalIncome)])
try await world.logon("L9", name: "Pat Client", ownTaxpayer: "T9")
try await world.role("L9", on: "T9", .masterAdministrator)
try await world.grant("L1", on: "T9", ["A90": .allAccess, "A91": .fileAndPay])
try await world.taxpayer("T8", number: "223456789", name: "Robin Client", accounts: [("A80", .withholding)])
try await world.logon("L8", name: "Robin Client", ownTaxpayer: "T8")
try await world.role("L8", on: "T8", .masterAdministrator)
try await world.grant("L1", on: "T8", ["A80": .fileAndPay])

let firm = world.portal.firm
let owner = try await world.caller("L1")  // one request's caller, reused here for brevity

// S3, S4: a custom group for payroll clients, with both clients in it.
let payroll = try await firm.createGroup(owner, name: "Payroll clients")
try await firm.assignTaxpayer(owner, taxpayer: "T9", to: payroll)
try await firm.assignTaxpayer(owner, taxpayer: "T8", to: payroll)

// S2, S5: two secondaries in that group — a manager (MA) and a clerk (TA, File and Pay, withholding only).
let manager = try await firm.addSecondary(
    owner,
    NewSecondary(
        fullName: "Morgan Manager", email: "morgan@acme.example", accessType: .masterAdministrator, groups: [payroll]))
let clerk = try await firm.addSecondary(
    owner,
    NewSecondary(
        fullName: "Kim Clerk", email: "kim@acme.example", accessType: .taxAdministrator(.fileAndPay),
        accountTypes: [.withholding], groups: [payroll]))
// S2: the person completes the logon from the emailed link (access already holds before that).
if let mail = try await world.mails(to: "kim@acme.example").first, let link = FixtureWorld.linkToken(in: mail) {
    try await firm.completeSecondary(linkToken: link, username: "kim.clerk", password: "Clerk2026x")
}

for logon in try await firm.secondaries(owner) {
    print("\(logon.fullName): \(logon.accessTypeLabel)")  // S9
}

func table(_ title: String) async throws {
    let resolver = world.portal.resolver  // current with every commit the portal made: no catch-up
    print("\n\(title)")
    for (name, id) in [("owner", LogonID("L1")), ("manager", manager), ("clerk", clerk)] {
        let levels = ["A90", "A91", "A80"].map { "\($0)=\(resolver.level(logon: id, account: AccountID($0)).name)" }
        print("  \(name + String(repeating: " ", count: max(0, 8 - name.count))) \(levels.joined(separator: " "))")
    }
}
try await table("Access with both clients in \"Payroll clients\":")

// S7: client T9 cancels the firm's access (X8). Every secondary loses T9 at once.
try await world.portal.thirdParties.cancelAccess(
    try await world.caller("L9"), taxpayer: "T9", thirdParty: "L1")
try await table("After Pat Client cancelled the firm's access:")

let resolver = try await AccessResolver.load(from: world.store)
print("\nWhy has the clerk no access to A90?\n  \(resolver.explain(logon: clerk, account: "A90").summary)")
print("Why has the clerk access to A80?\n  \(resolver.explain(logon: clerk, account: "A80").summary)")
