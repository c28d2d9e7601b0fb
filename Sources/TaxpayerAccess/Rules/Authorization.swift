/// Who may do what: the checks every access service makes before it decides anything (Documentation/Architecture.md, authorization
/// inside the library). Deny by default: anything not shown to be allowed is ``AccessError/Code/notAuthorized``.
enum Authorization {
    /// The refusal of anything that needs a Master Administrator of the taxpayer (RULES L3, L4): the same whether
    /// the taxpayer exists or not.
    static let notMasterAdministrator = AccessError(
        .notAuthorized, "Only a Master Administrator of this taxpayer can do this.")

    /// RULES L3, S1: administering a taxpayer (M2–M3, W1, X5, X8) needs the actor's own active Master
    /// Administrator role on that taxpayer. A secondary logon's access through its parent never counts.
    ///
    /// - Throws: ``AccessError/Code/notAuthorized``.
    static func requireMasterAdministrator(_ actor: Logon, role: RoleAssignment?) throws {
        guard actor.status == .active, let role, role.logon == actor.id, role.role == .masterAdministrator,
            role.status == .active
        else {
            throw notMasterAdministrator
        }
    }

    /// Whether `logon` is a parent logon (RULES S1): not itself a secondary, active, with client management, and an
    /// active Master Administrator of its own taxpayer (`ownRole` is its role on ``Logon/ownTaxpayer``).
    static func isParent(_ logon: Logon, ownRole: RoleAssignment?) -> Bool {
        guard logon.secondary == nil, logon.status == .active, logon.clientManagement,
            let own = logon.ownTaxpayer, let ownRole
        else { return false }
        return ownRole.logon == logon.id && ownRole.taxpayer == own && ownRole.role == .masterAdministrator
            && ownRole.status == .active
    }

    /// RULES S1: the parent whose firm the actor may administer — the actor itself when it is a parent, or its
    /// parent when the actor is an active secondary logon of access type MA.
    ///
    /// - Parameters:
    ///   - actor: the signed-in logon.
    ///   - parent: the actor's parent logon when the actor is a secondary, else the actor itself.
    ///   - parentOwnRole: the parent's role on its own taxpayer.
    /// - Throws: ``AccessError/Code/notAuthorized``.
    static func firmAdministrator(actor: Logon, parent: Logon?, parentOwnRole: RoleAssignment?) throws -> Logon {
        let denied = AccessError(
            .notAuthorized, "Only the parent logon or a secondary logon with Master Administrator access can do this.")
        guard actor.status == .active, let parent else { throw denied }
        if let profile = actor.secondary {
            guard profile.parent == parent.id, profile.accessType == .masterAdministrator else { throw denied }
        } else {
            guard parent.id == actor.id else { throw denied }
        }
        guard isParent(parent, ownRole: parentOwnRole) else { throw denied }
        return parent
    }

    /// RULES S1, X9: the logon a third-party action is done for — the actor itself when it is not a secondary, or
    /// its active parent when the actor is a secondary logon of access type MA (the firm's third-party requests).
    ///
    /// - Throws: ``AccessError/Code/notAuthorized`` for a secondary Tax Administrator or a secondary whose parent is
    ///   not active.
    static func thirdPartyPrincipal(actor: Logon, parent: Logon?) throws -> Logon {
        guard actor.status == .active else {
            throw AccessError(.notAuthorized, "This logon is not active.")
        }
        guard let profile = actor.secondary else { return actor }
        guard profile.accessType == .masterAdministrator, let parent, parent.id == profile.parent,
            parent.status == .active
        else {
            throw AccessError(
                .notAuthorized,
                "Only the parent logon or a secondary logon with Master Administrator access can do this.")
        }
        return parent
    }
}
