#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Create My Logon (RULES R1–R12): identity proofing against the agency's directory, the profile, the receipt,
/// approval (automatic or by the agency) and activation.
///
/// ```swift
/// let registration = portal.registration
/// let receipt = try await registration.submit(application)     // receipt.confirmationNumber: "4-821-905-337"
/// try await registration.activate(token: tokenFromTheApprovalEmail)
/// ```
public struct RegistrationService: Sendable {
    /// What an applicant enters (RULES R1, R2, R4–R9). Text is taken as typed; the service validates it.
    public struct Application: Sendable, Hashable {
        public var idType: IDType
        public var idNumber: String
        /// The ID again; must match (RULES R1).
        public var idNumberAgain: String
        /// An account type the taxpayer has filed a return for (RULES R1).
        public var accountType: AccountType
        public var proof: IdentityProof
        public var fullName: String
        public var phoneCountryCode: String
        public var phoneType: PhoneNumber.LineType
        public var phoneNumber: String
        public var pin: String
        public var email: String
        /// The email again; must match (RULES R4).
        public var emailAgain: String
        public var username: String
        public var password: String
        /// The password again; must match.
        public var passwordAgain: String
        public var securityQuestion: SecurityQuestion?
        public var securityAnswer: String
        /// "Manage My Clients" (RULES R8).
        public var clientManagement: Bool
        /// The terms of use (RULES R9).
        public var acceptedTerms: Bool

        public init(
            idType: IDType, idNumber: String, idNumberAgain: String, accountType: AccountType, proof: IdentityProof,
            fullName: String, phoneCountryCode: String = "1", phoneType: PhoneNumber.LineType = .mobile,
            phoneNumber: String, pin: String, email: String, emailAgain: String, username: String, password: String,
            passwordAgain: String, securityQuestion: SecurityQuestion?, securityAnswer: String,
            clientManagement: Bool = false, acceptedTerms: Bool
        ) {
            self.idType = idType
            self.idNumber = idNumber
            self.idNumberAgain = idNumberAgain
            self.accountType = accountType
            self.proof = proof
            self.fullName = fullName
            self.phoneCountryCode = phoneCountryCode
            self.phoneType = phoneType
            self.phoneNumber = phoneNumber
            self.pin = pin
            self.email = email
            self.emailAgain = emailAgain
            self.username = username
            self.password = password
            self.passwordAgain = passwordAgain
            self.securityQuestion = securityQuestion
            self.securityAnswer = securityAnswer
            self.clientManagement = clientManagement
            self.acceptedTerms = acceptedTerms
        }
    }

    /// What the applicant is shown after submitting (RULES R10).
    public struct Receipt: Sendable, Hashable {
        public var registration: RegistrationID
        /// `d-ddd-ddd-ddd`.
        public var confirmationNumber: String
        public var submittedAt: Date
        /// Whether the request was approved at once (``Policy/automaticApproval``).
        public var approved: Bool
    }

    /// What a proven applicant will become, told before it submits (RULES R11).
    public struct Preview: Sendable, Hashable {
        /// The role the logon will get on approval.
        public enum Role: String, Sendable, Hashable {
            case masterAdministrator, taxAdministrator
        }
        public var role: Role
        /// For a Tax Administrator: the type of the account it proved, the only one it will reach.
        public var accountType: AccountType?
        /// For a Tax Administrator: its level on that account.
        public var level: AccessLevel?
        /// What to tell the applicant ("A Master Administrator exists for your company…").
        public var message: String
    }

    let context: ServiceContext

    init(context: ServiceContext) { self.context = context }

