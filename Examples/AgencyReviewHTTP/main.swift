// The agency's side of the portal over HTTP, as a service embedding TaxpayerAccessHummingbird runs it: registrations
// wait for the agency's review, an operator with a token looks one up by its confirmation number and approves it,
// and a request without the token is refused. A real server on a loopback port, real requests.
//
//     swift run --traits HTTP AgencyReviewHTTP
#if HTTP
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessInMemory
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

let store = InMemoryAccessStore()
let directory = InMemoryTaxpayerDirectory()
let clock = ManualTimeSource()
let random = SeededRandom(seed: 2026)
var policy = Policy.massTaxConnect.forTesting  // Argon2id at libsodium's minimum cost: an example, not production
policy.automaticApproval = false  // RULES R10: approval by the agency's review
let keys = SealingKeyRing(current: SealingKey.generate(using: random))
let portal = try await Portal.open(
    store: store, directory: directory, mailer: RecordingMailer(), texts: RecordingTextMessenger(), keys: keys,
    policy: policy, links: .standard(portalURL: "https://portal.example.gov"), clock: clock, random: random)
let ssn = TaxIdentifier(type: .ssn, number: "123456789")
let entry = DirectoryEntry(
    taxpayer: Taxpayer(id: "T1", taxID: ssn, legalName: "Pat Q Client", kind: .individual),
    accounts: [TaxAccount(id: "A1", taxpayer: "T1", type: .personalIncome)])
directory.add(
    entry,
    returns: [
        FiledReturn(
            account: "A1", period: "2025", filedAt: clock.now().addingTimeInterval(-90 * 86400), amountDue: 1234_56)
    ])
try await portal.agency.load(entry, by: "agency loader")

// 1. The agency issues a clerk's token; the service keeps only its hash.
let (token, clerk) = AgencyOperators.issue(name: "clerk 12")
let operators = try AgencyOperators([clerk])
print("1. Operator \"\(clerk.name)\" issued a token of \(token.count) characters; kept: its hash only")

// The server, on any free loopback port.
let bound = Mutex<Int?>(nil)
let app = Application(
    router: PortalHTTP.router(
        portal: portal, configuration: PortalHTTPConfiguration(policy: policy, operators: operators)),
    configuration: .init(address: .hostname("127.0.0.1", port: 0)),
    onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } },
    logger: Logger(label: "agency-review") { _ in SwiftLogNoOpLogHandler() })
let group = ServiceGroup(
    configuration: .init(services: [app], logger: Logger(label: "agency-review") { _ in SwiftLogNoOpLogHandler() }))
let server = Task { try await group.run() }
var port: Int?
for _ in 0..<100 where port == nil {
    try await Task.sleep(for: .milliseconds(20))
    port = bound.withLock { $0 }
}
guard let port else { fatalError("the server did not start") }

/// A JSON request to the server; the status and the decoded body.
func send(_ method: String, _ path: String, _ body: [String: Any]? = nil, operatorToken: String? = nil)
    async throws -> (Int, [String: Any])
{
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
    request.httpMethod = method
    request.setValue("1", forHTTPHeaderField: "X-CSRF-Protection")
    if let operatorToken { request.setValue(operatorToken, forHTTPHeaderField: AgencyOperators.headerName) }
    if let body {
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
    }
    let (data, response) = try await URLSession.shared.data(for: request)
    let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, json)
}

// 2. Pat applies (RULES R1–R10): the receipt says the request waits for review.
let (created, receipt) = try await send(
    "POST", "/api/registrations",
    [
        "idType": "SSN", "idNumber": "123-45-6789", "idNumberAgain": "123456789", "accountType": "personalIncome",
        "proof": ["kind": "amountDue", "amount": "1234.56"], "fullName": "Pat Q Client",
        "phoneNumber": "617-555-0134", "pin": "0417", "email": "pat@client.example",
        "emailAgain": "pat@client.example", "username": "pat.client", "password": "Secret123",
        "passwordAgain": "Secret123", "securityQuestion": "firstPet", "securityAnswer": "Mr. Whiskers",
        "acceptedTerms": true,
    ])
let number = receipt["confirmationNumber"] as? String ?? "?"
print("2. Registration: \(created), confirmation number \(number), approved: \(receipt["approved"] as? Bool ?? true)")

// 3. Without an operator's token the agency's routes answer 401, whatever else the request carries.
let (refused, problem) = try await send("GET", "/api/agency/registrations/\(number)")
print("3. Without a token: \(refused) \(problem["code"] as? String ?? "")")

// 4. The clerk looks the request up by its confirmation number and approves it (RULES R10, R11).
let (_, review) = try await send("GET", "/api/agency/registrations/\(number)", operatorToken: token)
print(
    "4. Review: \(review["username"] as? String ?? "?") for taxpayer \(review["taxpayer"] as? String ?? "?"), "
        + "status \(review["status"] as? String ?? "?")")
let (approved, _) = try await send("POST", "/api/agency/registrations/\(number)/approve", operatorToken: token)
let (_, after) = try await send("GET", "/api/agency/registrations/\(number)", operatorToken: token)
print("5. Approve: \(approved); status now \(after["status"] as? String ?? "?")")
let (again, conflict) = try await send("POST", "/api/agency/registrations/\(number)/approve", operatorToken: token)
print("6. Approve again: \(again) \(conflict["code"] as? String ?? "")")

// 7. The audit log names the clerk as the actor (RULES U1); the approval mail carries the activation link.
let actors = try await store.auditEvents(after: 0, limit: 1000).map(\.event.actor)
print("7. Audit actor: \(actors.contains(.agency(operator: "clerk 12")) ? "agency operator clerk 12" : "none")")
let mails = try await store.records(ofKind: .mail).compactMap { if case .mail(let m) = $0.value { m } else { nil } }
let links = try mails.map { try OutgoingMail($0, openedWith: keys.box) }.filter { $0.body.contains("token=") }
print("8. Activation mails to the applicant: \(links.filter { $0.to == "pat@client.example" }.count)")

await group.triggerGracefulShutdown()
try await server.value
#else
print("AgencyReviewHTTP needs the HTTP trait: swift run --traits HTTP AgencyReviewHTTP")
#endif
