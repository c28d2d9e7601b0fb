import Testing
import Foundation
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// One service action, who RULES allows to do it, and how to tell that it reached its target (the client TC, the
/// firm of parent P) rather than the actor's own affairs.
struct MatrixAction: Sendable, CustomStringConvertible {
    let name: String
    let rules: String
    let allowed: Set<LogonID>
    /// Runs the action as the holder of `token`; returns whether it acted on the target.
    let run: @Sendable (Cast, SignedIn) async throws -> Bool
    var description: String { "\(name) [\(rules)]" }
}

/// The authorization matrix (authorization inside the library; RULES L3, L4, M2–M4, S1, S8, X1, X5, X8,
/// X9, W1, W2): every service action that takes a session, run by every kind of actor on a fresh world. An actor
/// not in `allowed` must be refused (or, for an action on "its own" firm, must not touch the target firm); one in
/// `allowed` must succeed.
@Suite("Access: authorization matrix")
struct AuthorizationMatrixTests {
    typealias C = Cast

    static let actors: [LogonID] = [
        C.ownMA, C.ownTA, C.parent, C.secondaryMA, C.secondaryTA, C.otherSecondary, C.stranger, C.deactivated,
        C.deleted,
    ]

    static let clientMA: Set<LogonID> = [C.ownMA]
    static let firmAdmins: Set<LogonID> = [C.parent, C.secondaryMA]
    static let group: SecurityGroupID = "G1"

    static func withGroup(_ cast: Cast) async throws {
        try await cast.world.group(group, parent: C.parent, name: "Payroll")
    }

    static func pendingRequest(_ cast: Cast) async throws -> AccessRequestID {
        let now = cast.world.clock.now()
        let request = AccessRequest(
            id: "R1", confirmationNumber: "1-234-567-890", thirdParty: C.parent, taxpayer: C.client,
            accounts: [C.clientIncome: .viewOnly], channel: .online, createdAt: now,
            expiresAt: now.addingTimeInterval(86400))
        try await cast.world.put(.accessRequest(request))
        return request.id
    }

