import Foundation
import Synchronization
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// The front door (Portal): every change made through it reaches its resolver before the call returns (read your
/// writes), a request authenticates once, the session's activity is written once a minute, links are shaped as the
/// portal says.
@Suite("Portal: one front door, an always-current resolver")
struct PortalTests {
    typealias C = Cast

    /// One change through a service, and what the next check must answer after it.
    struct Change: Sendable, CustomTestStringConvertible {
        var name: String
        var logon: LogonID
        var account: AccountID
        var before: AccessLevel
        var after: AccessLevel
        var act: @Sendable (Cast) async throws -> Void
        var testDescription: String { name }
    }

    static let changes: [Change] = [
        Change(
            name: "M2 setAccountLevel", logon: C.ownTA, account: C.clientAccount, before: .fileAndPay,
            after: .viewOnly
        ) { cast in
            try await cast.admin.setAccountLevel(
                try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownTA, account: C.clientAccount,
                level: .viewOnly)
        },
        Change(name: "M2 promote", logon: C.ownTA, account: C.clientIncome, before: .none, after: .allAccess) {
            cast in
            try await cast.admin.promote(try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownTA)
        },
        Change(name: "M3 cancelAccess", logon: C.ownTA, account: C.clientAccount, before: .fileAndPay, after: .none) {
            cast in
            try await cast.admin.cancelAccess(try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownTA)
        },
        Change(
            name: "M3 grantTaxAdministrator", logon: C.stranger, account: C.clientIncome, before: .none,
            after: .viewOnly
        ) { cast in
            try await cast.admin.grantTaxAdministrator(
                try await cast.token(C.ownMA), taxpayer: C.client, logon: C.stranger,
                levels: [C.clientIncome: .viewOnly])
        },
        Change(name: "M4 cancelOwnAccess", logon: C.ownTA, account: C.clientAccount, before: .fileAndPay, after: .none)
        {
            cast in
            try await cast.admin.cancelOwnAccess(try await cast.token(C.ownTA), taxpayer: C.client)
        },
        Change(
            name: "X8 changeAccess", logon: C.parent, account: C.clientAccount, before: .fileAndPay, after: .viewOnly
        ) { cast in
            try await cast.thirdParty.changeAccess(
                try await cast.token(C.ownMA), taxpayer: C.client, thirdParty: C.parent,
                levels: [C.clientAccount: .viewOnly])
        },
        Change(name: "X8 cancelAccess", logon: C.parent, account: C.clientAccount, before: .fileAndPay, after: .none) {
            cast in
            try await cast.thirdParty.cancelAccess(
                try await cast.token(C.ownMA), taxpayer: C.client, thirdParty: C.parent)
        },
        Change(
            name: "X9 cancelOwnAccess", logon: C.secondaryTA, account: C.clientAccount, before: .fileAndPay,
            after: .none
        ) { cast in
            try await cast.thirdParty.cancelOwnAccess(try await cast.token(C.parent), taxpayer: C.client)
        },
        Change(
            name: "S8 deactivate a secondary", logon: C.secondaryMA, account: C.clientAccount, before: .fileAndPay,
            after: .none
        ) { cast in
            try await cast.world.portal.firm.deactivate(try await cast.token(C.parent), secondary: C.secondaryMA)
        },
        Change(
            name: "S6 setAccessType caps a secondary", logon: C.secondaryMA, account: C.clientAccount,
            before: .fileAndPay, after: .viewOnly
        ) { cast in
            try await cast.world.portal.firm.setAccessType(
                try await cast.token(C.parent), secondary: C.secondaryMA, to: .taxAdministrator(.viewOnly))
        },
        Change(
            name: "S6 setRefinement", logon: C.secondaryTA, account: C.clientAccount, before: .fileAndPay,
            after: .viewOnly
        ) { cast in
            try await cast.world.portal.firm.setRefinement(
                try await cast.token(C.parent), secondary: C.secondaryTA, taxpayer: C.client,
                accounts: [C.clientAccount: .viewOnly])
        },
        Change(
            name: "S4 assignTaxpayer to a group the secondary is not in", logon: C.secondaryTA,
            account: C.clientAccount, before: .fileAndPay, after: .none
        ) { cast in
            let firm = cast.world.portal.firm
            let group = try await firm.createGroup(try await cast.token(C.parent), name: "Elsewhere")
            try await firm.assignTaxpayer(try await cast.token(C.parent), taxpayer: C.client, to: group)
        },
        Change(
            name: "P2 deleteProfile", logon: C.ownTA, account: C.clientAccount, before: .fileAndPay, after: .none
        ) { cast in
            try await cast.world.portal.profile.deleteProfile(
                try await cast.token(C.ownTA), currentPassword: "Passw0rd!")
        },
    ]

