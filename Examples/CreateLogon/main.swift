// Create My Logon, end to end, in memory: an individual proves identity with a return amount, activates the logon,
// sets up email codes, logs in with a code, trusts the device, and logs in again without a code.
//
//     swift run CreateLogon
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

let store = InMemoryAccessStore()
let directory = InMemoryTaxpayerDirectory()
let clock = ManualTimeSource()
let random = SeededRandom(seed: 2026)
let policy = Policy.massTaxConnect.forTesting  // Argon2id at libsodium's minimum cost: an example, not production
let keys = SealingKeyRing(current: SealingKey.generate(using: random))
let portal = try await Portal.open(
    store: store, directory: directory, mailer: RecordingMailer(), texts: RecordingTextMessenger(), keys: keys,
    policy: policy, links: .standard(portalURL: "https://portal.example.gov"), clock: clock, random: random)

// The agency's system of record (RULES T3): one individual with a filed personal income return.
let ssn = TaxIdentifier(type: .ssn, number: "123456789")
directory.add(
    DirectoryEntry(
        taxpayer: Taxpayer(id: "T1", taxID: ssn, legalName: "Pat Q Client", kind: .individual),
        accounts: [TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome)]),
    returns: [
        FiledReturn(
            account: "A1", period: "2025", filedAt: clock.now().addingTimeInterval(-90 * 86400),
            amountDue: Cents(parsing: "1,234.56")!)
    ])

/// The latest outbox mail to an address (what a mailer would deliver).
func lastMail(to address: String, subject: String? = nil) async throws -> OutgoingMail {
    let mails = try await store.records(ofKind: .mail).compactMap { if case .mail(let m) = $0.value { m } else { nil } }
    let mail = mails.filter { $0.to == address && (subject == nil || $0.subject == subject) }
        .max { ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue) }!
    return try OutgoingMail(mail, openedWith: keys.box)  // opened as the mail system would
}
func token(in mail: OutgoingMail) -> String {
    String(
        mail.body[mail.body.range(of: "token=")!.upperBound...].prefix {
            $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_"
        })
}
func code(in mail: OutgoingMail) -> String { String(mail.body[mail.body.range(of: "is ")!.upperBound...].prefix(6)) }

let email = "pat@client.example"
let registration = portal.registration
let auth = portal.authentication
/// Each request authenticates its session token once (RULES A7).
func caller(_ token: String) async throws -> SignedIn { try await portal.authenticate(sessionToken: token) }

// 1. Create My Logon with the amount due on the 2025 return (RULES R1–R10).
let receipt = try await registration.submit(
    .init(
        idType: .ssn, idNumber: "123-45-6789", idNumberAgain: "123456789", accountType: .personalIncome,
        proof: .amountDue(Cents(parsing: "$1,234.56")!), fullName: "Pat Q Client", phoneNumber: "(617) 555-0134",
        pin: "0417", email: email, emailAgain: email, username: "pat.client", password: "Secret123",
        passwordAgain: "Secret123", securityQuestion: .firstPet, securityAnswer: "Mr. Whiskers", acceptedTerms: true))
print("1. Submitted: confirmation number \(receipt.confirmationNumber), approved: \(receipt.approved)")

// 2. Activate from the approval email (RULES R12).
try await registration.activate(token: token(in: try await lastMail(to: email, subject: "Your logon is approved")))
print("2. Activated from the link in \"Your logon is approved\"")

// 3. First login: two-step verification must be set up first (RULES R12).
let first = try await auth.login(username: "pat.client", password: "Secret123")
print("3. First login: stage \(first.stage)")
let challenge = try await auth.beginTwoStepSetup(try await caller(first.sessionToken), .email)
print("   Set-up code sent to \(challenge.codeSentTo ?? "?")")
try await auth.completeTwoStepSetup(
    try await caller(first.sessionToken), code: code(in: try await lastMail(to: email, subject: "Your security code")))
print("   Email codes set up; session signed in")
try await auth.logout(try await caller(first.sessionToken))

// 4. Log in with a code, and trust this device (RULES A3–A6).
clock.advance(by: .seconds(3600))
let second = try await auth.login(username: "pat.client", password: "Secret123")
print("4. Login: stage \(second.stage), code sent to \(second.codeSentTo ?? "?")")
let verified = try await auth.verifyCode(
    try await caller(second.sessionToken), code: code(in: try await lastMail(to: email, subject: "Your security code")),
    trustDevice: true)
print("   Code accepted; device trusted: \(verified.deviceToken != nil)")
try await auth.logout(try await caller(second.sessionToken))

// 5. Log in again on the trusted device: no code (RULES A6).
clock.advance(by: .seconds(86400))
let third = try await auth.login(username: "pat.client", password: "Secret123", deviceToken: verified.deviceToken)
print("5. Login on the trusted device: stage \(third.stage)")
for rights in try await portal.profile.rolesAndRights(try await caller(third.sessionToken)) {
    print(
        "   \(rights.legalName) \(rights.maskedID): \(rights.relationship), "
            + rights.accounts.map { "\($0.type) \($0.level.displayName)" }.joined(separator: ", "))
}
