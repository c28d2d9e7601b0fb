import Foundation
import Testing
@testable import TaxpayerAccess

/// The identity decisions asked directly, row by row: each row is a case the rules of RULES A2, A4, V1, V2, R8, R11,
/// X2 and P2 decide, and most of them are the findings of the attack review that the rules used to decide wrongly.
@Suite("Rules: identity decisions as tables (A2, A4, V1, V2, R8, R11, X2, P2)")
struct IdentityRuleTables {
    static let policy = Policy.massTaxConnect.forTesting
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    // MARK: - LockoutRules (A2, A4)

    /// One row: a lock record before, a try of a kind, what the charge must do.
    struct ChargeRow: Sendable, CustomTestStringConvertible {
        var name: String
        var before: LogonLock?
        var kind: SecretKind
        var refused: Bool
        var setLock: Bool
        var failures: Int
        var codeFailures: Int
        var testDescription: String { name }
    }

    static let chargeRows: [ChargeRow] = [
        ChargeRow(
            name: "a first wrong password counts one", before: nil, kind: .password, refused: false, setLock: false,
            failures: 1, codeFailures: 0),
        ChargeRow(
            name: "the fifth failure of any kind locks and the counts start again",
            before: LogonLock(id: "L1", failures: 4, codeFailures: 1), kind: .currentPassword, refused: false,
            setLock: true, failures: 0, codeFailures: 0),
        ChargeRow(
            name: "finding 1: wrong codes from earlier logins still count (no reset at a new login)",
            before: LogonLock(id: "L1", failures: 4, codeFailures: 4), kind: .securityCode, refused: false,
            setLock: true, failures: 0, codeFailures: 0),
        ChargeRow(
            name: "a wrong security answer counts like a wrong password",
            before: LogonLock(id: "L1", failures: 2), kind: .securityAnswer, refused: false, setLock: false,
            failures: 3, codeFailures: 0),
        ChargeRow(
            name: "a locked logon is not counted, only its try recorded",
            before: LogonLock(id: "L1", lockedUntil: now.addingTimeInterval(60)), kind: .password, refused: true,
            setLock: false, failures: 0, codeFailures: 0),
        ChargeRow(
            name: "an expired lock is lifted and the count starts from this try",
            before: LogonLock(id: "L1", lockedUntil: now.addingTimeInterval(-1)), kind: .password, refused: false,
            setLock: false, failures: 1, codeFailures: 0),
        ChargeRow(
            name: "a bucket of unknown usernames counts but never locks (there is nobody to lock out)",
            before: LogonLock(id: LockoutRules.bucket(forUsername: "nobody"), failures: 99), kind: .password,
            refused: false, setLock: false, failures: 100, codeFailures: 0),
    ]

    @Test("A2, A4: charging a try", arguments: chargeRows)
    func charge(_ row: ChargeRow) {
        let id = row.before?.id ?? "L1"
        let stored = row.before.map { Versioned($0, version: 3) }
        let decision = LockoutRules.charge(stored, id: id, kind: row.kind, now: Self.now, policy: Self.policy)
        let charge = decision.result
        #expect(charge.refused == row.refused)
        #expect(charge.setLock == row.setLock)
        #expect(charge.charged.failures == row.failures && charge.charged.codeFailures == row.codeFailures)
        #expect(charge.charged.lastAttemptAt == Self.now)
        // A1: every charge writes the one lock record, at the version read, whatever the case.
        #expect(decision.changes.writes.map(\.expected) == [stored.map { .version($0.version) } ?? .absent])
        #expect(decision.changes.auditEvents.isEmpty && decision.mail.isEmpty)
    }

    @Test("A2: a correct password gives its own try back and nothing more; a completed sign-in clears all")
    func correctPasswordClearsNothing() throws {
        let before = Versioned(LogonLock(id: "L1", failures: 3, codeFailures: 2), version: 4)
        let charge = LockoutRules.charge(before, id: "L1", kind: .password, now: Self.now, policy: Self.policy)
        let charged = Versioned(charge.result.charged, version: 5)
        let given = try #require(Self.writtenLock(LockoutRules.givingBack(charge.result, current: charged)))
        #expect(given.failures == 3 && given.codeFailures == 2 && given.lockedUntil == nil)
        let cleared = try #require(Self.writtenLock(LockoutRules.cleared(charged)))
        #expect(cleared.failures == 0 && cleared.codeFailures == 0 && cleared.lockedUntil == nil)
    }

