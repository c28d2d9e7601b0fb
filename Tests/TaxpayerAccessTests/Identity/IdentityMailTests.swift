import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Identity: mail")
struct IdentityMailTests {
    /// Runs every identity flow that sends mail.
    static func everyFlow(_ world: IdentityWorld) async throws {
        // Registration: MA and TA (R10, R11), agency rejection.
        try await world.registerAndActivate()
        let spouse = try await world.registerAndActivate(
            username: "sam.spouse", email: "sam@client.example", accountType: .salesAndUse, proof: .amountDue(77_01),
            fullName: "Sam Spouse")
        #expect(try await world.store.eMessages(of: spouse.id).first?.value.body.contains("Pat Q Client") == true)
        // Two-step set-up and login codes, trusted device (A4, A6).
        let token = try await world.setUpEmailCodes(username: "pat.client", email: "pat@client.example")
        _ = try await world.loginWithCode(trust: true)
        // Lockout (A2).
        try await world.registerAndActivate(
            username: "acme.owner", email: "owner@acme.example", taxID: IdentityWorld.acmeFEIN,
            accountType: .withholding, proof: .amountDue(980_00), fullName: "Acme Owner")
        _ = try await world.setUpEmailCodes(username: "acme.owner", email: "owner@acme.example")
        for _ in 1...5 { try await AuthenticationTests.wrongPassword(world, username: "acme.owner") }
        // Agency email change (V3), recovery (V1, V2).
        try await world.recovery.changeEmailOfLockedOutLogon(
            username: "acme.owner", newEmail: "owner2@acme.example", by: "clerk")
        try await world.recovery.forgotUsername(email: "pat@client.example")
        try await world.recovery.forgotPassword(username: "acme.owner")
        try await world.recovery.resetPassword(
            token: try await world.lastLinkToken(to: "owner2@acme.example"),
            securityAnswer: "mr. whiskers", newPassword: "Better456", confirmation: "Better456")
        // Profile (P1, P2).
        try await world.profile.changePIN(
            try await world.caller(token), currentPassword: IdentityWorld.password, newPIN: "1111", confirmation: "1111"
        )
        try await world.profile.changePassword(
            try await world.caller(token), currentPassword: IdentityWorld.password, newPassword: "Better456",
            confirmation: "Better456")
        _ = try await world.profile.addTwoStepMethod(
            try await world.caller(token), currentPassword: "Better456", .text(countryCode: "1", number: "6175551111"))
        try await world.profile.confirmTwoStepMethod(
            try await world.caller(token),
            code: try await world.lastTextCode())
        try await world.profile.changeEmail(
            try await world.caller(token), currentPassword: "Better456", newEmail: "pat@new.example",
            confirmation: "pat@new.example")
        try await world.profile.deleteProfile(try await world.caller(token), currentPassword: "Better456")
        var review = Policy.massTaxConnect.forTesting
        review.automaticApproval = false
        let agency = IdentityWorld(policy: review, seed: 99)
        let receipt = try await agency.registration.submit(agency.application())
        try await agency.registration.reject(registration: receipt.registration, by: "clerk")
        for mail in try await agency.mails() {
            var changes = ChangeSet()
            changes.send(
                OutboxMail(
                    id: world.context.newID("M"), to: mail.to, subject: mail.subject, body: mail.body,
                    sealedWith: world.context.sealingBox(), random: world.context.random,
                    createdAt: world.clock.now()))
            try await world.store.commit(changes)
        }
    }

