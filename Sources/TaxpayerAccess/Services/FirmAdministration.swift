#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Firm administration (RULES S1–S9): a parent logon — or one of its secondary logons whose access type is MA —
/// manages the firm's secondary logons, its security groups, which group each taxpayer sits in, and per-client
/// refinements. Every change is audited with before/after (U1).
///
/// ```swift
/// let firm = portal.firm
/// let payroll = try await firm.createGroup(caller, name: "Payroll clients")
/// let clerk = try await firm.addSecondary(caller, NewSecondary(fullName: "Kim Clerk", email: "kim@acme.example",
///                                         accessType: .taxAdministrator(.fileAndPay), groups: [payroll]))
/// try await firm.assignTaxpayer(caller, taxpayer: "T9", to: payroll)
/// ```
public struct FirmAdministration: Sendable {
    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    private func firmState(_ caller: SignedIn) async throws -> (actor: Logon, state: FirmState) {
        let actor = try context.caller(caller).logon
        let parent = try await context.firmAdministrator(actor)
        return (actor, try await loadState(parent))
    }

    private func loadState(_ parent: Logon) async throws -> FirmState {
        FirmState(
            parent: parent, groups: try await context.store.securityGroups(of: parent.id),
            secondaries: try await context.store.secondaries(of: parent.id),
            assignments: try await context.store.groupAssignments(of: parent.id))
    }

    /// Commits a firm decision from fresh reads, turning a taken group name into a conflict.
    private func commit<T: Sendable>(
        _ caller: SignedIn, _ decide: (Logon, FirmState) async throws -> Decision<T>
    ) async throws -> T {
        let actor = try context.caller(caller).logon
        do {
            return try await context.decideAndCommit {
                let parent = try await context.firmAdministrator(actor)
                return try await decide(actor, try await loadState(parent))
            }
        } catch let error as StoreError where error.uniqueKeyName == .groupName {
            throw AccessError(.conflict, "You already have a security group with that name.")
        }
    }

    /// Whether the parent reaches a taxpayer: its own firm taxpayer or a client with an active grant (RULES S4).
    private func reaches(_ parent: Logon, _ taxpayer: TaxpayerID) async throws -> Bool {
        if parent.ownTaxpayer == taxpayer { return true }
        return try await context.store.grant(of: parent.id, on: taxpayer)?.value.status == .active
    }

    /// RULES S2: adds a secondary logon. It holds access from this commit on — the one that writes its confirmation
    /// email with a single-use completion link (only the link's hash is stored).
    ///
    /// - Returns: the new logon's id.
    /// - Throws: ``AccessError/Code/notAuthorized`` unless the caller administers a firm (S1);
    ///   ``AccessError/Code/invalidInput`` naming the field; ``AccessError/Code/emailTaken`` (R4).
    @discardableResult
    public func addSecondary(_ caller: SignedIn, _ input: NewSecondary) async throws -> LogonID {
        let id: LogonID = context.newID("L")
        let link = context.drawToken("K")
        let url = context.link(.secondaryCompletion, token: link.token)
        return try await commit(caller) { actor, state in
            try FirmRules.addSecondary(
                state, actor: actor, input: input, id: id, link: link, url: url, now: context.clock.now(),
                policy: context.policy
            ).with(result: id)
        }
    }

    /// RULES S2: the person completes a secondary logon from the link: chooses a username (R5) and a password (R6).
    /// Two-step verification is set up at the first login (R12).
    ///
    /// - Throws: ``AccessError/Code/invalidLink`` for an unknown, used or expired link;
    ///   ``AccessError/Code/invalidInput`` for a bad username or password; ``AccessError/Code/usernameTaken``.
    @discardableResult
    public func completeSecondary(linkToken: String, username: String, password: String) async throws -> LogonID {
        try context.policy.validateUsername(username)
        try context.policy.validatePassword(password, username: username)
        let passwordHash = try await context.hasher.hash(password)
        return try await context.decideAndCommit {
            let link = try await context.store.linkToken(byTokenHash: SecretToken.hash(linkToken))
            let logon = try await link.asyncMap { try await context.store.logon($0.value.logon) } ?? nil
            let links = try await logon.asyncMap { try await context.store.linkTokens(of: $0.value.id) } ?? []
            return try FirmRules.completeSecondary(
                link, logon: logon, links: links.map(\.value), username: username, passwordHash: passwordHash,
                now: context.clock.now())
        }
    }

    /// RULES S2, S9: the firm's secondary logons (without secrets), ordered by id. Each reads
    /// ``Logon/accessTypeLabel`` "Parent Web Logon".
    public func secondaries(_ caller: SignedIn) async throws -> [Logon] {
        try await firmState(caller).state.secondaries.map(\.value.redacted).sorted { $0.id < $1.id }
    }

