import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Snapshot format")
struct SnapshotTests {
    /// the snapshot format's example document, with the roles extension (`accounts` for a Tax Administrator) added.
    static let example = #"""
        {
          "format": "taxpayer-access-snapshot/1",
          "taxpayers": [
            { "id": "T1", "idType": "FEIN", "idNumber": "041234567", "legalName": "Acme Payroll LLC", "kind": "business",
              "accounts": [ { "id": "A1", "type": "withholding", "status": "active" },
                            { "id": "A2", "type": "salesAndUse", "status": "closed" } ] },
            { "id": "T9", "idType": "SSN", "idNumber": "123456789", "legalName": "Pat Client", "kind": "individual",
              "accounts": [ { "id": "A90", "type": "withholding", "status": "active" },
                            { "id": "A91", "type": "personalIncome", "status": "active" } ] }
          ],
          "logons": [
            { "id": "L1", "username": "acme.owner", "email": "owner@acme.example", "status": "active",
              "clientManagement": true },
            { "id": "L2", "username": "acme.clerk", "email": "clerk@acme.example", "status": "active",
              "clientManagement": false,
              "secondary": { "parent": "L1", "role": "taxAdministrator", "level": "fileAndPay",
                             "groups": ["G2"], "accountTypes": ["withholding"] } },
            { "id": "L3", "username": "pat.client", "email": "pat@client.example", "status": "active",
              "clientManagement": false },
            { "id": "L4", "username": "pat.helper", "email": "helper@client.example", "status": "active",
              "clientManagement": false }
          ],
          "roles": [
            { "logon": "L1", "taxpayer": "T1", "role": "masterAdministrator" },
            { "logon": "L3", "taxpayer": "T9", "role": "masterAdministrator" },
            { "logon": "L4", "taxpayer": "T9", "role": "taxAdministrator", "accounts": { "A91": "viewOnly" } }
          ],
          "thirdPartyGrants": [
            { "taxpayer": "T9", "thirdParty": "L1", "accounts": { "A90": "fileAndPay", "A91": "viewOnly" } }
          ],
          "securityGroups": [
            { "id": "G1", "parent": "L1", "name": "Default", "isDefault": true },
            { "id": "G2", "parent": "L1", "name": "Payroll clients", "isDefault": false }
          ],
          "groupAssignments": [ { "parent": "L1", "taxpayer": "T9", "group": "G2" } ],
          "refinements": [ { "secondary": "L2", "taxpayer": "T9", "accounts": { "A91": "none" } } ]
        }
        """#

    static func decode(_ text: String) throws -> AccessSnapshot { try AccessSnapshot.decode(from: Data(text.utf8)) }

    @Test("decodes the snapshot format's example and answers its questions (L4, S6)")
    func example() throws {
        let snapshot = try Self.decode(Self.example)
        #expect(snapshot.logons.count == 4)
        #expect(snapshot.roles[2].accounts == ["A91": .viewOnly])
        let resolver = AccessResolver(snapshot: snapshot)
        #expect(resolver.level(logon: "L2", account: "A90") == .fileAndPay)
        #expect(resolver.level(logon: "L2", account: "A91") == .none)
        #expect(resolver.level(logon: "L4", account: "A91") == .viewOnly)
        #expect(resolver.clients(of: "L1") == ["T1", "T9"])
    }

    @Test("a Default group omitted from the document exists all the same (S3, S5)")
    func omittedDefault() throws {
        let text = Self.example
            .replacingOccurrences(
                of: #"{ "id": "G1", "parent": "L1", "name": "Default", "isDefault": true },"#, with: "")
        let snapshot = try Self.decode(text)
        let defaults = snapshot.records().compactMap { record -> SecurityGroup? in
            if case .securityGroup(let group) = record, group.isDefault { group } else { nil }
        }
        #expect(
            defaults == [
                SecurityGroup(id: SecurityGroup.defaultID(of: "L1"), parent: "L1", name: "Default", isDefault: true)
            ])
    }

    @Test("export∘import is lossless: export → import into a fresh store → export gives an equal document")
    func roundTrip() async throws {
        let snapshot = try Self.decode(Self.example)
        let first = InMemoryAccessStore()
        try await snapshot.import(into: first)
        let exported = try await AccessSnapshot.export(from: first)
        #expect(exported == snapshot.normalized())
        let second = InMemoryAccessStore()
        try await exported.import(into: second)
        let again = try await AccessSnapshot.export(from: second)
        #expect(again == exported)
        #expect(try again.encoded() == exported.encoded())
        // The encoded text decodes back to the same document.
        #expect(try AccessSnapshot.decode(from: exported.encoded()) == exported)
    }

    @Test("export carries only live state: cancelled roles and grants absent, unapproved logons skipped (M3, X8)")
    func liveStateOnly() async throws {
        let store = InMemoryAccessStore()
        try await Self.decode(Self.example).import(into: store)
        let grant = try #require(try await store.grant(of: "L1", on: "T9"))
        var cancelled = grant.value
        cancelled.status = .cancelled
        let role = try #require(try await store.role(of: "L4", on: "T9"))
        var cancelledRole = role.value
        cancelledRole.status = .cancelled
        var changes = ChangeSet()
        changes.update(.grant(cancelled), from: grant.version)
        changes.update(.role(cancelledRole), from: role.version)
        changes.insert(
            .logon(Logon(id: "L5", username: "applicant", email: "a@x.example", fullName: "", status: .pendingApproval))
        )
        try await store.commit(changes)
        let exported = try await AccessSnapshot.export(from: store)
        #expect(exported.thirdPartyGrants.isEmpty)
        #expect(!exported.roles.contains { $0.logon == "L4" })
        #expect(!exported.logons.contains { $0.id == "L5" })
    }

    @Test("import takes a logon's own taxpayer from its one Master Administrator role (X1, S1)")
    func importDerivesOwnTaxpayer() async throws {
        let store = InMemoryAccessStore()
        try await AccessSnapshot.decode(from: Data(Self.example.utf8)).import(into: store)
        #expect(try await store.logon("L1")?.value.ownTaxpayer == "T1")  // the firm's parent: MA of T1 only
        #expect(try await store.logon("L3")?.value.ownTaxpayer == "T9")
        #expect(try await store.logon("L4")?.value.ownTaxpayer == nil)  // a Tax Administrator owns nothing
        #expect(try await store.logon("L2")?.value.ownTaxpayer == nil)  // a secondary logon owns nothing
    }

    @Test("encoding sorts arrays and keys")
    func stableEncoding() throws {
        var snapshot = try Self.decode(Self.example)
        snapshot.logons.reverse()
        snapshot.roles.reverse()
        let text = String(decoding: try snapshot.encoded(), as: UTF8.self)
        #expect(text.range(of: "\"acme.owner\"")!.lowerBound < text.range(of: "\"pat.client\"")!.lowerBound)
        #expect(text.range(of: "\"format\"")!.lowerBound < text.range(of: "\"groupAssignments\"")!.lowerBound)
    }

    /// Each bad document, made by replacing one piece of the example, and the exact error it gets.
    static let badDocuments: [(name: String, find: String, replace: String, error: String)] = [
        (
            "wrong format", #""taxpayer-access-snapshot/1""#, #""taxpayer-access-snapshot/2""#,
            #"$.format: unsupported format "taxpayer-access-snapshot/2" (expected "taxpayer-access-snapshot/1")"#
        ),
        ("unknown top-level key", #""roles": ["#, #""rolez": [], "roles": ["#, #"$.rolez: unknown key "rolez""#),
        (
            "unknown nested key", #""clientManagement": true }"#, #""clientManagement": true, "admin": true }"#,
            #"$.logons[0].admin: unknown key "admin""#
        ),
        (
            "unknown parent", #""parent": "L1", "role": "taxAdministrator""#,
            #""parent": "L9", "role": "taxAdministrator""#,
            #"$.logons[1].secondary.parent: unknown logon "L9""#
        ),
        (
            "bad idType", #""idType": "SSN""#, #""idType": "EIN""#,
            #"$.taxpayers[1].idType: unknown idType "EIN" (expected one of "SSN", "ITIN", "FEIN")"#
        ),
        (
            "bad level", #""A90": "fileAndPay", "A91": "viewOnly""#, #""A90": "fileAndPlay", "A91": "viewOnly""#,
            #"$.thirdPartyGrants[0].accounts.A90: unknown level "fileAndPlay" (expected "viewOnly", "fileAndPay" or "allAccess")"#
        ),
        (
            "bad account status", #""status": "closed""#, #""status": "shut""#,
            #"$.taxpayers[0].accounts[1].status: unknown account status "shut" (expected one of "active", "closed")"#
        ),
        (
            "bad logon status", #""email": "pat@client.example", "status": "active""#,
            #""email": "pat@client.example", "status": "pendingApproval""#,
            #"$.logons[2].status: unknown logon status "pendingApproval" (expected one of "active", "deactivated", "deleted")"#
        ),
        (
            "missing level for TA", #""role": "taxAdministrator", "level": "fileAndPay","#,
            #""role": "taxAdministrator","#,
            "$.logons[1].secondary.level: required for taxAdministrator"
        ),
        (
            "level for MA", #""role": "taxAdministrator", "level": "fileAndPay","#,
            #""role": "masterAdministrator", "level": "fileAndPay","#,
            "$.logons[1].secondary.level: not allowed for masterAdministrator (its cap is All Access)"
        ),
        (
            "duplicate taxpayer", #""id": "T9", "idType""#, #""id": "T1", "idType""#,
            #"$.taxpayers[1].id: duplicate taxpayer "T1""#
        ),
        (
            "duplicate account", #"{ "id": "A91", "type""#, #"{ "id": "A90", "type""#,
            #"$.taxpayers[1].accounts[1].id: duplicate account "A90""#
        ),
        (
            "duplicate logon", #"{ "id": "L3", "username""#, #"{ "id": "L1", "username""#,
            #"$.logons[2].id: duplicate logon "L1""#
        ),
        (
            "duplicate group", #"{ "id": "G2", "parent""#, #"{ "id": "G1", "parent""#,
            #"$.securityGroups[1].id: duplicate security group "G1""#
        ),
        (
            "taxpayer in two groups of one parent", #"[ { "parent": "L1", "taxpayer": "T9", "group": "G2" } ]"#,
            #"[ { "parent": "L1", "taxpayer": "T9", "group": "G2" }, { "parent": "L1", "taxpayer": "T9", "group": "G1" } ]"#,
            #"$.groupAssignments[1].taxpayer: taxpayer "T9" is already in group "G2" of logon "L1" (RULES S4)"#
        ),
        (
            "parent is a secondary", #""clientManagement": false }"#,
            #""clientManagement": false, "secondary": { "parent": "L2", "role": "masterAdministrator" } }"#,
            #"$.logons[2].secondary.parent: logon "L2" is itself a secondary logon"#
        ),
        (
            "unknown group of a secondary", #""groups": ["G2"]"#, #""groups": ["G7"]"#,
            #"$.logons[1].secondary.groups[0]: unknown security group "G7""#
        ),
        (
            "unknown taxpayer in a role", #"{ "logon": "L1", "taxpayer": "T1", "role""#,
            #"{ "logon": "L1", "taxpayer": "T7", "role""#,
            #"$.roles[0].taxpayer: unknown taxpayer "T7""#
        ),
        (
            "account of another taxpayer", #""accounts": { "A91": "viewOnly" }"#, #""accounts": { "A1": "viewOnly" }"#,
            #"$.roles[2].accounts.A1: account "A1" belongs to taxpayer "T1", not "T9""#
        ),
        (
            "TA role without accounts", #", "accounts": { "A91": "viewOnly" } }"#, " }",
            "$.roles[2].accounts: required for taxAdministrator (its level per account)"
        ),
        (
            "MA role with accounts", #"{ "logon": "L1", "taxpayer": "T1", "role": "masterAdministrator" }"#,
            #"{ "logon": "L1", "taxpayer": "T1", "role": "masterAdministrator", "accounts": {} }"#,
            "$.roles[0].accounts: not allowed for masterAdministrator (All Access on every account)"
        ),
        (
            "none outside refinements", #""A90": "fileAndPay", "A91": "viewOnly""#,
            #""A90": "none", "A91": "viewOnly""#,
            #"$.thirdPartyGrants[0].accounts.A90: level "none" is allowed only in refinements"#
        ),
        (
            "refinement of a non-secondary", #"{ "secondary": "L2""#, #"{ "secondary": "L3""#,
            #"$.refinements[0].secondary: logon "L3" is not a secondary logon"#
        ),
        (
            "unknown third party", #""thirdParty": "L1""#, #""thirdParty": "L8""#,
            #"$.thirdPartyGrants[0].thirdParty: unknown logon "L8""#
        ),
        (
            "wrong type", #""clientManagement": true"#, #""clientManagement": "yes""#,
            "$.logons[0].clientManagement: expected a boolean"
        ),
        ("missing key", #""legalName": "Pat Client", "#, "", "$.taxpayers[1].legalName: missing"),
        (
            "not JSON", #""format""#, "format",
            "$: not valid JSON (line 2, column 3: expected a key (a string) in an object)"
        ),
    ]

    @Test("bad documents are refused with the JSON path of the fault", arguments: badDocuments.map(\.name))
    func refused(name: String) throws {
        let entry = try #require(Self.badDocuments.first { $0.name == name })
        #expect(Self.example.contains(entry.find), "fixture: \(entry.find)")
        let text = Self.example.replacingOccurrences(of: entry.find, with: entry.replace)
        #expect(throws: SnapshotError.self) { try Self.decode(text) }
        do {
            _ = try Self.decode(text)
        } catch let error as SnapshotError {
            #expect(error.description == entry.error)
        }
    }
}