    // A7 N1 N2: the secrets an email may carry — a security code, an activation or reset link — sit in the outbox
    // only sealed: neither a stored record nor the change feed holds them in the clear; a delivered mail's body is
    // dropped.
    @Test func outboxKeepsNoSecretInTheClear() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let activation = try await world.lastLinkToken(to: "pat@client.example")
        _ = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let code = try await world.lastCode(to: "pat@client.example")
        _ = try await world.recovery.forgotPassword(username: "pat.client")
        let reset = try await world.lastLinkToken(to: "pat@client.example")
        #expect(reset != activation)
        let encoder = JSONEncoder()
        let feed = String(
            decoding: try encoder.encode(try await world.store.changes(after: 0, limit: 100_000)), as: UTF8.self)
        let records = String(decoding: try encoder.encode(try await world.store.records(ofKind: .mail)), as: UTF8.self)
        for stored in [feed, records] {
            #expect(!stored.contains(activation) && !stored.contains(reset), "a link token is stored in the clear")
            #expect(!stored.contains("Your security code is \(code)"), "a security code is stored in the clear")
            #expect(!stored.contains("token="), "a link is stored in the clear")
        }
        // Delivered: the sealed body is dropped too.
        let delivery = OutboxDelivery(
            store: world.store, mailer: RecordingMailer(), clock: world.clock,
            random: world.context.random, box: world.context.sealingBox())
        _ = await delivery.deliverPending()
        for mail in try await world.store.records(ofKind: .mail).compactMap({ $0.mail?.value }) {
            #expect(mail.status == .sent && mail.sealedBody.isEmpty)
        }
    }

    // N1: no email carries an ID number (whole or last four), an amount, or anyone's name.
    @Test func noEmailCarriesPersonalOrTransactionInformation() async throws {
        let world = IdentityWorld()
        try await Self.everyFlow(world)
        let mails = try await world.mails()
        let subjects = Set(mails.map(\.subject))
        for expected in [
            "We received your request for a logon", "Your logon is approved", "Your request for a logon",
            "Your security code", "A device was trusted", "Your logon is locked", "Your email address was changed",
            "Your username", "Reset your password", "Your password was changed", "Your profile was changed",
            "Your two-step verification changed", "Your profile was deleted",
        ] {
            #expect(subjects.contains(expected), "flow not exercised: \(expected)")
        }
        let forbidden = [
            "123456789", "041234567", "123-45-6789", "04-1234567", "6789", "4567",
            "Pat Q Client", "Acme Payroll", "Sam Spouse", "Acme Owner", "Client", "Spouse", "$",
        ]
        for mail in mails {
            // The secrets N1 allows (links, codes, confirmation numbers) may hold any digits: take them out first.
            let text = (mail.subject + "\n" + mail.body)
                .replacing(/token=[A-Za-z0-9_-]+/, with: "token=…")
                .replacing(/\d-\d{3}-\d{3}-\d{3}/, with: "d-ddd-ddd-ddd")
                .replacing(/\b\d{6}\b/, with: "dddddd")
            for word in forbidden { #expect(!text.contains(word), "\(mail.subject) contains \(word)") }
            #expect(text.firstMatch(of: /\d+\.\d\d/) == nil, "\(mail.subject) contains an amount")
        }
    }

    // N2: an email is written in the same commit as the change that causes it; a refused change sends nothing.
    @Test func mailIsCommittedWithItsChange() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        try await world.profile.changePassword(
            try await world.caller(token), currentPassword: IdentityWorld.password, newPassword: "Better456",
            confirmation: "Better456"
        )
        let feed = try await world.store.changes(after: 0, limit: 10_000)
        func kinds(_ change: Change) -> Set<RecordKind> { Set(change.written.map(\.value.key.kind)) }
        let receipt = try #require(
            feed.first {
                $0.written.contains {
                    if case .mail(let m) = $0.value { m.subject.contains("received") } else { false }
                }
            })
        #expect(kinds(receipt).isSuperset(of: [.logon, .registration, .mail]))
        let code = try #require(
            feed.first {
                $0.written.contains {
                    if case .mail(let m) = $0.value { m.subject == "Your security code" } else { false }
                }
            })
        #expect(kinds(code).contains(.verificationCode))
        let changed = try #require(
            feed.last {
                $0.written.contains {
                    if case .mail(let m) = $0.value { m.subject == "Your password was changed" } else { false }
                }
            })
        #expect(kinds(changed).contains(.logon))

        let before = try await world.mails().count
        await #expect(throws: AccessError.self) {
            try await world.registration.submit(world.application(username: "someone", email: "PAT@client.example"))
        }
        #expect(try await world.mails().count == before, "a refused change sends no mail")
    }
}
