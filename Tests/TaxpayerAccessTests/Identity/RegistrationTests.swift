import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Identity: Create My Logon")
struct RegistrationTests {
    // R2: every proof kind proves the identity.
    @Test(arguments: [
        IdentityProof.amountDue(1234_56), .refund(250_00), .lineItem(name: "Line 22:  total tax", amount: 4321_00),
        .letterID("ltr-7781"),
    ])
    func eachProofKindProves(_ proof: IdentityProof) async throws {
        let world = IdentityWorld()
        let receipt = try await world.registration.submit(world.application(proof: proof))
        #expect(receipt.approved)
        let logon = try await world.logon("pat.client")
        #expect(logon.status == .active && logon.ownTaxpayer == "T1")
        let registration = try #require(try await world.store.registration(receipt.registration)).value
        #expect(registration.provedAccount == "A1")
    }

    // R2: a zero amount is refused even when it matches; amounts compare exactly in cents.
    // R3: every failure gets one and the same answer.
    @Test(arguments: [
        ("zero refund that matches", IdentityWorld.patSSN, AccountType.personalIncome, IdentityProof.refund(0)),
        ("zero amount due that matches", IdentityWorld.patSSN, .personalIncome, .amountDue(0)),
        ("one cent off", IdentityWorld.patSSN, .personalIncome, .amountDue(1234_55)),
        ("amount of another account type", IdentityWorld.patSSN, .personalIncome, .amountDue(77_01)),
        ("wrong account type", IdentityWorld.patSSN, .withholding, .amountDue(1234_56)),
        ("unknown ID", TaxIdentifier(type: .ssn, number: "223456789"), .personalIncome, .amountDue(1234_56)),
        ("wrong letter", IdentityWorld.patSSN, .personalIncome, .letterID("LTR-7782")),
        ("wrong line item name", IdentityWorld.patSSN, .personalIncome, .lineItem(name: "line 23", amount: 4321_00)),
    ])
    func failedProofsGetOneAnswer(_ label: String, taxID: TaxIdentifier, accountType: AccountType, proof: IdentityProof)
        async throws
    {
        let world = IdentityWorld()
        let error = await #expect(throws: AccessError.self, "\(label)") {
            try await world.registration.submit(world.application(taxID: taxID, accountType: accountType, proof: proof))
        }
        #expect(error?.code == .proofFailed)
        #expect(error?.message == RegistrationRules.proofFailed.message)
        #expect(try await world.store.logon(byUsername: "pat.client") == nil)
        #expect(try await world.mails().isEmpty)
        #expect(try await world.audit(.proofFailed).count == 1)  // U1
    }

    // R3: failed proofs per ID are limited (5 per 24 h), then even a right proof is refused; the window passes.
    @Test func failedProofsPerIDAreLimited() async throws {
        let world = IdentityWorld()
        for _ in 0..<5 {
            await #expect(throws: AccessError(.proofFailed, "")) {
                try await world.registration.submit(world.application(proof: .amountDue(1_00)))
            }
        }
        await #expect(throws: AccessError(.tooManyAttempts, "")) {
            try await world.registration.submit(world.application())
        }
        // Another ID is not affected.
        _ = try await world.registration.submit(
            world.application(
                taxID: IdentityWorld.acmeFEIN, accountType: .withholding, proof: .amountDue(980_00),
                username: "acme.owner",
                email: "owner@acme.example"))
        world.clock.advance(by: .seconds(24 * 3600 + 1))
        let receipt = try await world.registration.submit(world.application())
        #expect(receipt.approved)
    }

    // R10: confirmation number d-ddd-ddd-ddd, submission time, receipt and approval emails with an activation link.
    // T3 R10 R11: the agency loaded the taxpayer with one account; the directory now has a second. A submission
    // approved at once copies the missing account once (it used to be inserted twice in one commit, and fail).
    @Test func approvalCopiesANewerAccountOnce() async throws {
        let world = IdentityWorld()
        try await world.portal.agency.load(
            DirectoryEntry(
                taxpayer: Taxpayer(id: "T1", taxID: IdentityWorld.patSSN, legalName: "Pat Q Client", kind: .individual),
                accounts: [TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome)]),
            by: "clerk")
        let receipt = try await world.registration.submit(world.application())
        #expect(receipt.approved)
        let accounts = try await world.store.accounts(of: "T1").map(\.value.id)
        #expect(accounts == ["A1", "A2"])
    }

    @Test func receiptAndApproval() async throws {
        let world = IdentityWorld()
        let receipt = try await world.registration.submit(world.application())
        #expect(receipt.confirmationNumber.wholeMatch(of: /\d-\d{3}-\d{3}-\d{3}/) != nil)
        #expect(receipt.submittedAt == world.clock.now())
        let mails = try await world.mails(to: "pat@client.example")
        #expect(mails.map(\.subject) == ["We received your request for a logon", "Your logon is approved"])
        #expect(mails[0].body.contains(receipt.confirmationNumber))
        // The token rides in the fragment, which no server log sees.
        #expect(mails[1].body.contains("https://portal.example.gov/activate#token="))
        let found = try await world.registration.registration(confirmationNumber: receipt.confirmationNumber)
        #expect(found?.status == .approved)
    }

    // R10: agency review; the approval is recorded with the operator as actor (U1).
    @Test func agencyApproval() async throws {
        var policy = Policy.massTaxConnect.forTesting
        policy.automaticApproval = false
        let world = IdentityWorld(policy: policy)
        let receipt = try await world.registration.submit(world.application())
        #expect(!receipt.approved)
        #expect(try await world.logon("pat.client").status == .pendingApproval)
        #expect(try await world.mails().map(\.subject) == ["We received your request for a logon"])
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        try await world.registration.approve(registration: receipt.registration, by: "clerk 17")
        #expect(try await world.logon("pat.client").status == .active)
        let approved = try await world.audit(.registrationApproved)
        #expect(approved.map(\.actor) == [.agency(operator: "clerk 17")])
        await #expect(throws: AccessError(.conflict, "")) {
            try await world.registration.approve(registration: receipt.registration, by: "clerk 17")
        }
    }

    @Test func agencyRejectionKeepsTheUsernameReserved() async throws {
        var policy = Policy.massTaxConnect.forTesting
        policy.automaticApproval = false
        let world = IdentityWorld(policy: policy)
        let receipt = try await world.registration.submit(world.application())
        try await world.registration.reject(registration: receipt.registration, by: "clerk 17")
        #expect(try await world.logon("pat.client").status == .deleted)
        // R5: never reused; R4: the email is free again.
        await #expect(throws: AccessError(.usernameTaken, "")) {
            try await world.registration.submit(world.application(email: "other@client.example"))
        }
        _ = try await world.registration.submit(world.application(username: "pat.again"))
    }

    // R11 T3: the first logon becomes MA; the taxpayer and its accounts are copied from the directory.
    // R11: the next one is a TA on the proved account only, told by e-message how to reach the MAs.
    @Test func firstIsMasterAdministratorNextIsTaxAdministrator() async throws {
        let world = IdentityWorld()
        let first = try await world.registerAndActivate()
        #expect(try await world.store.taxpayer("T1")?.value.legalName == "Pat Q Client")
        #expect(try await world.store.accounts(of: "T1").count == 2)
        #expect(try await world.store.role(of: first.id, on: "T1")?.value.role == .masterAdministrator)

        let second = try await world.registerAndActivate(
            username: "pat.spouse", email: "spouse@client.example", accountType: .salesAndUse, proof: .amountDue(77_01),
            fullName: "Sam Spouse")
        let role = try #require(try await world.store.role(of: second.id, on: "T1")).value
        #expect(role.role == .taxAdministrator)
        #expect(role.accountLevels == ["A2": .allAccess])
        let message = try #require(try await world.store.eMessages(of: second.id).first).value
        #expect(message.body.contains("Pat Q Client"))
        // N1: the email names nobody.
        for mail in try await world.mails(to: "spouse@client.example") {
            #expect(!mail.body.contains("Pat") && !mail.body.contains("Sam"))
        }
    }

    // R11: a taxpayer whose only MA was deleted has no active MA: the next logon becomes MA.
    @Test func noActiveMasterAdministratorMeansMasterAdministrator() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        try await world.profile.deleteProfile(try await world.caller(token), currentPassword: IdentityWorld.password)
        let next = try await world.registerAndActivate(username: "pat.new", email: "new@client.example")
        #expect(try await world.store.role(of: next.id, on: "T1")?.value.role == .masterAdministrator)
    }

    // R12: the activation link works once and expires after 7 days.
    @Test func activationLinkWorksOnceAndExpires() async throws {
        let world = IdentityWorld()
        _ = try await world.registration.submit(world.application())
        let token = try await world.lastLinkToken(to: "pat@client.example")
        // Not activated yet: the password is right, but the logon must be activated first.
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        try await world.registration.activate(token: token)
        #expect(try await world.logon("pat.client").activated)
        await #expect(throws: AccessError(.invalidLink, "")) { try await world.registration.activate(token: token) }
        // A7: only the hash is stored.
        let links = try await world.store.records(ofKind: .linkToken)
        #expect(
            links.allSatisfy {
                if case .linkToken(let l) = $0.value { l.tokenHash == SecretToken.hash(token) } else { false }
            })

        let other = IdentityWorld()
        _ = try await other.registration.submit(other.application())
        let late = try await other.lastLinkToken(to: "pat@client.example")
        other.clock.advance(by: .seconds(7 * 86400))
        await #expect(throws: AccessError(.invalidLink, "")) { try await other.registration.activate(token: late) }
        await #expect(throws: AccessError(.invalidLink, "")) { try await other.registration.activate(token: "made-up") }
    }

    // R12: the first login after activation must set up two-step verification before anything else.
    @Test func firstLoginForcesTwoStepSetup() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.stage == .awaitingTwoStepSetup)
        // The session lives, at its stage; everything but the set-up refuses it (R12).
        #expect(try await world.caller(login.sessionToken).stage == .awaitingTwoStepSetup)
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.profile.rolesAndRights(try await world.caller(login.sessionToken))
        }
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.profile.rolesAndRights(try await world.caller(login.sessionToken))
        }
    }

    // R4: shared emails are not allowed, compared case-insensitively.
    @Test func sharedEmailIsRefused() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let error = await #expect(throws: AccessError.self) {
            try await world.registration.submit(world.application(username: "pat.other", email: "PAT@Client.Example"))
        }
        #expect(error?.code == .emailTaken)
    }

    // R5: usernames are unique case-insensitively.
    @Test func takenUsernameIsRefused() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        await #expect(throws: AccessError(.usernameTaken, "")) {
            try await world.registration.submit(world.application(username: "PAT.Client", email: "x@client.example"))
        }
    }

    // R7: the answer is kept only as a slow hash of its normalised form; R4: the PIN only as a hash; R8 kept.
    @Test func secretsAreStoredHashed() async throws {
        let world = IdentityWorld()
        _ = try await world.registration.submit(world.application(clientManagement: true))
        let logon = try await world.logon("pat.client")
        let answer = try #require(logon.credentials.securityAnswerHash)
        #expect(!answer.contains("WHISKERS") && !answer.contains("whiskers"))
        #expect(await world.hasher.verify("mr. whiskers", against: answer))
        #expect(await world.hasher.verify(Policy.normalizeSecurityAnswer("MR.  whiskers"), against: answer))
        #expect(logon.credentials.pinHash != "0417")
        #expect(await world.hasher.verify("0417", against: try #require(logon.credentials.pinHash)))
        #expect(logon.credentials.passwordHash != IdentityWorld.password)
        #expect(logon.clientManagement)  // R8
        #expect(logon.credentials.securityQuestion == .firstPet)
    }

    // R9: without the terms nothing is created.
    @Test func termsMustBeAccepted() async throws {
        let world = IdentityWorld()
        await #expect(throws: AccessError(.termsNotAccepted, "")) {
            try await world.registration.submit(world.application(terms: false))
        }
        #expect(try await world.store.records(ofKind: .logon).isEmpty)
        #expect(try await world.store.records(ofKind: .registration).isEmpty)
        #expect(try await world.mails().isEmpty)
    }

    // R1 R4 R5 R6 R7: bad input of every kind gets a specific refusal naming the field.
    @Test(arguments: [
        BadInput("idNumber") { a in a.idNumber = "" },
        BadInput("idNumber") { a in a.idNumber = "12345678x" },
        BadInput("idNumberAgain") { a in a.idNumberAgain = "123456780" },
        BadInput("accountType") { a in a.accountType = "" },
        BadInput("letterID") { a in a.proof = .letterID("   ") },
        BadInput("letterID") { a in a.proof = .letterID("LTR–7781✓") },
        BadInput("lineItem") { a in a.proof = .lineItem(name: " ", amount: 1) },
        BadInput("fullName") { a in a.fullName = "   " },
        BadInput("fullName") { a in a.fullName = String(repeating: "x", count: 101) },
        BadInput("phone") { a in a.phoneNumber = "" },
        BadInput("phone") { a in a.phoneNumber = "617-555-01３4" },
        BadInput("pin") { a in a.pin = "041" },
        BadInput("pin") { a in a.pin = "０４１７" },
        BadInput("email") { a in a.email = "" },
        BadInput("email") { a in a.email = "pat at client.example" },
        BadInput("email") { a in a.email = "pät@client.example" },
        BadInput("emailAgain") { a in a.emailAgain = "pat@client.exampel" },
        BadInput("username") { a in a.username = "" },
        BadInput("username") { a in a.username = "pa" },
        BadInput("username") { a in a.username = "pat client" },
        BadInput("username") { a in a.username = String(repeating: "p", count: 61) },
        BadInput("password") { a in a.password = "" },
        BadInput("password") { a in a.password = "Short1" },
        BadInput("password") { a in a.password = "Waytoolong12345X" },
        BadInput("password") { a in a.password = "alllower123" },
        BadInput("password") { a in
            a.password = "Pat.Client1"
            a.username = "pat.client1"
        },
        BadInput("password") { a in a.passwordAgain = "Secret124" },
        BadInput("securityQuestion") { a in a.securityQuestion = nil },
        BadInput("securityAnswer") { a in a.securityAnswer = "  \t " },
        BadInput("securityAnswer") { a in a.securityAnswer = String(repeating: "a", count: 101) },
    ])
    func badInputIsRefusedByField(_ bad: BadInput) async throws {
        let field = bad.field
        let world = IdentityWorld()
        var application = world.application()
        bad.edit(&application)
        let error = await #expect(throws: AccessError.self) { try await world.registration.submit(application) }
        #expect(error?.code == .invalidInput)
        #expect(
            error?.field == field || (field == "password" && error?.field?.hasPrefix("password") == true),
            "\(String(describing: error))")
        #expect(try await world.store.records(ofKind: .logon).isEmpty)
        #expect(try await world.store.records(ofKind: .proofAttempts).isEmpty, "bad input is not a failed proof")
    }

    // U1: the submission, the approval and the role are audited without secrets.
    @Test func registrationIsAudited() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        #expect(try await world.audit(.registrationSubmitted).count == 1)
        #expect(try await world.audit(.roleGranted).count == 1)
        #expect(try await world.audit(.logonActivated).count == 1)
        let all = try await world.store.allAuditEvents().map { "\($0.event)" }.joined()
        #expect(!all.contains("$argon2id$"), "no hash in the audit log")
        #expect(!all.contains("123456789"), "no full ID number in the audit log")
    }
}

struct BadInput: Sendable, CustomTestStringConvertible {
    let field: String
    let edit: @Sendable (inout RegistrationService.Application) -> Void
    init(_ field: String, _ edit: @escaping @Sendable (inout RegistrationService.Application) -> Void) {
        self.field = field
        self.edit = edit
    }
    var testDescription: String { field }
}
