#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the access services share: loading a taxpayer's access state, finding a firm's parent, and committing a
/// decision with its mail and e-messages in the same commit (RULES N1, N2).
extension ServiceContext {
    /// Everything a decision about one taxpayer reads. An unknown taxpayer is ``AccessError/Code/notFound``.
    func accessState(of taxpayer: TaxpayerID, actor: Logon) async throws -> TaxpayerAccessState {
        guard let record = try await store.taxpayer(taxpayer) else {
            throw AccessError(.notFound, "There is no such taxpayer.")
        }
        let accounts = try await store.accounts(of: taxpayer).map(\.value)
        let roles = try await store.roles(on: taxpayer)
        let grants = try await store.grants(on: taxpayer)
        var logons: [LogonID: Logon] = [actor.id: actor]
        for id in roles.map(\.value.logon) + grants.map(\.value.thirdParty) where logons[id] == nil {
            if let logon = try await store.logon(id) { logons[id] = logon.value }
        }
        return TaxpayerAccessState(
            taxpayer: record.value, accounts: accounts, roles: roles, grants: grants, logons: logons)
    }

    /// The actor's parent logon when it is a secondary, else the actor itself.
    func parentOrSelf(of actor: Logon) async throws -> Logon? {
        guard let profile = actor.secondary else { return actor }
        return try await store.logon(profile.parent)?.value
    }

    /// RULES S1: the parent whose firm the actor administers.
    func firmAdministrator(_ actor: Logon) async throws -> Logon {
        let parent = try await parentOrSelf(of: actor)
        var ownRole: RoleAssignment?
        if let parent, let own = parent.ownTaxpayer { ownRole = try await store.role(of: parent.id, on: own)?.value }
        return try Authorization.firmAdministrator(actor: actor, parent: parent, parentOwnRole: ownRole)
    }

    /// Adds to `changes` an email (saying only that there is something new, RULES N1) and an e-message with the
    /// details for every notice.
    func deliver(_ notices: [AccessNotice], into changes: inout ChangeSet) throws(AccessError) {
        for notice in notices {
            changes.send(
                try mail(to: notice.address, subject: AccessMail.subject, body: AccessMail.body(portalURL: portalURL)))
            changes.insert(.eMessage(eMessage(to: notice.recipient, subject: notice.subject, body: notice.details)))
        }
    }

    /// Commits what `decide` builds from fresh reads, with its notices, retrying on version conflicts.
    @discardableResult
    func commitDecision<T: Sendable>(_ decide: () async throws -> (AccessDecision, T)) async throws -> T {
        try await commitRetrying {
            let (decision, result) = try await decide()
            var changes = decision.changes
            try deliver(decision.notices, into: &changes)
            return (changes, result)
        }
    }

    /// Commits what `decide` builds, with its notices.
    func commitDecision(_ decide: () async throws -> AccessDecision) async throws {
        try await commitDecision { (try await decide(), ()) }
    }
}