    static let actions: [MatrixAction] = [
        // Taxpayer administration: a direct MA of the taxpayer only (L3, S1).
        MatrixAction(name: "setAccountLevel", rules: "M2", allowed: clientMA) { cast, token in
            try await cast.admin.setAccountLevel(
                token, taxpayer: C.client, logon: C.ownTA, account: C.clientIncome, level: .viewOnly)
            return true
        },
        MatrixAction(name: "promote", rules: "M2", allowed: clientMA) { cast, token in
            try await cast.admin.promote(token, taxpayer: C.client, logon: C.ownTA)
            return true
        },
        MatrixAction(name: "demote", rules: "M2", allowed: clientMA) { cast, token in
            try await cast.world.logon("CM2", ownTaxpayer: C.client)
            try await cast.world.role("CM2", on: C.client, .masterAdministrator)
            try await cast.admin.demote(token, taxpayer: C.client, logon: "CM2")
            return true
        },
        MatrixAction(name: "cancelAccess", rules: "M3", allowed: clientMA) { cast, token in
            try await cast.admin.cancelAccess(token, taxpayer: C.client, logon: C.ownTA)
            return true
        },
        MatrixAction(name: "grantTaxAdministrator", rules: "M3", allowed: clientMA) { cast, token in
            try await cast.admin.grantTaxAdministrator(
                token, taxpayer: C.client, logon: C.stranger, levels: [C.clientAccount: .viewOnly])
            return true
        },
        MatrixAction(name: "cancelOwnAccess", rules: "M4", allowed: [C.ownMA, C.ownTA, C.parent]) { cast, token in
            try await cast.admin.cancelOwnAccess(token, taxpayer: C.client)
            return true
        },
        MatrixAction(name: "whoHasAccess", rules: "W1", allowed: clientMA) { cast, token in
            !(try await cast.admin.whoHasAccess(token, taxpayer: C.client)).isEmpty
        },
        MatrixAction(name: "approve", rules: "X5", allowed: clientMA) { cast, token in
            let request = try await pendingRequest(cast)
            try await cast.thirdParty.approve(token, request: request, levels: [C.clientIncome: .viewOnly])
            return true
        },
        MatrixAction(name: "deny", rules: "X5", allowed: clientMA) { cast, token in
            let request = try await pendingRequest(cast)
            try await cast.thirdParty.deny(token, request: request)
            return true
        },
        MatrixAction(name: "pendingRequests", rules: "X3", allowed: clientMA) { cast, token in
            _ = try await pendingRequest(cast)
            return !(try await cast.thirdParty.pendingRequests(token)).isEmpty
        },
        MatrixAction(name: "changeThirdParty", rules: "X8", allowed: clientMA) { cast, token in
            try await cast.thirdParty.changeAccess(
                token, taxpayer: C.client, thirdParty: C.parent, levels: [C.clientAccount: .allAccess])
            return true
        },
        MatrixAction(name: "cancelThirdParty", rules: "X8", allowed: clientMA) { cast, token in
            try await cast.thirdParty.cancelAccess(token, taxpayer: C.client, thirdParty: C.parent)
            return true
        },
        // Third-party actions: the third party, or a secondary MA of its firm (S1, X1, X9, W2).
        MatrixAction(name: "requestAccess", rules: "X1 X2", allowed: firmAdmins) { cast, token in
            let receipt = try await cast.thirdParty.requestAccess(
                token, idType: .ssn, idNumber: "987654321", legalName: "Chris O'Brien-Smith",
                accounts: [C.prospectAccount: .viewOnly], channel: .online)
            return try await cast.world.store.accessRequest(receipt.request)?.value.thirdParty == C.parent
        },
        MatrixAction(name: "cancelOwnThirdPartyAccess", rules: "X9", allowed: firmAdmins) { cast, token in
            try await cast.thirdParty.cancelOwnAccess(token, taxpayer: C.client)
            return true
        },
        MatrixAction(name: "printableAuthorization", rules: "X4", allowed: firmAdmins) { cast, token in
            let request = try await pendingRequest(cast)
            return !(try await cast.thirdParty.printableAuthorization(token, request: request)).isEmpty
        },
        MatrixAction(name: "myRequests", rules: "X10", allowed: firmAdmins) { cast, token in
            _ = try await pendingRequest(cast)
            return try await cast.thirdParty.myRequests(token).contains { $0.id == "R1" }
        },
        MatrixAction(name: "clients", rules: "W2 S6", allowed: [C.parent, C.secondaryMA, C.secondaryTA]) {
            cast, token in
            try await cast.thirdParty.clients(token).contains { $0.taxpayer == C.client && !$0.isOwnBusiness }
        },
        MatrixAction(name: "setFavourite", rules: "W2", allowed: [C.parent, C.secondaryMA, C.secondaryTA]) {
            cast, token in
            try await cast.thirdParty.setFavourite(token, taxpayer: C.client, favourite: true)
            return try await cast.thirdParty.clients(token).contains {
                $0.taxpayer == C.client && !$0.isOwnBusiness && $0.isFavourite
            }
        },
        // Firm administration: the parent or a secondary MA (S1).
        MatrixAction(name: "addSecondary", rules: "S2", allowed: firmAdmins) { cast, token in
            let id = try await cast.world.portal.firm.addSecondary(
                token, NewSecondary(fullName: "New Person", email: "new@acme.example", accessType: .masterAdministrator)
            )
            return try await cast.world.store.logon(id)?.value.secondary?.parent == C.parent
        },
        MatrixAction(name: "secondaries", rules: "S2 S9", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm.secondaries(token).contains {
                $0.id == C.secondaryTA
            }
        },
        MatrixAction(name: "groups", rules: "S3", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm.groups(token).contains { $0.parent == C.parent }
        },
        MatrixAction(name: "createGroup", rules: "S3", allowed: firmAdmins) { cast, token in
            let id = try await cast.world.portal.firm.createGroup(token, name: "New group")
            return try await cast.world.store.securityGroup(id)?.value.parent == C.parent
        },
        MatrixAction(name: "renameGroup", rules: "S3", allowed: firmAdmins) { cast, token in
            try await withGroup(cast)
            try await cast.world.portal.firm.renameGroup(token, group: group, to: "Renamed")
            return true
        },
        MatrixAction(name: "deleteGroup", rules: "S3", allowed: firmAdmins) { cast, token in
            try await withGroup(cast)
            try await cast.world.portal.firm.deleteGroup(token, group: group)
            return true
        },
        MatrixAction(name: "assignTaxpayer", rules: "S4", allowed: firmAdmins) { cast, token in
            try await withGroup(cast)
            try await cast.world.portal.firm.assignTaxpayer(
                token, taxpayer: C.client, to: group)
            return true
        },
        MatrixAction(name: "setGroups", rules: "S5", allowed: firmAdmins) { cast, token in
            try await withGroup(cast)
            try await cast.world.portal.firm.setGroups(
                token, secondary: C.secondaryTA, groups: [group])
            return true
        },
        MatrixAction(name: "setAccessType", rules: "S2 S6", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm
                .setAccessType(token, secondary: C.secondaryTA, to: .taxAdministrator(.viewOnly))
            return true
        },
        MatrixAction(name: "setAccountTypes", rules: "S2 S6", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm
                .setAccountTypes(token, secondary: C.secondaryTA, to: [.withholding])
            return true
        },
        MatrixAction(name: "setRefinement", rules: "S6", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm
                .setRefinement(
                    token, secondary: C.secondaryTA, taxpayer: C.client, accounts: [C.clientAccount: .viewOnly])
            return true
        },
        MatrixAction(name: "deactivate", rules: "S8", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm.deactivate(token, secondary: C.secondaryTA)
            return true
        },
        MatrixAction(name: "reactivate", rules: "S8", allowed: firmAdmins) { cast, token in
            try await cast.world.logon(
                C.secondaryTA, name: "Acme Clerk", status: .deactivated,
                secondary: SecondaryProfile(parent: C.parent, accessType: .taxAdministrator(.fileAndPay)))
            try await cast.world.portal.firm.reactivate(token, secondary: C.secondaryTA)
            return true
        },
        MatrixAction(name: "cancelSecondary", rules: "S8", allowed: firmAdmins) { cast, token in
            try await cast.world.portal.firm.cancel(token, secondary: C.secondaryTA)
            return true
        },
    ]

