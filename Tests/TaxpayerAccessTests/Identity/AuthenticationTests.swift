import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory

@Suite("Identity: logging in")
struct AuthenticationTests {
    static let email = "pat@client.example"

    // A1: an unknown username and a wrong password cost exactly one slow hash each and get the same answer.
    @Test func unknownUsernameCostsOneHashLikeAWrongPassword() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        world.hasher.reset()
        let unknown = await #expect(throws: AccessError.self) {
            try await world.auth.login(username: "nobody.here", password: "Secret123")
        }
        #expect(world.hasher.calls == 1)
        world.hasher.reset()
        let wrong = await #expect(throws: AccessError.self) {
            try await world.auth.login(username: "pat.client", password: "Secret124")
        }
        #expect(world.hasher.calls == 1)
        #expect(unknown?.code == .invalidCredentials && wrong?.code == .invalidCredentials)
        #expect(unknown?.message == wrong?.message)
        #expect(try await world.audit(.loginFailed).count == 2)  // U1
    }

    // A2: five consecutive failures lock the logon for 15 minutes, even against the right password; then it opens.
    // A1: while locked, every answer is the one an unknown username gets, so the lock tells a guesser nothing
    // (not that the username exists, nor that a guess during the lock was right); the owner is told by email.
    @Test func lockoutAndUnlock() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let unknown = await #expect(throws: AccessError.self) {
            try await world.auth.login(username: "nobody.here", password: "Wrong1234")
        }
        for _ in 1...5 {
            let error = await #expect(throws: AccessError.self) {
                try await world.auth.login(username: "pat.client", password: "Wrong1234")
            }
            #expect(error?.code == .invalidCredentials && error?.message == unknown?.message)
        }
        #expect(try await world.isLocked("pat.client"))
        let locked = await #expect(throws: AccessError.self) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        #expect(locked?.code == .invalidCredentials && locked?.message == unknown?.message)
        #expect(try await world.audit(.lockedOut).count == 1)  // U1
        #expect(try await world.mails(to: Self.email).contains { $0.subject == "Your logon is locked" })
        world.clock.advance(by: .seconds(15 * 60))
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.stage == .awaitingCode)
        #expect(try await world.lock("pat.client").failures == 0)
    }

    // A2: only a completed sign-in (password and code) clears the count, so only failures since the last one lock;
    // a correct password alone clears nothing.
    @Test func onlyFailuresSinceTheLastCompletedSignInLock() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        for _ in 1...4 { try await Self.wrongPassword(world) }
        _ = try await world.loginWithCode()
        #expect(try await world.lock("pat.client").failures == 0)
        for _ in 1...4 { try await Self.wrongPassword(world) }
        #expect(try await !world.isLocked("pat.client"))
        // A right password without its code leaves the four failures counted: the next wrong one locks.
        _ = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(try await world.lock("pat.client").failures == 4)
        try await Self.wrongPassword(world)
        #expect(try await world.isLocked("pat.client"))
    }

    /// One login with a wrong password, which must be refused as A1 says.
    static func wrongPassword(_ world: IdentityWorld, username: String = "pat.client") async throws {
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await world.auth.login(username: username, password: "Wrong1234")
        }
    }

    // A3 A4 A5: a code by email, masked destination, stored only hashed, works once.
    @Test func emailCodeLogin() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.stage == .awaitingCode && login.codeMethod == .email)
        #expect(login.codeSentTo == "p**@c*****.example")  // A5
        #expect(login.methods == [.init(kind: .email, destination: "p**@c*****.example")])
        let code = try await world.lastCode(to: Self.email)
        #expect(code.wholeMatch(of: /\d{6}/) != nil)
        let stored = try #require(
            try await world.store.verificationCode(of: world.logon("pat.client").id, purpose: .login)
        ).value
        #expect(stored.codeHash != code && !stored.codeHash.contains(code))
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.profile.rolesAndRights(try await world.caller(login.sessionToken))
        }
        try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        let actor = try await world.context.authenticate(login.sessionToken)
        #expect(actor.logon.username == "pat.client")
        #expect(try await world.audit(.codeSent).count >= 2)  // U1
        #expect(try await world.audit(.loginSucceeded).count == 2)
        // Works once: the session is signed in; a second use finds no code awaited.
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        }
    }

    // A4: a code expires after 10 minutes.
    @Test func codeExpires() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let code = try await world.lastCode(to: Self.email)
        world.clock.advance(by: .seconds(10 * 60))
        await #expect(throws: AccessError(.invalidCode, "")) {
            try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        }
    }

    // A4: five wrong tries kill the code (the right one no longer works) and end the session.
    @Test func fiveWrongTriesKillTheCode() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let code = try await world.lastCode(to: Self.email)
        let wrong = code == "000000" ? "111111" : "000000"
        for _ in 1...5 {
            await #expect(throws: AccessError(.invalidCode, "")) {
                try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: wrong)
            }
        }
        await #expect(throws: AccessError.self) {
            try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        }
        #expect(try await world.audit(.codeFailed).count == 5)  // U1
        await #expect(throws: AccessError(.sessionExpired, "")) {
            try await world.auth.sendCode(try await world.caller(login.sessionToken))
        }
    }

    // A4: a resend replaces the code (the old one stops working) and does not reset the failed count.
    @Test func resendReplacesTheCodeAndKeepsTheFailedCount() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let first = try await world.lastCode(to: Self.email)
        let wrong = first == "000000" ? "111111" : "000000"
        for _ in 1...3 {
            await #expect(throws: AccessError(.invalidCode, "")) {
                try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: wrong)
            }
        }
        let destination = try await world.auth.sendCode(try await world.caller(login.sessionToken))
        #expect(destination == "p**@c*****.example")
        let second = try await world.lastCode(to: Self.email)
        let logonID = try await world.logon("pat.client").id
        #expect(try await world.store.verificationCode(of: logonID, purpose: .login)?.value.failedAttempts == 3)
        if first != second {
            await #expect(throws: AccessError(.invalidCode, "")) {
                try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: first)
            }
        }
        try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: second)
    }

    // A4: resends are limited to 5 per hour.
    @Test func resendsAreLimited() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)  // send 1
        for _ in 2...5 { try await world.auth.sendCode(try await world.caller(login.sessionToken)) }
        await #expect(throws: AccessError(.tooManyResends, "")) {
            try await world.auth.sendCode(try await world.caller(login.sessionToken))
        }
        world.clock.advance(by: .seconds(20 * 60))
        // Still limited: the sends of the last hour count across logins, so a new login cannot send either.
        await #expect(throws: AccessError(.tooManyResends, "")) {
            try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        }
        world.clock.advance(by: .seconds(41 * 60))
        let later = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(later.codeSentTo != nil)
    }

    // A3 A5: codes by text go through the text messenger to the mobile number, shown masked.
    @Test func textCodes() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let setup = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let challenge = try await world.auth.beginTwoStepSetup(
            try await world.caller(setup.sessionToken), .text(countryCode: "1", number: "(617) 555-1111"))
        #expect(challenge.codeSentTo == "(***) ***-1111")
        let setupCode = try await world.lastTextCode()
        try await world.auth.completeTwoStepSetup(try await world.caller(setup.sessionToken), code: setupCode)
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(login.codeMethod == .text && login.codeSentTo == "(***) ***-1111")
        let message = try #require(try await world.texts().last)
        #expect(message.to.number == "6175551111")
        let code = try await world.lastTextCode()
        try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
    }

    // A3: a text method needs a mobile line; a preset may switch email codes off.
    @Test func methodsThePolicyDoesNotAllowAreRefused() async throws {
        let world = IdentityWorld(policy: Policy.nist80063b.forTesting)
        var application = world.application(password: "long enough passphrase")
        application.securityQuestion = nil
        _ = try await world.registration.submit(application)
        try await world.registration.activate(token: try await world.lastLinkToken(to: Self.email))
        let setup = try await world.auth.login(username: "pat.client", password: "long enough passphrase")
        let error = await #expect(throws: AccessError.self) {
            try await world.auth.beginTwoStepSetup(try await world.caller(setup.sessionToken), .email)
        }
        #expect(error?.field == "method")
    }

    // A6: a trusted device skips the code until it expires.
    @Test func trustedDeviceSkipsTheCode() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let (_, device) = try await world.loginWithCode(trust: true)
        let deviceToken = try #require(device)
        #expect(try await world.audit(.deviceTrusted).count == 1)  // U1
        let devices = try await world.store.records(ofKind: .trustedDevice)
        #expect(devices.count == 1)
        if case .trustedDevice(let d) = devices[0].value { #expect(d.tokenHash == SecretToken.hash(deviceToken)) }
        let login = try await world.auth.login(
            username: "pat.client", password: IdentityWorld.password, deviceToken: deviceToken)
        #expect(login.stage == .authenticated)
        _ = try await world.context.authenticate(login.sessionToken)
        // Another logon's device token does nothing for this one; an expired trust asks for the code again.
        world.clock.advance(by: .seconds(180 * 86400))
        let later = try await world.auth.login(
            username: "pat.client", password: IdentityWorld.password, deviceToken: deviceToken)
        #expect(later.stage == .awaitingCode)
    }

    // A6 A7: a password change revokes every trusted device and ends every other session.
    @Test func passwordChangeRevokesTrustAndEndsOtherSessions() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let (other, device) = try await world.loginWithCode(trust: true)
        let (current, _) = try await world.loginWithCode()
        try await world.profile.changePassword(
            try await world.caller(current), currentPassword: IdentityWorld.password,
            newPassword: "Better456", confirmation: "Better456")
        await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(other) }
        _ = try await world.context.authenticate(current)
        let login = try await world.auth.login(username: "pat.client", password: "Better456", deviceToken: device)
        #expect(login.stage == .awaitingCode)
        #expect(try await world.audit(.passwordChanged).count == 1)  // U1
    }

    // A7: 30 minutes idle ends a session; activity keeps it; 12 hours end it in any case; logout ends it at once.
    @Test func sessionLimits() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        for _ in 0..<24 {
            world.clock.advance(by: .seconds(29 * 60))
            _ = try await world.context.authenticate(token)
        }
        world.clock.advance(by: .seconds(29 * 60))  // 12 h 5 min after the start: past the absolute lifetime
        await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(token) }

        let (idle, _) = try await world.loginWithCode()
        world.clock.advance(by: .seconds(30 * 60))
        await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(idle) }

        let (out, _) = try await world.loginWithCode()
        try await world.auth.logout(try await world.caller(out))
        await #expect(throws: AccessError(.sessionExpired, "")) { try await world.context.authenticate(out) }
        let sessions = try await world.store.records(ofKind: .session)
        #expect(
            sessions.allSatisfy {
                if case .session(let s) = $0.value { s.tokenHash != TokenHash(hex: out) } else { false }
            })
    }

    // A8: TOTP with one step of drift either way, and a used step refused afterwards.
    @Test func authenticatorApp() async throws {
        let world = IdentityWorld()
        try await world.registerAndActivate()
        let setup = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let challenge = try await world.auth.beginTwoStepSetup(
            try await world.caller(setup.sessionToken), .authenticator(.sha1))
        let secretText = try #require(challenge.secret)
        #expect(challenge.provisioningURI?.hasPrefix("otpauth://totp/") == true)
        let logonID = try await world.logon("pat.client").id
        let pending = try #require(
            try await world.store.verificationCode(of: logonID, purpose: .setup)?.value.pendingMethod)
        guard case .authenticator(let sealed, _) = pending else {
            Issue.record("not an authenticator")
            return
        }
        let secret = try world.context.sealingBox().open(sealed)
        #expect(Base32.encode(secret) == secretText)
        let totp = TOTP(secret: secret, algorithm: .sha1, digits: 6, period: 30)
        try await world.auth.completeTwoStepSetup(
            try await world.caller(setup.sessionToken), code: totp.code(at: world.clock.now()))

        // The step used at set-up is refused at once afterwards (A8: no replay).
        world.clock.advance(by: .seconds(1))
        let replay = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        #expect(replay.codeMethod == .authenticator && replay.codeSentTo == "your authenticator app")
        let now = world.clock.now()
        let used = totp.step(at: now)
        if totp.code(forStep: used) != totp.code(forStep: used + 1) {
            await #expect(throws: AccessError(.invalidCode, "")) {
                try await world.auth.verifyCode(
                    try await world.caller(replay.sessionToken), code: totp.code(forStep: used))
            }
        }
        // One step ahead is accepted (drift).
        try await world.auth.verifyCode(try await world.caller(replay.sessionToken), code: totp.code(forStep: used + 1))
        // Two steps away is refused.
        world.clock.advance(by: .seconds(120))
        let far = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let step = totp.step(at: world.clock.now())
        let farCode = totp.code(forStep: step + 2)
        if ![step - 1, step, step + 1].map({ totp.code(forStep: $0) }).contains(farCode) {
            await #expect(throws: AccessError(.invalidCode, "")) {
                try await world.auth.verifyCode(try await world.caller(far.sessionToken), code: farCode)
            }
        }
        // One step behind is accepted.
        try await world.auth.verifyCode(try await world.caller(far.sessionToken), code: totp.code(forStep: step - 1))
        #expect(try await world.logon("pat.client").twoStep.lastTOTPStep == step - 1)
    }

    // A hash made with older parameters is upgraded at the next good login, and only then.
    @Test func olderHashIsUpgradedAtTheNextGoodLogin() async throws {
        let world = IdentityWorld(hasher: Argon2idHasher(cost: .minimum))
        try await world.signedInWithEmailCodes()
        let old = try #require(try await world.logon("pat.client").credentials.passwordHash)
        #expect(old.contains(",t=1,"))
        let upgraded = IdentityWorldUpgrade(world: world)
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await upgraded.auth.login(username: "pat.client", password: "Wrong1234")
        }
        #expect(try await world.logon("pat.client").credentials.passwordHash == old)
        _ = try await upgraded.auth.login(username: "pat.client", password: IdentityWorld.password)
        let new = try #require(try await world.logon("pat.client").credentials.passwordHash)
        #expect(new.contains(",t=2,") && new != old)
        #expect(await Argon2idHasher(cost: .minimum).verify(IdentityWorld.password, against: new))
        #expect(try await world.audit(.passwordRehashed).count == 1)
    }

    // A4: bad input in a code is refused specifically and does not count as a wrong try.
    @Test(arguments: ["", "12345", "1234567", "12 456", "abcdef", "１２３４５６", " 123456"])
    func malformedCodesAreRefused(code: String) async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let error = await #expect(throws: AccessError.self) {
            try await world.auth.verifyCode(try await world.caller(login.sessionToken), code: code)
        }
        #expect(error?.code == .invalidInput && error?.field == "code")
        let logonID = try await world.logon("pat.client").id
        #expect(try await world.store.verificationCode(of: logonID, purpose: .login)?.value.failedAttempts == 0)
    }

    // A3: set-up is refused on a signed-in session without the current password (P1 goes through Profile).
    @Test func setupNeedsTheSetupStage() async throws {
        let world = IdentityWorld()
        let token = try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.stepRequired, "")) {
            try await world.auth.beginTwoStepSetup(try await world.caller(token), .email)
        }
    }
}

/// The same world seen by a service whose hasher makes version-2 hashes.
struct IdentityWorldUpgrade {
    let auth: Authentication
    init(world: IdentityWorld) {
        let c = world.context
        auth = Authentication(
            context: ServiceContext(
                store: c.store, directory: c.directory, clock: c.clock, random: c.random,
                hasher: Argon2idHasher(cost: Policy.HashingCost(opsLimit: 2, memLimit: 8192)),
                policy: c.policy, keys: c.keys, links: c.links))
    }
}
