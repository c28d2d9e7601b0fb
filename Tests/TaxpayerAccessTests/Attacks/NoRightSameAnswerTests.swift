import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 8: `whoHasAccess` and the other Master-Administrator-only acts answered "not found" for an unknown
/// taxpayer and "not authorized" for a known one, so any signed-in logon could tell which taxpayer (and request) ids
/// exist.
///
/// RULES L4: a logon with no right to know about a taxpayer or record gets the same answer whether it exists or
/// not. Each probe below is made by a caller with no right, once on a known id and once on an unknown one, and must
/// get the same answer code and message (the id the caller typed, where a message repeats it, aside).
///
/// The survey, by service (every act or read that takes an id the caller may have no right to):
/// - TaxpayerAdministration: `whoHasAccess`, `setAccountLevel`, `promote`, `demote`, `cancelAccess`,
///   `grantTaxAdministrator` (known taxpayer "not authorized", unknown "not found"), `cancelOwnAccess` (both "not
///   found", with different messages) — all told apart on main.
/// - ThirdPartyAccess: `approve`, `deny` (a request on another taxpayer "not authorized", an unknown request "not
///   found"), `changeAccess`, `cancelAccess` (as TaxpayerAdministration), `cancelOwnAccess` (two "not found"
///   messages) — told apart on main; `printableAuthorization`, `setFavourite` — alike on main.
/// - FirmAdministration: `assignTaxpayer`, `setRefinement` (an unreached taxpayer), `renameGroup` (another firm's
///   group), `setGroups`, `deactivate` (another firm's secondary) — alike on main; every act of a caller who
///   administers no firm is "not authorized" before any lookup.
/// - Correspondence: `noticeMailed` is the agency's, which has the right to know every account.
/// - Profile: every read and change is of the caller's own logon; nothing takes another's id.
@Suite("Attack 8: the same answer for an unknown id and one the caller has no right to (L4)")
struct NoRightSameAnswerTests {
    /// One act or read, made by a caller without the right, on a known or an unknown id.
    enum Probe: String, CaseIterable, CustomTestStringConvertible, Sendable {
        // Told apart on main.
        case whoHasAccess, setAccountLevel, promote, demote, cancelTaxAdministrator, grantTaxAdministrator,
            cancelOwnRole, approveRequest, denyRequest, changeThirdPartyAccess, cancelThirdPartyAccess,
            cancelOwnThirdPartyAccess
        // Alike on main (kept so a change cannot start telling them apart).
        case printableAuthorization, setFavourite, assignTaxpayer, setRefinement, renameGroup, setGroups,
            deactivateSecondary

        var testDescription: String { rawValue }

        static let toldApartOnMain: [Probe] = [
            .whoHasAccess, .setAccountLevel, .promote, .demote, .cancelTaxAdministrator, .grantTaxAdministrator,
            .cancelOwnRole, .approveRequest, .denyRequest, .changeThirdPartyAccess, .cancelThirdPartyAccess,
            .cancelOwnThirdPartyAccess,
        ]
        static let alikeOnMain: [Probe] = [
            .printableAuthorization, .setFavourite, .assignTaxpayer, .setRefinement, .renameGroup, .setGroups,
            .deactivateSecondary,
        ]

        /// The known id and the unknown one the probe is made on.
        func ids(request: AccessRequestID) -> (known: String, unknown: String) {
            switch self {
            case .approveRequest, .denyRequest, .printableAuthorization: (request.rawValue, "R00000000deadbeef")
            case .assignTaxpayer, .setRefinement: (Cast.prospect.rawValue, "TZZ")  // a taxpayer the firm does not reach
            case .renameGroup: ("GQ", "GZZ")  // another firm's group
            case .setGroups, .deactivateSecondary: (Cast.otherSecondary.rawValue, "LZZ")  // another firm's secondary
            default: (Cast.client.rawValue, "TZZ")  // a taxpayer the stranger has nothing to do with
            }
        }