    /// Proves an identity and tells the applicant what it will become if it submits (RULES R1–R3, R11): Master
    /// Administrator when the taxpayer has no active one, else a Tax Administrator of the proved account. A failed
    /// proof counts toward the ID's limit exactly as at submission, and gets the one answer of every failure.
    ///
    /// ```swift
    /// let preview = try await registration.preview(application)
    /// if preview.role == .taxAdministrator { print(preview.message) }
    /// ```
    ///
    /// - Parameter application: only the identity fields are read (ID type, ID twice, account type, proof).
    /// - Throws: `.invalidInput` naming the field, `.tooManyAttempts`, `.proofFailed`.
    public func preview(_ application: Application) async throws -> Preview {
        let a = application
        let taxID = try validateIdentity(a)
        let (proved, entry) = try await prove(taxID, accountType: a.accountType, proof: a.proof)
        let state = try await approvalState(of: entry)
        return RegistrationRules.preview(
            proved: proved, accountType: a.accountType, state: state, policy: context.policy)
    }

    /// Submits an application (RULES R1–R10): validates every field with a specific refusal, proves the identity
    /// (any failure is the same refusal for every cause, R3), and only then creates the logon and the request, emails
    /// the receipt, and approves at once when the policy says so (R10, R11). Whether a username is taken is told
    /// only to an applicant whose proof passed (R5).
    ///
    /// - Throws: ``AccessError`` — `.invalidInput` naming the field, `.termsNotAccepted`, `.tooManyAttempts`,
    ///   `.proofFailed`, `.usernameTaken`, `.emailTaken`; ``StoreError`` when storage fails.
    public func submit(_ application: Application) async throws -> Receipt {
        let a = application
        let policy = context.policy
        let taxID = try validateIdentity(a)
        // R4
        let fullName = try Policy.validateFullName(a.fullName)
        let phone = try Policy.validatePhone(countryCode: a.phoneCountryCode, type: a.phoneType, number: a.phoneNumber)
        try Policy.validatePIN(a.pin)
        let email = try Policy.validateEmail(a.email)
        guard Logon.normalizedKey(email) == Logon.normalizedKey(String(a.emailAgain.identityTrimmed)) else {
            throw AccessError.invalid("emailAgain", "The two entries of the email address do not match.")
        }
        // R5, R6: the form of the username only; whether it is taken is told after the proof.
        try policy.validateUsername(a.username)
        try policy.validatePassword(a.password, username: a.username)
        try Policy.validateConfirmation(a.password, a.passwordAgain, field: "password")
        // R7
        if policy.requiresSecurityQuestion || a.securityQuestion != nil {
            guard a.securityQuestion != nil else {
                throw AccessError.invalid("securityQuestion", "Choose a security question.")
            }
            try Policy.validateSecurityAnswer(a.securityAnswer)
        }
        // R8, X1: refused at submission, not at the first request.
        try RegistrationRules.checkClientManagement(a.clientManagement, idType: a.idType)
        // R9: nothing is created without the terms.
        guard a.acceptedTerms else {
            throw AccessError(.termsNotAccepted, "You must accept the terms of use to create a logon.")
        }
        // R2, R3
        let (proved, entry) = try await prove(taxID, accountType: a.accountType, proof: a.proof)
        // R6, R7, R4: only slow hashes are kept.
        let validated = ValidatedApplication(
            taxID: taxID, accountType: a.accountType, fullName: fullName, phone: phone, email: email,
            username: a.username, passwordHash: try await context.hasher.hash(a.password),
            pinHash: try await context.hasher.hash(a.pin), securityQuestion: a.securityQuestion,
            securityAnswerHash: a.securityQuestion == nil
                ? nil : try await context.hasher.hash(Policy.normalizeSecurityAnswer(a.securityAnswer)),
            clientManagement: a.clientManagement)
        let logonID: LogonID = context.newID("L")
        let registrationID: RegistrationID = context.newID("R")
        let activation = context.drawToken("K")
        let url = context.link(.activation, token: activation.token)
        // R10: a confirmation number that clashes with a stored one is drawn again.
        return try await context.decideAndCommit(redrawing: [.registrationConfirmation]) {
            RegistrationRules.submit(
                validated, proved: proved, entry: entry, state: try await approvalState(of: entry),
                draws: RegistrationDraws(
                    logon: logonID, registration: registrationID, confirmationNumber: context.confirmationNumber(),
                    activation: activation, activationURL: url),
                now: context.clock.now(), policy: policy)
        }
    }

