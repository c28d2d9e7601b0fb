import Testing
import Foundation
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// The standard world of the access tests: a client taxpayer with its own MA and TA, a firm (parent logon, a
/// secondary MA and a secondary TA) holding third-party access to the client, another firm, a stranger, and a
/// deactivated and a deleted logon that would otherwise be MAs of the client.
struct Cast {
    let world: FixtureWorld
    static let client: TaxpayerID = "TC"
    static let clientAccount: AccountID = "AC1"  // withholding
    static let clientIncome: AccountID = "AC2"  // personalIncome
    static let prospect: TaxpayerID = "TP"  // a taxpayer nobody from a firm reaches yet
    static let prospectAccount: AccountID = "AP1"
    static let firm: TaxpayerID = "TF"
    static let firmAccount: AccountID = "AF1"
    static let otherFirm: TaxpayerID = "TQ"

    static let ownMA: LogonID = "CM"
    static let ownTA: LogonID = "CT"
    static let parent: LogonID = "P"
    static let secondaryMA: LogonID = "SMA"
    static let secondaryTA: LogonID = "STA"
    static let otherParent: LogonID = "Q"
    static let otherSecondary: LogonID = "QS"
    static let stranger: LogonID = "X"
    static let deactivated: LogonID = "D1"
    static let deleted: LogonID = "D2"
    static let prospectMA: LogonID = "PM"

    var admin: TaxpayerAdministration { world.portal.taxpayers }
    var thirdParty: ThirdPartyAccess { world.portal.thirdParties }

    static func make() async throws -> Cast {
        let w = FixtureWorld()
        try await w.taxpayer(
            client, number: "123456789", name: "Pat Client",
            accounts: [(clientAccount, .withholding), (clientIncome, .personalIncome)])
        try await w.taxpayer(
            prospect, number: "987654321", name: "Chris O'Brien-Smith",
            accounts: [(prospectAccount, .salesAndUse)])
        try await w.taxpayer(
            firm, idType: .fein, number: "041234567", name: "Acme Payroll LLC", kind: .business,
            accounts: [(firmAccount, .withholding)])
        try await w.taxpayer(otherFirm, idType: .fein, number: "049999999", name: "Other Books Inc", kind: .business)
        try await w.taxpayer("TX", idType: .itin, number: "912706789", name: "Sam Stranger")

        try await w.logon(ownMA, name: "Pat Client", ownTaxpayer: client)
        try await w.role(ownMA, on: client, .masterAdministrator)
        try await w.logon(ownTA, name: "Terry Clerk", ownTaxpayer: client)
        try await w.role(ownTA, on: client, .taxAdministrator, levels: [clientAccount: .fileAndPay])
        try await w.logon(prospectMA, name: "Chris O'Brien-Smith", ownTaxpayer: prospect)
        try await w.role(prospectMA, on: prospect, .masterAdministrator)

        try await w.logon(parent, name: "Acme Owner", clientManagement: true, ownTaxpayer: firm)
        try await w.role(parent, on: firm, .masterAdministrator)
        try await w.grant(parent, on: client, [clientAccount: .fileAndPay])
        try await w.logon(
            secondaryMA, name: "Acme Manager",
            secondary: SecondaryProfile(parent: parent, accessType: .masterAdministrator))
        try await w.logon(
            secondaryTA, name: "Acme Clerk",
            secondary: SecondaryProfile(parent: parent, accessType: .taxAdministrator(.fileAndPay)))

        try await w.logon(otherParent, name: "Other Owner", clientManagement: true, ownTaxpayer: otherFirm)
        try await w.role(otherParent, on: otherFirm, .masterAdministrator)
        try await w.logon(
            otherSecondary, name: "Other Manager",
            secondary: SecondaryProfile(parent: otherParent, accessType: .masterAdministrator))

        try await w.logon(stranger, name: "Sam Stranger", ownTaxpayer: "TX")
        try await w.logon(
            deactivated, name: "Dee Activated", status: .deactivated, clientManagement: true,
            ownTaxpayer: firm,
            secondary: nil)
        try await w.role(deactivated, on: client, .masterAdministrator)
        try await w.role(deactivated, on: firm, .masterAdministrator)
        try await w.logon(deleted, name: "Del Eted", status: .deleted, clientManagement: true, ownTaxpayer: firm)
        try await w.role(deleted, on: client, .masterAdministrator)
        try await w.role(deleted, on: firm, .masterAdministrator)
        return Cast(world: w)
    }

    /// Signs a logon in directly (the session record; no login flow).
    func token(_ logon: LogonID) async throws -> SignedIn { try await world.caller(logon) }

    /// The fixture email of a logon.
    func email(_ logon: LogonID) -> String { "\(logon.rawValue.lowercased())@example.test" }

    /// RULES N1: no mail in the outbox carries an ID number, a legal name or a person's name.
    func expectMailCarriesNothingPersonal() async throws {
        let forbidden = [
            "123456789", "987654321", "041234567", "6789", "Pat Client", "Chris", "Acme", "Terry",
            "Other", "AC1", "AC2", "AP1", "File and Pay", "View Only", "All Access",
        ]
        for mail in try await world.outbox() where !mail.body.contains("token=") {
            for word in forbidden {
                #expect(!mail.body.contains(word), "N1: an email body names \(word)")
                #expect(!mail.subject.contains(word), "N1: an email subject names \(word)")
            }
        }
    }
}

/// Expects `body` to throw an ``AccessError`` with `code` (and `field`, when given).
func expectRefusal(
    _ code: AccessError.Code, field: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected a refusal \(code), but it was allowed", sourceLocation: sourceLocation)
    } catch let error as AccessError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        if let field { #expect(error.field == field, "got \(error)", sourceLocation: sourceLocation) }
    } catch {
        Issue.record("expected AccessError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
