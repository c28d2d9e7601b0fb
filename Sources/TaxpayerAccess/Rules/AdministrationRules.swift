#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pure decisions of a taxpayer's Master Administrator over its own logons (RULES L3, M1–M4, W1).
///
/// Each takes the state read from the store, the actor, the input and `now`, and returns the records to write with
/// their audit events (before/after, RULES U1) and whom to tell, or throws an ``AccessError``.
enum AdministrationRules {
    static let capacityMA = "the taxpayer's Master Administrator"
    static let capacitySelf = "the logon itself"

    /// The refusal of M4 for a logon with no access of its own to the taxpayer; also the answer for a taxpayer that
    /// does not exist (RULES L4).
    static func noOwnAccess(for actor: Logon) -> AccessError {
        AccessError(
            .notFound,
            actor.secondary == nil
                ? "You have no access of your own to this taxpayer."
                : "A secondary logon's access comes from its parent logon; ask your firm's administrator.")
    }

    /// RULES M2: sets a Tax Administrator's level on one account; `.none` (or `nil`) removes the account.
    static func setAccountLevel(
        _ state: TaxpayerAccessState, actor: Logon, target: LogonID, account: AccountID, level: AccessLevel?, now: Date
    ) throws -> Decision<Void> {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        let role = try activeRole(state, target)
        guard role.value.role == .taxAdministrator else {
            throw AccessError(.conflict, "A Master Administrator has All Access on every account; demote it first.")
        }
        let level = level ?? .none
        if level == .none {
            guard role.value.accountLevels[account] != nil else {
                throw AccessError.invalid(
                    "account", "The logon has no access to account \(account.rawValue) to remove.")
            }
        } else {
            _ = try state.activeAccount(account)
        }
        var updated = role.value
        updated.accountLevels[account] = level == .none ? nil : level
        guard updated != role.value else {
            throw AccessError(.conflict, "The logon already has \(level.displayName) on account \(account.rawValue).")
        }
        return change(
            state, actor: actor, before: role, after: updated, action: .roleChanged, now: now,
            subject: "Your access has changed",
            details: "A Master Administrator of \(state.taxpayer.legalName) changed your access to account "
                + "\(account.rawValue): now \(level.displayName).")
    }

    /// RULES M2: promotes an active Tax Administrator to Master Administrator.
    static func promote(_ state: TaxpayerAccessState, actor: Logon, target: LogonID, now: Date) throws
        -> Decision<Void>
    {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        let role = try activeRole(state, target)
        guard role.value.role == .taxAdministrator else {
            throw AccessError(.conflict, "The logon is already a Master Administrator.")
        }
        var updated = role.value
        updated.role = .masterAdministrator
        updated.accountLevels = [:]
        return change(
            state, actor: actor, before: role, after: updated, action: .roleChanged, now: now,
            subject: "Your access has changed",
            details: "You are now a Master Administrator of \(state.taxpayer.legalName).")
    }

    /// RULES M2: demotes an active Master Administrator to Tax Administrator — another MA, or the actor itself —
    /// never the last active one (``AccessError/Code/conflict``). The demoted logon keeps the given levels, or, when
    /// none are given, All Access on every account open now (it loses administration and accounts opened later).
    static func demote(
        _ state: TaxpayerAccessState, actor: Logon, target: LogonID, levels: [AccountID: AccessLevel]?, now: Date
    ) throws -> Decision<Void> {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        let role = try activeRole(state, target)
        guard role.value.role == .masterAdministrator else {
            throw AccessError(.conflict, "The logon is not a Master Administrator.")
        }
        let targetIsActive = state.logons[target]?.status == .active
        if targetIsActive && state.activeMasterAdministrators.count <= 1 {
            throw AccessError(
                .conflict, "The taxpayer must keep at least one active Master Administrator; promote another first.")
        }
        let newLevels = try validatedLevels(
            state, levels ?? Dictionary(uniqueKeysWithValues: state.activeAccounts.map { ($0.id, .allAccess) }))
        var updated = role.value
        updated.role = .taxAdministrator
        updated.accountLevels = newLevels
        var decision = change(
            state, actor: actor, before: role, after: updated, action: .roleChanged, now: now,
            subject: "Your access has changed",
            details: "You are no longer a Master Administrator of \(state.taxpayer.legalName). Your access now:\n"
                + AccessMail.describe(newLevels, accounts: state.accounts))
        // M2: the demotion relies on the other active MAs staying MAs. Writing their roles back unchanged at the
        // versions read makes two crossing demotions (each MA demoting the other at once) conflict, so the second
        // is decided again and refused, instead of both committing and leaving no active MA.
        for other in state.roles
        where other.value.logon != target && other.value.status == .active
            && other.value.role == .masterAdministrator && state.logons[other.value.logon]?.status == .active
        {
            decision.changes.update(.role(other.value), from: other.version)
        }
        return decision
    }

    /// RULES M3: cancels a Tax Administrator's access. Irreversible: the role stays cancelled, and only a new grant
    /// (``grantTaxAdministrator(_:actor:target:levels:now:)``) restores access.
    static func cancelAccess(_ state: TaxpayerAccessState, actor: Logon, target: LogonID, now: Date) throws
        -> Decision<Void>
    {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        let role = try activeRole(state, target)
        guard role.value.role == .taxAdministrator else {
            throw AccessError(.conflict, "A Master Administrator's access cannot be cancelled; demote it first.")
        }
        var updated = role.value
        updated.status = .cancelled
        updated.cancellation = Cancellation(by: .logon(actor.id), at: now, capacity: capacityMA)
        return change(
            state, actor: actor, before: role, after: updated, action: .roleCancelled, now: now,
            subject: "Your access has been cancelled",
            details: "A Master Administrator of \(state.taxpayer.legalName) cancelled your access to it.")
    }