    /// The agency approves a request waiting for review (RULES R10, R11).
    ///
    /// - Parameters:
    ///   - id: the request.
    ///   - operator: who at the agency approves it, recorded as the actor (RULES U1).
    /// - Throws: `.notFound` for an unknown request, `.conflict` when it was already decided.
    public func approve(registration id: RegistrationID, by operator: String) async throws {
        let activation = context.drawToken("K")
        let url = context.link(.activation, token: activation.token)
        try await context.decideAndCommit {
            let (registration, logon) = try await stored(id)
            let entry =
                try await context.store.taxpayer(registration.value.taxpayer).asyncMap {
                    try await context.directory.entry(for: $0.value.taxID)
                } ?? nil
            var state = try await approvalState(of: entry, taxpayer: registration.value.taxpayer)
            if entry == nil { state.entry = nil }
            return try RegistrationRules.approveStored(
                registration, logon: logon, state: state, activation: activation, activationURL: url,
                by: .agency(operator: `operator`), now: context.clock.now(), policy: context.policy)
        }
    }

    /// The agency refuses a request waiting for review: the logon is never usable, its username stays reserved
    /// (RULES R5), its email is free again.
    ///
    /// - Throws: `.notFound` for an unknown request, `.conflict` when it was already decided.
    public func reject(registration id: RegistrationID, by operator: String) async throws {
        try await context.decideAndCommit {
            let (registration, logon) = try await stored(id)
            return try RegistrationRules.reject(
                registration, logon: logon, by: .agency(operator: `operator`), now: context.clock.now())
        }
    }

    /// The request with a confirmation number, for the agency's review.
    public func registration(confirmationNumber: String) async throws -> Registration? {
        try await context.store.record(unique: UniqueKey(.registrationConfirmation, confirmationNumber))?
            .registration?.value
    }

    /// Activates a logon from the link of its approval email (RULES R12): the link works once and expires. The
    /// first login afterwards must set up two-step verification.
    ///
    /// - Throws: `.invalidLink` for an unknown, used or expired link.
    public func activate(token: String) async throws {
        try await context.decideAndCommit {
            let link = try await context.store.linkToken(byTokenHash: SecretToken.hash(token))
            let logon = try await link.asyncMap { try await context.store.logon($0.value.logon) } ?? nil
            let links = try await logon.asyncMap { try await context.store.linkTokens(of: $0.value.id) } ?? []
            return try RegistrationRules.activate(
                link, logon: logon, links: links.map(\.value), now: context.clock.now())
        }
    }

    // MARK: - Internals

    /// RULES R1: the ID, the ID again, the account type and the proof's form.
    private func validateIdentity(_ a: Application) throws(AccessError) -> TaxIdentifier {
        let taxID = try Policy.validateTaxIdentifier(type: a.idType, number: a.idNumber)
        let taxIDAgain = try? Policy.validateTaxIdentifier(type: a.idType, number: a.idNumberAgain)
        guard taxIDAgain == taxID else {
            throw AccessError.invalid("idNumberAgain", "The two entries of the ID number do not match.")
        }
        guard a.accountType.isWellFormed else {
            throw AccessError.invalid("accountType", "Choose the type of account you filed a return for.")
        }
        try Self.validateShape(of: a.proof)
        return taxID
    }

