#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Moving a snapshot into and out of any ``AccessStore`` (SnapshotFormat.md).
extension AccessSnapshot {
    /// The records the document stands for, Default groups included: every parent of a secondary logon and every
    /// owner of a group gets one when the document omits it (SnapshotFormat.md, S3).
    public func records() -> [Record] {
        var result: [Record] = []
        for taxpayer in taxpayers {
            result.append(
                .taxpayer(
                    Taxpayer(
                        id: taxpayer.id, taxID: TaxIdentifier(type: taxpayer.idType, number: taxpayer.idNumber),
                        legalName: taxpayer.legalName, kind: taxpayer.kind)))
            for account in taxpayer.accounts {
                result.append(
                    .account(
                        TaxAccount(id: account.id, taxpayer: taxpayer.id, type: account.type, status: account.status)))
            }
        }
        // The format carries no "own taxpayer" (the one a logon proved when it registered, RULES R11, X1). A logon
        // that is Master Administrator of exactly one taxpayer is taken to own it, as a firm's parent logon does
        // (RULES S1); otherwise it owns none, and cannot act as a third party until the agency says which it is.
        var masterOf: [LogonID: [TaxpayerID]] = [:]
        for role in roles where role.role == .masterAdministrator {
            masterOf[role.logon, default: []].append(role.taxpayer)
        }
        var parents: [LogonID] = []
        for logon in logons {
            let profile = logon.secondary.map { secondary in
                SecondaryProfile(
                    parent: secondary.parent,
                    accessType: secondary.role == .masterAdministrator
                        ? .masterAdministrator : .taxAdministrator(secondary.level ?? .viewOnly),
                    groups: secondary.groups, accountTypes: secondary.accountTypes.map(Set.init))
            }
            if let parent = profile?.parent { parents.append(parent) }
            result.append(
                .logon(
                    Logon(
                        id: logon.id, username: logon.username, email: logon.email, fullName: "", status: logon.status,
                        clientManagement: logon.clientManagement,
                        ownTaxpayer: profile == nil && masterOf[logon.id]?.count == 1 ? masterOf[logon.id]?.first : nil,
                        secondary: profile, activated: logon.status == .active)))
        }
        for role in roles {
            result.append(
                .role(
                    RoleAssignment(
                        logon: role.logon, taxpayer: role.taxpayer, role: role.role, accountLevels: role.accounts ?? [:]
                    )))
        }
        for grant in thirdPartyGrants {
            result.append(
                .grant(
                    ThirdPartyGrant(taxpayer: grant.taxpayer, thirdParty: grant.thirdParty, accounts: grant.accounts)))
        }
        var hasDefault: Set<LogonID> = []
        for group in securityGroups {
            parents.append(group.parent)
            if group.isDefault { hasDefault.insert(group.parent) }
            result.append(
                .securityGroup(
                    SecurityGroup(id: group.id, parent: group.parent, name: group.name, isDefault: group.isDefault)))
        }
        for parent in parents where hasDefault.insert(parent).inserted {
            result.append(
                .securityGroup(
                    SecurityGroup(
                        id: SecurityGroup.defaultID(of: parent), parent: parent, name: "Default", isDefault: true)))
        }
        for assignment in groupAssignments {
            result.append(
                .groupAssignment(
                    GroupAssignment(parent: assignment.parent, taxpayer: assignment.taxpayer, group: assignment.group)))
        }
        for refinement in refinements {
            result.append(
                .refinement(
                    Refinement(
                        secondary: refinement.secondary, taxpayer: refinement.taxpayer, accounts: refinement.accounts)))
        }
        return result
    }

    /// Writes the document into `store` as one ``ChangeSet`` of inserts, with an audit event per record (RULES U1),
    /// so the audit log can replay it (RULES U2).
    ///
    /// ```swift
    /// try await snapshot.import(into: store, at: clock.now())
    /// ```
    ///
    /// - Parameters:
    ///   - store: the store to write into; it should hold none of the document's records yet.
    ///   - time: when the import happens, for the audit log.
    ///   - actor: who imports.
    /// - Returns: the change's place in the store's feed.
    /// - Throws: ``SnapshotError`` when the document is invalid; ``StoreError`` when a record already exists or a
    ///   unique key is taken — nothing is written then.
    @discardableResult
    public func `import`(
        into store: any AccessStore, at time: Date = Date(timeIntervalSince1970: 0), actor: AuditActor = .system
    ) async throws -> UInt64 {
        try validate()
        var changes = ChangeSet()
        for record in records() {
            changes.insert(record)
            changes.audit(
                AuditEvent(
                    time: time, actor: actor, action: .recordWritten, subject: record.key.description, after: record,
                    note: "snapshot import"))
        }
        return try await store.commit(changes)
    }

