#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A secondary logon to add (RULES S2).
public struct NewSecondary: Hashable, Sendable {
    public var fullName: String
    public var email: String
    /// MA, or TA with a level.
    public var accessType: SecondaryAccessType
    /// The account types it applies to; `nil` for all.
    public var accountTypes: Set<AccountType>?
    /// Its security groups; empty for Default (RULES S5).
    public var groups: [SecurityGroupID]

    public init(
        fullName: String, email: String, accessType: SecondaryAccessType, accountTypes: Set<AccountType>? = nil,
        groups: [SecurityGroupID] = []
    ) {
        self.fullName = fullName
        self.email = email
        self.accessType = accessType
        self.accountTypes = accountTypes
        self.groups = groups
    }
}

/// Pure decisions of firm administration (RULES S1–S9). The caller has already established, through
/// ``Authorization/firmAdministrator(actor:parent:parentOwnRole:)``, that `actor` administers `state.parent`'s firm.
enum FirmRules {
    /// RULES S3: the Default group's record, written with the firm's first change when it is not stored yet.
    static func start(_ state: FirmState, actor: Logon, now: Date) -> ChangeSet {
        var changes = ChangeSet()
        if !state.defaultGroupStored {
            changes.insert(.securityGroup(state.defaultGroup))
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(actor.id), action: .groupChanged,
                    subject: "securityGroup/\(state.defaultGroupID.rawValue)",
                    after: .securityGroup(state.defaultGroup),
                    note: "Default group created"))
        }
        return changes
    }

    static func validatedGroups(_ state: FirmState, _ groups: [SecurityGroupID]) throws -> [SecurityGroupID] {
        var result: [SecurityGroupID] = []
        for id in groups where !result.contains(id) {
            _ = try state.group(id, field: "groups")
            result.append(id)
        }
        return result.isEmpty ? [state.defaultGroupID] : result  // S5
    }

    static func validatedAccessType(_ type: SecondaryAccessType) throws -> SecondaryAccessType {
        if case .taxAdministrator(let level) = type, level == .none {
            throw AccessError.invalid("accessType", "A secondary Tax Administrator needs a level above none.")
        }
        return type
    }

    static func validatedAccountTypes(_ types: Set<AccountType>?) throws -> Set<AccountType>? {
        if let types, types.isEmpty || types.contains(where: { $0.rawValue.isEmpty }) {
            throw AccessError.invalid("accountTypes", "Choose at least one account type, or all of them.")
        }
        // The snapshot format's rule too, so that what the services write always exports and imports again.
        if let types, types.contains(where: { !$0.isWellFormed }) {
            throw AccessError.invalid("accountTypes", "An account type is a camelCase word such as personalIncome.")
        }
        return types
    }

    /// RULES S2: a new secondary logon, active from this very commit — the one that writes its confirmation email
    /// with a single-use completion link (only the link's hash is stored). Its username is a placeholder holding
    /// white space, so it can never clash with a real username (RULES R5) until the person completes the logon.
    static func addSecondary(
        _ state: FirmState, actor: Logon, input: NewSecondary, id: LogonID, link: DrawnToken, url: String, now: Date,
        policy: Policy
    ) throws -> Decision<Logon> {
        let name = try Policy.validateFullName(input.fullName)
        let email = try Policy.validateEmail(input.email)
        let logon = Logon(
            id: id, username: " pending \(id.rawValue)", email: email, fullName: name, status: .active,
            secondary: SecondaryProfile(
                parent: state.parent.id, accessType: try validatedAccessType(input.accessType),
                groups: try validatedGroups(state, input.groups),
                accountTypes: try validatedAccountTypes(input.accountTypes)),
            activated: false, createdAt: now)
        var decision = Decision(start(state, actor: actor, now: now), result: logon)
        decision.insert(.logon(logon))
        decision.insert(
            .linkToken(
                LinkRules.issue(
                    link, purpose: .secondaryCompletion, for: logon, lifetime: policy.secondaryLinkLifetime, now: now)))
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .secondaryChanged, subject: "logon/\(id.rawValue)",
                after: .logon(logon), note: "secondary logon added"))
        decision.mail(AccessMail.secondaryCompletion(link: url), to: email)
        return decision
    }

    /// RULES S2: the person completes a secondary logon from its link, choosing a username (R5) and a password (R6);
    /// two-step verification is set up at the first login (R12). The store refuses a username that is taken.
    ///
    /// - Throws: ``invalidCompletionLink`` for an unknown, used, expired or superseded link, or a logon that is no
    ///   longer waiting for completion.
    static func completeSecondary(
        _ link: Versioned<LinkToken>?, logon: Versioned<Logon>?, links: [LinkToken], username: String,
        passwordHash: String, now: Date
    ) throws(AccessError) -> Decision<LogonID> {
        guard let link, let logon, logon.value.secondary != nil, logon.value.status != .deleted,
            !logon.value.activated,
            LinkRules.usable(link.value, purpose: .secondaryCompletion, logon: logon.value, links: links, now: now)
        else { throw invalidCompletionLink }
        var used = link.value
        used.usedAt = now
        var completed = logon.value
        completed.username = username
        completed.credentials.passwordHash = passwordHash
        completed.credentials.passwordChangedAt = now
        completed.activated = true
        var decision = Decision(result: completed.id)
        decision.update(.linkToken(used), from: link.version)
        decision.update(.logon(completed), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(completed.id), action: .logonActivated,
                subject: "logon/\(completed.id.rawValue)", before: .logon(logon.value), after: .logon(completed),
                note: "secondary logon completed"))
        return decision
    }

    /// The answer to a completion link that does not work (RULES S2).
    static let invalidCompletionLink = AccessError(
        .invalidLink, "This link is not valid any more. Ask your firm's administrator for a new one.")

    /// RULES S3: a custom group's name, trimmed: 1 to 60 characters; "Default" is the Default group's.
    static func validatedGroupName(_ name: String) throws -> String {
        // No control characters: the snapshot format refuses them, and they would reach operators' terminals.
        let trimmed = name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !Policy.containsControlCharacter(trimmed) else {
            throw AccessError.invalid("name", "A group name holds letters, digits, spaces and punctuation only.")
        }
        guard !trimmed.isEmpty, trimmed.count <= 60 else {
            throw AccessError.invalid("name", "A group name has 1 to 60 characters.")
        }
        guard trimmed.lowercased() != "default" else {
            throw AccessError(.conflict, "\"Default\" is the name of the Default group.")
        }
        return trimmed
    }

    /// RULES S3: a new custom group. A name taken by another group of the parent is refused by the store's unique
    /// key (the service turns it into ``AccessError/Code/conflict``).
    static func createGroup(_ state: FirmState, actor: Logon, name: String, id: SecurityGroupID, now: Date)
        throws -> Decision<Void>
    {
        let group = SecurityGroup(id: id, parent: state.parent.id, name: try validatedGroupName(name))
        var changes = start(state, actor: actor, now: now)
        changes.insert(.securityGroup(group))
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .groupChanged, subject: "securityGroup/\(id.rawValue)",
                after: .securityGroup(group), note: "group created"))
        return Decision(changes)
    }

    /// RULES S3: renames a custom group.
    static func renameGroup(_ state: FirmState, actor: Logon, group: SecurityGroupID, name: String, now: Date)
        throws -> Decision<Void>
    {
        guard group != state.defaultGroupID else {
            throw AccessError(.conflict, "The Default group cannot be renamed.")
        }
        guard let existing = state.groups.first(where: { $0.value.id == group }) else {
            throw AccessError(.notFound, "\(group.rawValue) is not one of your security groups.")
        }
        var renamed = existing.value
        renamed.name = try validatedGroupName(name)
        var changes = start(state, actor: actor, now: now)
        changes.update(.securityGroup(renamed), from: existing.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .groupChanged, subject: "securityGroup/\(group.rawValue)",
                before: .securityGroup(existing.value), after: .securityGroup(renamed), note: "group renamed"))
        return Decision(changes)
    }

    /// RULES S3–S5: deletes a custom group; its taxpayers go back to Default, and secondaries left with no group are
    /// put in Default.
    static func deleteGroup(_ state: FirmState, actor: Logon, group: SecurityGroupID, now: Date) throws
        -> Decision<Void>
    {
        guard group != state.defaultGroupID else {
            throw AccessError(.conflict, "The Default group always exists and cannot be deleted.")
        }
        guard let existing = state.groups.first(where: { $0.value.id == group }) else {
            throw AccessError(.notFound, "\(group.rawValue) is not one of your security groups.")
        }
        var changes = start(state, actor: actor, now: now)
        changes.delete(RecordKey(.securityGroup, group.rawValue), from: existing.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .groupChanged, subject: "securityGroup/\(group.rawValue)",
                before: .securityGroup(existing.value), note: "group deleted"))
        for assignment in state.assignments where assignment.value.group == group {
            changes.delete(RecordKey(.groupAssignment, assignment.value.key), from: assignment.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(actor.id), action: .groupChanged,
                    subject: "groupAssignment/\(assignment.value.key)", before: .groupAssignment(assignment.value),
                    note: "taxpayer moved to the Default group"))
        }
        for secondary in state.secondaries {
            guard var profile = secondary.value.secondary, profile.groups.contains(group) else { continue }
            profile.groups.removeAll { $0 == group }
            if profile.groups.isEmpty { profile.groups = [state.defaultGroupID] }
            var updated = secondary.value
            updated.secondary = profile
            changes.update(.logon(updated), from: secondary.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(actor.id), action: .secondaryChanged,
                    subject: "logon/\(updated.id.rawValue)",
                    before: .logon(secondary.value), after: .logon(updated), note: "group deleted"))
        }
        return Decision(changes)
    }

    /// RULES S4: puts a taxpayer the parent reaches (its own, or a client with an active grant) in one of its
    /// groups; Default removes any assignment.
    static func assignTaxpayer(
        _ state: FirmState, actor: Logon, taxpayer: TaxpayerID, reachable: Bool, group: SecurityGroupID, now: Date
    ) throws -> Decision<Void> {
        guard reachable else {
            throw AccessError(.notFound, "\(taxpayer.rawValue) is neither your firm's taxpayer nor one of its clients.")
        }
        _ = try state.group(group)
        let existing = state.assignments.first { $0.value.taxpayer == taxpayer }
        let current = existing?.value.group ?? state.defaultGroupID
        guard current != group else { throw AccessError(.conflict, "The taxpayer is already in that group.") }
        var changes = start(state, actor: actor, now: now)
        let assignment = GroupAssignment(parent: state.parent.id, taxpayer: taxpayer, group: group)
        if group == state.defaultGroupID, let existing {
            changes.delete(RecordKey(.groupAssignment, existing.value.key), from: existing.version)
        } else {
            changes.put(.groupAssignment(assignment), from: existing?.version)
        }
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .groupChanged, subject: "groupAssignment/\(assignment.key)",
                before: existing.map { .groupAssignment($0.value) },
                after: group == state.defaultGroupID ? nil : .groupAssignment(assignment),
                note: group == state.defaultGroupID ? "taxpayer moved to the Default group" : "taxpayer assigned"))
        return Decision(changes)
    }

    /// RULES S2, S5, S8: changes a secondary logon's profile or status.
    static func updateSecondary(
        _ state: FirmState, actor: Logon, secondary: LogonID, now: Date, note: String,
        _ change: (inout Logon) throws -> Void
    ) throws -> Decision<Void> {
        let existing = try state.secondary(secondary)
        guard existing.value.status != .deleted else {
            throw AccessError(.conflict, "That secondary logon was cancelled; cancelling cannot be undone.")
        }
        var updated = existing.value
        try change(&updated)
        guard updated != existing.value else { throw AccessError(.conflict, "Nothing to change.") }
        var changes = start(state, actor: actor, now: now)
        changes.update(.logon(updated), from: existing.version)
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .secondaryChanged, subject: "logon/\(secondary.rawValue)",
                before: .logon(existing.value), after: .logon(updated), note: note))
        return Decision(changes)
    }

    /// RULES S5: sets a secondary's groups; none means Default.
    static func setGroups(
        _ state: FirmState, actor: Logon, secondary: LogonID, groups: [SecurityGroupID], now: Date
    )
        throws -> Decision<Void>
    {
        let groups = try validatedGroups(state, groups)
        return try updateSecondary(state, actor: actor, secondary: secondary, now: now, note: "groups set") {
            $0.secondary?.groups = groups
        }
    }

    /// RULES S2, S6: sets a secondary's access type.
    static func setAccessType(
        _ state: FirmState, actor: Logon, secondary: LogonID, accessType: SecondaryAccessType, now: Date
    ) throws -> Decision<Void> {
        let type = try validatedAccessType(accessType)
        return try updateSecondary(state, actor: actor, secondary: secondary, now: now, note: "access type set") {
            $0.secondary?.accessType = type
        }
    }

    /// RULES S2, S6: sets the account types a secondary applies to; `nil` for all.
    static func setAccountTypes(
        _ state: FirmState, actor: Logon, secondary: LogonID, accountTypes: Set<AccountType>?, now: Date
    ) throws -> Decision<Void> {
        let types = try validatedAccountTypes(accountTypes)
        return try updateSecondary(state, actor: actor, secondary: secondary, now: now, note: "account types set") {
            $0.secondary?.accountTypes = types
        }
    }

    /// RULES S8: deactivates (no access at once), reactivates, or cancels (irreversible: status deleted).
    /// Deactivating or cancelling ends the secondary's live sessions (`sessions`, as read) in the same commit, as a
    /// password change does (A7): a later reactivation then cannot bring back a session that was open before.
    static func setStatus(
        _ state: FirmState, actor: Logon, secondary: LogonID, to status: LogonStatus, sessions: [Versioned<Session>],
        now: Date
    ) throws -> Decision<Void> {
        let current = try state.secondary(secondary).value.status
        switch (current, status) {
        case (.active, .deactivated), (.deactivated, .active), (.active, .deleted), (.deactivated, .deleted),
            (.pendingApproval, .deleted):
            break
        case (.deleted, _):
            throw AccessError(.conflict, "That secondary logon was cancelled; cancelling cannot be undone.")
        default:
            throw AccessError(.conflict, "The secondary logon is already \(current.rawValue).")
        }
        var decision = try updateSecondary(
            state, actor: actor, secondary: secondary, now: now, note: "status \(status.rawValue)"
        ) { $0.status = status }
        guard status != .active else { return decision }
        decision.merge(
            SessionRules.ending(
                sessions.filter { $0.value.logon == secondary }, actor: .logon(actor.id),
                note: status == .deleted
                    ? "ended by the cancellation of the logon" : "ended by the deactivation of the logon", now: now))
        return decision
    }

    /// RULES S6: sets the per-account cap of a secondary on one client (`.none` takes an account away); empty
    /// `accounts` removes the refinement.
    static func setRefinement(
        _ state: FirmState, actor: Logon, secondary: LogonID, taxpayer: TaxpayerID, reachable: Bool,
        taxpayerAccounts: [TaxAccount], accounts: [AccountID: AccessLevel], existing: Versioned<Refinement>?, now: Date
    ) throws -> Decision<Void> {
        let logon = try state.secondary(secondary).value
        guard logon.status != .deleted else {
            throw AccessError(.conflict, "That secondary logon was cancelled; cancelling cannot be undone.")
        }
        guard reachable else {
            throw AccessError(.notFound, "\(taxpayer.rawValue) is neither your firm's taxpayer nor one of its clients.")
        }
        let known = Set(taxpayerAccounts.map(\.id))
        for account in accounts.keys where !known.contains(account) {
            throw AccessError.invalid("accounts", "Account \(account.rawValue) is not an account of this taxpayer.")
        }
        let refinement = Refinement(secondary: secondary, taxpayer: taxpayer, accounts: accounts)
        var changes = start(state, actor: actor, now: now)
        if accounts.isEmpty {
            guard let existing else { throw AccessError(.conflict, "There is no refinement to remove.") }
            changes.delete(RecordKey(.refinement, refinement.key), from: existing.version)
        } else {
            guard existing?.value != refinement else { throw AccessError(.conflict, "Nothing to change.") }
            changes.put(.refinement(refinement), from: existing?.version)
        }
        changes.audit(
            AuditEvent(
                time: now, actor: .logon(actor.id), action: .secondaryChanged, subject: "refinement/\(refinement.key)",
                before: existing.map { .refinement($0.value) }, after: accounts.isEmpty ? nil : .refinement(refinement),
                note: accounts.isEmpty ? "refinement removed" : "refinement set"))
        return Decision(changes)
    }
}
