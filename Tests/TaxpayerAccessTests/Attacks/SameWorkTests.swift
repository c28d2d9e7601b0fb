import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Findings 4, 5 and 7: requests that must not tell a known name from an unknown one did different work — a commit
/// (an fsync on SQLite: 2.08 ms against 0.19 ms), mail and audit for the known one, nothing for the unknown one.
///
/// Each test observes the paired requests through a ``CountingAccessStore`` and a ``CountingSecretHasher`` and
/// expects the same ``Observation``: the same answer, the same store work (reads by kind, commits and their shapes:
/// writes by record kind, audit events, mail) and the same number of slow hashes.
@Suite("Attacks 4, 5, 7: same answer, same work (V1, V2, A1, R5)")
struct SameWorkTests {
    static let email = "pat@client.example"

    // MARK: Finding 4 (V1, V2)

    @Test("Finding 4, V1: forgot username does the same work for a known and an unknown email")
    func forgotUsernameSameWork() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let counted = CountedWorld(world)
        let known = await counted.observe { try await counted.recovery.forgotUsername(email: Self.email) }
        let knownOtherCase = await counted.observe {
            try await counted.recovery.forgotUsername(email: "PAT@Client.example")
        }
        let unknown = await counted.observe {
            try await counted.recovery.forgotUsername(email: "nobody@client.example")
        }
        #expect(known.answer == "accepted: \(RecoveryRules.requestAccepted)")
        expectSameWork(
            [("known email", known), ("known email, other case", knownOtherCase), ("unknown email", unknown)], "V1")
    }

    @Test("Finding 4, V2: forgot password does the same work for a known and an unknown username")
    func forgotPasswordSameWork() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let counted = CountedWorld(world)
        let known = await counted.observe { try await counted.recovery.forgotPassword(username: "pat.client") }
        let unknown = await counted.observe { try await counted.recovery.forgotPassword(username: "no.such.user") }
        #expect(known.answer == "accepted: \(RecoveryRules.requestAccepted)")
        expectSameWork([("known username", known), ("unknown username", unknown)], "V2")
    }

    @Test("Finding 4, V2: asking again does the same work for a known and an unknown username (the older link dies)")
    func forgotPasswordAgainSameWork() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let counted = CountedWorld(world)
        _ = await counted.observe { try await counted.recovery.forgotPassword(username: "pat.client") }
        _ = await counted.observe { try await counted.recovery.forgotPassword(username: "no.such.user") }
        let knownAgain = await counted.observe { try await counted.recovery.forgotPassword(username: "pat.client") }
        let unknownAgain = await counted.observe {
            try await counted.recovery.forgotPassword(username: "no.such.user")
        }
        expectSameWork([("known username, again", knownAgain), ("unknown username, again", unknownAgain)], "V2")
    }

    // MARK: Finding 5 (A1)

    @Test("Finding 5, A1: login does the same work for a wrong password, an unknown username and a locked username")
    func loginSameWork() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let counted = CountedWorld(world)
        let wrong = await counted.observe {
            try await counted.auth.login(username: "pat.client", password: "Wrong1234")
        }
        let unknown = await counted.observe {
            try await counted.auth.login(username: "nobody.here", password: "Wrong1234")
        }
        // Lock the logon (the try that locks mails its owner: not one of the compared ones), then guess again.
        for _ in 2...world.context.policy.lockoutThreshold {
            let refused = await answer { try await world.auth.login(username: "pat.client", password: "Wrong1234") }
            #expect(refused.hasPrefix("refused: invalidCredentials"), "\(refused)")
        }
        #expect(try await world.isLocked("pat.client"))
        let locked = await counted.observe {
            try await counted.auth.login(username: "pat.client", password: "Wrong1234")
        }
        let lockedRight = await counted.observe {
            try await counted.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(wrong.answer == "refused: \(LoginRules.invalidCredentials.description)")
        expectSameWork(
            [
                ("wrong password", wrong), ("unknown username", unknown), ("locked username", locked),
                ("locked username, right password", lockedRight),
            ], "A1")
    }

    // MARK: Finding 7 (R5, A1)

    /// An application for Acme Payroll (T2) whose proof fails, with the given username.
    static func unproven(_ world: IdentityWorld, username: String) -> RegistrationService.Application {
        world.application(
            taxID: IdentityWorld.acmeFEIN, accountType: .withholding, proof: .amountDue(1_00), username: username,
            email: "owner@acme.example", fullName: "Ann Owner")
    }

    @Test(
        "Finding 7, R5 A1: an unproven application gets the same answer and does the same work for a taken and a free username"
    )
    func registrationDoesNotTellTakenUsernames() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()  // pat.client is taken
        let counted = CountedWorld(world)
        let taken = await counted.observe {
            try await counted.registration.submit(Self.unproven(world, username: "pat.client"))
        }
        let takenOtherCase = await counted.observe {
            try await counted.registration.submit(Self.unproven(world, username: "PAT.Client"))
        }
        let free = await counted.observe {
            try await counted.registration.submit(Self.unproven(world, username: "ann.owner"))
        }
        #expect(free.answer == "refused: \(RegistrationRules.proofFailed.description)")
        expectSameWork(
            [("taken username", taken), ("taken username, other case", takenOtherCase), ("free username", free)], "R5")
    }

    @Test(
        "Finding 7, R5 R3: probing usernames with unproven applications uses up the failed proofs like any failed proof"
    )
    func usernameProbesAreLimited() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let policy = world.context.policy
        for _ in 0..<policy.maxFailedProofs {
            let probe = await answer {
                try await world.registration.submit(Self.unproven(world, username: "pat.client"))
            }
            #expect(probe.hasPrefix("refused"), "\(probe)")
        }
        let next = await answer { try await world.registration.submit(Self.unproven(world, username: "ann.owner")) }
        #expect(
            next == "refused: \(RegistrationRules.tooManyAttempts.description)",
            "R3: \(policy.maxFailedProofs) username probes did not use up the ID's failed proofs: \(next)")
    }

    // Control (passes on main too): a proven applicant is told the username is taken (R5).
    @Test("Finding 7 control, R5: a proven applicant learns that the username is taken")
    func provenApplicantLearnsUsernameTaken() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        var application = Self.unproven(world, username: "pat.client")
        application.proof = .amountDue(980_00)
        let taken = await answer { try await world.registration.submit(application) }
        #expect(taken.hasPrefix("refused: usernameTaken"), "got \(taken)")
    }
}
