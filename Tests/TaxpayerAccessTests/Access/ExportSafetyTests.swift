import Foundation
import Testing
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@testable import TaxpayerAccess

/// What the services write always survives the snapshot format (export, then import), and no secret leaks through a
/// value's description.
@Suite("Export safety and redaction")
struct ExportSafetyTests {
    typealias C = Cast

    @Test("S3, S2: a group name with a control character and an ill-formed account type are refused by the services")
    func servicesRefuseWhatTheSnapshotFormatRefuses() async throws {
        let cast = try await Cast.make()
        let firm = cast.world.portal.firm
        let token = try await cast.token(C.parent)
        for name in ["Payroll\u{7}", "Pay\u{1B}[31mroll", "Tab\u{0}bed"] {
            await expectRefusal(.invalidInput, field: "name") { try await firm.createGroup(token, name: name) }
        }
        await expectRefusal(.invalidInput, field: "accountTypes") {
            try await firm.addSecondary(
                token,
                NewSecondary(
                    fullName: "Kim", email: "k@a.example", accessType: .masterAdministrator,
                    accountTypes: ["personal income"]))
        }
    }

    @Test("S3, SnapshotFormat: two spellings of one name are two groups in the store, and export ∘ import keeps both")
    func exportImportKeepsWhatTheServicesWrote() async throws {
        // A world of the firm alone: the access tests' cast holds taxpayers loaded past the rules (an SSN of 9xx).
        let world = FixtureWorld()
        try await world.taxpayer(
            "TF", idType: .fein, number: "041234567", name: "Acme Payroll LLC", kind: .business,
            accounts: [("AF1", .withholding)])
        try await world.logon("PARENT", name: "Alex Owner", clientManagement: true, ownTaxpayer: "TF")
        try await world.role("PARENT", on: "TF", .masterAdministrator)
        let firm = world.portal.firm
        let token = try await world.caller("PARENT")
        let composed = "Caf\u{E9}"
        let decomposed = "Cafe\u{301}"
        #expect(composed == decomposed, "Swift compares the two spellings as one string")
        try await firm.createGroup(token, name: composed)
        try await firm.createGroup(token, name: decomposed)
        let exported = try await AccessSnapshot.export(from: world.store)
        #expect(exported.securityGroups.filter { $0.name == composed }.count == 2)
        let copy = InMemoryAccessStore()
        try await exported.import(into: copy)
        #expect(try await AccessSnapshot.export(from: copy) == exported)
    }

    @Test("R6, R7: printing or dumping a logon shows which secrets are set, never a hash")
    func descriptionsHoldNoHash() async throws {
        let hash = try await FixtureHasher().hash("Passw0rd!")
        let logon = Logon(
            id: "L1", username: "pat.client", email: "pat@client.example", fullName: "Pat Client",
            credentials: Credentials(passwordHash: hash, pinHash: "$pin-hash$", securityAnswerHash: "$answer-hash$"),
            activated: true, createdAt: Date(timeIntervalSince1970: 0))
        var dumped = ""
        dump(logon, to: &dumped)
        for text in ["\(logon)", String(reflecting: logon), dumped] {
            #expect(!text.contains(hash) && !text.contains("$pin-hash$") && !text.contains("$answer-hash$"))
            #expect(text.contains("set"))
        }
    }
}
