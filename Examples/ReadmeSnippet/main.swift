import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

// The agency's system of record (RULES T3): Pat, with a personal income return filed for 2025.
let ssn = TaxIdentifier(type: .ssn, number: "123456789")
let pat = Taxpayer(id: "T1", taxID: ssn, legalName: "Pat Q Client", kind: .individual)
let directory = InMemoryTaxpayerDirectory()
directory.add(
    DirectoryEntry(taxpayer: pat, accounts: [TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome)]),
    returns: [FiledReturn(account: "A1", period: "2025", filedAt: .now, amountDue: 1234_56)])

// One portal: the services of every flow, and a resolver every commit keeps current.
let mailer = RecordingMailer()
let portal = try await Portal.open(
    store: InMemoryAccessStore(), directory: directory, mailer: mailer, texts: RecordingTextMessenger(),
    keys: SealingKeyRing(current: .generate(using: SecureRandom())), links: .standard(portalURL: "https://tax.example"))
func mail(containing marker: String) async -> String {  // what the outbox worker hands the mail system
    _ = await portal.outbox().deliverPending()
    return mailer.mails.last { $0.body.contains(marker) }?.body ?? ""
}

// Create My Logon, proving the amount due on the 2025 return (RULES R1–R12), then activate from the email.
_ = try await portal.registration.submit(
    .init(
        idType: .ssn, idNumber: "123456789", idNumberAgain: "123456789", accountType: .personalIncome,
        proof: .amountDue(1234_56), fullName: "Pat Q Client", phoneNumber: "617-555-0134", pin: "0417",
        email: "pat@client.example", emailAgain: "pat@client.example", username: "pat.client",
        password: "Harbor2026q", passwordAgain: "Harbor2026q", securityQuestion: .firstPet,
        securityAnswer: "Mr. Whiskers", acceptedTerms: true))
let activation = await mail(containing: "#token=")
try await portal.registration.activate(token: String(activation.split(separator: "#token=")[1].prefix(43)))

// The first login sets up codes by email (R12, A3); each request authenticates its session once (A7).
let login = try await portal.authentication.login(username: "pat.client", password: "Harbor2026q")
_ = try await portal.authentication.beginTwoStepSetup(
    try await portal.authenticate(sessionToken: login.sessionToken), .email)
let code = String((await mail(containing: "code is ")).split(separator: "code is ")[1].prefix(6))
try await portal.authentication.completeTwoStepSetup(
    try await portal.authenticate(sessionToken: login.sessionToken), code: code)

// Pat is the Master Administrator (R11): a check is a lookup in the resolver, no await.
let caller = try await portal.authenticate(sessionToken: login.sessionToken)
print("Pat may file on A1:", portal.check(caller, account: "A1", action: .file))
