#if HTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessTesting

/// The error mapping of Documentation/Errors.md, code by code, and the recovery flow over loopback.
@Suite("HTTP problems and recovery")
struct HTTPProblemTests {
    @Test("Errors.md: every refusal code has the table's status; a portal fault shows no detail")
    func statusTable() {
        let expected: [AccessError.Code: Int] = [
            .invalidInput: 422, .passwordReused: 422, .termsNotAccepted: 422, .usernameTaken: 422, .emailTaken: 422,
            .proofFailed: 422, .tooManyAttempts: 429, .invalidCredentials: 401, .lockedOut: 423, .invalidCode: 401,
            .tooManyResends: 429, .sessionExpired: 401, .stepRequired: 403, .invalidLink: 410, .notAuthorized: 403,
            .notFound: 404, .taxpayerNotMatched: 404, .notEligible: 403, .conflict: 409, .misconfigured: 500,
        ]
        #expect(Set(expected.keys) == Set(AccessError.Code.all), "the table covers every code")
        for code in AccessError.Code.all {
            let problem = HTTPProblem.from(AccessError(code, "a message", field: "f"))
            #expect(problem.status == expected[code], "\(code)")
            #expect(problem.type == "urn:taxpayer-access:\(code)")
            #expect(problem.code == code.description)
            #expect(problem.detail == (problem.status >= 500 ? nil : "a message"), "\(code)")
        }
        let unavailable = HTTPProblem.from(StoreError(.unavailable, subject: "logon:L1", message: "connection refused"))
        #expect(unavailable.status == 503)
        #expect(unavailable.detail == nil)
        let corrupt = HTTPProblem.from(StoreError(.corrupt, subject: "logon:L1", message: "row 7 unreadable"))
        #expect(corrupt.status == 500)
        #expect(corrupt.detail == nil)
        let conflict = HTTPProblem.from(StoreError.uniqueKeyTaken(.username))
        #expect(conflict.status == 409)
        #expect(!(conflict.detail ?? "").contains("username"), "the key's name stays in the log")
    }

    @Test("RULES V1, V2: a forgotten password is reset over HTTP from the mailed link's token, sent in a POST body")
    func passwordReset() async throws {
        let world = try await Cast.world()
        let log = CapturedLog()
        try await withServer(world, log: log) { client in
            _ = try await registerAndSignIn(
                world, client: client, body: HTTPFlowTests.pat, email: "pat@client.example", username: "pat.client",
                password: Cast.patPassword)
            world.advance(by: .seconds(5))
            var browser = Browser(client)
            let forgot = try await browser.send(.post, "/api/recovery/password", ["username": "pat.client"])
            #expect(forgot.status == 202)
            let unknown = try await browser.send(.post, "/api/recovery/password", ["username": "nobody.here"])
            #expect(unknown.status == 202, "V1: the answer is the same for an unknown username")
            let mails = try await world.mails(to: "pat@client.example")
            let token = try #require(mails.compactMap { FixtureWorld.linkToken(in: $0) }.last)
            let question = try await browser.send(.post, "/api/recovery/reset/question", ["token": token])
            #expect(question.status == 200)
            let reset = try await browser.send(
                .post, "/api/recovery/reset",
                [
                    "token": token, "securityAnswer": "Mr. Whiskers", "newPassword": "Lighthouse77z",
                    "confirmation": "Lighthouse77z",
                ])
            #expect(reset.status == 204, "\(reset.text)")
            let old = try await browser.send(
                .post, "/api/session", ["username": "pat.client", "password": Cast.patPassword])
            #expect(old.status == 401)
            let new = try await browser.send(
                .post, "/api/session", ["username": "pat.client", "password": "Lighthouse77z"])
            #expect(new.status == 200)
            #expect(!log.all.contains { $0.contains(token) || $0.contains("Lighthouse77z") })
        }
    }
}
#endif
