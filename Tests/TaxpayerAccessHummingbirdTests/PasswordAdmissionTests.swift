#if HTTP
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import TaxpayerAccessHummingbird
import Testing

/// Admission before slow hashing (Documentation/HTTP.md, "Slow hashing"): past the limit, an unauthenticated
/// hashing request is refused at once, alike for every caller, and the room comes back when a request ends.
@Suite("HTTP: admission before Argon2id")
struct PasswordAdmissionTests {
    /// How many requests reached the handler, and the gate that holds them there.
    final class Gate: Sendable {
        let entered = Mutex(0)
        let open = Mutex(false)

        func wait() async throws {
            entered.withLock { $0 += 1 }
            while !open.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test("RULES A2, A1: past the limit a sign-in is refused with 429 and Retry-After before any work; room comes back")
    func refusesPastTheLimit() async throws {
        let gate = Gate()
        let router = Router()
        router.add(middleware: PasswordAdmissionMiddleware(limit: 2))
        router.post("/api/session") { _, _ -> String in
            try await gate.wait()
            return "hashed"
        }
        router.post("/api/session/code") { _, _ -> String in "not a hashing route" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            // The test client holds one connection; the held requests each need one of their own.
            let port = try #require(client.port)
            @Sendable func post(_ path: String) async throws -> (Int, String?, String?, String) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
                request.httpMethod = "POST"
                let (data, response) = try await URLSession.shared.data(for: request)
                let http = try #require(response as? HTTPURLResponse)
                return (
                    http.statusCode, http.value(forHTTPHeaderField: "Retry-After"),
                    http.value(forHTTPHeaderField: "Content-Type"), String(decoding: data, as: UTF8.self)
                )
            }
            // Whatever happens, the held requests are let go, so the test never hangs on them.
            defer { gate.open.withLock { $0 = true } }
            async let first = post("/api/session")
            async let second = post("/api/session")
            for _ in 0..<500 where gate.entered.withLock({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
            try #require(gate.entered.withLock { $0 } == 2, "two requests hold the room")

            let refused = try await post("/api/session")
            #expect(refused.0 == 429)
            #expect(refused.1 == "1", "Retry-After")
            #expect(refused.2 == "application/problem+json")
            #expect(refused.3.contains(#""code":"busy""#), "\(refused.3)")
            #expect(gate.entered.withLock { $0 } == 2, "the refused request never reached the handler")
            let other = try await post("/api/session/code")
            #expect(other.0 == 200, "a route that hashes nothing is not limited")

            gate.open.withLock { $0 = true }
            #expect(try await first.0 == 200)
            #expect(try await second.0 == 200)
            let again = try await post("/api/session")
            #expect(again.0 == 200, "the room came back when the requests ended")
        }
    }
}
#endif
