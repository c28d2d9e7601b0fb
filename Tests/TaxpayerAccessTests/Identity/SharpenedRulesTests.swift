import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

/// What RULES asks of the identity flows beyond the attack review: A3's own address for the email method, R8's
/// refusal at submission, R11's preview, V1's reset link in the username email, A1's decoy hash, and texts sent from
/// the outbox (N2).
@Suite("Identity: A1, A3, R8, R11, V1, N2 as sharpened")
struct SharpenedRulesTests {
    static let email = "pat@client.example"

    @Test("A3: the email method names its own address, proven by a code sent there before it counts")
    func emailMethodHasItsOwnAddress() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let setup = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let challenge = try await world.auth.beginTwoStepSetup(
            try await world.caller(setup.sessionToken), .otherEmail("codes@elsewhere.example"))
        #expect(challenge.codeSentTo == Masking.email("codes@elsewhere.example"))
        #expect(try await world.mails(to: Self.email).allSatisfy { $0.subject != "Your security code" })
        // Not yet a method: the code to the named address proves it.
        #expect(try await world.logon("pat.client").twoStep.methods.isEmpty)
        try await world.auth.completeTwoStepSetup(
            try await world.caller(setup.sessionToken), code: try await world.lastCode(to: "codes@elsewhere.example"))
        #expect(
            try await world.logon("pat.client").twoStep.methods == [.email(address: "codes@elsewhere.example")])
        // Login codes go to that address, not to the profile email.
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.codeSentTo == Masking.email("codes@elsewhere.example"))
        try await world.auth.verifyCode(
            try await world.caller(login.sessionToken), code: try await world.lastCode(to: "codes@elsewhere.example"))
        // A bad address is refused with its field.
        let refusal = await #expect(throws: AccessError.self) {
            try await world.profile.addTwoStepMethod(
                try await world.caller(login.sessionToken), currentPassword: IdentityWorld.password,
                .otherEmail("not-an-email"))
        }
        #expect(refusal?.field == "email")
    }

    @Test("R8, X1: an ITIN applicant asking for client management is refused at submission, nothing created")
    func itinClientManagementRefusedAtSubmission() async throws {
        let world = IdentityWorld()
        let itin = TaxIdentifier(type: .itin, number: "912701234")
        let refusal = await #expect(throws: AccessError.self) {
            try await world.registration.submit(world.application(taxID: itin, clientManagement: true))
        }
        #expect(refusal?.code == .invalidInput && refusal?.field == "clientManagement")
        #expect(try await world.store.records(ofKind: .logon).isEmpty)
        #expect(try await world.store.records(ofKind: .proofAttempts).isEmpty)
    }

    @Test("R11: after the proof and before submitting, the applicant learns it will be MA, or TA when one exists")
    func previewBeforeSubmitting() async throws {
        let world = IdentityWorld()
        let first = try await world.registration.preview(world.application())
        #expect(first.role == .masterAdministrator)
        #expect(try await world.store.records(ofKind: .logon).isEmpty)  // a preview creates nothing
        try await world.registerAndActivate()
        let second = try await world.registration.preview(
            world.application(accountType: .salesAndUse, proof: .amountDue(77_01), username: "sam.spouse"))
        #expect(second.role == .taxAdministrator && second.accountType == .salesAndUse)
        #expect(second.message.hasPrefix("A Master Administrator exists for your company"))
        // A failed proof in a preview is refused as at submission, and counted (R3).
        await #expect(throws: AccessError(.proofFailed, "")) {
            try await world.registration.preview(world.application(proof: .amountDue(1)))
        }
        #expect(try await world.store.proofAttempts(for: IdentityWorld.patSSN)?.value.failures.count == 1)
    }

    @Test("V1: the username email carries a link straight to creating a new password, which works")
    func usernameEmailLeadsToANewPassword() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        try await world.recovery.forgotUsername(email: "PAT@client.example")
        let mail = try #require(try await world.mails(to: Self.email).last)
        #expect(mail.subject == "Your username" && mail.body.contains("pat.client"))
        let token = try await world.lastLinkToken(to: Self.email)
        try await world.recovery.resetPassword(
            token: token, securityAnswer: "mr. whiskers", newPassword: "Better456", confirmation: "Better456")
        _ = try await world.auth.login(username: "pat.client", password: "Better456")
    }

    @Test("A1: the hasher's decoy has the hasher's own cost and matches nothing")
    func decoyHash() async throws {
        for cost in [Policy.HashingCost.minimum, .owasp] {
            let hasher = Argon2idHasher(cost: cost)
            #expect(!hasher.needsRehash(hasher.decoyHash), "the decoy is made with the hasher's parameters")
            #expect(await !hasher.verify("", against: hasher.decoyHash))
            #expect(await !hasher.verify("Secret123", against: hasher.decoyHash))
        }
    }

    @Test("A3, N2: a text code waits in the outbox, sealed, until the worker sends it with its idempotency key")
    func textCodesGoThroughTheOutbox() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let setup = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        _ = try await world.auth.beginTwoStepSetup(
            try await world.caller(setup.sessionToken), .text(countryCode: "1", number: "617-555-1111"))
        #expect(world.texts.messages.isEmpty)  // nothing sent at the commit
        let pending = try await world.store.pendingTexts()
        #expect(pending.count == 1)
        let code = try await world.lastTextCode()
        #expect(!pending[0].value.sealedBody.isEmpty)
        #expect(!String(decoding: pending[0].value.sealedBody, as: UTF8.self).contains(code))  // A7: sealed
        let delivery = OutboxDelivery(
            store: world.store, mailer: RecordingMailer(), texts: world.texts, clock: world.clock,
            random: SeededRandom(seed: 3), box: world.context.sealingBox())
        let report = await delivery.deliverPending()
        #expect(report.sent >= 1 && report.remaining == 0)
        let sent = try #require(world.texts.messages.last)
        #expect(sent.text.contains(code) && sent.idempotencyKey == pending[0].value.idempotencyKey)
        #expect(try await world.store.pendingTexts().isEmpty)
        let stored = try #require(try await world.store.record(RecordKey(.text, pending[0].value.id.rawValue))?.text)
        #expect(stored.value.status == .sent && stored.value.sealedBody.isEmpty)
    }
}