    @Test("A2: the right secret on the try that locked lifts that lock and restores the count before it")
    func rightSecretOnTheLockingTry() throws {
        let before = Versioned(LogonLock(id: "L1", failures: 4), version: 2)
        let charge = LockoutRules.charge(before, id: "L1", kind: .password, now: Self.now, policy: Self.policy)
        #expect(charge.result.setLock)
        let given = try #require(
            Self.writtenLock(
                LockoutRules.givingBack(charge.result, current: Versioned(charge.result.charged, version: 3))))
        #expect(given.failures == 4 && given.lockedUntil == nil)
    }

    @Test("A2, U1: a failure that set the lock audits it, mails the owner and ends every live session")
    func lockingFailure() {
        let charge = LockoutRules.charge(
            Versioned(LogonLock(id: "L1", failures: 4), version: 1), id: "L1", kind: .currentPassword, now: Self.now,
            policy: Self.policy
        ).result
        let logon = Logon(id: "L1", username: "pat", email: "pat@client.example", fullName: "Pat")
        let sessions = ["S1", "S2"].map {
            Versioned(
                Session(
                    id: SessionID($0), tokenHash: SecretToken.hash($0), logon: "L1", stage: .authenticated,
                    createdAt: Self.now, lastActivityAt: Self.now), version: 1)
        }
        let decision = LockoutRules.failed(
            charge, logon: logon, sessions: sessions, actor: .logon("L1"), note: "wrong", now: Self.now,
            policy: Self.policy)
        #expect(
            decision.changes.auditEvents.map(\.action) == [
                .currentPasswordFailed, .lockedOut, .loggedOut, .loggedOut,
            ])
        #expect(decision.mail.map(\.to) == ["pat@client.example"])
    }

    static func writtenLock<R>(_ decision: Decision<R>) -> LogonLock? {
        decision.changes.writes.compactMap { if case .logonLock(let lock) = $0.record { lock } else { nil } }.first
    }

    // MARK: - LinkRules (V2)

    struct LinkRow: Sendable, CustomTestStringConvertible {
        var name: String
        var change: @Sendable (inout Logon, inout LinkToken, inout [LinkToken]) -> Void
        var usable: Bool
        var testDescription: String { name }
    }

    static let linkRows: [LinkRow] = [
        LinkRow(name: "a fresh link works", change: { _, _, _ in }, usable: true),
        LinkRow(
            name: "finding 2: the password changed since the link was issued",
            change: { logon, _, _ in logon.credentials.passwordHash = "$argon2id$new" }, usable: false),
        LinkRow(
            name: "finding 2: the email changed since the link was sent",
            change: { logon, _, _ in logon.email = "new@client.example" }, usable: false),
        LinkRow(
            name: "the email's case changed only", change: { logon, _, _ in logon.email = "PAT@Client.Example" },
            usable: true),
        LinkRow(
            name: "a newer link of the same purpose was asked for",
            change: { _, link, links in
                var newer = link
                newer.id = "K2"
                newer.serial = link.serial + 1
                links.append(newer)
            }, usable: false),
        LinkRow(
            name: "a newer link of another purpose does not matter",
            change: { _, link, links in
                var other = link
                other.id = "K3"
                other.purpose = .activation
                other.serial = link.serial + 1
                links.append(other)
            }, usable: true),
        LinkRow(name: "used", change: { _, link, _ in link.usedAt = now }, usable: false),
        LinkRow(name: "expired", change: { _, link, _ in link.expiresAt = now }, usable: false),
        LinkRow(name: "a decoy never works", change: { _, link, _ in link.purpose = .decoy }, usable: false),
    ]

    @Test("V2: when a reset link works", arguments: linkRows)
    func link(_ row: LinkRow) {
        var logon = Logon(
            id: "L1", username: "pat", email: "pat@client.example", fullName: "Pat",
            credentials: Credentials(passwordHash: "$argon2id$old"))
        let drawn = DrawnToken(id: "K1", token: "t", hash: SecretToken.hash("t"))
        var link = LinkRules.issue(
            drawn, purpose: .passwordReset, for: logon, lifetime: .seconds(1800), now: Self.now)
        var links = [link]
        row.change(&logon, &link, &links)
        let purpose: LinkPurpose = link.purpose == .decoy ? .decoy : .passwordReset
        #expect(LinkRules.usable(link, purpose: purpose, logon: logon, links: links, now: Self.now) == row.usable)
    }

    // MARK: - Recovery (V1, V2): the same writes whether or not anything matched

    static func shape<R>(_ decision: Decision<R>) -> [String] {
        decision.changes.writes.map { "\($0.record.key.kind)/\($0.expected == .absent ? "insert" : "update")" }
            + decision.changes.auditEvents.map { "audit \($0.action)" } + decision.mail.map { _ in "mail" }
    }

    @Test(
        "findings 4, V1 V2: a known and an unknown address or username decide the same writes",
        arguments: ["username", "password"])
    func recoveryShapes(_ flow: String) {
        let logon = Logon(
            id: "L1", username: "pat.client", email: "pat@client.example", fullName: "Pat",
            credentials: Credentials(passwordHash: "$argon2id$x"))
        let drawn = DrawnToken(id: "K1", token: "t", hash: SecretToken.hash("t"))
        let decide = { (logon: Logon?) in
            flow == "username"
                ? RecoveryRules.forgotUsername(
                    logon, links: [], drawn: drawn, url: "https://p/reset#t", now: Self.now, policy: Self.policy)
                : RecoveryRules.forgotPassword(
                    logon, links: [], drawn: drawn, url: "https://p/reset#t", now: Self.now, policy: Self.policy)
        }
        let known = decide(logon)
        let unknown = decide(nil)
        #expect(Self.shape(known) == ["linkToken/insert", "audit recovery.requested", "mail"])
        #expect(Self.shape(known) == Self.shape(unknown))
        // The decoys are never sent and never usable.
        #expect(unknown.mail.allSatisfy(\.decoy) && !unknown.mail.isEmpty)
        #expect(known.mail.allSatisfy { !$0.decoy })
        // V1: the username email carries the username and a link to create a new password.
        if flow == "username", case .text(let body) = known.mail[0].body {
            #expect(body.contains("pat.client") && body.contains("https://p/reset#t"))
        }
    }

    // MARK: - Registration (R8, R11)

    @Test(
        "R8, X1: client management is refused at submission for an ITIN only",
        arguments: [(IDType.itin, true, false), (.ssn, true, true), (.fein, true, true), (.itin, false, true)])
    func clientManagement(idType: IDType, wanted: Bool, allowed: Bool) {
        if allowed {
            #expect(throws: Never.self) { try RegistrationRules.checkClientManagement(wanted, idType: idType) }
        } else {
            let refusal = #expect(throws: AccessError.self) {
                try RegistrationRules.checkClientManagement(wanted, idType: idType)
            }
            #expect(refusal?.code == .invalidInput && refusal?.field == "clientManagement")
        }
    }

    @Test("R11: a proven applicant is told whether it will be Master or Tax Administrator", arguments: [false, true])
    func preview(hasMasterAdministrator: Bool) {
        let ma = Logon(id: "L9", username: "ma", email: "ma@x.example", fullName: "The MA")
        let state = ApprovalState(
            taxpayer: nil, entry: nil, storedAccounts: [:], masterAdministrators: hasMasterAdministrator ? [ma] : [])
        let preview = RegistrationRules.preview(
            proved: "A1", accountType: .personalIncome, state: state, policy: Self.policy)
        #expect(preview.role == (hasMasterAdministrator ? .taxAdministrator : .masterAdministrator))
        #expect(preview.message.contains("A Master Administrator exists for your company") == hasMasterAdministrator)
        #expect((preview.accountType == .personalIncome) == hasMasterAdministrator)
    }

    // MARK: - Delete My Profile (P2)

    @Test("finding 9, P2 U1: every end Delete My Profile makes is written and audited")
    func deleteProfile() throws {
        let logon = Versioned(
            Logon(id: "L1", username: "pat", email: "pat@client.example", fullName: "Pat"), version: 7)
        let request = AccessRequest(
            id: "R1", confirmationNumber: "1-234-567-890", thirdParty: "L1", taxpayer: "T9",
            accounts: ["A1": .viewOnly],
            channel: .online, createdAt: Self.now, expiresAt: Self.now.addingTimeInterval(86400))
        let device = TrustedDevice(
            id: "D1", tokenHash: SecretToken.hash("d"), logon: "L1", createdAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(86400))
        let link = LinkToken(
            id: "K1", tokenHash: SecretToken.hash("k"), purpose: .passwordReset, logon: "L1", issuedAt: Self.now,
            expiresAt: Self.now.addingTimeInterval(600))
        let decision = try ProfileRules.deleteProfile(
            logon,
            own: OwnAccess(
                roles: [], grants: [], requests: [Versioned(request, version: 1)], sessions: [],
                devices: [Versioned(device, version: 1)], links: [Versioned(link, version: 1)]), now: Self.now)
        #expect(
            decision.changes.auditEvents.map(\.action) == [
                .requestDecided, .profileChanged, .linkEnded, .profileDeleted,
            ])
        #expect(decision.changes.writes.count == 4)
    }
}