    @Test(
        "L4: a change through each service is seen by the next check in the same process, with no catch-up",
        arguments: changes)
    func readYourWrites(_ change: Change) async throws {
        let cast = try await Cast.make()
        let resolver = cast.world.portal.resolver
        #expect(resolver.level(logon: change.logon, account: change.account) == change.before)
        let position = cast.world.portal.position
        try await change.act(cast)
        // No catchUp(from:) here: the portal applied the commit before the call returned.
        #expect(resolver.level(logon: change.logon, account: change.account) == change.after)
        #expect(cast.world.portal.position > position)
        // And it is the answer a resolver built afresh from the store gives.
        let fresh = try await AccessResolver.load(from: cast.world.store)
        #expect(fresh.level(logon: change.logon, account: change.account) == change.after)
    }

    @Test("X7: an approval through the portal makes the client reachable at once; check by the signed-in caller")
    func approvalSeenAtOnce() async throws {
        let cast = try await Cast.make()
        let portal = cast.world.portal
        let receipt = try await portal.thirdParties.requestAccess(
            try await cast.token(C.parent), idType: .ssn, idNumber: "987654321", legalName: "Chris O'Brien-Smith",
            accounts: [C.prospectAccount: .fileAndPay], channel: .online)
        let parent = try await cast.token(C.parent)
        #expect(!portal.check(parent, account: C.prospectAccount, action: .view))
        try await portal.thirdParties.approve(
            try await cast.token(C.prospectMA), request: receipt.request, levels: [C.prospectAccount: .viewOnly])
        #expect(portal.check(parent, account: C.prospectAccount, action: .view))
        #expect(!portal.check(parent, account: C.prospectAccount, action: .file))
    }

    @Test("A7: a caller still in two-step verification may do nothing, whatever its logon's roles")
    func checkNeedsASignedInSession() async throws {
        let world = IdentityWorld()
        try await world.signedInWithEmailCodes()
        let login = try await world.auth.login(username: "pat.client", password: IdentityWorld.password)
        let pending = try await world.caller(login.sessionToken)
        #expect(pending.stage == .awaitingCode)
        try await world.portal.catchUp()
        let account = try #require(try await world.store.accounts(of: "T1").first).value.id
        #expect(!world.portal.check(pending, account: account, action: .view))
        try await world.auth.verifyCode(pending, code: try await world.lastCode(to: "pat@client.example"))
        #expect(world.portal.check(try await world.caller(login.sessionToken), account: account, action: .view))
    }

    @Test("A7: requests inside one activity interval write the session once, not once per request")
    func sessionActivityIsWrittenOncePerInterval() async throws {
        let world = FixtureWorld()
        try await world.logon("L1")
        let token = try await world.signIn("L1")
        let store = CountingAccessStore(wrapping: world.store)
        let portal = Portal(
            unchecked: store, directory: world.directory, mailer: world.mailer, texts: world.texts, keys: world.keys,
            policy: world.policy, links: .standard(portalURL: "https://portal.example.gov"), clock: world.clock,
            random: world.random, hasher: FixtureHasher())
        world.advance(by: .seconds(61))
        for _ in 0..<100 {
            _ = try await portal.authenticate(sessionToken: token)
            world.advance(by: .milliseconds(500))  // 100 requests in 50 seconds
        }
        #expect(store.work.commits.count == 1, "100 requests in 50 s committed \(store.work.commits.count) times")
        world.advance(by: .seconds(60))
        _ = try await portal.authenticate(sessionToken: token)
        #expect(store.work.commits.count == 2)
        // The idle timeout still holds, from the last write.
        world.advance(by: .seconds(30 * 60))
        await #expect(throws: AccessError(.sessionExpired, "")) { try await portal.authenticate(sessionToken: token) }
    }

    @Test("consistency token: another portal on the same store waits until its resolver has reached a position")
    func waitUntilAPosition() async throws {
        let cast = try await Cast.make()
        let other = Portal(
            unchecked: cast.world.store, directory: cast.world.directory, mailer: cast.world.mailer,
            texts: cast.world.texts, keys: cast.world.keys, policy: cast.world.policy,
            links: .standard(portalURL: "https://portal.example.gov"), clock: cast.world.clock,
            random: cast.world.random, hasher: FixtureHasher())
        try await other.catchUp()
        #expect(other.resolver.level(logon: C.parent, account: C.clientAccount) == .fileAndPay)
        try await cast.thirdParty.cancelAccess(try await cast.token(C.ownMA), taxpayer: C.client, thirdParty: C.parent)
        let token = cast.world.portal.position
        #expect(FeedPosition(token.description) == token)
        #expect(other.position < token)
        try await other.waitUntil(token, timeout: .seconds(2))
        #expect(other.position >= token)
        #expect(other.resolver.level(logon: C.parent, account: C.clientAccount) == .none)
    }

