#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One identity proof an applicant gives (RULES R2).
public enum IdentityProof: Hashable, Sendable {
    /// The amount due on one of the last three filed returns of the account type.
    case amountDue(Cents)
    /// The refund on one of them.
    case refund(Cents)
    /// A named line item's amount on one of them, e.g. `("line 22: total tax", 1234_56)`.
    case lineItem(name: String, amount: Cents)
    /// The letter ID of a sign-up letter the agency sent.
    case letterID(String)
}

/// What the taxpayer and the store hold that an approval decides from (RULES R11, T3): read by the service.
struct ApprovalState: Sendable {
    /// The taxpayer as stored, read *before* its roles (the approval writes it back at this version, R11).
    var taxpayer: Versioned<Taxpayer>?
    /// The taxpayer's entry in the agency's directory, to copy what the store lacks (RULES T3).
    var entry: DirectoryEntry?
    /// Which accounts the store holds, with their types.
    var storedAccounts: [AccountID: AccountType]
    /// The taxpayer's active Master Administrators (their logons, active).
    var masterAdministrators: [Logon]
}

/// An application whose fields passed validation (RULES R1, R4–R9), with its secrets already hashed.
struct ValidatedApplication: Sendable {
    var taxID: TaxIdentifier
    var accountType: AccountType
    var fullName: String
    var phone: PhoneNumber
    var email: String
    var username: String
    var passwordHash: String
    var pinHash: String
    var securityQuestion: SecurityQuestion?
    var securityAnswerHash: String?
    var clientManagement: Bool
}

/// What is drawn at random for one submission or approval (ids, the confirmation number, the activation link).
struct RegistrationDraws: Sendable {
    var logon: LogonID
    var registration: RegistrationID
    /// `d-ddd-ddd-ddd` (RULES R10).
    var confirmationNumber: String
    /// The activation link's token, used when the request is approved at once (RULES R12).
    var activation: DrawnToken
    /// The link as the email shows it.
    var activationURL: String
}

/// The pure decisions of Create My Logon (RULES R1–R12).
enum RegistrationRules {
    /// The one answer to every failed proof (RULES R3): it never says which part was wrong.
    static let proofFailed = AccessError(
        .proofFailed,
        "We could not verify your identity with the information you entered. Check it and try again.")

    /// The answer once an ID has used up its failed proofs (RULES R3).
    static let tooManyAttempts = AccessError(
        .tooManyAttempts, "Too many attempts to verify this identity failed. Try again tomorrow.")

    /// RULES R8, X1: client management is for taxpayers identified by an SSN or a FEIN; an ITIN applicant is
    /// refused at submission.
    static func checkClientManagement(_ wanted: Bool, idType: IDType) throws(AccessError) {
        if wanted && idType == .itin {
            throw AccessError.invalid(
                "clientManagement",
                "Client management (\"Manage My Clients\") is not available to a logon of a taxpayer identified by an ITIN."
            )
        }
    }

    /// The account a proof proves, or `nil` when it proves nothing (RULES R2): the amount must be above $0.00 and
    /// equal in cents to the amount on one of the returns given (the last three of the account type), or the letter
    /// ID must be one of the letters sent for an account of that type.
    static func provedAccount(
        by proof: IdentityProof, accountType: AccountType, accounts: [TaxAccount], returns: [FiledReturn],
        letters: [SignUpLetter]
    ) -> AccountID? {
        let ofType = Set(accounts.filter { $0.type == accountType }.map(\.id))
        let candidates = returns.filter { ofType.contains($0.account) }.prefix(3)
        switch proof {
        case .amountDue(let amount):
            guard amount > 0 else { return nil }
            return candidates.first { $0.amountDue == amount }?.account
        case .refund(let amount):
            guard amount > 0 else { return nil }
            return candidates.first { $0.refund == amount }?.account
        case .lineItem(let name, let amount):
            guard amount > 0 else { return nil }
            let wanted = normalizedLineName(name)
            return candidates.first { filed in
                filed.lineItems.contains { normalizedLineName($0.key) == wanted && $0.value == amount }
            }?.account
        case .letterID(let letterID):
            let wanted = letterID.filter { !$0.isWhitespace && $0 != "-" }.uppercased()
            guard !wanted.isEmpty else { return nil }
            return letters.first { letter in
                ofType.contains(letter.account)
                    && letter.letterID.filter { !$0.isWhitespace && $0 != "-" }.uppercased() == wanted
            }?.account
        }
    }

