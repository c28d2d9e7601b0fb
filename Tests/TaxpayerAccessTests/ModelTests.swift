import Testing
import Foundation
@testable import TaxpayerAccess

@Suite("Model")
struct ModelTests {
    // T4
    @Test(arguments: [
        (IDType.ssn, "123456789", "***-**-6789"),
        (.itin, "912706789", "***-**-6789"),
        (.fein, "041234567", "**-***4567"),
    ])
    func taxIdentifierIsMasked(type: IDType, number: String, masked: String) {
        let id = TaxIdentifier(type: type, number: number)
        #expect(id.masked == masked)
        #expect(!id.description.contains(number), "the description never shows the whole number")
    }

    // A5: RULES shows `e***@d**.*.****.m*.us` for elmo@dor.state.ma.us; that example masks "state" as "*.****",
    // which no label-wise rule produces. We mask each label after its first character (noted on the issue).
    @Test func emailIsMasked() {
        #expect(Masking.email("elmo@dor.state.ma.us") == "e***@d**.s****.m*.us")
        #expect(Masking.email("a@b.com") == "a@b.com")
        #expect(!Masking.email("goodelmo@example.org").contains("goodelmo"))
    }

    // A5
    @Test func phoneIsMasked() {
        #expect(PhoneNumber(number: "1111111111").masked == "(***) ***-1111")
        #expect(PhoneNumber(number: "617-555-0134").masked == "(***) ***-0134")
    }

    // L1
    @Test func levelsAreOrdered() {
        #expect(AccessLevel.none < .viewOnly)
        #expect(AccessLevel.viewOnly < .fileAndPay)
        #expect(AccessLevel.fileAndPay < .allAccess)
        #expect(AccessLevel.allCases.sorted() == [.none, .viewOnly, .fileAndPay, .allAccess])
    }

    @Test func levelNamesRoundTrip() throws {
        for level in AccessLevel.allCases {
            #expect(AccessLevel(name: level.name) == level)
        }
        #expect(AccessLevel(name: "ViewOnly") == nil)
    }

    // T2: account types are an open set.
    @Test func accountTypesAreOpen() {
        let custom = AccountType("cannabisExcise")
        #expect(custom.isWellFormed)
        #expect(!AccountType("Cannabis excise").isWellFormed)
        #expect(!AccountType("").isWellFormed)
    }

    // R2: amounts compare exactly, in cents.
    @Test(arguments: [("100.00", 10000), ("$1,234.5", 123450), ("0.01", 1), ("7", 700)])
    func centsParse(text: String, cents: Int64) {
        #expect(Cents(parsing: text) == Cents(cents))
    }

    @Test(arguments: ["", "abc", "1.234", "-5.00", "1.2.3", "١٢"])
    func badCentsAreRefused(text: String) {
        #expect(Cents(parsing: text) == nil)
    }

    // S9
    @Test func accessTypeLabels() {
        let web = Logon(id: "L1", username: "u", email: "e@x.org", fullName: "P")
        var secondary = web
        secondary.secondary = SecondaryProfile(parent: "L0", accessType: .taxAdministrator(.viewOnly))
        #expect(web.accessTypeLabel == "Web Logon")
        #expect(secondary.accessTypeLabel == "Parent Web Logon")
    }

    @Test func typedIdentifiersSortByBytes() {
        let ids: [LogonID] = ["L10", "L2", "L1", "a"]
        #expect(ids.sorted() == ["L1", "L10", "L2", "a"])
    }

    // U1: audit records never carry secrets.
    @Test func auditRedactsSecrets() {
        var logon = Logon(id: "L1", username: "u", email: "e@x.org", fullName: "P")
        logon.credentials.passwordHash = "$argon2id$secret"
        logon.credentials.pinHash = "$argon2id$pin"
        logon.twoStep.methods = [.authenticator(sealedSecret: [1, 2, 3], algorithm: .sha1)]
        let event = AuditEvent(
            time: .init(timeIntervalSince1970: 0), actor: .system, action: .passwordChanged,
            subject: "logon/L1", after: .logon(logon))
        guard case .logon(let stored)? = event.after else {
            Issue.record("after is a logon")
            return
        }
        #expect(stored.credentials.passwordHash == nil)
        #expect(stored.credentials.pinHash == nil)
        #expect(stored.twoStep.methods == [.authenticator(sealedSecret: [], algorithm: .sha1)])
    }
}
