import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Every refusal says what kind of failure it is, so a service can answer it safely (Documentation/Errors.md), and no
/// error carries a username, an email, an ID number or a secret.
@Suite("Errors: a category for every code, and nothing personal in any message")
struct ErrorCategoryTests {
    /// What each code must be, as Documentation/Errors.md tabulates it.
    static let expected: [(AccessError.Code, ErrorCategory)] = [
        (.invalidInput, .invalidRequest), (.passwordReused, .invalidRequest), (.termsNotAccepted, .invalidRequest),
        (.usernameTaken, .invalidRequest), (.emailTaken, .invalidRequest), (.proofFailed, .denied),
        (.tooManyAttempts, .denied), (.invalidCredentials, .denied), (.lockedOut, .denied), (.invalidCode, .denied),
        (.tooManyResends, .denied), (.sessionExpired, .denied), (.stepRequired, .denied), (.invalidLink, .denied),
        (.notAuthorized, .denied), (.notFound, .denied), (.taxpayerNotMatched, .denied), (.notEligible, .denied),
        (.conflict, .conflict), (.misconfigured, .portalFault),
    ]

    @Test("every refusal code has its category", arguments: AccessError.Code.all)
    func category(_ code: AccessError.Code) throws {
        let row = try #require(Self.expected.first { $0.0 == code }, "\(code) is not in the table of Errors.md")
        #expect(code.category == row.1)
        let error = AccessError(code, "A message.")
        #expect(error.category == row.1)
        #expect((error.safeMessage == nil) == (row.1 == .portalFault))
    }

    @Test("the table lists every code once")
    func tableIsComplete() {
        #expect(Self.expected.count == AccessError.Code.all.count)
        #expect(Set(Self.expected.map(\.0.description)) == Set(AccessError.Code.all.map(\.description)))
    }

    @Test("store and key failures are conflicts or the portal's fault, never shown")
    func storeAndKeyErrors() {
        #expect(StoreError(.versionConflict, message: "").category == .conflict)
        #expect(StoreError(.uniqueKeyTaken, subject: "username", message: "").category == .conflict)
        for code in [StoreError.Code.unavailable, .corrupt, .schemaTooNew] {
            #expect(StoreError(code, message: "x").category == .portalFault)
            #expect(StoreError(code, message: "x").safeMessage == nil)
        }
        #expect(SealingKeyError(.keyMissing, keyIDs: ["k"], "x").category == .portalFault)
    }

    /// Fixture values no error may repeat.
    static let personal = [
        "pat.client", "PAT.CLIENT", "pat@client.example", "123456789", "123-45-6789", "6789", "Secret123",
        "Wrong1234", "mr. whiskers", "0417", "sam.spouse", "sam@client.example",
    ]

    @Test("no refusal of the identity flows repeats a username, an email, an ID number or a secret")
    func noPersonalDataInRefusals() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let token = try await world.loginWithCode().0
        var refusals: [AccessError] = []
        func collect(_ body: () async throws -> Void) async {
            do { try await body() } catch let error as AccessError { refusals.append(error) } catch {
                Issue.record("not a refusal: \(error)")
            }
        }
        await collect { _ = try await world.registration.submit(world.application()) }  // username taken, after proof
        await collect { _ = try await world.registration.submit(world.application(username: "pat client")) }
        await collect {
            _ = try await world.registration.submit(world.application(username: "sam.spouse", email: "not-an-email"))
        }
        await collect {
            _ = try await world.registration.submit(
                world.application(username: "sam.spouse", email: "pat@client.example"))
        }
        await collect { _ = try await world.registration.submit(world.application(proof: .amountDue(1))) }
        await collect { _ = try await world.auth.login(username: "pat.client", password: "Wrong1234") }
        await collect { _ = try await world.auth.login(username: "sam.spouse", password: "Secret123") }
        await collect {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: "Wrong1234", newPassword: "Secret123",
                confirmation: "Secret123")
        }
        await collect {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: "Secret123", newPassword: "pat.client",
                confirmation: "pat.client")
        }
        await collect {
            try await world.profile.changePassword(
                try await world.caller(token), currentPassword: "Secret123", newPassword: "Secret123",
                confirmation: "Secret123")
        }
        await collect {
            try await world.profile.changeEmail(
                try await world.caller(token), currentPassword: "Secret123", newEmail: "pat@client.example",
                confirmation: "sam@client.example")
        }
        await collect {
            try await world.recovery.resetPassword(
                token: "forged", securityAnswer: "mr. whiskers", newPassword: "Secret123", confirmation: "Secret123")
        }
        await collect { _ = try await world.recovery.forgotUsername(email: "pat.client") }
        await collect { _ = try await world.caller("forged-session-token") }
        #expect(refusals.count == 14, "every attempt above is refused")
        for refusal in refusals {
            #expect(refusal.category != .portalFault, "\(refusal.code) is the user's, not the portal's")
            for value in Self.personal {
                #expect(
                    !refusal.message.localizedCaseInsensitiveContains(value)
                        && !(refusal.field ?? "").localizedCaseInsensitiveContains(value),
                    "\(refusal.code) repeats \"\(value)\": \(refusal.message)")
            }
        }
    }

    @Test("a taken username or email is a conflict whose subject names the key, never its value")
    func uniqueKeySubjectsHoldNoValues() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        var changes = ChangeSet()
        changes.insert(
            .logon(Logon(id: "L9", username: "PAT.client", email: "other@client.example", fullName: "Other")))
        let error = await #expect(throws: StoreError.self) { try await world.store.commit(changes) }
        #expect(error?.uniqueKeyName == .username)
        for value in Self.personal {
            #expect(error.map { !$0.subject.contains(value) && !$0.message.contains(value) } ?? false, "\(value)")
        }
    }
}
