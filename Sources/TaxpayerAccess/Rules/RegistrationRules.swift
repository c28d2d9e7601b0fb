#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
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

/// The pure decisions of Create My Logon (RULES R1–R3, R10–R12).
public enum RegistrationRules {
    /// The one answer to every failed proof (RULES R3): it never says which part was wrong.
    public static let proofFailed = AccessError(
        .proofFailed,
        "We could not verify your identity with the information you entered. Check it and try again.")

    /// The answer once an ID has used up its failed proofs (RULES R3).
    public static let tooManyAttempts = AccessError(
        .tooManyAttempts, "Too many attempts to verify this identity failed. Try again tomorrow.")

    /// The account a proof proves, or `nil` when it proves nothing (RULES R2): the amount must be above $0.00 and
    /// equal in cents to the amount on one of the returns given (the last three of the account type), or the letter
    /// ID must be one of the letters sent for an account of that type.
    public static func provedAccount(
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
    public static func recentFailures(_ attempts: ProofAttempts?, now: Date, policy: Policy) -> [Date] {
        let since = now.addingTimeInterval(-policy.proofAttemptWindow.timeInterval)
        return (attempts?.failures ?? []).filter { $0 > since }
    }

    /// Whether the ID has used up its failed proofs (RULES R3).
    public static func attemptsExhausted(_ attempts: ProofAttempts?, now: Date, policy: Policy) -> Bool {
        recentFailures(attempts, now: now, policy: policy).count >= policy.maxFailedProofs
    }

    /// The attempts record after one more failure, pruned to the window (RULES R3).
    public static func recordingFailure(
        _ attempts: ProofAttempts?, taxID: TaxIdentifier, now: Date, policy: Policy
    ) -> ProofAttempts {
        ProofAttempts(taxIDKey: taxID.key, failures: recentFailures(attempts, now: now, policy: policy) + [now])
    }

    /// The role a newly approved logon gets (RULES R11): Master Administrator when the taxpayer has no active one,
    /// else a Tax Administrator on the proved account only, at the policy's level.
    public static func roleOnApproval(
        logon: LogonID, taxpayer: TaxpayerID, provedAccount: AccountID, taxpayerHasActiveMA: Bool, policy: Policy,
        now: Date
    ) -> RoleAssignment {
        taxpayerHasActiveMA
            ? RoleAssignment(
                logon: logon, taxpayer: taxpayer, role: .taxAdministrator,
                accountLevels: [provedAccount: policy.newTaxAdministratorLevel], grantedAt: now)
            : RoleAssignment(logon: logon, taxpayer: taxpayer, role: .masterAdministrator, grantedAt: now)
    }

    /// The role a newly approved logon gets (RULES R11, ``roleOnApproval(logon:taxpayer:provedAccount:taxpayerHasActiveMA:policy:now:)``)
    /// and the writes that keep that decision true at commit: the role, and the taxpayer written back unchanged at
    /// the version read. Every approval for the taxpayer writes it, so two approvals decided at once from the same
    /// read — both seeing no active MA — conflict, and the second is decided again and sees the first's MA.
    ///
    /// - Parameters:
    ///   - logon: the approved logon.
    ///   - id: the taxpayer's id.
    ///   - taxpayer: the taxpayer as read *before* its roles; `nil` when the caller inserts it in this same commit
    ///     (the insert conflicts the same way).
    ///   - provedAccount: the account the applicant proved (R2), the one a Tax Administrator gets.
    ///   - taxpayerHasActiveMA: whether the roles read show an active Master Administrator of the taxpayer.
    ///   - policy: the level a new Tax Administrator gets.
    ///   - now: when the role is granted.
    public static func approval(
        logon: LogonID, taxpayer id: TaxpayerID, read taxpayer: Versioned<Taxpayer>?, provedAccount: AccountID,
        taxpayerHasActiveMA: Bool, policy: Policy, now: Date
    ) -> (role: RoleAssignment, changes: ChangeSet) {
        let role = roleOnApproval(
            logon: logon, taxpayer: id, provedAccount: provedAccount, taxpayerHasActiveMA: taxpayerHasActiveMA,
            policy: policy, now: now)
        var changes = ChangeSet()
        if let taxpayer { changes.update(.taxpayer(taxpayer.value), from: taxpayer.version) }
        changes.insert(.role(role))
        return (role, changes)
    }

    /// Whether an activation link may be used now (RULES R12): the right purpose, not used, not expired.
    public static func linkUsable(_ link: LinkToken, purpose: LinkPurpose, now: Date) -> Bool {
        link.purpose == purpose && link.usedAt == nil && now < link.expiresAt
    }

    /// The answer to an unknown, used or expired link (RULES R12, V2).
    public static let invalidLink = AccessError(
        .invalidLink, "This link is not valid: it was already used or it has expired. Ask for a new one.")

    static func normalizedLineName(_ name: String) -> String {
        name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
