#if HTTP
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Every log line the server wrote during a test, with its metadata, for the "no token in the log" checks.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    /// A logger writing into this capture, at trace level so that every line any layer writes is seen.
    var logger: Logger {
        Logger(label: "http-test") { _ in CapturingHandler(log: self) }
    }
}

struct CapturingHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        log.append("\(event.level) \(event.message) \(merged.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}

/// The agency's directory of the HTTP tests: Pat (an individual with a 2025 return) and Acme (a business with a
/// sign-up letter), as in the demo.
enum Cast {
    static let patSSN = "123456789"
    static let patPassword = "Harbor2026q"
    static let acmeFEIN = "041234567"
    static let acmePassword = "Ledger4Acme"

    static func world(policy: Policy = Policy.massTaxConnect.forTesting) async throws -> FixtureWorld {
        let world = FixtureWorld(policy: policy)
        let now = world.clock.now()
        world.directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(
                    id: "T100", taxID: TaxIdentifier(type: .ssn, number: patSSN), legalName: "Pat Q Client",
                    kind: .individual),
                accounts: [TaxAccount(id: "A101", taxpayer: "T100", type: .personalIncome)]),
            returns: [
                FiledReturn(
                    account: "A101", period: "2025", filedAt: now.addingTimeInterval(-90 * 86_400),
                    amountDue: 1234_56)
            ])
        world.directory.add(
            DirectoryEntry(
                taxpayer: Taxpayer(
                    id: "T200", taxID: TaxIdentifier(type: .fein, number: acmeFEIN),
                    legalName: "Acme Tax Preparers LLC", kind: .business),
                accounts: [TaxAccount(id: "A201", taxpayer: "T200", type: .withholding)]),
            letters: [SignUpLetter(letterID: "L0417-2026", account: "A201", sentAt: now.addingTimeInterval(-86_400))])
        // RULES T1, T3: the agency loads its taxpayers into the store before anyone registers.
        for entry in world.directory.entries {
            try await world.portal.agency.load(entry, by: "agency clerk")
        }
        return world
    }
}

/// A response as the tests read it.
struct Answer {
    let response: TestResponse
    var status: Int { response.status.code }
    var text: String { String(buffer: response.body) }
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
    var list: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }
    var contentType: String? { response.headers[.contentType] }
    var setCookies: [String] { response.headers[values: .setCookie] }
}

/// A session against the live server: sends JSON, keeps the session cookie the way a browser does, and sends the
/// CSRF header unless told not to.
struct Browser {
    let client: any TestClientProtocol
    var cookie: String?
    var bearer: String?
    /// Headers sent with every request (an operator's token).
    var extra: [String: String] = [:]

    init(_ client: any TestClientProtocol) { self.client = client }

    @discardableResult
    mutating func send(
        _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]? = nil, csrf: Bool = true,
        origin: String? = nil
    ) async throws -> Answer {
        var headers: HTTPFields = [:]
        if let body, !body.isEmpty || method != .get { headers[.contentType] = "application/json" }
        if csrf { headers[HTTPField.Name("X-CSRF-Protection")!] = "1" }
        if let origin { headers[.origin] = origin }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let cookie { headers[.cookie] = cookie }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        let bytes = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await client.execute(
            uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: Array($0)) })
        let answer = Answer(response: response)
        for line in answer.setCookies where line.hasPrefix("__Host-ta_session=") {
            let value = String(line.dropFirst("__Host-ta_session=".count).prefix { $0 != ";" })
            cookie = value.isEmpty ? nil : "__Host-ta_session=\(value)"
        }
        return answer
    }
}

/// A live server over `world`'s portal on a loopback port, its log captured.
func withServer(
    _ world: FixtureWorld, log: CapturedLog, configuration: PortalHTTPConfiguration? = nil,
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    let app = Application(
        router: PortalHTTP.router(portal: world.portal, configuration: configuration),
        configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: log.logger)
    try await app.test(.live) { client in try await test(client) }
}

/// The six-digit code of the newest mail to `address` that carries one.
func code(_ world: FixtureWorld, to address: String) async throws -> String {
    for mail in try await world.mails(to: address).reversed() {
        if let range = mail.body.range(of: "code is ") {
            return String(mail.body[range.upperBound...].prefix(6))
        }
    }
    return ""
}

/// The body of a registration through the API.
func application(
    idType: String, idNumber: String, accountType: String, proof: [String: Any], fullName: String, email: String,
    username: String, password: String, clientManagement: Bool = false
) -> [String: Any] {
    [
        "idType": idType, "idNumber": idNumber, "idNumberAgain": idNumber, "accountType": accountType,
        "proof": proof, "fullName": fullName, "phoneNumber": "617-555-0134", "pin": "0417", "email": email,
        "emailAgain": email, "username": username, "password": password, "passwordAgain": password,
        "securityQuestion": "firstPet", "securityAnswer": "Mr. Whiskers", "clientManagement": clientManagement,
        "acceptedTerms": true,
    ]
}

/// Registers, activates from the mail's link and signs in for the first time with codes by email, all over HTTP;
/// returns the signed-in browser and every secret it used (for the log checks).
func registerAndSignIn(
    _ world: FixtureWorld, client: any TestClientProtocol, body: [String: Any], email: String, username: String,
    password: String
) async throws -> (Browser, [String]) {
    var browser = Browser(client)
    let receipt = try await browser.send(.post, "/api/registrations", body)
    guard receipt.status == 201 else { throw TestFailure("registration answered \(receipt.status): \(receipt.text)") }
    return try await activateAndSignIn(world, client: client, email: email, username: username, password: password)
}

/// Activates an approved registration from the mail's link and signs in for the first time with codes by email,
/// all over HTTP; returns the signed-in browser and every secret it used (for the log checks).
func activateAndSignIn(
    _ world: FixtureWorld, client: any TestClientProtocol, email: String, username: String, password: String
) async throws -> (Browser, [String]) {
    var browser = Browser(client)
    // Two mails of one commit leave the outbox in no fixed order: take the one carrying the link.
    guard let token = try await world.mails(to: email).compactMap({ FixtureWorld.linkToken(in: $0) }).last else {
        let outbox = try await world.outbox().map { "\($0.to): \($0.subject)" }
        throw TestFailure("no activation mail to \(email); outbox: \(outbox)")
    }
    let activated = try await browser.send(.post, "/api/activation", ["token": token])
    guard activated.status == 204 else { throw TestFailure("activation answered \(activated.status)") }
    let login = try await browser.send(.post, "/api/session", ["username": username, "password": password])
    guard login.status == 200, login.json["stage"] as? String == "awaitingTwoStepSetup" else {
        throw TestFailure("login answered \(login.status): \(login.text)")
    }
    let setup = try await browser.send(.post, "/api/session/two-step", ["method": "email"])
    guard setup.status == 200 else { throw TestFailure("two-step set-up answered \(setup.status): \(setup.text)") }
    let setupCode = try await code(world, to: email)
    let completed = try await browser.send(.post, "/api/session/two-step/complete", ["code": setupCode])
    guard completed.status == 204 else { throw TestFailure("set-up completion answered \(completed.status)") }
    return (browser, [token, setupCode, password, browser.cookie ?? ""])
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
#endif