    /// RULES S3: the firm's groups, Default first.
    public func groups(_ caller: SignedIn) async throws -> [SecurityGroup] {
        let state = try await firmState(caller).state
        let custom = state.groups.map(\.value).filter { $0.id != state.defaultGroupID }.sorted { $0.name < $1.name }
        return [state.defaultGroup] + custom
    }

    /// RULES S3: creates a custom group; names are unique per parent (``AccessError/Code/conflict``).
    @discardableResult
    public func createGroup(_ caller: SignedIn, name: String) async throws -> SecurityGroupID {
        try await commit(caller) { actor, state in
            let id: SecurityGroupID = context.newID("G")
            return try FirmRules.createGroup(state, actor: actor, name: name, id: id, now: context.clock.now())
                .with(result: id)
        }
    }

    /// RULES S3: renames a custom group.
    public func renameGroup(_ caller: SignedIn, group: SecurityGroupID, to name: String) async throws {
        try await commit(caller) { actor, state in
            try FirmRules.renameGroup(state, actor: actor, group: group, name: name, now: context.clock.now())
        }
    }

    /// RULES S3–S5: deletes a custom group; its taxpayers go back to Default, secondaries left without a group join
    /// Default.
    public func deleteGroup(_ caller: SignedIn, group: SecurityGroupID) async throws {
        try await commit(caller) { actor, state in
            try FirmRules.deleteGroup(state, actor: actor, group: group, now: context.clock.now())
        }
    }

    /// RULES S4: puts a taxpayer the firm reaches (its own or a client) in one of the firm's groups.
    public func assignTaxpayer(_ caller: SignedIn, taxpayer: TaxpayerID, to group: SecurityGroupID) async throws {
        try await commit(caller) { actor, state in
            let reachable = try await reaches(state.parent, taxpayer)
            return try FirmRules.assignTaxpayer(
                state, actor: actor, taxpayer: taxpayer, reachable: reachable, group: group,
                now: context.clock.now())
        }
    }

    /// RULES S5: sets a secondary logon's groups; an empty list means Default.
    public func setGroups(_ caller: SignedIn, secondary: LogonID, groups: [SecurityGroupID]) async throws {
        try await commit(caller) { actor, state in
            try FirmRules.setGroups(
                state, actor: actor, secondary: secondary, groups: groups, now: context.clock.now())
        }
    }

    /// RULES S2, S6: sets a secondary logon's access type (MA, or TA with a level).
    public func setAccessType(_ caller: SignedIn, secondary: LogonID, to accessType: SecondaryAccessType) async throws {
        try await commit(caller) { actor, state in
            try FirmRules.setAccessType(
                state, actor: actor, secondary: secondary, accessType: accessType, now: context.clock.now())
        }
    }

    /// RULES S2, S6: sets the account types a secondary logon applies to; `nil` for all.
    public func setAccountTypes(_ caller: SignedIn, secondary: LogonID, to accountTypes: Set<AccountType>?) async throws
    {
        try await commit(caller) { actor, state in
            try FirmRules.setAccountTypes(
                state, actor: actor, secondary: secondary, accountTypes: accountTypes, now: context.clock.now())
        }
    }

    /// RULES S6: caps a secondary's level per account on one client (`.none` takes an account away); an empty
    /// dictionary removes the refinement.
    public func setRefinement(
        _ caller: SignedIn, secondary: LogonID, taxpayer: TaxpayerID, accounts: [AccountID: AccessLevel]
    ) async throws {
        try await commit(caller) { actor, state in
            let reachable = try await reaches(state.parent, taxpayer)
            return try FirmRules.setRefinement(
                state, actor: actor, secondary: secondary, taxpayer: taxpayer, reachable: reachable,
                taxpayerAccounts: try await context.store.accounts(of: taxpayer).map(\.value), accounts: accounts,
                existing: try await context.store.refinement(of: secondary, on: taxpayer), now: context.clock.now())
        }
    }

    /// RULES S8: deactivates a secondary logon: no access at once.
    public func deactivate(_ caller: SignedIn, secondary: LogonID) async throws {
        try await setStatus(caller, secondary, .deactivated)
    }

    /// RULES S8: reactivates a deactivated secondary logon.
    public func reactivate(_ caller: SignedIn, secondary: LogonID) async throws {
        try await setStatus(caller, secondary, .active)
    }

    /// RULES S8: cancels a secondary logon for ever (status deleted).
    public func cancel(_ caller: SignedIn, secondary: LogonID) async throws {
        try await setStatus(caller, secondary, .deleted)
    }

    private func setStatus(_ caller: SignedIn, _ secondary: LogonID, _ status: LogonStatus) async throws {
        try await commit(caller) { actor, state in
            // S8: the secondary's sessions, ended in the same commit when it is deactivated or cancelled.
            let sessions = try await context.store.sessions(of: secondary)
            return try FirmRules.setStatus(
                state, actor: actor, secondary: secondary, to: status, sessions: sessions, now: context.clock.now())
        }
    }
}