    /// RULES M3: an MA grants a live logon Tax Administrator access with a level per account — the only way back
    /// after a cancel. Secondary logons reach taxpayers through their parent only (RULES S6) and get no role.
    static func grantTaxAdministrator(
        _ state: TaxpayerAccessState, actor: Logon, target: Logon, levels: [AccountID: AccessLevel], now: Date
    ) throws -> Decision<Void> {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
        guard target.status == .active else {
            throw AccessError.invalid("logon", "Access can be granted only to an active logon.")
        }
        guard target.secondary == nil else {
            throw AccessError.invalid("logon", "A secondary logon gets its access through its parent logon.")
        }
        let existing = state.role(of: target.id)
        if let existing, existing.value.status == .active {
            throw AccessError(.conflict, "The logon already has access to this taxpayer.")
        }
        let newLevels = try validatedLevels(state, levels)
        guard !newLevels.isEmpty else {
            throw AccessError.invalid("levels", "Give the logon a level on at least one account.")
        }
        let role = RoleAssignment(
            logon: target.id, taxpayer: state.taxpayer.id, role: .taxAdministrator, accountLevels: newLevels,
            grantedAt: now)
        var changes = ChangeSet()
        changes.put(.role(role), from: existing?.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .roleGranted, subject: "role/\(role.key)",
                before: existing.map { .role($0.value) }, after: .role(role)))
        let notices = [
            AccessNotice.to(
                target, subject: "You have been given access",
                details: "A Master Administrator of \(state.taxpayer.legalName) gave you access:\n"
                    + AccessMail.describe(newLevels, accounts: state.accounts))
        ].compactMap { $0 }
        return Decision(changes, notices: notices)
    }

    /// RULES M4, X9: a logon cancels its own access to a taxpayer — its role, and its third-party grant, whichever it
    /// holds. Allowed even for the last Master Administrator (M4 says any logon; a later registrant becomes MA,
    /// R11). Irreversible.
    static func cancelOwnAccess(_ state: TaxpayerAccessState, actor: Logon, now: Date) throws -> Decision<Void> {
        let role = state.role(of: actor.id).flatMap { $0.value.status == .active ? $0 : nil }
        let grant = state.grant(of: actor.id).flatMap { $0.value.status == .active ? $0 : nil }
        guard actor.status == .active, role != nil || grant != nil else { throw noOwnAccess(for: actor) }
        let cancellation = Cancellation(by: .logon(actor.id), at: now, capacity: capacitySelf)
        var changes = ChangeSet()
        if let role {
            var updated = role.value
            updated.status = .cancelled
            updated.cancellation = cancellation
            changes.update(.role(updated), from: role.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(actor.id), action: .roleCancelled, subject: "role/\(updated.key)",
                    before: .role(role.value), after: .role(updated), note: "cancelled by the logon itself"))
        }
        if let grant {
            var updated = grant.value
            updated.status = .cancelled
            updated.cancellation = cancellation
            changes.update(.grant(updated), from: grant.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(actor.id), action: .grantCancelled, subject: "grant/\(updated.key)",
                    before: .grant(grant.value), after: .grant(updated), note: "cancelled by the third party itself"))
        }
        var notices = state.noticesToMasterAdministrators(
            subject: "A logon cancelled its access",
            details: "\(actor.fullName) cancelled their own access to \(state.taxpayer.legalName).", except: actor.id)
        if let own = AccessNotice.to(
            actor, subject: "Your access has been cancelled",
            details: "You cancelled your access to \(state.taxpayer.legalName).")
        {
            notices.append(own)
        }
        return Decision(changes, notices: notices)
    }

    /// RULES W1, M1: who may list who has access — a Master Administrator of the taxpayer only. The list itself is
    /// the resolver's answer (``AccessResolver/whoHasAccess(taxpayer:)``), so the service and the resolver never
    /// disagree.
    static func mayListWhoHasAccess(_ state: TaxpayerAccessState, actor: Logon) throws {
        try Authorization.requireMasterAdministrator(actor, role: state.role(of: actor.id)?.value)
    }

    // MARK: - Helpers

    static func activeRole(_ state: TaxpayerAccessState, _ target: LogonID) throws -> Versioned<RoleAssignment> {
        guard let role = state.role(of: target), role.value.status == .active else {
            throw AccessError(.notFound, "That logon has no access to this taxpayer.")
        }
        return role
    }

    static func validatedLevels(_ state: TaxpayerAccessState, _ levels: [AccountID: AccessLevel]) throws
        -> [AccountID: AccessLevel]
    {
        var result: [AccountID: AccessLevel] = [:]
        for (account, level) in levels {
            _ = try state.activeAccount(account, field: "levels")
            if level > .none { result[account] = level }
        }
        return result
    }

    static func change(
        _ state: TaxpayerAccessState, actor: Logon, before: Versioned<RoleAssignment>, after: RoleAssignment,
        action: AuditAction, now: Date, subject: String, details: String
    ) -> Decision<Void> {
        var changes = ChangeSet()
        changes.update(.role(after), from: before.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: action, subject: "role/\(after.key)",
                before: .role(before.value),
                after: .role(after)))
        let notices = state.logons[after.logon].flatMap { AccessNotice.to($0, subject: subject, details: details) }
        return Decision(changes, notices: notices.map { [$0] } ?? [])
    }
}