    /// The live access state of `store` as a document: cancelled roles and grants absent, logons awaiting approval
    /// and secondary logons awaiting completion skipped (with whatever refers to them), levels of `none` and references to vanished records dropped.
    ///
    /// - Throws: ``StoreError`` from the store.
    public static func export(from store: any AccessStore) async throws -> AccessSnapshot {
        func all(_ kind: RecordKind) async throws -> [Record] { try await store.records(ofKind: kind).map(\.value) }

        var snapshot = AccessSnapshot()
        var accountsOf: [TaxpayerID: [AccessSnapshot.AccountEntry]] = [:]
        var accountOwner: [AccountID: TaxpayerID] = [:]
        for case .account(let account) in try await all(.account) {
            accountsOf[account.taxpayer, default: []].append(
                AccountEntry(id: account.id, type: account.type, status: account.status))
            accountOwner[account.id] = account.taxpayer
        }
        var taxpayerIDs: Set<TaxpayerID> = []
        for case .taxpayer(let taxpayer) in try await all(.taxpayer) {
            taxpayerIDs.insert(taxpayer.id)
            snapshot.taxpayers.append(
                TaxpayerEntry(
                    id: taxpayer.id, idType: taxpayer.taxID.type, idNumber: taxpayer.taxID.number,
                    legalName: taxpayer.legalName, kind: taxpayer.kind, accounts: accountsOf[taxpayer.id] ?? []))
        }
        func levels(_ levels: [AccountID: AccessLevel], of taxpayer: TaxpayerID, allowNone: Bool) -> [AccountID:
            AccessLevel]
        {
            levels.filter { accountOwner[$0.key] == taxpayer && (allowNone || $0.value > .none) }
        }

        // A secondary logon its person has not completed yet (RULES S2) has no username, only a placeholder the
        // username rule refuses (R5): like a logon awaiting approval, it is not part of the document.
        func awaitsCompletion(_ logon: Logon) -> Bool {
            logon.secondary != nil && !logon.activated
                && (try? Self.fieldPolicy.validateUsername(logon.username)) == nil
        }
        let logons = try await all(.logon).compactMap { record -> Logon? in
            if case .logon(let logon) = record, logon.status != .pendingApproval, !awaitsCompletion(logon) {
                logon
            } else {
                nil
            }
        }
        let logonByID = Dictionary(logons.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let groups = try await all(.securityGroup).compactMap { record -> SecurityGroup? in
            if case .securityGroup(let group) = record, let parent = logonByID[group.parent], parent.secondary == nil {
                group
            } else {
                nil
            }
        }
        let groupByID = Dictionary(groups.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for group in groups {
            snapshot.securityGroups.append(
                GroupEntry(id: group.id, parent: group.parent, name: group.name, isDefault: group.isDefault))
        }
        for logon in logons {
            var secondary: AccessSnapshot.SecondaryEntry?
            if let profile = logon.secondary {
                guard let parent = logonByID[profile.parent], parent.secondary == nil else { continue }
                let role: Role
                let level: AccessLevel?
                switch profile.accessType {
                case .masterAdministrator: (role, level) = (.masterAdministrator, nil)
                case .taxAdministrator(let cap): (role, level) = (.taxAdministrator, cap == .none ? .viewOnly : cap)
                }
                secondary = SecondaryEntry(
                    parent: profile.parent, role: role, level: level,
                    groups: profile.groups.filter { groupByID[$0]?.parent == profile.parent },
                    accountTypes: profile.accountTypes.map { $0.sorted() })
            }
            snapshot.logons.append(
                LogonEntry(
                    id: logon.id, username: logon.username, email: logon.email, status: logon.status,
                    clientManagement: logon.clientManagement, secondary: secondary))
        }
        let exported = Set(snapshot.logons.map(\.id))
        let secondaries = Set(snapshot.logons.filter { $0.secondary != nil }.map(\.id))

        for case .role(let role) in try await all(.role)
        where role.status == .active && exported.contains(role.logon) && taxpayerIDs.contains(role.taxpayer) {
            snapshot.roles.append(
                RoleEntry(
                    logon: role.logon, taxpayer: role.taxpayer, role: role.role,
                    accounts: role.role == .taxAdministrator
                        ? levels(role.accountLevels, of: role.taxpayer, allowNone: false) : nil))
        }
        for case .grant(let grant) in try await all(.grant)
        where grant.status == .active && exported.contains(grant.thirdParty) && taxpayerIDs.contains(grant.taxpayer) {
            snapshot.thirdPartyGrants.append(
                GrantEntry(
                    taxpayer: grant.taxpayer, thirdParty: grant.thirdParty,
                    accounts: levels(grant.accounts, of: grant.taxpayer, allowNone: false)))
        }
        for case .groupAssignment(let assignment) in try await all(.groupAssignment)
        where groupByID[assignment.group]?.parent == assignment.parent && taxpayerIDs.contains(assignment.taxpayer) {
            snapshot.groupAssignments.append(
                AssignmentEntry(
                    parent: assignment.parent, taxpayer: assignment.taxpayer, group: assignment.group))
        }
        for case .refinement(let refinement) in try await all(.refinement)
        where secondaries.contains(refinement.secondary) && taxpayerIDs.contains(refinement.taxpayer) {
            snapshot.refinements.append(
                RefinementEntry(
                    secondary: refinement.secondary, taxpayer: refinement.taxpayer,
                    accounts: levels(refinement.accounts, of: refinement.taxpayer, allowNone: true)))
        }
        return snapshot.normalized()
    }
}