    @Test("Every action × every actor: allowed exactly as RULES says", arguments: actions, actors)
    func matrix(action: MatrixAction, actor: LogonID) async throws {
        let cast = try await Cast.make()
        let token = try await cast.world.signIn(actor)
        var reachedTarget = false
        var refusal: AccessError?
        do {
            // The request authenticates its session once, then acts (RULES A7, L4).
            reachedTarget = try await action.run(cast, try await cast.world.portal.authenticate(sessionToken: token))
        } catch let error as AccessError {
            refusal = error
        }
        if action.allowed.contains(actor) {
            #expect(
                refusal == nil && reachedTarget,
                "\(actor) should be allowed \(action): \(refusal.map { "\($0)" } ?? "no effect")")
        } else {
            #expect(!reachedTarget || refusal != nil, "unexpected allow: \(actor) did \(action)")
            if actor == C.deactivated || actor == C.deleted {
                #expect(
                    refusal?.code == .sessionExpired,
                    "L4: an inactive logon's session is refused: \(String(describing: refusal))")
            }
        }
    }

    @Test("Denials change nothing: no record, audit event or mail")
    func denialsLeaveNoTrace() async throws {
        for action in Self.actions {
            let cast = try await Cast.make()
            let token = try await cast.token(C.stranger)
            let auditBefore = try await cast.world.audit().count
            // The stranger is refused, or (a list of its own affairs) does not reach the target; any other failure
            // is a fault of its own.
            do {
                let reached = try await action.run(cast, token)
                #expect(!reached, "\(action) reached its target for a stranger")
            } catch is AccessError {
            } catch {
                Issue.record("\(action) failed with \(error), not a refusal")
            }
            // Setup steps of some actions write fixture records; nothing else may be written, and no audit or mail.
            #expect(try await cast.world.audit().count == auditBefore, "\(action) audited a refused act")
            #expect(try await cast.world.outbox().isEmpty, "\(action) mailed on a refused act")
        }
    }
}
