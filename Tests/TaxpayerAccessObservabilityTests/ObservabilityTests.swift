import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessObservability
import TaxpayerAccessTesting

/// The security log and the metrics of a whole sign-in flow: wrong passwords to a lockout, a code sent, a wrong code,
/// the right one, checks (RULES U1, A1–A5).
@Suite("Security log and metrics")
struct ObservabilityTests {
    static let username = "patclient7"
    static let email = "pat.client7@example.test"
    static let idNumber = "123-45-6789"

    /// A fixture world whose portal has the log and metrics observers, with one taxpayer and two logons.
    struct Flow {
        let world = FixtureWorld()
        let log = InMemoryLogHandler()
        let metrics = TestMetrics()
        let portal: Portal

        init() async throws {
            let logHandler = log
            let logger = Logger(label: "security") { _ in logHandler }
            portal = Portal(
                unchecked: world.store, directory: world.directory, mailer: world.mailer, texts: world.texts,
                keys: world.keys, policy: world.policy, links: .standard(portalURL: "https://portal.example.gov"),
                clock: world.clock, random: world.random, hasher: FixtureHasher(),
                observer: PortalObservers([
                    SecurityLogObserver(logger: logger), PortalMetricsObserver(factory: metrics),
                ]))
            try await world.taxpayer("T1", number: ObservabilityTests.idNumber, accounts: [("A1", .withholding)])
            // Logon ids unlike the usernames, so a line naming the logon by id does not pass for one naming it.
            for (id, username, email) in [
                ("L7", ObservabilityTests.username, ObservabilityTests.email),
                ("L8", "victim", "victim.person@example.test"),
            ] {
                try await world.put(
                    .logon(
                        Logon(
                            id: LogonID(id), username: username, email: email, fullName: "Pat Client",
                            credentials: Credentials(passwordHash: try await FixtureHasher().hash("Passw0rd!")),
                            twoStep: TwoStepSettings(methods: [.email(address: nil)]), activated: true,
                            createdAt: world.clock.now())))
            }
            try await world.role("L7", on: "T1", .masterAdministrator)
            try await portal.catchUp()
        }

        /// Runs the flow and returns the secrets it used: passwords tried, the code, the session token.
        func run() async throws -> [String] {
            var secrets = ["Passw0rd!", "Wr0ng-Passw0rd!"]
            await #expect(throws: AccessError.self) {
                try await portal.authentication.login(
                    username: ObservabilityTests.username, password: "Wr0ng-Passw0rd!")
            }
            let login = try await portal.authentication.login(
                username: ObservabilityTests.username, password: "Passw0rd!")
            secrets.append(login.sessionToken)
            let caller = try await portal.authenticate(sessionToken: login.sessionToken)
            let mail = try #require(
                try await world.mails(to: ObservabilityTests.email).last { $0.subject == "Your security code" })
            let code = String(try #require(mail.body.firstMatch(of: /\d{6}/)).output)
            secrets.append(code)
            let wrong = code == "000000" ? "111111" : "000000"
            await #expect(throws: AccessError.self) { try await portal.authentication.verifyCode(caller, code: wrong) }
            try await portal.authentication.verifyCode(caller, code: code)
            let signedIn = try await portal.authenticate(sessionToken: login.sessionToken)
            #expect(portal.check(signedIn, account: "A1", action: .view))
            #expect(!portal.check(signedIn, account: "A404", action: .view))
            // A2: wrong passwords up to the threshold lock the other logon.
            for _ in 0..<world.policy.lockoutThreshold {
                await #expect(throws: AccessError.self) {
                    try await portal.authentication.login(username: "victim", password: "Wr0ng-Passw0rd!")
                }
            }
            return secrets
        }
    }

    @Test("U1: every security event of the flow is a log line; a lockout is a warning, a wrong secret a notice")
    func securityEventsAreLogged() async throws {
        let flow = try await Flow()
        _ = try await flow.run()
        let entries = flow.log.entries
        let actions = entries.map { "\($0.message)" }
        for action in [AuditAction.loginFailed, .codeSent, .codeFailed, .loginSucceeded, .lockedOut] {
            #expect(actions.contains(action.rawValue), "no line for \(action)")
        }
        #expect(entries.filter { "\($0.message)" == AuditAction.lockedOut.rawValue }.map(\.level) == [.warning])
        #expect(entries.filter { "\($0.message)" == AuditAction.codeFailed.rawValue }.map(\.level) == [.notice])
        #expect(entries.allSatisfy { $0.metadata["actor"] != nil && $0.metadata["subject"] != nil })
    }

    @Test("U1, A5, N1: no log line holds a password, code, token, full username, email or ID number")
    func logHoldsNoSecretOrPersonalData() async throws {
        let flow = try await Flow()
        let secrets = try await flow.run()
        let entries = flow.log.entries
        try #require(entries.count >= 8)
        let forbidden =
            secrets + [
                Self.username, Self.email, "victim.person@example.test", Self.idNumber, "123456789", "Pat Client",
            ]
        for entry in entries {
            let text = "\(entry.message) \(entry.metadata.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            for value in forbidden {
                #expect(!text.localizedCaseInsensitiveContains(value), "a log line carries \(value.prefix(3))…")
            }
        }
    }

    @Test("the counters count the flow: one sign-in, a lockout, codes sent and failed; checks sampled by answer")
    func metricsCountTheFlow() async throws {
        let flow = try await Flow()
        _ = try await flow.run()
        let threshold = Int64(flow.world.policy.lockoutThreshold)
        #expect(try flow.metrics.expectCounter("taxpayer_access_sign_ins_total").totalValue == 1)
        #expect(try flow.metrics.expectCounter("taxpayer_access_sign_in_failures_total").totalValue == 1 + threshold)
        #expect(try flow.metrics.expectCounter("taxpayer_access_lockouts_total").totalValue == 1)
        #expect(try flow.metrics.expectCounter("taxpayer_access_codes_sent_total").totalValue == 1)
        #expect(try flow.metrics.expectCounter("taxpayer_access_codes_failed_total").totalValue == 1)
        #expect(
            try flow.metrics.expectCounter(
                "taxpayer_access_audit_events_total", [("action", AuditAction.lockedOut.rawValue)]
            ).totalValue == 1)

        let sampler = PortalMetricsSampler(portal: flow.portal, factory: flow.metrics)
        try await sampler.sample()
        try await sampler.sample()  // a second sample adds nothing new
        #expect(try flow.metrics.expectCounter("taxpayer_access_checks_total", [("answer", "allowed")]).totalValue == 1)
        #expect(try flow.metrics.expectCounter("taxpayer_access_checks_total", [("answer", "denied")]).totalValue == 1)
        #expect(try flow.metrics.expectGauge("taxpayer_access_feed_lag").lastValue == 0)
        let pending = try await flow.world.store.pendingMail().count
        #expect(pending > 0, "the flow's mail waits in the outbox: nothing delivered it")
        #expect(try flow.metrics.expectGauge("taxpayer_access_outbox_pending").lastValue == Double(pending))
    }
}
