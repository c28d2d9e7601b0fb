#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A signed-in logon's own profile (RULES P1–P3): password, email, phone, PIN, security question, two-step
/// methods, Delete My Profile, and its roles and rights.
///
/// ```swift
/// let profile = Profile(context: context)
/// try await profile.changePassword(session: token, currentPassword: "Secret123",
///                                  newPassword: "Better456", confirmation: "Better456")
/// let rights = try await profile.rolesAndRights(session: token)
/// ```
public struct Profile: Sendable {
    /// How a logon reaches a taxpayer (RULES P3).
    public enum Relationship: Sendable, Hashable {
        case masterAdministrator
        case taxAdministrator
        /// Third-party access granted by the taxpayer (RULES X5).
        case thirdParty
        /// Through the parent logon, as its secondary logon (RULES S6).
        case secondary(parent: LogonID)
    }

    /// One account and the level this logon has on it.
    public struct AccountRight: Sendable, Hashable {
        public var account: AccountID
        public var type: AccountType
        public var level: AccessLevel
    }

    /// The logon's rights on one taxpayer (RULES P3).
    public struct TaxpayerRights: Sendable, Hashable {
        public var taxpayer: TaxpayerID
        public var legalName: String
        /// Masked as RULES T4 shows it.
        public var maskedID: String
        public var relationship: Relationship
        public var accounts: [AccountRight]
    }

    public let context: ServiceContext

    public init(context: ServiceContext) { self.context = context }

