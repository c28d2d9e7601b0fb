import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Identity: recovery")
struct RecoveryTests {
    static let email = "pat@client.example"

    // V1: the username goes to the email on file; the answer is the same for an unknown email.
    @Test func forgotUsername() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let known = try await world.recovery.forgotUsername(email: "PAT@client.example")
        let unknown = try await world.recovery.forgotUsername(email: "nobody@client.example")
        #expect(known == unknown)
        let mail = try #require(try await world.mails(to: Self.email).last)
        #expect(mail.subject == "Your username" && mail.body.contains("pat.client"))
        #expect(try await world.mails(to: "nobody@client.example").isEmpty)
        await #expect(throws: AccessError(.invalidInput, "")) { try await world.recovery.forgotUsername(email: "") }
    }

    // V2: a single-use 30-minute link, the security question, a new password by the policy and not used before;
    // A2: the reset unlocks; V2: the next login still asks for a code; A7: every session ends.
    @Test func forgotPassword() async throws {
        let world = IdentityWorld()
        let session = try await world.signedInWithEmailCodes()
        for _ in 1...5 { try await AuthenticationTests.wrongPassword(world) }
        #expect(try await world.isLocked("pat.client"))

        let known = try await world.recovery.forgotPassword(username: "pat.client")
        let unknown = try await world.recovery.forgotPassword(username: "no.such.user")
        #expect(known == unknown)
        let token = try await world.lastLinkToken(to: Self.email)
        #expect(try await world.recovery.securityQuestion(forResetToken: token) == .firstPet)

        // Bad input is refused specifically and leaves the link usable.
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "   ", newPassword: "Better456", confirmation: "Better456")
        }
        let weak = await #expect(throws: AccessError.self) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "mr. whiskers", newPassword: "weak", confirmation: "weak")
        }
        #expect(weak?.field == "password")
        let mismatch = await #expect(throws: AccessError.self) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "mr. whiskers", newPassword: "Better456", confirmation: "Better457")
        }
        #expect(mismatch?.field == "password")
        await #expect(throws: AccessError(.passwordReused, "")) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "mr. whiskers", newPassword: IdentityWorld.password,
                confirmation: IdentityWorld.password)
        }

        try await world.recovery.resetPassword(
            token: token, securityAnswer: "  MR. Whiskers", newPassword: "Better456", confirmation: "Better456")
        #expect(try await world.audit(.passwordReset).count == 1)  // U1
        #expect(try await world.audit(.unlocked).count == 1)
        await #expect(throws: AccessError(.invalidLink, "")) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "mr. whiskers", newPassword: "Other789x", confirmation: "Other789x")
        }
        await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(session) }  // A7
        let lock = try await world.lock("pat.client")
        #expect(lock.lockedUntil == nil && lock.failures == 0)
        let login = try await world.auth.login(username: "pat.client", password: "Better456")
        #expect(login.stage == .awaitingCode)  // V2: never skips two-step verification
        try await world.auth.verifyCode(
            try await world.caller(login.sessionToken), code: try await world.lastCode(to: Self.email))
    }

    // V2: the link expires after 30 minutes; a newer link replaces an older one.
    @Test func resetLinkExpiresAndIsReplaced() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        try await world.recovery.forgotPassword(username: "pat.client")
        let first = try await world.lastLinkToken(to: Self.email)
        try await world.recovery.forgotPassword(username: "pat.client")
        let second = try await world.lastLinkToken(to: Self.email)
        await #expect(throws: AccessError(.invalidLink, "")) {
            try await world.recovery.securityQuestion(forResetToken: first)
        }
        world.clock.advance(by: .seconds(30 * 60))
        await #expect(throws: AccessError(.invalidLink, "")) {
            try await world.recovery.securityQuestion(forResetToken: second)
        }
    }

    // V2 R7: a wrong security answer uses the link up.
    @Test func wrongSecurityAnswerSpendsTheLink() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        try await world.recovery.forgotPassword(username: "pat.client")
        let token = try await world.lastLinkToken(to: Self.email)
        let error = await #expect(throws: AccessError.self) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "rex", newPassword: "Better456", confirmation: "Better456")
        }
        #expect(error?.field == "securityAnswer")
        await #expect(throws: AccessError(.invalidLink, "")) {
            try await world.recovery.resetPassword(
                token: token, securityAnswer: "mr. whiskers", newPassword: "Better456", confirmation: "Better456")
        }
    }

    // V2: the new password differs from every one of the last 24.
    @Test func lastPasswordsCannotBeReused() async throws {
        let world = IdentityWorld()
        var token = try await world.signedInWithEmailCodes()
        var current = IdentityWorld.password
        for n in 1...3 {
            let next = "Newpass\(n)x"
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: current, newPassword: next, confirmation: next)
            current = next
        }
        token = try await world.loginWithCode(password: current).0
        _ = token
        try await world.recovery.forgotPassword(username: "pat.client")
        let link = try await world.lastLinkToken(to: Self.email)
        for earlier in [IdentityWorld.password, "Newpass1x", "Newpass2x", "Newpass3x"] {
            await #expect(throws: AccessError(.passwordReused, "")) {
                try await world.recovery.resetPassword(
                    token: link, securityAnswer: "Mr. Whiskers", newPassword: earlier, confirmation: earlier)
            }
        }
        #expect(try await world.logon("pat.client").credentials.passwordHistory.count == 3)
    }

    // V2: the NIST preset asks no security question.
    @Test func nistPresetAsksNoQuestion() async throws {
        let world = IdentityWorld(policy: Policy.nist80063b.forTesting)
        var application = world.application(password: "long enough passphrase")
        application.securityQuestion = nil
        _ = try await world.registration.submit(application)
        try await world.registration.activate(token: try await world.lastLinkToken(to: Self.email))
        try await world.recovery.forgotPassword(username: "pat.client")
        let token = try await world.lastLinkToken(to: Self.email)
        #expect(try await world.recovery.securityQuestion(forResetToken: token) == nil)
        try await world.recovery.resetPassword(
            token: token, securityAnswer: nil, newPassword: "another long passphrase",
            confirmation: "another long passphrase")
    }

    // V3: only a locked-out logon's email is changed by the agency, recorded with the operator as actor.
    @Test func agencyChangesTheEmailOfALockedOutLogon() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.conflict, "")) {
            try await world.recovery.changeEmailOfLockedOutLogon(
                username: "pat.client", newEmail: "pat@new.example", by: "clerk 9")
        }
        for _ in 1...5 { try await AuthenticationTests.wrongPassword(world) }
        await #expect(throws: AccessError(.invalidInput, "")) {
            try await world.recovery.changeEmailOfLockedOutLogon(
                username: "pat.client", newEmail: "not an email", by: "clerk 9")
        }
        await #expect(throws: AccessError(.notFound, "")) {
            try await world.recovery.changeEmailOfLockedOutLogon(
                username: "who", newEmail: "pat@new.example", by: "clerk 9")
        }
        try await world.recovery.changeEmailOfLockedOutLogon(
            username: "pat.client", newEmail: "pat@new.example", by: "clerk 9")
        #expect(try await world.logon("pat.client").email == "pat@new.example")
        let events = try await world.audit(.emailChangedByAgency)
        #expect(events.map(\.actor) == [.agency(operator: "clerk 9")])
        #expect(try await world.mails(to: "pat@new.example").count == 1)
        // The reset link now goes to the new address.
        try await world.recovery.forgotPassword(username: "pat.client")
        #expect(try await world.mails(to: "pat@new.example").count == 2)
    }
}
