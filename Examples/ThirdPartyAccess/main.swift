// A tax preparer asks for File and Pay on a client's withholding account; the client's Master Administrator grants
// View Only, raises it to File and Pay later, and finally cancels the access (RULES X2–X8).
//
//     swift run ThirdPartyAccess
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

// The world: a preparer firm (its owner is the parent logon with client management) and a client with its MA.
// FixtureWorld writes them straight into an in-memory store and signs them in, so no login flow is needed here.
let world = FixtureWorld()
try await world.taxpayer(
    "T1", idType: .fein, number: "041234567", name: "Acme Tax Preparers LLC", kind: .business,
    accounts: [("A1", .withholding)])
try await world.logon("L1", name: "Alex Preparer", clientManagement: true, ownTaxpayer: "T1")
try await world.role("L1", on: "T1", .masterAdministrator)
try await world.taxpayer("T9", number: "123456789", name: "Pat Client", accounts: [("A90", .withholding)])
try await world.logon("L3", name: "Pat Client", ownTaxpayer: "T9")
try await world.role("L3", on: "T9", .masterAdministrator)

let access = world.portal.thirdParties
let preparerToken = try await world.signIn("L1")
let clientToken = try await world.signIn("L3")
/// Each request authenticates its session token once (RULES A7).
func caller(_ token: String) async throws -> SignedIn { try await world.portal.authenticate(sessionToken: token) }

func show(_ step: String) async throws {
    let resolver = world.portal.resolver  // current with every commit the portal made: no catch-up
    print("\(step)\n  preparer on A90: \(resolver.level(logon: "L1", account: "A90").displayName)")
    print("  why: \(resolver.explain(logon: "L1", account: "A90").summary)")
}

// X2: the preparer asks, giving the client's ID and legal name (matched ignoring case and punctuation).
let receipt = try await access.requestAccess(
    try await caller(preparerToken), idType: .ssn, idNumber: "123-45-6789", legalName: "PAT  CLIENT",
    accounts: ["A90": .fileAndPay],
    channel: .online)
print("Request \(receipt.confirmationNumber) submitted, pending until \(receipt.expiresAt)")

// X3: the client's MA has an email saying only that something is new (N1), and sees the request listed.
for mail in try await world.mails(to: "l3@example.test") { print("  email to the client: \(mail.subject)") }
let pending = try await access.pendingRequests(try await caller(clientToken))
print(
    "  waiting for the client: \(pending.map { "\($0.confirmationNumber) asks \($0.accounts.values.map(\.displayName))" })"
)

world.advance(by: .seconds(600))
// X5: the MA grants View Only, less than was asked.
try await access.approve(try await caller(clientToken), request: receipt.request, levels: ["A90": .viewOnly])
try await show("Approved with View Only")
print("  the preparer's clients: \(try await access.clients(try await caller(preparerToken)).map(\.legalName))")

world.advance(by: .seconds(600))
// X8: later the MA raises it.
try await access.changeAccess(
    try await caller(clientToken), taxpayer: "T9", thirdParty: "L1", levels: ["A90": .fileAndPay])
try await show("Raised to File and Pay")

// X8: and finally cancels it, for ever.
world.advance(by: .seconds(86400))
let nextDay = try await world.signIn("L3")  // yesterday's session timed out (A7)
try await access.cancelAccess(try await caller(nextDay), taxpayer: "T9", thirdParty: "L1")
try await show("Cancelled by the client")

print("\nThe preparer's e-messages (the details emails leave out):")
for message in try await world.eMessages(of: "L1").sorted(by: { $0.createdAt < $1.createdAt }) {
    print("  - \(message.subject): \(message.body.split(separator: "\n").first ?? "")")
}
