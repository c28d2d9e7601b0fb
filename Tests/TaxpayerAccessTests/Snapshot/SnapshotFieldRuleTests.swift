import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Hostile documents: field contents held to the services' rules (T1, R4, R5, S3), no key twice in one object,
/// strict JSON. Each is refused with its JSON path and the rule broken, and nothing is imported.
@Suite("Snapshot field rules and strict JSON (T1, R4, R5, S3)")
struct SnapshotFieldRuleTests {
    /// A hostile document: the example with one piece replaced, the path refused, and the message there (exact,
    /// or only its start when `prefix` is set, for JSON grammar faults whose message ends with line and column).
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let find: String
        let replace: String
        let path: String
        let message: String
        var prefix = false
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "FEIN in fullwidth digits beside the same FEIN in ASCII (T1)",
            find: #""idType": "SSN", "idNumber": "123456789""#,
            replace: #""idType": "FEIN", "idNumber": "０４１２３４５６７""#,
            path: "$.taxpayers[1].idNumber", message: "FEIN must be 9 digits (RULES T1)"),
        Case(
            name: "fullwidth FEIN written as JSON escapes (T1)",
            find: #""idType": "SSN", "idNumber": "123456789""#,
            replace: #""idType": "FEIN", "idNumber": "\uFF10\uFF14\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17""#,
            path: "$.taxpayers[1].idNumber", message: "FEIN must be 9 digits (RULES T1)"),
        Case(
            name: "ID number abc (T1)", find: #""idNumber": "123456789""#, replace: #""idNumber": "abc""#,
            path: "$.taxpayers[1].idNumber", message: "SSN must be 9 digits (RULES T1)"),
        Case(
            name: "ID number with dashes (T1)", find: #""idNumber": "123456789""#,
            replace: #""idNumber": "123-45-6789""#,
            path: "$.taxpayers[1].idNumber", message: "SSN must be 9 digits without separators (RULES T1)"),
        Case(
            name: "SSN the IRS never issues (T1)", find: #""idNumber": "123456789""#,
            replace: #""idNumber": "666456789""#,
            path: "$.taxpayers[1].idNumber", message: "SSN cannot begin with 000, 666 or 900–999 (RULES T1)"),
        Case(
            name: "FEIN prefix the IRS never assigns (T1)", find: #""idNumber": "041234567""#,
            replace: #""idNumber": "071234567""#, path: "$.taxpayers[0].idNumber",
            message: "FEIN must begin with a prefix the IRS assigns; check the first two digits (RULES T1)"),
        Case(
            name: "legal name with a line break (T1)", find: #""legalName": "Pat Client""#,
            replace: #""legalName": "Pat\nClient""#, path: "$.taxpayers[1].legalName",
            message: "Legal name must not contain control characters such as tabs or line breaks (RULES T1)"),
        Case(
            name: "username with a space (R5)", find: #""username": "acme.owner""#,
            replace: #""username": "acme owner""#, path: "$.logons[0].username",
            message: "Username must not contain spaces or other white space (RULES R5)"),
        Case(
            name: "pat.client and pat.client followed by NUL as two logons (R5)", find: #""username": "pat.helper""#,
            replace: #""username": "pat.client\u0000""#, path: "$.logons[3].username",
            message: "Username may contain only ASCII letters, digits and symbols (RULES R5)"),
        Case(
            name: "a username differing only in case (R5)", find: #""username": "pat.helper""#,
            replace: #""username": "PAT.Client""#, path: "$.logons[3].username",
            message: "another logon has this username (RULES R5)"),
        Case(
            name: "username too short (R5)", find: #""username": "acme.owner""#, replace: #""username": "ab""#,
            path: "$.logons[0].username", message: "Username must be 3 to 60 characters long (RULES R5)"),
        Case(
            name: "email not-an-email (R4)", find: #""email": "owner@acme.example""#,
            replace: #""email": "not-an-email""#, path: "$.logons[0].email",
            message: "Email address must contain exactly one @ (RULES R4)"),
        Case(
            name: "email with white space around it (R4)", find: #""email": "owner@acme.example""#,
            replace: #""email": " owner@acme.example""#, path: "$.logons[0].email",
            message: "Email address must not have white space around it (RULES R4)"),
        Case(
            name: "a live email twice, differing in case (R4)", find: #""email": "helper@client.example""#,
            replace: #""email": "PAT@client.example""#, path: "$.logons[3].email",
            message: "another live logon has this email (RULES R4)"),
        Case(
            name: "a key given twice in one object", find: #""id": "L3", "username": "pat.client""#,
            replace: #""id": "L3", "username": "pat.client", "username": "pat.other""#,
            path: "$.logons[2].username", message: #"key "username" given twice in one object"#),
        Case(
            name: "an account given twice in one level map", find: #""A90": "fileAndPay", "A91": "viewOnly""#,
            replace: #""A90": "viewOnly", "A91": "viewOnly", "A90": "allAccess""#,
            path: "$.thirdPartyGrants[0].accounts.A90", message: #"key "A90" given twice in one object"#),
        Case(
            name: "a key given twice, once through an escape", find: #""roles": ["#,
            replace: #""\u0066ormat": "taxpayer-access-snapshot/1", "roles": ["#,
            path: "$.format", message: #"key "format" given twice in one object"#),
        Case(
            name: "a key given twice, once precomposed and once decomposed", find: #"{ "A91": "none" }"#,
            replace: #"{ "A91": "none", "\u00e9": "none", "e\u0301": "none" }"#,
            path: "$.refinements[0].accounts.\u{E9}", message: "key \"\u{E9}\" given twice in one object"),
        Case(
            name: "a top-level list given twice", find: #""refinements": ["#,
            replace: #""roles": [], "refinements": ["#,
            path: "$.roles", message: #"key "roles" given twice in one object"#),
        Case(
            name: "an id with a control character", find: #"{ "id": "A2", "type""#,
            replace: #"{ "id": "A2\u0007", "type""#, path: "$.taxpayers[0].accounts[1].id",
            message: "an id holds no control characters"),
        Case(
            name: "an empty id", find: #"{ "id": "A2", "type""#, replace: #"{ "id": "", "type""#,
            path: "$.taxpayers[0].accounts[1].id", message: "empty id"),
        Case(
            name: "a group name with repeated white space (S3)", find: #""name": "Payroll clients""#,
            replace: #""name": "Payroll  clients""#, path: "$.securityGroups[1].name",
            message: "a group name has no surrounding or repeated white space (RULES S3)"),
        Case(
            name: "a group name with a control character (S3)", find: #""name": "Payroll clients""#,
            replace: #""name": "Payroll\u0000clients""#, path: "$.securityGroups[1].name",
            message: "a group name holds no control characters (RULES S3)"),
        Case(
            name: "a custom group named default (S3)", find: #""name": "Payroll clients""#,
            replace: #""name": "default""#, path: "$.securityGroups[1].name",
            message: "\"Default\" is the name of the Default group (RULES S3)"),
        Case(
            name: "a Default group under another name (S3)", find: #""name": "Default", "isDefault": true"#,
            replace: #""name": "Main", "isDefault": true"#, path: "$.securityGroups[0].name",
            message: "the Default group is named \"Default\" (RULES S3)"),
        Case(
            name: "arrays nested deeper than the limit", find: #""roles": ["#,
            replace: #""deep": "# + String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
                + #", "roles": ["#,
            // The document's object and 63 arrays are the 64 levels allowed: the 64th array is refused.
            path: "$.deep" + String(repeating: "[0]", count: 63),
            message: "nested deeper than 64 arrays and objects"),
        Case(
            name: "text after the document", find: #""accounts": { "A91": "none" } } ]"#,
            replace: #""accounts": { "A91": "none" } } ] } {"#, path: "$",
            message: "not valid JSON (line 36, column 95: text after the document)"),
        Case(
            name: "a raw tab inside a string", find: #""legalName": "Pat Client""#,
            replace: "\"legalName\": \"Pat\tClient\"", path: "$.taxpayers[1].legalName",
            message: "not valid JSON (line 7, column", prefix: true),
        Case(
            name: "a trailing comma", find: #""isDefault": false }"#, replace: #""isDefault": false, }"#,
            path: "$.securityGroups[1].isDefault", message: "not valid JSON (line 33, column", prefix: true),
        Case(
            name: "a lone surrogate in an escape", find: #""legalName": "Pat Client""#,
            replace: #""legalName": "Pat \uD800 Client""#, path: "$.taxpayers[1].legalName",
            message: "not valid JSON (line 7, column", prefix: true),
        Case(
            name: "a bad escape", find: #""legalName": "Pat Client""#, replace: #""legalName": "Pat\xClient""#,
            path: "$.taxpayers[1].legalName", message: "not valid JSON (line 7, column", prefix: true),
    ]
    /// A store holding another world already, so "nothing imported" is seen against records that are there.
    static func storeWithOtherWorld() async throws -> InMemoryAccessStore {
        let store = InMemoryAccessStore()
        let other = AccessSnapshot(
            taxpayers: [
                .init(
                    id: "T500", idType: .ssn, idNumber: "234567890", legalName: "Other Person", kind: .individual,
                    accounts: [.init(id: "A500", type: "withholding", status: .active)])
            ],
            logons: [
                .init(
                    id: "L500", username: "other.person", email: "other@elsewhere.example", status: .active,
                    clientManagement: false)
            ],
            roles: [.init(logon: "L500", taxpayer: "T500", role: .masterAdministrator)])
        try await other.import(into: store)
        return store
    }

    @Test("a hostile document is refused with its JSON path and rule, and nothing is imported", arguments: cases)
    func hostileDocument(_ entry: Case) async throws {
        #expect(SnapshotTests.example.contains(entry.find), "fixture: \(entry.find)")
        let text = SnapshotTests.example.replacingOccurrences(of: entry.find, with: entry.replace)
        #expect(text != SnapshotTests.example)
        let store = try await Self.storeWithOtherWorld()
        let before = try await AccessSnapshot.export(from: store)
        let sequence = try await store.lastSequence()
        let error = try await #require(throws: SnapshotError.self) {
            try await AccessSnapshot.decode(from: Data(text.utf8)).import(into: store)
        }
        #expect(error.path == entry.path)
        if entry.prefix {
            #expect(error.message.hasPrefix(entry.message), "\(error)")
        } else {
            #expect(error.message == entry.message)
        }
        #expect(try await store.lastSequence() == sequence)
        #expect(try await AccessSnapshot.export(from: store) == before)
    }

    @Test("bytes that are not UTF-8 are refused with their path; a byte order mark is allowed")
    func bytes() throws {
        var data = Data(SnapshotTests.example.utf8)
        let name = try #require(data.firstRange(of: Data("Pat Client".utf8)))
        data[name.lowerBound + 3] = 0xC0  // an overlong form of a space
        let error = try #require(throws: SnapshotError.self) { try AccessSnapshot.decode(from: data) }
        #expect(error.path == "$.taxpayers[1].legalName")
        #expect(error.message == "not valid JSON (line 7, column 78: a string is not well-formed UTF-8)")
        let marked = Data([0xEF, 0xBB, 0xBF]) + Data(SnapshotTests.example.utf8)
        #expect(try AccessSnapshot.decode(from: marked) == SnapshotTests.decode(SnapshotTests.example))
    }

    @Test("an error about a key or id holding a line break is still one line")
    func oneLineError() throws {
        let text = SnapshotTests.example.replacingOccurrences(of: #""roles": ["#, with: #""a\nb": 1, "roles": ["#)
        let error = try #require(throws: SnapshotError.self) { try SnapshotTests.decode(text) }
        #expect(error.path == "$.a\nb")
        #expect(error.description == #"$.a\u{A}b: unknown key "a\u{A}b""#)
    }

    @Test("a document built in code is held to the same field rules on import, nothing written (R5, R4)")
    func builtInCode() async throws {
        let store = try await Self.storeWithOtherWorld()
        let sequence = try await store.lastSequence()
        var snapshot = try SnapshotTests.decode(SnapshotTests.example)
        snapshot.logons[2].username = "pat.client\u{0}"
        let username = try await #require(throws: SnapshotError.self) { try await snapshot.import(into: store) }
        #expect(
            username.description
                == "$.logons[2].username: Username may contain only ASCII letters, digits and symbols (RULES R5)")
        snapshot.logons[2].username = "pat.client"
        snapshot.logons[0].email = "not-an-email"
        let email = try await #require(throws: SnapshotError.self) { try await snapshot.import(into: store) }
        #expect(email.path == "$.logons[0].email")
        #expect(try await store.lastSequence() == sequence)
    }

    @Test("the messages name the path and the rule, never the value refused")
    func noValueEchoed() throws {
        let echoing = Self.cases.filter { $0.replace.contains("pat.client\\u0000") || $0.replace.contains("abc") }
        #expect(echoing.count == 2)
        for entry in echoing {
            let text = SnapshotTests.example.replacingOccurrences(of: entry.find, with: entry.replace)
            let error = try #require(throws: SnapshotError.self) { try SnapshotTests.decode(text) }
            #expect(!error.description.contains("abc"))
            #expect(!error.description.contains("\u{0}"))
        }
    }

    @Test("export leaves out a secondary logon its person has not completed yet, so the export imports (S2, R5)")
    func pendingSecondaryNotExported() async throws {
        let store = InMemoryAccessStore()
        try await SnapshotTests.decode(SnapshotTests.example).import(into: store)
        var changes = ChangeSet()
        // As FirmAdministration adds one: active, not activated, a placeholder username holding white space.
        changes.insert(
            .logon(
                Logon(
                    id: "L7", username: " pending L7", email: "new.clerk@acme.example", fullName: "New Clerk",
                    status: .active, secondary: SecondaryProfile(parent: "L1", accessType: .masterAdministrator),
                    activated: false)))
        changes.insert(.refinement(Refinement(secondary: "L7", taxpayer: "T9", accounts: ["A90": .viewOnly])))
        try await store.commit(changes)
        let exported = try await AccessSnapshot.export(from: store)
        #expect(!exported.logons.contains { $0.id == "L7" })
        #expect(!exported.refinements.contains { $0.secondary == "L7" })
        #expect(exported.logons.count == 4)
        let decoded = try AccessSnapshot.decode(from: exported.encoded())
        try await decoded.import(into: InMemoryAccessStore())
    }

    @Test("a generated world exports to a document that passes the field rules, as the benchmarks need (T1, R5)")
    func generatedWorldIsValid() async throws {
        let world = WorldGenerator.generate(.small, seed: 7)
        let store = InMemoryAccessStore()
        var changes = ChangeSet()
        for record in world.records { changes.insert(record) }
        try await store.commit(changes)
        let exported = try await AccessSnapshot.export(from: store)
        let snapshot = try AccessSnapshot.decode(from: exported.encoded())
        #expect(snapshot.taxpayers.count == WorldGenerator.Size.small.taxpayers)
        #expect(snapshot == exported)
    }
}