    /// RULES R2, R3: proves the identity against the directory. Every failure — unknown ID, wrong account type,
    /// wrong amount, wrong letter — does the same directory work, records one failed proof, and gets the same
    /// answer.
    ///
    /// - Returns: the account proved and the taxpayer's directory entry.
    private func prove(_ taxID: TaxIdentifier, accountType: AccountType, proof: IdentityProof) async throws
        -> (AccountID, DirectoryEntry)
    {
        let now = context.clock.now()
        let attempts = try await context.store.proofAttempts(for: taxID)
        if RegistrationRules.attemptsExhausted(attempts?.value, now: now, policy: context.policy) {
            throw RegistrationRules.tooManyAttempts
        }
        let entry = try await context.directory.entry(for: taxID)
        // R3: the same directory work whether or not the ID is known, so the time taken tells nothing either.
        let returns = try await context.directory.filedReturns(for: taxID, accountType: accountType)
        let letters = try await context.directory.signUpLetters(for: taxID)
        let proved = entry.flatMap {
            RegistrationRules.provedAccount(
                by: proof, accountType: accountType, accounts: $0.accounts, returns: returns, letters: letters)
        }
        guard let entry, let proved else {
            try await context.decideAndCommit {
                RegistrationRules.failedProof(
                    try await context.store.proofAttempts(for: taxID), taxID: taxID, now: context.clock.now(),
                    policy: context.policy)
            }
            throw RegistrationRules.proofFailed
        }
        return (proved, entry)
    }

    /// What an approval for the taxpayer of `entry` decides from (RULES R11, T3): the stored taxpayer read before
    /// its roles, the accounts the store holds, and its active Master Administrators.
    private func approvalState(of entry: DirectoryEntry?, taxpayer id: TaxpayerID? = nil) async throws
        -> ApprovalState
    {
        let store = context.store
        var taxpayer: Versioned<Taxpayer>?
        if let entry { taxpayer = try await store.taxpayer(byTaxID: entry.taxpayer.taxID) }
        if taxpayer == nil, let id { taxpayer = try await store.taxpayer(id) }
        var accounts: [AccountID: AccountType] = [:]
        var masterAdministrators: [Logon] = []
        if let taxpayer {
            for account in try await store.accounts(of: taxpayer.value.id) {
                accounts[account.value.id] = account.value.type
            }
            for role in try await store.roles(on: taxpayer.value.id)
            where role.value.role == .masterAdministrator && role.value.status == .active {
                if let holder = try await store.logon(role.value.logon), holder.value.status == .active {
                    masterAdministrators.append(holder.value)
                }
            }
        }
        for account in entry?.accounts ?? [] where accounts[account.id] == nil {
            if let stored = try await store.account(account.id) { accounts[account.id] = stored.value.type }
        }
        return ApprovalState(
            taxpayer: taxpayer, entry: entry, storedAccounts: accounts, masterAdministrators: masterAdministrators)
    }

    /// A stored request and its logon.
    private func stored(_ id: RegistrationID) async throws -> (Versioned<Registration>, Versioned<Logon>) {
        guard let registration = try await context.store.registration(id),
            let logon = try await context.store.logon(registration.value.logon)
        else { throw AccessError(.notFound, "There is no such request.") }
        return (registration, logon)
    }

    private static func validateShape(of proof: IdentityProof) throws(AccessError) {
        switch proof {
        case .amountDue(let c), .refund(let c):
            guard c.value >= 0 else { throw AccessError.invalid("proof", "Enter the amount without a minus sign.") }
        case .lineItem(let name, let c):
            guard !name.identityTrimmed.isEmpty else {
                throw AccessError.invalid("lineItem", "Choose the line of the return you are giving.")
            }
            guard c.value >= 0 else { throw AccessError.invalid("proof", "Enter the amount without a minus sign.") }
        case .letterID(let id):
            let t = id.identityTrimmed
            guard !t.isEmpty else {
                throw AccessError.invalid("letterID", "Enter the letter ID printed on your letter.")
            }
            guard t.count <= 40, t.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == " ") })
            else {
                throw AccessError.invalid("letterID", "A letter ID has only letters, digits and dashes.")
            }
        }
    }
}
