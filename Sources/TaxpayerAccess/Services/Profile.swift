#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A signed-in logon's own profile (RULES P1–P3): password, email, phone, PIN, security question, two-step
/// methods, Delete My Profile, and its roles and rights.
///
/// ```swift
/// let profile = portal.profile
/// try await profile.changePassword(caller, currentPassword: "Secret123",
///                                  newPassword: "Better456", confirmation: "Better456")
/// let rights = try await profile.rolesAndRights(caller)
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

    /// Who the caller is (``whoAmI(_:)``).
    public struct Me: Sendable, Hashable {
        public var logon: LogonID
        public var username: String
        /// The person's name; empty until the session is signed in (a password alone, before the second factor,
        /// tells nobody whose logon it is: RULES A3, R12).
        public var fullName: String
        /// What the portal shows next: the two-step set-up, the code entry, or the signed-in pages (RULES R12, A3).
        public var stage: SessionStage
        /// The two-step methods set up, with where their codes go, masked (RULES A5).
        public var methods: [Authentication.MethodChoice]
        /// The roles and rights on every taxpayer the logon reaches (RULES P3); empty until the session is signed
        /// in.
        public var roles: [TaxpayerRights]
    }

    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// Changes the password, giving the current one (RULES P1, V2). Every other session ends and every trusted
    /// device is revoked (A6, A7); reset links die with the old password.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `password`), `.passwordReused`, `.lockedOut`.
    public func changePassword(
        _ caller: SignedIn, currentPassword: String, newPassword: String, confirmation: String
    ) async throws {
        let actor = try context.caller(caller)
        let policy = context.policy
        try policy.validatePassword(newPassword, username: actor.logon.username)
        try Policy.validateConfirmation(newPassword, confirmation, field: "password")
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            if await context.passwordWasUsed(newPassword, credentials: actor.logon.credentials) {
                throw ProfileRules.passwordReused(count: policy.passwordHistoryCount)
            }
            let newHash = try await context.hasher.hash(newPassword)
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changePassword(
                    logon, newHash: newHash, keep: actor.session.id,
                    sessions: try await context.store.sessions(of: actor.id),
                    devices: try await context.store.trustedDevices(of: actor.id), now: context.clock.now(),
                    policy: policy)
            }
        }
    }

    /// Changes the email, giving the current password (RULES P1, R4): the new address must not belong to another
    /// live logon. Both addresses are told; links sent to the old address die (V2).
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `email`, `emailAgain`), `.emailTaken`, `.lockedOut`.
    public func changeEmail(_ caller: SignedIn, currentPassword: String, newEmail: String, confirmation: String)
        async throws
    {
        let actor = try context.caller(caller)
        let address = try Policy.validateEmail(newEmail)
        guard Logon.normalizedKey(address) == Logon.normalizedKey(String(confirmation.identityTrimmed)) else {
            throw AccessError.invalid("emailAgain", "The two entries of the email address do not match.")
        }
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changeEmail(logon, to: address, now: context.clock.now())
            }
        }
    }

    /// Changes the phone, giving the current password (RULES P1, R4).
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `phone`), `.lockedOut`.
    public func changePhone(
        _ caller: SignedIn, currentPassword: String, countryCode: String, type: PhoneNumber.LineType, number: String
    ) async throws {
        let actor = try context.caller(caller)
        let phone = try Policy.validatePhone(countryCode: countryCode, type: type, number: number)
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changing(
                    logon, action: .profileChanged, mail: IdentityMail.profileChanged, now: context.clock.now()
                ) { $0.phone = phone }
            }
        }
    }

    /// Changes the 4-digit PIN, giving the current password (RULES P1, R4); it is stored only as a slow hash.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `pin`), `.lockedOut`.
    public func changePIN(_ caller: SignedIn, currentPassword: String, newPIN: String, confirmation: String)
        async throws
    {
        let actor = try context.caller(caller)
        try Policy.validatePIN(newPIN)
        try Policy.validateConfirmation(newPIN, confirmation, field: "pin")
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            let hash = try await context.hasher.hash(newPIN)
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changing(
                    logon, action: .profileChanged, mail: IdentityMail.profileChanged, now: context.clock.now()
                ) { $0.credentials.pinHash = hash }
            }
        }
    }

    /// Changes the security question and answer, giving the current password (RULES P1, R7): the answer guards
    /// password resets (V2), so a borrowed session alone cannot replace it. It is stored only as a slow hash of its
    /// normalised form.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, `securityAnswer`), `.lockedOut`.
    public func changeSecurityQuestion(
        _ caller: SignedIn, currentPassword: String, question: SecurityQuestion, answer: String
    ) async throws {
        let actor = try context.caller(caller)
        try Policy.validateSecurityAnswer(answer)
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            let hash = try await context.hasher.hash(Policy.normalizeSecurityAnswer(answer))
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changing(
                    logon, action: .profileChanged, mail: IdentityMail.profileChanged, now: context.clock.now()
                ) {
                    $0.credentials.securityQuestion = question
                    $0.credentials.securityAnswerHash = hash
                }
            }
        }
    }

    /// Starts adding (or replacing) a two-step method, giving the current password (RULES P1, A3). Finish with
    /// ``confirmTwoStepMethod(_:code:)``.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`, the method's fields), `.lockedOut`, `.tooManyResends`.
    public func addTwoStepMethod(
        _ caller: SignedIn, currentPassword: String, _ request: Authentication.SetupRequest
    ) async throws -> Authentication.SetupChallenge {
        let actor = try context.caller(caller)
        return try await withCurrentPassword(currentPassword, of: actor) { charge in
            try await context.decideAndCommit {
                LockoutRules.givingBack(charge, current: try await context.store.logonLock(actor.id.rawValue))
            }
            return try await Authentication(context: context).startSetup(for: actor, request)
        }
    }

    /// Finishes adding a two-step method with a code from it (RULES A3, A8); a wrong code counts (A4).
    public func confirmTwoStepMethod(_ caller: SignedIn, code: String) async throws {
        let actor = try context.caller(caller)
        try await Authentication(context: context).finishSetup(for: actor, code: code)
    }

    /// Removes a two-step method, giving the current password (RULES P1, A3); at least one must remain.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`), `.notFound`, `.conflict` (the last method), `.lockedOut`.
    public func removeTwoStepMethod(_ caller: SignedIn, currentPassword: String, kind: TwoStepKind) async throws {
        let actor = try context.caller(caller)
        _ = try ProfileRules.removing(kind, from: actor.logon.twoStep)
        try await withCurrentPassword(currentPassword, of: actor) { charge in
            try await commit(actor, givingBack: charge) { logon in
                try ProfileRules.changing(
                    logon, action: .twoStepChanged, mail: IdentityMail.twoStepChanged, now: context.clock.now()
                ) { (logon: inout Logon) throws(AccessError) in
                    logon.twoStep = try ProfileRules.removing(kind, from: logon.twoStep)
                }
            }
        }
    }

    /// Delete My Profile (RULES P2), giving the current password: every role and third-party grant the logon holds
    /// is cancelled, its pending access requests are withdrawn, every session ends, every trusted device is revoked,
    /// every link is spent, and the logon is deleted for ever — each end audited. Its username stays reserved (R5);
    /// its email is free again.
    ///
    /// - Throws: `.invalidInput` (`currentPassword`), `.lockedOut`.
    public func deleteProfile(_ caller: SignedIn, currentPassword: String) async throws {
        let actor = try context.caller(caller)
        try await withCurrentPassword(currentPassword, of: actor) { _ in
            // The logon is deleted: its lock record no longer matters, so the try is not given back.
            try await context.decideAndCommit {
                let id = actor.id
                let store = context.store
                return try ProfileRules.deleteProfile(
                    try await store.logon(id),
                    own: OwnAccess(
                        roles: try await store.roles(of: id), grants: try await store.grants(of: id),
                        requests: try await store.accessRequests(of: id), sessions: try await store.sessions(of: id),
                        devices: try await store.trustedDevices(of: id), links: try await store.linkTokens(of: id)),
                    now: context.clock.now())
            }
        }
    }

    /// Who the caller is: its logon, the stage of its session, its two-step methods, and — once signed in — its roles
    /// and rights (RULES P3), so a portal can choose between "set up two-step verification", "enter your code" and
    /// the signed-in pages.
    ///
    /// ```swift
    /// let me = try await portal.profile.whoAmI(caller)
    /// if me.stage == .awaitingTwoStepSetup { showSetUp() }
    /// ```
    public func whoAmI(_ caller: SignedIn) async throws -> Me {
        let logon = try await context.store.logon(caller.logonID)?.value ?? caller.logon
        return Me(
            logon: logon.id, username: logon.username,
            fullName: caller.stage == .authenticated ? logon.fullName : "", stage: caller.stage,
            methods: logon.twoStep.methods.map {
                Authentication.MethodChoice(
                    kind: $0.kind, destination: TwoStepRules.maskedDestination(of: $0, profileEmail: logon.email))
            },
            roles: caller.stage == .authenticated ? try await rolesAndRights(caller) : [])
    }

    /// The logon's own roles and rights on every taxpayer it reaches (RULES P3), computed from the stored records:
    /// its direct roles (L3), its third-party grants (X5) and, for a secondary logon, what reaches it through its
    /// parent (S6). Closed accounts and levels of ``AccessLevel/none`` are left out.
    public func rolesAndRights(_ caller: SignedIn) async throws -> [TaxpayerRights] {
        let actor = try context.caller(caller)
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

    /// Checks the current password a profile change asks for (RULES P1), counting it as A2 does: the try is
    /// counted before the check, a wrong one is a failure (audited, and locking the logon at the threshold), a right
    /// one lets `change` run; the change gives the try back in its own commit (``commit(_:givingBack:_:)``). When the
    /// change is refused after a right password, the try is given back on its own.
    private func withCurrentPassword<R>(
        _ password: String, of actor: SignedIn, _ change: (LockCharge) async throws -> R
    ) async throws -> R {
        let policy = context.policy
        let charge = try await context.decideAndCommit(attempts: policy.lockoutThreshold + 2) {
            try ProfileRules.chargeCurrentPassword(
                try await context.store.logonLock(actor.id.rawValue), logon: actor.id, now: context.clock.now(),
                policy: policy)
        }
        let encoded = actor.logon.credentials.passwordHash ?? context.hasher.decoyHash
        guard await context.hasher.verify(password, against: encoded) else {
            try await context.decideAndCommit {
                ProfileRules.failedCurrentPassword(
                    charge, logon: actor.logon,
                    sessions: charge.setLock ? try await context.store.sessions(of: actor.id) : [],
                    now: context.clock.now(), policy: policy)
            }
            throw ProfileRules.wrongCurrentPassword
        }
        do {
            return try await change(charge)
        } catch let refusal as AccessError {
            try await context.decideAndCommit {
                LockoutRules.givingBack(charge, current: try await context.store.logonLock(actor.id.rawValue))
            }
            throw refusal
        }
    }

    /// Commits a change to the signed-in logon decided by `decide` on the logon read fresh, with the current
    /// password's try given back in the same commit (RULES A2, N2, U1).
    private func commit(
        _ actor: SignedIn, givingBack charge: LockCharge?,
        _ decide: (Versioned<Logon>?) async throws -> Decision<Void>
    ) async throws {
        try await context.decideAndCommit {
            var decision = try await decide(try await context.store.logon(actor.id))
            if let charge {
                decision.merge(
                    LockoutRules.givingBack(charge, current: try await context.store.logonLock(actor.id.rawValue)))
            }
            return decision
        }
    }
}
