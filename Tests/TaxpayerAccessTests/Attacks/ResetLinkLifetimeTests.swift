import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 2: a reset link outlives a password change, and one sent to the old address outlives an email change.
///
/// RULES V2: a reset link dies as soon as anything it would bypass changes — a newer link is asked for, the password
/// is changed or reset, or the email changes (P1, and the agency's change of V3).
@Suite("Attack 2: reset links outliving what they bypass (V2, P1)")
struct ResetLinkLifetimeTests {
    static let email = "pat@client.example"
    static let securityAnswer = "mr. whiskers"

    /// A reset link asked for while the person could still sign in, and the signed-in session.
    static func linkThenSession() async throws -> (IdentityWorld, link: String, session: String) {
        let world = IdentityWorld()
        let session = try await world.signedInWithEmailCodes()
        try await world.recovery.forgotPassword(username: "pat.client")
        return (world, try await world.lastLinkToken(to: email), session)
    }

    static func reset(_ world: IdentityWorld, _ link: String, to password: String = "Later789x") async -> String {
        await answer {
            try await world.recovery.resetPassword(
                token: link, securityAnswer: securityAnswer, newPassword: password, confirmation: password)
        }
    }

    static let deadLink = "refused: \(LinkRules.invalidLink.description)"

    @Test("Finding 2, V2 P1: a password change kills the reset links asked for before it")
    func passwordChangeKillsResetLinks() async throws {
        let (world, link, session) = try await Self.linkThenSession()
        try await world.profile.changePassword(
            try await world.caller(session), currentPassword: IdentityWorld.password, newPassword: "Better456",
            confirmation: "Better456")
        let after = await Self.reset(world, link)
        #expect(after == Self.deadLink, "V2: a reset link asked for before the password change still works: \(after)")
        let login = await answer { try await world.auth.login(username: "pat.client", password: "Better456") }
        #expect(login.hasPrefix("accepted"), "the password changed in the profile no longer works: \(login)")
    }

    @Test("Finding 2, V2 P1: an email change kills the reset links sent to the old address")
    func emailChangeKillsResetLinks() async throws {
        let (world, link, session) = try await Self.linkThenSession()
        try await world.profile.changeEmail(
            try await world.caller(session), currentPassword: IdentityWorld.password, newEmail: "pat@new.example",
            confirmation: "pat@new.example")
        let after = await Self.reset(world, link)
        #expect(after == Self.deadLink, "V2: a reset link sent to the old address still works: \(after)")
        let login = await answer {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(login.hasPrefix("accepted"), "the old address's link replaced the password: \(login)")
    }

    @Test("Finding 2, V2 V3: the agency's email change of a locked-out logon kills the links sent to the lost address")
    func agencyEmailChangeKillsResetLinks() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        for _ in 1...world.context.policy.lockoutThreshold {
            let refused = await answer { try await world.auth.login(username: "pat.client", password: "Wrong1234") }
            #expect(refused.hasPrefix("refused: invalidCredentials"), "\(refused)")
        }
        // A link to the address the person lost (someone else may read it now).
        try await world.recovery.forgotPassword(username: "pat.client")
        let link = try await world.lastLinkToken(to: Self.email)
        try await world.recovery.changeEmailOfLockedOutLogon(
            username: "pat.client", newEmail: "pat@new.example", by: "clerk 7")
        let after = await Self.reset(world, link)
        #expect(after == Self.deadLink, "V2: a reset link sent to the lost address still works: \(after)")
    }

    // Control (passes on main too): a newer link kills the older one, and a reset kills the link it used.
    @Test("Finding 2 control, V2: a newer link kills the older one; a used link is dead")
    func newerLinkKillsOlder() async throws {
        let (world, first, _) = try await Self.linkThenSession()
        try await world.recovery.forgotPassword(username: "pat.client")
        let second = try await world.lastLinkToken(to: Self.email)
        #expect(first != second)
        #expect(await Self.reset(world, first) == Self.deadLink)
        #expect(await Self.reset(world, second) == "accepted: ()")
        #expect(await Self.reset(world, second, to: "Other789x") == Self.deadLink)
    }
}
