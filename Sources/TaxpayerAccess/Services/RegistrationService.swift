#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Create My Logon (RULES R1–R12): identity proofing against the agency's directory, the profile, the receipt,
/// approval (automatic or by the agency) and activation.
///
/// ```swift
/// let registration = RegistrationService(context: context)
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

    public let context: ServiceContext

    public init(context: ServiceContext) { self.context = context }

    /// Submits an application (RULES R1–R10): validates every field with a specific refusal, proves the identity
    /// (any failure is ``RegistrationRules/proofFailed``, the same for every cause, R3), creates the logon and the
    /// request, emails the receipt, and approves at once when the policy says so (R10, R11).
    ///
    /// - Throws: ``AccessError`` — `.invalidInput` naming the field, `.termsNotAccepted`, `.tooManyAttempts`,
    ///   `.proofFailed`, `.usernameTaken`, `.emailTaken`; ``StoreError`` when storage fails.
    public func submit(_ application: Application) async throws -> Receipt {
        let a = application
        let policy = context.policy
        // R1
        let taxID = try Policy.validateTaxIdentifier(type: a.idType, number: a.idNumber)
        let taxIDAgain = try? Policy.validateTaxIdentifier(type: a.idType, number: a.idNumberAgain)
        guard taxIDAgain == taxID else {
            throw AccessError.invalid("idNumberAgain", "The two entries of the ID number do not match.")
        }
        guard a.accountType.isWellFormed else {
            throw AccessError.invalid("accountType", "Choose the type of account you filed a return for.")
        }
        try Self.validateShape(of: a.proof)
        // R4
        let fullName = try Policy.validateFullName(a.fullName)
        let phone = try Policy.validatePhone(countryCode: a.phoneCountryCode, type: a.phoneType, number: a.phoneNumber)
        try Policy.validatePIN(a.pin)
        let email = try Policy.validateEmail(a.email)
        guard Logon.normalizedKey(email) == Logon.normalizedKey(String(a.emailAgain.identityTrimmed)) else {
            throw AccessError.invalid("emailAgain", "The two entries of the email address do not match.")
        }
        // R5, R6
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
        // R9: nothing is created without the terms.
        guard a.acceptedTerms else {
            throw AccessError(.termsNotAccepted, "You must accept the terms of use to create a logon.")
        }
        // R5: a friendly early answer; the store enforces uniqueness again at commit.
        if try await context.store.logon(byUsername: a.username) != nil {
            throw AccessError(.usernameTaken, "This username is taken. Choose another.")
        }
        // R3
        let now = context.clock.now()
        let attempts = try await context.store.proofAttempts(for: taxID)
        if RegistrationRules.attemptsExhausted(attempts?.value, now: now, policy: policy) {
            throw RegistrationRules.tooManyAttempts
        }
        // R2
        let entry = try await context.directory.entry(for: taxID)
        // R3: the same directory work whether or not the ID is known, so the time taken tells nothing either.
        let returns = try await context.directory.filedReturns(for: taxID, accountType: a.accountType)
        let letters = try await context.directory.signUpLetters(for: taxID)
        var proved: AccountID?
        if let entry {
            proved = RegistrationRules.provedAccount(
                by: a.proof, accountType: a.accountType, accounts: entry.accounts, returns: returns, letters: letters)
        }
        guard let entry, let proved else {
            try await recordFailedProof(taxID)
            throw RegistrationRules.proofFailed
        }
        // R6, R7, R4: only slow hashes are kept.
        let passwordHash = try await context.hasher.hash(a.password)
        let pinHash = try await context.hasher.hash(a.pin)
        var answerHash: String?
        if a.securityQuestion != nil {
            answerHash = try await context.hasher.hash(Policy.normalizeSecurityAnswer(a.securityAnswer))
        }
        let logonID: LogonID = context.newID("L")
        let registrationID: RegistrationID = context.newID("R")
        for _ in 0..<5 {
            do {
                return try await context.commitRetrying { () async throws -> (ChangeSet, Receipt) in
                    var changes = ChangeSet()
                    let taxpayer = try await copyFromDirectory(entry, into: &changes, now: now)
                    var logon = Logon(
                        id: logonID, username: a.username, email: email, fullName: fullName, phone: phone,
                        status: .pendingApproval, clientManagement: a.clientManagement, ownTaxpayer: taxpayer,
                        credentials: Credentials(
                            passwordHash: passwordHash, pinHash: pinHash, securityQuestion: a.securityQuestion,
                            securityAnswerHash: answerHash, passwordChangedAt: now),
                        createdAt: now)
                    var registration = Registration(
                        id: registrationID, confirmationNumber: context.confirmationNumber(), logon: logonID,
                        taxpayer: taxpayer, provedAccount: proved, submittedAt: now)
                    changes.audit(
                        AuditEvent(
                            time: now, actor: .anonymous, action: .registrationSubmitted,
                            subject: "registration/\(registrationID)", after: .registration(registration),
                            note: "identity proved for \(taxID.masked)"))
                    try context.send(
                        IdentityMail.receipt(confirmationNumber: registration.confirmationNumber),
                        to: email, in: &changes)
                    if policy.automaticApproval {
                        try await approve(&registration, logon: &logon, by: .system, now: now, into: &changes)
                    }
                    changes.insert(.logon(logon))
                    changes.insert(.registration(registration))
                    return (
                        changes,
                        Receipt(
                            registration: registrationID, confirmationNumber: registration.confirmationNumber,
                            submittedAt: now, approved: registration.status == .approved)
                    )
                }
            } catch let error as StoreError where error.code == .uniqueKeyTaken {
                if let refusal = context.refusal(for: error) { throw refusal }
                if error.uniqueKeyName == "registrationConfirmation" { continue }  // R10: draw another number
                throw error
            }
        }
        throw StoreError(.uniqueKeyTaken, subject: "registrationConfirmation", message: "no free confirmation number")
    }

    /// The agency approves a request waiting for review (RULES R10, R11).
    ///
    /// - Parameters:
    ///   - id: the request.
    ///   - operator: who at the agency approves it, recorded as the actor (RULES U1).
    /// - Throws: `.notFound` for an unknown request, `.conflict` when it was already decided.
    public func approve(registration id: RegistrationID, by operator: String) async throws {
        try await decide(id, by: .agency(operator: `operator`)) { registration, logon, now, changes in
            try await approve(&registration, logon: &logon, by: .agency(operator: `operator`), now: now, into: &changes)
        }
    }

    /// The agency refuses a request waiting for review: the logon is never usable, its username stays reserved
    /// (RULES R5), its email is free again.
    public func reject(registration id: RegistrationID, by operator: String) async throws {
        let actor = Actor.agency(operator: `operator`)
        try await decide(id, by: actor) { registration, logon, now, changes in
            registration.status = .rejected
            registration.decidedAt = now
            logon.status = .deleted
            changes.audit(
                AuditEvent(
                    time: now, actor: actor, action: .registrationRejected,
                    subject: "registration/\(registration.id)", after: .registration(registration)))
            try context.send(
                IdentityMail.rejection(confirmationNumber: registration.confirmationNumber), to: logon.email,
                in: &changes)
        }
    }

    /// The request with a confirmation number, for the agency's review.
    public func registration(confirmationNumber: String) async throws -> Registration? {
        try await context.store.record(unique: UniqueKey("registrationConfirmation", confirmationNumber))?.registration?
            .value
    }

    /// Activates a logon from the link of its approval email (RULES R12): the link works once and expires. The
    /// first login afterwards must set up two-step verification.
    ///
    /// - Throws: `.invalidLink` for an unknown, used or expired link.
    public func activate(token: String) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let link = try await context.store.linkToken(byTokenHash: SecretToken.hash(token)),
                RegistrationRules.linkUsable(link.value, purpose: .activation, now: now),
                let logon = try await context.store.logon(link.value.logon), logon.value.status == .active
            else { throw RegistrationRules.invalidLink }
            var used = link.value
            used.usedAt = now
            var activated = logon.value
            activated.activated = true
            var changes = ChangeSet()
            changes.update(.linkToken(used), from: link.version)
            changes.update(.logon(activated), from: logon.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .logon(activated.id), action: .logonActivated,
                    subject: "logon/\(activated.id)", before: .logon(logon.value), after: .logon(activated)))
            return (changes, ())
        }
    }

    // MARK: - Internals

    private func decide(
        _ id: RegistrationID, by actor: Actor,
        _ apply: (inout Registration, inout Logon, Date, inout ChangeSet) async throws -> Void
    ) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            guard let stored = try await context.store.registration(id),
                let logon = try await context.store.logon(stored.value.logon)
            else { throw AccessError(.notFound, "There is no such request.") }
            guard stored.value.status == .submitted, logon.value.status == .pendingApproval else {
                throw AccessError(.conflict, "This request was already decided.")
            }
            var registration = stored.value
            var updated = logon.value
            var changes = ChangeSet()
            try await apply(&registration, &updated, now, &changes)
            changes.update(.registration(registration), from: stored.version)
            changes.update(.logon(updated), from: logon.version)
            return (changes, ())
        }
    }

    /// Approval (RULES R10–R12): copies the taxpayer's newer accounts from the directory, gives the role, writes the
    /// e-message, and emails the single-use activation link.
    private func approve(
        _ registration: inout Registration, logon: inout Logon, by actor: Actor, now: Date,
        into changes: inout ChangeSet
    ) async throws {
        let policy = context.policy
        // R11: read the taxpayer before its roles; the approval writes it back at this version, so an approval that
        // commits a role in between makes this one conflict and decide again.
        let stored = try await context.store.taxpayer(registration.taxpayer)
        if let stored, let entry = try await context.directory.entry(for: stored.value.taxID) {
            _ = try await copyFromDirectory(entry, into: &changes, now: now)
        }
        let taxpayerName =
            stored?.value.legalName
            ?? changes.writes.lazy.compactMap { if case .taxpayer(let t) = $0.record { t.legalName } else { nil } }
            .first
            ?? "the taxpayer"
        var masterAdministrators: [String] = []
        for role in try await context.store.roles(on: registration.taxpayer)
        where role.value.role == .masterAdministrator && role.value.status == .active {
            if let holder = try await context.store.logon(role.value.logon), holder.value.status == .active {
                masterAdministrators.append(holder.value.fullName)
            }
        }
        let (role, approval) = RegistrationRules.approval(
            logon: logon.id, taxpayer: registration.taxpayer, read: stored, provedAccount: registration.provedAccount,
            taxpayerHasActiveMA: !masterAdministrators.isEmpty, policy: policy, now: now)
        changes.append(approval)
        changes.audit(
            AuditEvent(
                time: now, actor: actor, action: .roleGranted, subject: "role/\(role.key)",
                after: .role(role), note: "Create My Logon (R11)"))
        let message: IdentityMail.Text
        if role.role == .masterAdministrator {
            message = IdentityMail.welcomeMasterAdministrator(taxpayerName: taxpayerName)
        } else {
            let accountType = try await accountType(of: registration.provedAccount, in: changes)
            message = IdentityMail.welcomeTaxAdministrator(
                taxpayerName: taxpayerName, accountType: accountType, level: policy.newTaxAdministratorLevel,
                masterAdministrators: masterAdministrators.sorted())
        }
        changes.insert(.eMessage(context.eMessage(to: logon.id, subject: message.subject, body: message.body)))
        let (link, token) = context.newLink(
            .activation, for: logon.id, lifetime: policy.activationLinkLifetime, now: now)
        changes.insert(.linkToken(link))
        let days = Int(policy.activationLinkLifetime.timeInterval / 86400)
        try context.send(
            IdentityMail.approval(link: context.link("activate", token: token), validDays: max(1, days)),
            to: logon.email, in: &changes)
        registration.status = .approved
        registration.decidedAt = now
        logon.status = .active
        changes.audit(
            AuditEvent(
                time: now, actor: actor, action: .registrationApproved,
                subject: "registration/\(registration.id)", after: .registration(registration)))
    }

    private func accountType(of account: AccountID, in changes: ChangeSet) async throws -> AccountType {
        if let stored = try await context.store.account(account) { return stored.value.type }
        return changes.writes.lazy.compactMap {
            if case .account(let a) = $0.record, a.id == account { a.type } else { nil }
        }
        .first ?? AccountType("tax")
    }

    /// Copies the taxpayer and its accounts into the store where absent (RULES T3); returns the taxpayer's id.
    /// Copies what the store lacks of a directory entry into `changes` (RULES T3): the taxpayer, and accounts not stored
    /// yet. Records `changes` already writes are not written twice (a submission approved at once copies in both
    /// steps).
    private func copyFromDirectory(_ entry: DirectoryEntry, into changes: inout ChangeSet, now: Date) async throws
        -> TaxpayerID
    {
        let taxpayerID: TaxpayerID
        let written = Set(changes.writes.map(\.record.key))
        if let stored = try await context.store.taxpayer(byTaxID: entry.taxpayer.taxID) {
            taxpayerID = stored.value.id
        } else if written.contains(RecordKey(.taxpayer, entry.taxpayer.id.rawValue)) {
            taxpayerID = entry.taxpayer.id
        } else {
            taxpayerID = entry.taxpayer.id
            changes.insert(.taxpayer(entry.taxpayer))
            changes.audit(
                AuditEvent(
                    time: now, actor: .system, action: .taxpayerLoaded,
                    subject: "taxpayer/\(taxpayerID)", after: .taxpayer(entry.taxpayer),
                    note: "copied from the directory (T3)"))
        }
        for account in entry.accounts where !written.contains(RecordKey(.account, account.id.rawValue)) {
            guard try await context.store.account(account.id) == nil else { continue }
            var copy = account
            copy.taxpayer = taxpayerID
            changes.insert(.account(copy))
        }
        return taxpayerID
    }

    private func recordFailedProof(_ taxID: TaxIdentifier) async throws {
        try await context.commitRetrying { () async throws -> (ChangeSet, Void) in
            let now = context.clock.now()
            let current = try await context.store.proofAttempts(for: taxID)
            let updated = RegistrationRules.recordingFailure(
                current?.value, taxID: taxID, now: now, policy: context.policy)
            var changes = ChangeSet()
            changes.put(.proofAttempts(updated), from: current?.version)
            changes.audit(
                AuditEvent(
                    time: now, actor: .anonymous, action: .proofFailed, subject: "proof/\(taxID.masked)",
                    note: "failed identity proof \(updated.failures.count) of \(context.policy.maxFailedProofs)"))
            return (changes, ())
        }
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
