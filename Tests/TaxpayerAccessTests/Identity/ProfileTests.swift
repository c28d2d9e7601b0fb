import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Identity: profile")
struct ProfileTests {
    static let email = "pat@client.example"

    // P1 V2: the current password is needed; the new one follows the policy and history.
    @Test func changePassword() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        let wrong = await #expect(throws: AccessError.self) {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: "Nope12345", newPassword: "Better456",
                confirmation: "Better456")
        }
        #expect(wrong?.field == "currentPassword")
        await #expect(throws: AccessError(.passwordReused, "")) {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: IdentityWorld.password,
                newPassword: IdentityWorld.password, confirmation: IdentityWorld.password)
        }
        let mismatch = await #expect(throws: AccessError.self) {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: IdentityWorld.password, newPassword: "Better456",
                confirmation: "")
        }
        #expect(mismatch?.code == .invalidInput)
        try await world.profile.changePassword(
            try await world.caller(token), currentPassword: IdentityWorld.password, newPassword: "Better456",
            confirmation: "Better456"
        )
        #expect(try await world.mails(to: Self.email).last?.subject == "Your password was changed")
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        _ = try await world.auth.login(username: "pat.client", password: "Better456")
    }

    // P1 R4: the email needs the current password, a matching confirmation, and must be free.
    @Test func changeEmail() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate(
            username: "sam.other", email: "sam@other.example", taxID: IdentityWorld.acmeFEIN,
            accountType: .withholding, proof: .amountDue(980_00), fullName: "Sam Other")
        let token = try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.changeEmail(
                try await world.caller(token), currentPassword: "Nope12345", newEmail: "pat@new.example",
                confirmation: "pat@new.example")
        }
        let mismatch = await #expect(throws: AccessError.self) {
            try await world.profile.changeEmail(
                try await world.caller(token), currentPassword: IdentityWorld.password, newEmail: "pat@new.example",
                confirmation: "pat@new.exampel")
        }
        #expect(mismatch?.field == "emailAgain")
        await #expect(throws: AccessError(.emailTaken, "")) {
            try await world.profile.changeEmail(
                try await world.caller(token), currentPassword: IdentityWorld.password, newEmail: "SAM@other.example",
                confirmation: "sam@other.example")
        }
        try await world.profile.changeEmail(
            try await world.caller(token), currentPassword: IdentityWorld.password, newEmail: "pat@new.example",
            confirmation: "pat@new.example")
        #expect(try await world.logon("pat.client").email == "pat@new.example")
        #expect(try await world.mails(to: Self.email).last?.subject == "Your email address was changed")
        #expect(try await world.mails(to: "pat@new.example").last?.subject == "Your email address was changed")
        // The old address is free again (R4: one live logon per email).
        #expect(try await world.store.logon(byEmail: Self.email) == nil)
    }

    // P1: phone (with the current password), PIN and security question; all stored hashed where secret.
    @Test func changePhonePINAndQuestion() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.changePhone(
                try await world.caller(token), currentPassword: "Nope12345", countryCode: "1", type: .work,
                number: "6175552222")
        }
        let badPhone = await #expect(throws: AccessError.self) {
            try await world.profile.changePhone(
                try await world.caller(token), currentPassword: IdentityWorld.password, countryCode: "1", type: .work,
                number: "555")
        }
        #expect(badPhone?.field == "phone")
        try await world.profile.changePhone(
            try await world.caller(token), currentPassword: IdentityWorld.password, countryCode: "1", type: .work,
            number: "(617) 555-2222")
        #expect(
            try await world.logon("pat.client").phone
                == PhoneNumber(countryCode: "1", type: .work, number: "6175552222"))

        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.changePIN(
                try await world.caller(token), currentPassword: IdentityWorld.password, newPIN: "12a4",
                confirmation: "12a4")
        }
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.changePIN(
                try await world.caller(token), currentPassword: IdentityWorld.password, newPIN: "1234",
                confirmation: "1235")
        }
        try await world.profile.changePIN(
            try await world.caller(token), currentPassword: IdentityWorld.password, newPIN: "9876", confirmation: "9876"
        )
        let pinHash = try #require(try await world.logon("pat.client").credentials.pinHash)
        #expect(await world.hasher.verify("9876", against: pinHash))

        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.changeSecurityQuestion(
                try await world.caller(token), currentPassword: IdentityWorld.password, question: .birthCity,
                answer: " ")
        }
        try await world.profile.changeSecurityQuestion(
            try await world.caller(token), currentPassword: IdentityWorld.password, question: .birthCity,
            answer: "  New   Bedford ")
        let logon = try await world.logon("pat.client")
        #expect(logon.credentials.securityQuestion == .birthCity)
        #expect(await world.hasher.verify("new bedford", against: try #require(logon.credentials.securityAnswerHash)))
        #expect(try await world.audit(.profileChanged).count >= 3)  // U1
    }

    // P1 A3: two-step methods change with the current password; at least one remains.
    @Test func changeTwoStepMethods() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.conflict, "")) {
            try await world.profile.removeTwoStepMethod(
                try await world.caller(token), currentPassword: IdentityWorld.password, kind: .email)
        }
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.addTwoStepMethod(
                try await world.caller(token), currentPassword: "Nope12345",
                .text(countryCode: "1", number: "6175551111"))
        }
        let challenge = try await world.profile.addTwoStepMethod(
            try await world.caller(token), currentPassword: IdentityWorld.password,
            .text(countryCode: "1", number: "6175551111"))
        #expect(challenge.codeSentTo == "(***) ***-1111")
        let code = try await world.lastTextCode()
        try await world.profile.confirmTwoStepMethod(try await world.caller(token), code: code)
        #expect(try await world.logon("pat.client").twoStep.methods.map(\.kind) == [.email, .text])
        try await world.profile.removeTwoStepMethod(
            try await world.caller(token), currentPassword: IdentityWorld.password, kind: .email)
        #expect(try await world.logon("pat.client").twoStep.methods.map(\.kind) == [.text])
        await #expect(throws: AccessError(.notFound, "")) {
            try await world.profile.removeTwoStepMethod(
                try await world.caller(token), currentPassword: IdentityWorld.password, kind: .authenticator)
        }
        #expect(try await world.audit(.twoStepChanged).count == 3)
    }

    // P2: Delete My Profile ends every role and grant, every session, and the logon for ever; R5: the username
    // stays reserved; R4: the email is free.
    @Test func deleteMyProfile() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        let (other, _) = try await world.loginWithCode()
        let logon = try await world.logon("pat.client")
        var seed = ChangeSet()
        seed.insert(
            .taxpayer(Taxpayer(id: "T2", taxID: IdentityWorld.acmeFEIN, legalName: "Acme Payroll LLC", kind: .business))
        )
        seed.insert(.account(TaxAccount(id: "A20", taxpayer: "T2", type: .withholding)))
        seed.insert(.grant(ThirdPartyGrant(taxpayer: "T2", thirdParty: logon.id, accounts: ["A20": .fileAndPay])))
        try await world.store.commit(seed)

        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.profile.deleteProfile(try await world.caller(token), currentPassword: "Nope12345")
        }
        try await world.profile.deleteProfile(try await world.caller(token), currentPassword: IdentityWorld.password)
        #expect(try await world.logon("pat.client").status == .deleted)
        let role = try #require(try await world.store.role(of: logon.id, on: "T1")).value
        #expect(role.status == .cancelled && role.cancellation?.by == .logon(logon.id))
        #expect(try await world.store.grant(of: logon.id, on: "T2")?.value.status == .cancelled)
        for session in [token, other] {
            await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(session) }
        }
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(try await world.audit(.profileDeleted).count == 1)  // U1
        await #expect(throws: AccessError(.usernameTaken, "")) {
            try await world.registration.submit(world.application(username: "Pat.Client", email: "pat2@client.example"))
        }
        _ = try await world.registration.submit(world.application(username: "pat.client2"))
    }

    // P3: a logon sees its roles and rights on every taxpayer it reaches.
    @Test func myRolesAndRights() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let spouse = try await world.registerAndActivate(
            username: "sam.spouse", email: "sam@client.example", accountType: .salesAndUse, proof: .amountDue(77_01),
            fullName: "Sam Spouse")
        var seed = ChangeSet()
        seed.insert(
            .taxpayer(Taxpayer(id: "T2", taxID: IdentityWorld.acmeFEIN, legalName: "Acme Payroll LLC", kind: .business))
        )
        seed.insert(.account(TaxAccount(id: "A20", taxpayer: "T2", type: .withholding)))
        seed.insert(.account(TaxAccount(id: "A21", taxpayer: "T2", type: .salesAndUse, status: .closed)))
        seed.insert(
            .grant(
                ThirdPartyGrant(taxpayer: "T2", thirdParty: spouse.id, accounts: ["A20": .viewOnly, "A21": .allAccess]))
        )
        try await world.store.commit(seed)
        let token = try await world.setUpEmailCodes(username: "sam.spouse", email: "sam@client.example")
        let rights = try await world.profile.rolesAndRights(try await world.caller(token))
        #expect(rights.map(\.legalName) == ["Acme Payroll LLC", "Pat Q Client"])
        #expect(rights[0].relationship == .thirdParty)
        #expect(rights[0].accounts.map(\.level) == [.viewOnly], "a closed account gives nothing")
        #expect(rights[1].relationship == .taxAdministrator)
        #expect(rights[1].maskedID == "***-**-6789")
        #expect(rights[1].accounts == [.init(account: "A2", type: .salesAndUse, level: .allAccess)])
    }

    // P3 S6: a secondary logon sees what reaches it through its parent, capped by its access type.
    @Test func secondaryRightsComeThroughTheParent() async throws {
        let world = IdentityWorld()
        let parent = try await world.registerAndActivate()
        let hash = try await world.hasher.hash(IdentityWorld.password)
        var seed = ChangeSet()
        seed.insert(
            .logon(
                Logon(
                    id: "L-secondary", username: "pat.clerk", email: "clerk@client.example", fullName: "Clerk",
                    secondary: SecondaryProfile(parent: parent.id, accessType: .taxAdministrator(.viewOnly)),
                    credentials: Credentials(passwordHash: hash), activated: true)))
        try await world.store.commit(seed)
        let login = try await world.auth.login(username: "pat.clerk", password: IdentityWorld.password)
        _ = try await world.auth.beginTwoStepSetup(try await world.caller(login.sessionToken), .email)
        try await world.auth.completeTwoStepSetup(
            try await world.caller(login.sessionToken), code: try await world.lastCode(to: "clerk@client.example"))
        let rights = try await world.profile.rolesAndRights(try await world.caller(login.sessionToken))
        #expect(rights.count == 1)
        #expect(rights.first?.relationship == .secondary(parent: parent.id))
        #expect(rights.first?.accounts.map(\.level) == [.viewOnly, .viewOnly])
    }

    // P3 S5 S6: what a secondary sees of its rights is what the resolver answers — here a secondary listed only in a
    // group that does not exist, which S5 reads as the Default group, where the parent's taxpayer sits.
    @Test func secondaryRightsAgreeWithTheResolver() async throws {
        let world = IdentityWorld()
        let parent = try await world.registerAndActivate()
        let hash = try await world.hasher.hash(IdentityWorld.password)
        var seed = ChangeSet()
        seed.insert(
            .logon(
                Logon(
                    id: "L-secondary", username: "pat.clerk", email: "clerk@client.example", fullName: "Clerk",
                    secondary: SecondaryProfile(
                        parent: parent.id, accessType: .taxAdministrator(.fileAndPay), groups: ["G-gone"]),
                    credentials: Credentials(passwordHash: hash), activated: true)))
        try await world.store.commit(seed)
        let login = try await world.auth.login(username: "pat.clerk", password: IdentityWorld.password)
        _ = try await world.auth.beginTwoStepSetup(try await world.caller(login.sessionToken), .email)
        try await world.auth.completeTwoStepSetup(
            try await world.caller(login.sessionToken), code: try await world.lastCode(to: "clerk@client.example"))
        let rights = try await world.profile.rolesAndRights(try await world.caller(login.sessionToken))
        let resolver = try await AccessResolver.load(from: world.store)
        #expect(!rights.isEmpty)
        for right in rights {
            for account in right.accounts {
                #expect(account.level == resolver.level(logon: "L-secondary", account: account.account))
            }
        }
        #expect(rights.flatMap(\.accounts).map(\.level) == [.fileAndPay, .fileAndPay])
    }
}