        /// Makes the probe on `id` and returns its answer.
        func run(_ cast: Cast, on id: String) async throws -> String {
            let admin = cast.admin
            let access = cast.thirdParty
            let firm = cast.world.portal.firm
            let stranger = try await cast.token(Cast.stranger)
            let parent = try await cast.token(Cast.parent)
            let taxpayer = TaxpayerID(id)
            return await answer(hiding: id) { () async throws -> String in
                switch self {
                case .whoHasAccess:
                    _ = try await admin.whoHasAccess(stranger, taxpayer: taxpayer)
                case .setAccountLevel:
                    try await admin.setAccountLevel(
                        stranger, taxpayer: taxpayer, logon: Cast.ownTA, account: Cast.clientAccount, level: .viewOnly)
                case .promote:
                    try await admin.promote(stranger, taxpayer: taxpayer, logon: Cast.ownTA)
                case .demote:
                    try await admin.demote(stranger, taxpayer: taxpayer, logon: Cast.ownMA)
                case .cancelTaxAdministrator:
                    try await admin.cancelAccess(stranger, taxpayer: taxpayer, logon: Cast.ownTA)
                case .grantTaxAdministrator:
                    try await admin.grantTaxAdministrator(
                        stranger, taxpayer: taxpayer, logon: Cast.stranger, levels: [Cast.clientAccount: .viewOnly])
                case .cancelOwnRole:
                    try await admin.cancelOwnAccess(stranger, taxpayer: taxpayer)
                case .approveRequest:
                    try await access.approve(
                        stranger, request: AccessRequestID(id), levels: [Cast.clientAccount: .viewOnly])
                case .denyRequest:
                    try await access.deny(stranger, request: AccessRequestID(id))
                case .changeThirdPartyAccess:
                    try await access.changeAccess(
                        stranger, taxpayer: taxpayer, thirdParty: Cast.parent,
                        levels: [Cast.clientAccount: .viewOnly])
                case .cancelThirdPartyAccess:
                    try await access.cancelAccess(stranger, taxpayer: taxpayer, thirdParty: Cast.parent)
                case .cancelOwnThirdPartyAccess:
                    try await access.cancelOwnAccess(stranger, taxpayer: taxpayer)
                case .printableAuthorization:
                    _ = try await access.printableAuthorization(stranger, request: AccessRequestID(id))
                case .setFavourite:
                    try await access.setFavourite(stranger, taxpayer: taxpayer, favourite: true)
                case .assignTaxpayer:
                    try await firm.assignTaxpayer(
                        parent, taxpayer: taxpayer, to: SecurityGroup.defaultID(of: Cast.parent))
                case .setRefinement:
                    try await firm.setRefinement(
                        parent, secondary: Cast.secondaryTA, taxpayer: taxpayer,
                        accounts: [Cast.prospectAccount: .viewOnly])
                case .renameGroup:
                    try await firm.renameGroup(parent, group: SecurityGroupID(id), to: "Renamed")
                case .setGroups:
                    try await firm.setGroups(parent, secondary: LogonID(id), groups: [])
                case .deactivateSecondary:
                    try await firm.deactivate(parent, secondary: LogonID(id))
                }
                return "done"
            }
        }
    }

    /// The standard cast, with a pending request of the other firm on the client (a record the stranger has no
    /// right to) and a group of the other firm.
    static func cast() async throws -> (Cast, AccessRequestID) {
        let cast = try await Cast.make()
        let receipt = try await cast.thirdParty.requestAccess(
            try await cast.token(Cast.otherParent), idType: .ssn, idNumber: "123456789", legalName: "Pat Client",
            accounts: [Cast.clientAccount: .viewOnly], channel: .online)
        try await cast.world.group("GQ", parent: Cast.otherParent, name: "Other firm's group")
        return (cast, receipt.request)
    }

    static func expectAlike(_ probe: Probe, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let (cast, request) = try await Self.cast()
        let (known, unknown) = probe.ids(request: request)
        let onKnown = try await probe.run(cast, on: known)
        let onUnknown = try await probe.run(cast, on: unknown)
        #expect(
            onKnown.hasPrefix("refused"), "\(probe): the caller without the right was let: \(onKnown)",
            sourceLocation: sourceLocation)
        #expect(
            onKnown == onUnknown,
            "L4: \(probe) tells a known id from an unknown one: \"\(onKnown)\" vs \"\(onUnknown)\"",
            sourceLocation: sourceLocation)
    }

    @Test(
        "Finding 8, L4: a caller without the right gets one answer for a known and an unknown id",
        arguments: Probe.toldApartOnMain)
    func sameAnswerWithoutTheRight(probe: Probe) async throws {
        try await Self.expectAlike(probe)
    }

    // Control (passes on main too): the acts of the survey that already answer alike, kept alike.
    @Test("Finding 8 survey, L4: the acts that already answer alike", arguments: Probe.alikeOnMain)
    func surveyAlreadyAlike(probe: Probe) async throws {
        try await Self.expectAlike(probe)
    }
}
