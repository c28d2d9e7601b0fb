// Forgot password, in memory: a reset link by email, the security question, a new password, and a login that still
// asks for a security code (RULES V2).
//
//     swift run RecoverPassword
import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

let store = InMemoryAccessStore()
let directory = InMemoryTaxpayerDirectory()
let clock = ManualTimeSource()
let random = SeededRandom(seed: 7)
let policy = Policy.massTaxConnect.forTesting  // Argon2id at libsodium's minimum cost: an example, not production
let keys = SealingKeyRing(current: SealingKey.generate(using: random))
let portal = try await Portal.open(
    store: store, directory: directory, mailer: RecordingMailer(), texts: RecordingTextMessenger(), keys: keys,
    policy: policy, links: .standard(portalURL: "https://portal.example.gov"), clock: clock, random: random)

directory.add(
    DirectoryEntry(
        taxpayer: Taxpayer(
            id: "T1", taxID: TaxIdentifier(type: .ssn, number: "123456789"), legalName: "Pat Q Client",
            kind: .individual),
        accounts: [TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome)]),
    letters: [SignUpLetter(letterID: "L0012345", account: "A1", sentAt: clock.now())])

func lastMail(to address: String, subject: String) async throws -> OutgoingMail {
    let mails = try await store.records(ofKind: .mail).compactMap { if case .mail(let m) = $0.value { m } else { nil } }
    let mail = mails.filter { $0.to == address && $0.subject == subject }
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

// A logon that exists already: registered with a sign-up letter, activated, email codes set up.
let email = "pat@client.example"
let registration = portal.registration
let auth = portal.authentication
let recovery = portal.recovery
/// Each request authenticates its session token once (RULES A7).
func caller(_ token: String) async throws -> SignedIn { try await portal.authenticate(sessionToken: token) }
_ = try await registration.submit(
    .init(
        idType: .ssn, idNumber: "123456789", idNumberAgain: "123456789", accountType: .personalIncome,
        proof: .letterID("L0012345"), fullName: "Pat Q Client", phoneNumber: "6175550134", pin: "0417", email: email,
        emailAgain: email, username: "pat.client", password: "Secret123", passwordAgain: "Secret123",
        securityQuestion: .firstPet, securityAnswer: "Mr. Whiskers", acceptedTerms: true))
try await registration.activate(token: token(in: try await lastMail(to: email, subject: "Your logon is approved")))
let setup = try await auth.login(username: "pat.client", password: "Secret123")
_ = try await auth.beginTwoStepSetup(try await caller(setup.sessionToken), .email)
try await auth.completeTwoStepSetup(
    try await caller(setup.sessionToken), code: code(in: try await lastMail(to: email, subject: "Your security code")))
print("0. pat.client exists, with email codes")

// 1. Forgot password: the same answer whether or not the username is known (RULES V1, V2).
clock.advance(by: .seconds(7 * 86400))
let answer = try await recovery.forgotPassword(username: "pat.client")
print("1. \(answer)")
let unknown = try await recovery.forgotPassword(username: "nobody.here")
print("   The same answer for an unknown username: \(unknown == answer)")

// 2. The link from the email; the security question (RULES V2, R7).
let link = token(in: try await lastMail(to: email, subject: "Reset your password"))
let question = try await recovery.securityQuestion(forResetToken: link)
print("2. Reset link opened; security question: \(question?.text ?? "none")")

// 3. A new password: the policy holds, and the old password is refused (RULES V2).
do {
    try await recovery.resetPassword(
        token: link, securityAnswer: "mr. whiskers", newPassword: "Secret123", confirmation: "Secret123")
} catch let error as AccessError {
    print("3. Refused: \(error.message)")
}
try await recovery.resetPassword(
    token: link, securityAnswer: "mr. whiskers", newPassword: "Better456", confirmation: "Better456")
print("   New password set; every session ended and every trusted device revoked")

// 4. Log in with the new password: a security code is still required (RULES V2).
let login = try await auth.login(username: "pat.client", password: "Better456")
print("4. Login: stage \(login.stage), code sent to \(login.codeSentTo ?? "?")")
try await auth.verifyCode(
    try await caller(login.sessionToken), code: code(in: try await lastMail(to: email, subject: "Your security code")))
print("   Code accepted: signed in")