    /// Failures still inside the window (RULES R3).
    static func recentFailures(_ attempts: ProofAttempts?, now: Date, policy: Policy) -> [Date] {
        let since = now.addingTimeInterval(-policy.proofAttemptWindow.timeInterval)
        return (attempts?.failures ?? []).filter { $0 > since }
    }

    /// Whether the ID has used up its failed proofs (RULES R3).
    static func attemptsExhausted(_ attempts: ProofAttempts?, now: Date, policy: Policy) -> Bool {
        recentFailures(attempts, now: now, policy: policy).count >= policy.maxFailedProofs
    }

    /// One more failed proof for the ID, pruned to the window, and its audit event (RULES R3, U1).
    static func failedProof(
        _ attempts: Versioned<ProofAttempts>?, taxID: TaxIdentifier, now: Date, policy: Policy
    ) -> Decision<Void> {
        let updated = ProofAttempts(
            taxIDKey: taxID.key, failures: recentFailures(attempts?.value, now: now, policy: policy) + [now])
        var decision = Decision()
        decision.put(.proofAttempts(updated), from: attempts?.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .anonymous, action: .proofFailed, subject: "proof/\(taxID.masked)",
                note: "failed identity proof \(updated.failures.count) of \(policy.maxFailedProofs)"))
        return decision
    }

    /// RULES R11: what a proven applicant will become, told before it submits.
    static func preview(proved account: AccountID, accountType: AccountType, state: ApprovalState, policy: Policy)
        -> RegistrationService.Preview
    {
        if state.masterAdministrators.isEmpty {
            return RegistrationService.Preview(
                role: .masterAdministrator, accountType: nil, level: nil,
                message: "You will be the Master Administrator of this taxpayer: All Access on every account, and "
                    + "you will manage who else has access.")
        }
        return RegistrationService.Preview(
            role: .taxAdministrator, accountType: accountType, level: policy.newTaxAdministratorLevel,
            message: "A Master Administrator exists for your company. You will be a Tax Administrator with "
                + "\(policy.newTaxAdministratorLevel.displayName) on the \(accountType.rawValue) account you proved, "
                + "and nothing else; the Master Administrator can give you more.")
    }

    /// The role a newly approved logon gets (RULES R11): Master Administrator when the taxpayer has no active one,
    /// else a Tax Administrator on the proved account only, at the policy's level.
    static func roleOnApproval(
        logon: LogonID, taxpayer: TaxpayerID, provedAccount: AccountID, taxpayerHasActiveMA: Bool, policy: Policy,
        now: Date
    ) -> RoleAssignment {
        taxpayerHasActiveMA
            ? RoleAssignment(
                logon: logon, taxpayer: taxpayer, role: .taxAdministrator,
                accountLevels: [provedAccount: policy.newTaxAdministratorLevel], grantedAt: now)
            : RoleAssignment(logon: logon, taxpayer: taxpayer, role: .masterAdministrator, grantedAt: now)
    }

    /// A submitted application (RULES R10, R11, T3): the taxpayer and accounts the store lacks copied from the
    /// directory, the logon awaiting approval, the request with its confirmation number, the receipt mailed — and,
    /// when ``Policy/automaticApproval`` says so, the approval in the same commit.
    static func submit(
        _ application: ValidatedApplication, proved account: AccountID, entry: DirectoryEntry, state: ApprovalState,
        draws: RegistrationDraws, now: Date, policy: Policy
    ) -> Decision<RegistrationService.Receipt> {
        var decision = Decision(result: ())
        let taxpayerID = copyFromDirectory(entry, state: state, into: &decision, now: now)
        var logon = Logon(
            id: draws.logon, username: application.username, email: application.email,
            fullName: application.fullName, phone: application.phone, status: .pendingApproval,
            clientManagement: application.clientManagement, ownTaxpayer: taxpayerID,
            credentials: Credentials(
                passwordHash: application.passwordHash, pinHash: application.pinHash,
                securityQuestion: application.securityQuestion, securityAnswerHash: application.securityAnswerHash,
                passwordChangedAt: now),
            createdAt: now)
        var registration = Registration(
            id: draws.registration, confirmationNumber: draws.confirmationNumber, logon: draws.logon,
            taxpayer: taxpayerID, provedAccount: account, submittedAt: now)
        decision.audit(
            AuditEvent(
                time: now, actor: .anonymous, action: .registrationSubmitted,
                subject: "registration/\(registration.id)", after: .registration(registration),
                note: "identity proved for \(application.taxID.masked)"))
        decision.mail(IdentityMail.receipt(confirmationNumber: registration.confirmationNumber), to: logon.email)
        if policy.automaticApproval {
            var state = state
            state.entry = nil  // copied above
            for account in entry.accounts { state.storedAccounts[account.id] = account.type }
            decision.merge(
                approve(
                    &registration, logon: &logon, state: state, activation: draws.activation,
                    activationURL: draws.activationURL, by: .system, now: now, policy: policy))
        }
        decision.insert(.logon(logon))
        decision.insert(.registration(registration))
        return decision.with(
            result: RegistrationService.Receipt(
                registration: registration.id, confirmationNumber: registration.confirmationNumber,
                submittedAt: now, approved: registration.status == .approved))
    }

    /// The agency's or the policy's approval of a request (RULES R10–R12): the taxpayer's newer accounts copied from
    /// the directory, the role (``roleOnApproval(logon:taxpayer:provedAccount:taxpayerHasActiveMA:policy:now:)``),
    /// the taxpayer written back at the version read so that two approvals decided at once from the same read — both
    /// seeing no active MA — conflict and the second is decided again, the welcome e-message, and the single-use
    /// activation link by email. `registration` and `logon` come back approved and active.
    static func approve(
        _ registration: inout Registration, logon: inout Logon, state: ApprovalState, activation: DrawnToken,
        activationURL: String, by actor: AuditActor, now: Date, policy: Policy
    ) -> Decision<Void> {
        var decision = Decision()
        if let entry = state.entry {
            _ = copyFromDirectory(entry, state: state, into: &decision, now: now)
        }
        let taxpayerName = state.taxpayer?.value.legalName ?? state.entry?.taxpayer.legalName ?? "the taxpayer"
        let role = roleOnApproval(
            logon: logon.id, taxpayer: registration.taxpayer, provedAccount: registration.provedAccount,
            taxpayerHasActiveMA: !state.masterAdministrators.isEmpty, policy: policy, now: now)
        if let taxpayer = state.taxpayer { decision.update(.taxpayer(taxpayer.value), from: taxpayer.version) }
        decision.insert(.role(role))
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .roleGranted, subject: "role/\(role.key)", after: .role(role),
                note: "Create My Logon (R11)"))
        if role.role == .masterAdministrator {
            decision.eMessage(to: logon.id, IdentityMail.welcomeMasterAdministrator(taxpayerName: taxpayerName))
        } else {
            decision.eMessage(
                to: logon.id,
                IdentityMail.welcomeTaxAdministrator(
                    taxpayerName: taxpayerName,
                    accountType: state.storedAccounts[registration.provedAccount] ?? AccountType("tax"),
                    level: policy.newTaxAdministratorLevel,
                    masterAdministrators: state.masterAdministrators.map(\.fullName).sorted()))
        }
        registration.status = .approved
        registration.decidedAt = now
        logon.status = .active
        decision.insert(
            .linkToken(
                LinkRules.issue(
                    activation, purpose: .activation, for: logon, lifetime: policy.activationLinkLifetime, now: now)))
        let days = Int(policy.activationLinkLifetime.timeInterval / 86400)
        decision.mail(IdentityMail.approval(link: activationURL, validDays: max(1, days)), to: logon.email)
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .registrationApproved, subject: "registration/\(registration.id)",
                after: .registration(registration)))
        return decision
    }

    /// The agency's approval of a request awaiting review (RULES R10–R12), written over the records read.
    ///
    /// - Throws: ``AccessError/Code/conflict`` when the request was already decided.
    static func approveStored(
        _ registration: Versioned<Registration>, logon: Versioned<Logon>, state: ApprovalState,
        activation: DrawnToken, activationURL: String, by actor: AuditActor, now: Date, policy: Policy
    ) throws(AccessError) -> Decision<Void> {
        try requireUndecided(registration.value, logon: logon.value)
        var approved = registration.value
        var activated = logon.value
        var decision = approve(
            &approved, logon: &activated, state: state, activation: activation, activationURL: activationURL,
            by: actor, now: now, policy: policy)
        decision.update(.registration(approved), from: registration.version)
        decision.update(.logon(activated), from: logon.version)
        return decision
    }

    /// The agency's refusal of a request awaiting review: the logon is never usable, its username stays reserved
    /// (RULES R5), its email is free again.
    ///
    /// - Throws: ``AccessError/Code/conflict`` when the request was already decided.
    static func reject(
        _ registration: Versioned<Registration>, logon: Versioned<Logon>, by actor: AuditActor, now: Date
    ) throws(AccessError) -> Decision<Void> {
        try requireUndecided(registration.value, logon: logon.value)
        var rejected = registration.value
        rejected.status = .rejected
        rejected.decidedAt = now
        var deleted = logon.value
        deleted.status = .deleted
        var decision = Decision()
        decision.update(.registration(rejected), from: registration.version)
        decision.update(.logon(deleted), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: actor, action: .registrationRejected, subject: "registration/\(rejected.id)",
                after: .registration(rejected)))
        decision.mail(IdentityMail.rejection(confirmationNumber: rejected.confirmationNumber), to: logon.value.email)
        return decision
    }

    /// Activation from the link of the approval email (RULES R12): the link works once and expires; the first login
    /// afterwards must set up two-step verification.
    ///
    /// - Throws: ``LinkRules/invalidLink`` for an unknown, used, expired or superseded link.
    static func activate(
        _ link: Versioned<LinkToken>?, logon: Versioned<Logon>?, links: [LinkToken], now: Date
    ) throws(AccessError) -> Decision<Void> {
        guard let link, let logon, logon.value.status == .active,
            LinkRules.usable(link.value, purpose: .activation, logon: logon.value, links: links, now: now)
        else { throw LinkRules.invalidLink }
        var used = link.value
        used.usedAt = now
        var activated = logon.value
        activated.activated = true
        var decision = Decision()
        decision.update(.linkToken(used), from: link.version)
        decision.update(.logon(activated), from: logon.version)
        decision.audit(
            AuditEvent(
                time: now, actor: .logon(activated.id), action: .logonActivated, subject: "logon/\(activated.id)",
                before: .logon(logon.value), after: .logon(activated)))
        return decision
    }

    private static func requireUndecided(_ registration: Registration, logon: Logon) throws(AccessError) {
        guard registration.status == .submitted, logon.status == .pendingApproval else {
            throw AccessError(.conflict, "This request was already decided.")
        }
    }

    /// Copies what the store lacks of a directory entry (RULES T3): the taxpayer, and accounts not stored yet.
    /// Returns the taxpayer's id (the stored one when the store holds the ID already).
    private static func copyFromDirectory(
        _ entry: DirectoryEntry, state: ApprovalState, into decision: inout Decision<Void>, now: Date
    ) -> TaxpayerID {
        let taxpayerID = state.taxpayer?.value.id ?? entry.taxpayer.id
        if state.taxpayer == nil {
            decision.insert(.taxpayer(entry.taxpayer))
            decision.audit(
                AuditEvent(
                    time: now, actor: .system, action: .taxpayerLoaded, subject: "taxpayer/\(taxpayerID)",
                    after: .taxpayer(entry.taxpayer), note: "copied from the directory (T3)"))
        }
        for account in entry.accounts where state.storedAccounts[account.id] == nil {
            var copy = account
            copy.taxpayer = taxpayerID
            decision.insert(.account(copy))
        }
        return taxpayerID
    }

    static func normalizedLineName(_ name: String) -> String {
        name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
