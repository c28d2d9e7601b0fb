import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 6: a wrong legal name and a right name with a bogus account got different answers, so a third party
/// learned, silently (no request made, no Master Administrator told), that an ID and a name belong together — and,
/// with more tries, which account ids are the taxpayer's and which are closed.
///
/// RULES X2: a mismatch gets the same answer as an unknown taxpayer, and nothing about the taxpayer's accounts is
/// told or checked until ID and name have matched: a request whose accounts are not the taxpayer's open accounts
/// gets that one answer too, and does the same (no) writes.
@Suite("Attack 6: a taxpayer's name and accounts told before the match (X2)")
struct TaxpayerMatchTests {
    /// One request by the firm's parent logon for the prospect taxpayer TP (SSN 987654321, "Chris O'Brien-Smith").
    struct Probe: CustomTestStringConvertible, Sendable {
        var name: String
        var idNumber: String
        var legalName: String
        var accounts: [AccountID: AccessLevel]
        var testDescription: String { name }
    }

    static let right = "Chris O'Brien-Smith"
    static let probes: [Probe] = [
        Probe(
            name: "right name, an account of no taxpayer", idNumber: "987654321", legalName: right,
            accounts: ["AZZ9": .viewOnly]),
        Probe(
            name: "right name, another taxpayer's account", idNumber: "987654321", legalName: right,
            accounts: [Cast.clientAccount: .viewOnly]),
        Probe(
            name: "right name, a closed account", idNumber: "987654321", legalName: right, accounts: ["AP2": .viewOnly]),
        Probe(
            name: "right name, one good and one bogus account", idNumber: "987654321", legalName: right,
            accounts: [Cast.prospectAccount: .viewOnly, "AZZ9": .viewOnly]),
        Probe(
            name: "unknown ID, a real account", idNumber: "555555555", legalName: right,
            accounts: [Cast.prospectAccount: .viewOnly]),
    ]

    @Test(
        "Finding 6, X2: a right name with accounts that are not the taxpayer's gets the wrong-name answer and writes nothing more",
        arguments: probes)
    func accountsAreNotToldBeforeTheMatch(probe: Probe) async throws {
        let cast = try await Cast.make()
        try await cast.world.account("AP2", of: Cast.prospect, type: .meals, status: .closed)
        let store = CountingAccessStore(wrapping: cast.world.store)
        let service = ThirdPartyAccess(context: cast.world.portal.context.replacing(store: store))
        let token = try await cast.token(Cast.parent)
        let wrongName = await store.measure {
            try await service.requestAccess(
                token, idType: .ssn, idNumber: "987654321", legalName: "Chris Brown",
                accounts: [Cast.prospectAccount: .viewOnly], channel: .online)
        }
        let probed = await store.measure {
            try await service.requestAccess(
                token, idType: .ssn, idNumber: probe.idNumber, legalName: probe.legalName, accounts: probe.accounts,
                channel: .online)
        }
        #expect(answer(wrongName.outcome).hasPrefix("refused: taxpayerNotMatched"), "\(answer(wrongName.outcome))")
        #expect(
            answer(probed.outcome) == answer(wrongName.outcome),
            "X2: \(probe.name) is answered \"\(answer(probed.outcome))\", a wrong name \"\(answer(wrongName.outcome))\""
        )
        #expect(
            probed.work.commits == wrongName.work.commits,
            "X2: \(probe.name) commits \(probed.work.commits), a wrong name \(wrongName.work.commits)")
        #expect(try await cast.world.store.accessRequests(on: Cast.prospect).isEmpty)
    }

    // Control (passes on main too): ID, name and open accounts that match make the request.
    @Test("Finding 6 control, X2: a full match makes the request")
    func fullMatchRequests() async throws {
        let cast = try await Cast.make()
        let token = try await cast.token(Cast.parent)
        let receipt = try await cast.thirdParty.requestAccess(
            token, idType: .ssn, idNumber: "987-65-4321", legalName: "CHRIS  O'Brien-Smith",
            accounts: [Cast.prospectAccount: .viewOnly], channel: .online)
        #expect(try await cast.world.store.accessRequest(receipt.request)?.value.status == .pending)
    }
}
