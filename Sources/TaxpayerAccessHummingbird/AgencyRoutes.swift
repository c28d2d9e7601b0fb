#if HTTP
import Hummingbird
import TaxpayerAccess
import Foundation

// The agency's operator routes (RULES R10, V3, X4, X11) under /api/agency, guarded by OperatorMiddleware: the operator
// named by the request's token is the actor of each change (U1).

extension Routes {
    func addAgency(to router: R, operators: AgencyOperators) {
        let portal = portal
        let agency = router.group("/api/agency").add(middleware: OperatorMiddleware(operators: operators))
        /// R10: the request waiting for review, found by the confirmation number the applicant was given.
        let registration = { @Sendable (context: PortalRequestContext) async throws -> Registration in
            let number = try context.parameters.require("confirmation")
            guard let found = try await portal.registration.registration(confirmationNumber: number) else {
                throw AccessError(.notFound, "There is no registration with that confirmation number.")
            }
            return found
        }
        agency.get("/registrations/{confirmation}") { _, context -> Response in
            let found = try await registration(context)
            let logon = try await portal.store.logon(found.logon)?.value
            return try PortalJSON.response(RegistrationAnswer(found, logon: logon))
        }
        agency.post("/registrations/{confirmation}/approve") { _, context -> Response in
            let found = try await registration(context)
            try await portal.registration.approve(registration: found.id, by: try context.requireOperator())
            return PortalJSON.empty()
        }
        agency.post("/registrations/{confirmation}/reject") { _, context -> Response in
            let found = try await registration(context)
            try await portal.registration.reject(registration: found.id, by: try context.requireOperator())
            return PortalJSON.empty()
        }
        // X4: the taxpayer's signed decision on a printed-form request, by the form's confirmation number.
        agency.post("/access-requests/{confirmation}/decision") { request, context -> Response in
            let body = try await PortalJSON.decode(PrintedDecisionBody.self, from: request)
            let levels = try parseLevels(body.levels ?? [:], field: "levels")
            if !body.approve, !levels.isEmpty {
                throw AccessError.invalid("levels", "A denial carries no levels.")
            }
            try await portal.thirdParties.recordPrintedDecision(
                confirmationNumber: try context.parameters.require("confirmation"), approve: body.approve,
                levels: levels, by: try context.requireOperator())
            return PortalJSON.empty()
        }
        // V3: only the agency changes the email of a logon that is locked out and lost its email.
        agency.post("/logons/email") { request, context -> Response in
            let body = try await PortalJSON.decode(AgencyEmailBody.self, from: request)
            try await portal.recovery.changeEmailOfLockedOutLogon(
                username: body.username, newEmail: body.newEmail, by: try context.requireOperator())
            return PortalJSON.empty()
        }
        // X11: the agency mailed correspondence about an account; its third parties are told.
        agency.post("/accounts/{account}/correspondence") { _, context -> Response in
            let told = try await portal.correspondence.noticeMailed(
                account: AccountID(try context.parameters.require("account")), by: try context.requireOperator())
            return try PortalJSON.response(CorrespondenceAnswer(notified: told.map(\.rawValue).sorted()))
        }
    }
}

extension PortalRequestContext {
    /// The agency operator of the request, set by ``OperatorMiddleware``.
    ///
    /// - Throws: 401 `operatorUnauthorized` when no operator token was accepted.
    func requireOperator() throws -> String {
        guard let agencyOperator else { throw HTTPProblem.operatorUnauthorized }
        return agencyOperator
    }
}

struct RegistrationAnswer: Encodable {
    var registration: String
    var confirmationNumber: String
    var logon: String
    var username: String?
    var fullName: String?
    var taxpayer: String
    var provedAccount: String
    var status: String
    var submittedAt: Date
    var decidedAt: Date?

    init(_ registration: Registration, logon: Logon?) {
        self.registration = registration.id.rawValue
        confirmationNumber = registration.confirmationNumber
        self.logon = registration.logon.rawValue
        username = logon?.username
        fullName = logon?.fullName
        taxpayer = registration.taxpayer.rawValue
        provedAccount = registration.provedAccount.rawValue
        status = registration.status.rawValue
        submittedAt = registration.submittedAt
        decidedAt = registration.decidedAt
    }
}

struct PrintedDecisionBody: Decodable {
    var approve: Bool
    var levels: [String: String]?
}

struct AgencyEmailBody: Decodable {
    var username: String
    var newEmail: String
}

struct CorrespondenceAnswer: Encodable {
    var notified: [String]
}
#endif