    /// Changes the password, giving the current one (RULES P1, V2). Every other session ends and every trusted
    /// device is revoked (A6, A7).
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `password`), `.passwordReused`.
    public func changePassword(
        session token: String, currentPassword: String, newPassword: String, confirmation: String
    ) async throws {
        let actor = try await context.authenticate(token)
        let policy = context.policy
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        try policy.validatePassword(newPassword, username: actor.logon.username)
        try Policy.validateConfirmation(newPassword, confirmation, field: "password")
        if await context.passwordWasUsed(newPassword, credentials: actor.logon.credentials) {
            throw ProfileRules.passwordReused(count: policy.passwordHistoryCount)
        }
        let newHash = try await context.hasher.hash(newPassword)
        try await change(actor, action: .passwordChanged, mail: IdentityMail.passwordChanged) { logon, changes, now in
            logon.credentials = ProfileRules.settingPassword(
                logon.credentials, newHash: newHash, now: now, policy: policy)
            try await context.endSessionsAndRevokeDevices(
                of: logon.id, keep: actor.session.id, actor: actor.actor,
                now: now, into: &changes)
        }
    }

    /// Changes the email, giving the current password (RULES P1, R4): the new address must not belong to another
    /// live logon. Both addresses are told.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `email`, `emailAgain`), `.emailTaken`.
    public func changeEmail(session token: String, currentPassword: String, newEmail: String, confirmation: String)
        async throws
    {
        let actor = try await context.authenticate(token)
        let address = try Policy.validateEmail(newEmail)
        guard Logon.normalizedKey(address) == Logon.normalizedKey(String(confirmation.identityTrimmed)) else {
            throw AccessError.invalid("emailAgain", "The two entries of the email address do not match.")
        }
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        let old = actor.logon.email
        do {
            try await change(actor, action: .profileChanged, mail: IdentityMail.emailChanged) { logon, changes, _ in
                logon.email = address
                try context.send(IdentityMail.emailChanged, to: old, in: &changes)
            }
        } catch let error as StoreError where error.code == .uniqueKeyTaken {
            throw context.refusal(for: error) ?? error
        }
    }

    /// Changes the phone, giving the current password (RULES P1, R4).
    public func changePhone(
        session token: String, currentPassword: String, countryCode: String, type: PhoneNumber.LineType, number: String
    ) async throws {
        let actor = try await context.authenticate(token)
        let phone = try Policy.validatePhone(countryCode: countryCode, type: type, number: number)
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        try await change(actor, action: .profileChanged, mail: IdentityMail.profileChanged) { logon, _, _ in
            logon.phone = phone
        }
    }

    /// Changes the 4-digit PIN (RULES P1, R4); it is stored only as a slow hash.
    public func changePIN(session token: String, newPIN: String, confirmation: String) async throws {
        let actor = try await context.authenticate(token)
        try Policy.validatePIN(newPIN)
        try Policy.validateConfirmation(newPIN, confirmation, field: "pin")
        let hash = try await context.hasher.hash(newPIN)
        try await change(actor, action: .profileChanged, mail: IdentityMail.profileChanged) { logon, _, _ in
            logon.credentials.pinHash = hash
        }
    }

    /// Changes the security question and answer (RULES P1, R7); the answer is stored only as a slow hash of its
    /// normalised form.
    public func changeSecurityQuestion(session token: String, question: SecurityQuestion, answer: String) async throws {
        let actor = try await context.authenticate(token)
        try Policy.validateSecurityAnswer(answer)
        let hash = try await context.hasher.hash(Policy.normalizeSecurityAnswer(answer))
        try await change(actor, action: .profileChanged, mail: IdentityMail.profileChanged) { logon, _, _ in
            logon.credentials.securityQuestion = question
            logon.credentials.securityAnswerHash = hash
        }
    }

    /// Starts adding (or replacing) a two-step method, giving the current password (RULES P1, A3). Finish with
    /// ``confirmTwoStepMethod(session:code:)``.
    public func addTwoStepMethod(
        session token: String, currentPassword: String, _ request: Authentication.SetupRequest
    ) async throws -> Authentication.SetupChallenge {
        let actor = try await context.authenticate(token)
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        return try await Authentication(context: context).startSetup(for: actor, request)
    }

    /// Finishes adding a two-step method with a code from it (RULES A3, A8).
    public func confirmTwoStepMethod(session token: String, code: String) async throws {
        let actor = try await context.authenticate(token)
        try await Authentication(context: context).finishSetup(for: actor, code: code)
    }

    /// Removes a two-step method, giving the current password (RULES P1, A3); at least one must remain.
    public func removeTwoStepMethod(session token: String, currentPassword: String, kind: TwoStepKind) async throws {
        let actor = try await context.authenticate(token)
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        _ = try ProfileRules.removing(kind, from: actor.logon.twoStep)
        try await change(actor, action: .twoStepChanged, mail: IdentityMail.twoStepChanged) { logon, _, _ in
            logon.twoStep = try ProfileRules.removing(kind, from: logon.twoStep)
        }
    }

    /// Delete My Profile (RULES P2), giving the current password: every role and third-party grant the logon holds
    /// is cancelled, its pending access requests are withdrawn, every session ends, every trusted device is revoked,
    /// and the logon is deleted for ever. Its username stays reserved (R5); its email is free again.
    public func deleteProfile(session token: String, currentPassword: String) async throws {
        let actor = try await context.authenticate(token)
        try await context.requireCurrentPassword(currentPassword, of: actor.logon)
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let current = try await context.store.logon(actor.id), current.value.status != .deleted else {
                throw AccessError(.sessionExpired, "Your session has ended. Please log in again.")
            }
            var changes = ChangeSet()
            for role in try await context.store.roles(of: actor.id) where role.value.status == .active {
                let cancelled = ProfileRules.cancelling(role.value, by: actor.id, now: now)
                changes.update(.role(cancelled), from: role.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor.actor, action: .roleCancelled, subject: "role/\(cancelled.key)",
                        before: .role(role.value), after: .role(cancelled), note: "Delete My Profile (P2)"))
            }
            for grant in try await context.store.grants(of: actor.id) where grant.value.status == .active {
                let cancelled = ProfileRules.cancelling(grant.value, by: actor.id, now: now)
                changes.update(.grant(cancelled), from: grant.version)
                changes.audit(
                    AuditEvent(
                        time: now, actor: actor.actor, action: .grantCancelled, subject: "grant/\(cancelled.key)",
                        before: .grant(grant.value), after: .grant(cancelled), note: "Delete My Profile (P2)"))
            }
            for request in try await context.store.accessRequests(of: actor.id) where request.value.status == .pending {
                var withdrawn = request.value
                withdrawn.status = .withdrawn
                withdrawn.decidedAt = now
                withdrawn.decidedBy = actor.actor
                changes.update(.accessRequest(withdrawn), from: request.version)
            }
            try await context.endSessionsAndRevokeDevices(
                of: actor.id, keep: nil, actor: actor.actor, now: now, into: &changes)
            var deleted = current.value
            deleted.status = .deleted
            // P2: a secondary logon's group memberships end with it: a deleted logon is reached by no path (L4).
            changes.update(.logon(deleted), from: current.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor.actor, action: .profileDeleted, subject: "logon/\(deleted.id)",
                    before: .logon(current.value), after: .logon(deleted)))
            try context.send(IdentityMail.profileDeleted, to: current.value.email, in: &changes)
            return (changes, ())
        }
    }

    /// The logon's own roles and rights on every taxpayer it reaches (RULES P3), computed from the stored records:
    /// its direct roles (L3), its third-party grants (X5) and, for a secondary logon, what reaches it through its
    /// parent (S6). Closed accounts and levels of ``AccessLevel/none`` are left out.
    public func rolesAndRights(session token: String) async throws -> [TaxpayerRights] {
        let actor = try await context.authenticate(token)
        var result = try await directRights(of: actor.id)
        if let secondary = actor.logon.secondary,
            let parent = try await context.store.logon(secondary.parent), parent.value.status == .active
        {
            // The secondary reaches what its parent reaches, as its groups, account types and caps allow (S6): the
            // resolver decides, over the parent's taxpayers.
            let parentRights = try await directRights(of: secondary.parent)
            let levels = try await context.effectiveLevels(of: actor.logon, on: Set(parentRights.map(\.taxpayer)))
            var seen = Set<TaxpayerID>()
            for parentRight in parentRights where seen.insert(parentRight.taxpayer).inserted {
                let reached = levels[parentRight.taxpayer] ?? [:]
                let accounts = try await context.store.accounts(of: parentRight.taxpayer).map(\.value)
                    .compactMap { account in
                        reached[account.id].map { AccountRight(account: account.id, type: account.type, level: $0) }
                    }
                guard !accounts.isEmpty else { continue }
                var rights = parentRight
                rights.relationship = .secondary(parent: secondary.parent)
                rights.accounts = accounts
                result.append(rights)
            }
        }
        return result.sorted { ($0.legalName, $0.taxpayer.rawValue) < ($1.legalName, $1.taxpayer.rawValue) }
    }

    // MARK: - Internals

    private func directRights(of logon: LogonID) async throws -> [TaxpayerRights] {
        var result: [TaxpayerRights] = []
        func rights(_ taxpayer: TaxpayerID, _ relationship: Relationship, level: (AccountID) -> AccessLevel)
            async throws
        {
            guard let t = try await context.store.taxpayer(taxpayer)?.value else { return }
            let accounts = try await context.store.accounts(of: taxpayer).map(\.value)
                .filter { $0.status == .active }
                .compactMap { a -> AccountRight? in
                    let l = level(a.id)
                    return l == .none ? nil : AccountRight(account: a.id, type: a.type, level: l)
                }
                .sorted { $0.account < $1.account }
            result.append(
                TaxpayerRights(
                    taxpayer: taxpayer, legalName: t.legalName, maskedID: t.taxID.masked,
                    relationship: relationship, accounts: accounts))
        }
        for role in try await context.store.roles(of: logon).map(\.value) where role.status == .active {
            if role.role == .masterAdministrator {
                try await rights(role.taxpayer, .masterAdministrator) { _ in .allAccess }
            } else {
                try await rights(role.taxpayer, .taxAdministrator) { role.accountLevels[$0] ?? .none }
            }
        }
        for grant in try await context.store.grants(of: logon).map(\.value) where grant.status == .active {
            try await rights(grant.taxpayer, .thirdParty) { grant.accounts[$0] ?? .none }
        }
        return result
    }

    /// Applies a change to the signed-in logon and commits it with its audit event and notice mail (RULES N2, U1).
    private func change(
        _ actor: AuthenticatedActor, action: AuditAction, mail: IdentityMail.Text,
        _ apply: (inout Logon, inout ChangeSet, Date) async throws -> Void
    ) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let current = try await context.store.logon(actor.id), current.value.status == .active else {
                throw AccessError(.sessionExpired, "Your session has ended. Please log in again.")
            }
            var logon = current.value
            var changes = ChangeSet()
            try await apply(&logon, &changes, now)
            changes.update(.logon(logon), from: current.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: actor.actor, action: action, subject: "logon/\(logon.id)",
                    before: .logon(current.value), after: .logon(logon)))
            try context.send(mail, to: logon.email, in: &changes)
            return (changes, ())
        }
    }
}
