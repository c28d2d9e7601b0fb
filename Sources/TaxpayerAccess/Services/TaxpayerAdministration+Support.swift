#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the access services share: loading a taxpayer's access state and finding a firm's parent.
extension ServiceContext {
    /// Everything a decision about one taxpayer reads.
    ///
    /// - Parameter unknown: the refusal for a taxpayer that does not exist: the one the rule gives a caller without
    ///   the right on a taxpayer that does, so nobody learns whether an id exists without the right to know
    ///   (RULES L4). Master-Administrator work passes ``Authorization/notMasterAdministrator``.
    func accessState(of taxpayer: TaxpayerID, actor: Logon, unknown: AccessError) async throws -> TaxpayerAccessState {
        guard let record = try await store.taxpayer(taxpayer) else { throw unknown }
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
}