    @Test("R12, V2, S2: links are shaped as the portal says; the default puts the token in the fragment")
    func linkShapes() throws {
        var links = LinkShapes.standard(portalURL: "https://tax.example.gov/")
        #expect(links.url(.activation, token: "T0K") == "https://tax.example.gov/activate#token=T0K")
        links.passwordReset = LinkShapes.Shape(base: "https://tax.example.gov/reset", placement: .path)
        #expect(links.url(.passwordReset, token: "T0K") == "https://tax.example.gov/reset/T0K")
        links.secondaryCompletion = LinkShapes.Shape(base: "https://tax.example.gov/c?x=1", placement: .query)
        #expect(links.url(.secondaryCompletion, token: "T0K") == "https://tax.example.gov/c?x=1&token=T0K")
        try links.validate()
        links.activation = LinkShapes.Shape(base: "tax.example.gov/activate")
        let refusal = #expect(throws: AccessError.self) { try links.validate() }
        #expect(refusal?.code == .misconfigured && refusal?.message.contains("links.activation") == true)
    }

    @Test("open refuses a portal whose key does not open what the store sealed, and changes nothing")
    func openChecksTheKeys() async throws {
        let store = InMemoryAccessStore()
        let first = SealingKeyRing(current: try SealingKey([UInt8](repeating: 1, count: 32)))
        let portal = try await Portal.open(
            store: store, directory: InMemoryTaxpayerDirectory(), mailer: RecordingMailer(),
            texts: RecordingTextMessenger(), keys: first, policy: .massTaxConnect.forTesting,
            links: .standard(portalURL: "https://portal.example.gov"), clock: ManualTimeSource())
        #expect(portal.position.sequence >= 1)  // the key was recorded
        let before = try await store.lastSequence()
        let other = SealingKeyRing(current: try SealingKey([UInt8](repeating: 2, count: 32)))
        await #expect(throws: SealingKeyError.self) {
            _ = try await Portal.open(
                store: store, directory: InMemoryTaxpayerDirectory(), mailer: RecordingMailer(),
                texts: RecordingTextMessenger(), keys: other, policy: .massTaxConnect.forTesting,
                links: .standard(portalURL: "https://portal.example.gov"), clock: ManualTimeSource())
        }
        #expect(try await store.lastSequence() == before)
    }

    /// Keeps what a portal tells its observer.
    final class RecordingObserver: PortalObserver {
        let events = Mutex<[AuditEvent]>([])
        func committed(_ events: [AuditEvent]) { self.events.withLock { $0 += events } }
        var all: [AuditEvent] { events.withLock { $0 } }
    }

    @Test("U1: the observer is told every committed audit event; action, subject and note hold no secret or username")
    func observerSeesEveryCommit() async throws {
        let observer = RecordingObserver()
        let world = IdentityWorld(observer: observer)
        try await world.signedInWithEmailCodes()
        await #expect(throws: AccessError(.invalidCredentials, "")) {
            try await world.auth.login(username: "pat.client", password: "Wrong1234")
        }
        let stored = try await world.store.allAuditEvents().map(\.event)
        #expect(!stored.isEmpty && observer.all == stored, "the observer saw \(observer.all.count) of \(stored.count)")
        for event in observer.all {
            let text = "\(event.action) \(event.actor) \(event.subject) \(event.note)"
            for value in ["pat.client", "pat@client.example", "123456789", "Secret123", "Wrong1234", "Pat Q Client"] {
                #expect(!text.contains(value), "\(event.action) shows \(value): \(text)")
            }
        }
        #expect(observer.all.contains { $0.action == .loginFailed })
    }

    @Test("the portal counts its checks, and the feed lag of another portal on the same store")
    func countsAndFeedLag() async throws {
        let cast = try await Cast.make()
        let portal = cast.world.portal
        let caller = try await cast.token(C.parent)
        _ = portal.check(caller, account: C.clientAccount, action: .view)
        _ = portal.check(caller, account: C.prospectAccount, action: .view)
        _ = portal.check(caller, account: C.clientAccount, action: .manageAccount)
        #expect(portal.counts == PortalCounts(checksAllowed: 1, checksDenied: 2))
        #expect(try await portal.feedLag() == 0)
        let other = Portal(
            unchecked: cast.world.store, directory: cast.world.directory, mailer: cast.world.mailer,
            texts: cast.world.texts, keys: cast.world.keys, links: .standard(portalURL: "https://p.example"),
            hasher: FixtureHasher())
        #expect(try await other.feedLag() == (try await cast.world.store.lastSequence()))
    }
}
