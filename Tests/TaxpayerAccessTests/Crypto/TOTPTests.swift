import Testing
import Foundation
@testable import TaxpayerAccess

/// TOTP per RFC 6238 (RULES A8) and base32 per RFC 4648.
@Suite("Crypto: TOTP and base32")
struct TOTPTests {
    /// The RFC 6238 seeds, with the errata's full-length keys for SHA-256 (32 bytes) and SHA-512 (64 bytes).
    static func seed(_ algorithm: TOTPAlgorithm) -> [UInt8] {
        let length =
            switch algorithm {
            case .sha1: 20
            case .sha256: 32
            case .sha512: 64
            }
        return Array(String(repeating: "1234567890", count: 7).utf8.prefix(length))
    }

    // A8: every RFC 6238 Appendix B vector, 8 digits, 30-second step.
    @Test(
        arguments: [
            (59, TOTPAlgorithm.sha1, "94287082"), (59, .sha256, "46119246"), (59, .sha512, "90693936"),
            (1_111_111_109, .sha1, "07081804"), (1_111_111_109, .sha256, "68084774"),
            (1_111_111_109, .sha512, "25091201"),
            (1_111_111_111, .sha1, "14050471"), (1_111_111_111, .sha256, "67062674"),
            (1_111_111_111, .sha512, "99943326"),
            (1_234_567_890, .sha1, "89005924"), (1_234_567_890, .sha256, "91819424"),
            (1_234_567_890, .sha512, "93441116"),
            (2_000_000_000, .sha1, "69279037"), (2_000_000_000, .sha256, "90698825"),
            (2_000_000_000, .sha512, "38618901"),
            (20_000_000_000, .sha1, "65353130"), (20_000_000_000, .sha256, "77737706"),
            (20_000_000_000, .sha512, "47863826"),
        ] as [(Int, TOTPAlgorithm, String)])
    func rfc6238AppendixB(time: Int, algorithm: TOTPAlgorithm, expected: String) {
        let totp = TOTP(secret: Self.seed(algorithm), algorithm: algorithm, digits: 8, period: 30)
        let date = Date(timeIntervalSince1970: TimeInterval(time))
        #expect(totp.step(at: date) == UInt64(time / 30))
        #expect(totp.code(at: date) == expected)
    }

    @Test func rfc6238SeedsHaveTheErrataLengths() {
        #expect(Self.seed(.sha1) == Array("12345678901234567890".utf8))
        #expect(Self.seed(.sha256) == Array("12345678901234567890123456789012".utf8))
        #expect(Self.seed(.sha512) == Array("1234567890123456789012345678901234567890123456789012345678901234".utf8))
    }

    // RFC 4226 Appendix D: HOTP values for counts 0–9 are TOTP's codes for those steps.
    @Test(
        arguments: Array(
            zip(
                0...9,
                [
                    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
                ])))
    func rfc4226AppendixD(count: Int, expected: String) {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        #expect(totp.code(forStep: UInt64(count)) == expected)
    }

    static let secret = Array("12345678901234567890".utf8)
    /// A moment in the middle of step 50_000_000.
    static let now = Date(timeIntervalSince1970: 50_000_000 * 30 + 12)

    // A8: one step of drift either way is accepted, and the matched step is returned.
    @Test(arguments: [-1, 0, 1])
    func driftOfOneStepIsAccepted(offset: Int) {
        let totp = TOTP(secret: Self.secret)
        let step = UInt64(Int(totp.step(at: Self.now)) + offset)
        #expect(totp.match(totp.code(forStep: step), at: Self.now, drift: 1, after: nil) == step)
    }

    // A8: two steps away is refused with the policy's drift of one.
    @Test(arguments: [-2, 2, 5])
    func driftOfTwoStepsIsRefused(offset: Int) {
        let totp = TOTP(secret: Self.secret)
        let step = UInt64(Int(totp.step(at: Self.now)) + offset)
        let code = totp.code(forStep: step)
        // Guard against a chance collision with a code inside the window, which would make the test meaningless.
        let current = totp.step(at: Self.now)
        #expect(![current - 1, current, current + 1].map(totp.code(forStep:)).contains(code))
        #expect(totp.match(code, at: Self.now, drift: 1, after: nil) == nil)
        #expect(totp.match(code, at: Self.now, drift: abs(offset), after: nil) == step, "a wider drift reaches it")
    }

    // A8: a step used once is refused afterwards, and so is any earlier one.
    @Test func usedStepIsNotReplayed() {
        let totp = TOTP(secret: Self.secret)
        let current = totp.step(at: Self.now)
        let code = totp.code(at: Self.now)
        let used = totp.match(code, at: Self.now, drift: 1, after: nil)
        #expect(used == current)
        #expect(totp.match(code, at: Self.now, drift: 1, after: used) == nil, "the same code twice")
        #expect(
            totp.match(totp.code(forStep: current - 1), at: Self.now, drift: 1, after: used) == nil,
            "an older step after a newer one was used")
        #expect(
            totp.match(totp.code(forStep: current + 1), at: Self.now, drift: 1, after: used) == current + 1,
            "the next step is still good")
        #expect(totp.match(code, at: Self.now, drift: 1, after: current - 1) == current)
    }

    // A8
    @Test(arguments: ["", "12345", "1234567", "abcdef", "000000"])
    func wrongCodesAreRefused(code: String) {
        let totp = TOTP(secret: Self.secret)
        let window = (-1...1).map { totp.code(forStep: UInt64(Int(totp.step(at: Self.now)) + $0)) }
        #expect(!window.contains(code))
        #expect(totp.match(code, at: Self.now, drift: 1, after: nil) == nil)
    }

    @Test func driftNearTheEpochDoesNotUnderflow() {
        let totp = TOTP(secret: Self.secret)
        let start = Date(timeIntervalSince1970: 5)
        #expect(totp.step(at: start) == 0)
        #expect(totp.match(totp.code(forStep: 0), at: start, drift: 1, after: nil) == 0)
        #expect(totp.match(totp.code(forStep: 1), at: start, drift: 1, after: nil) == 1)
        #expect(totp.step(at: Date(timeIntervalSince1970: -100)) == 0)
    }

    @Test func sixDigitCodesKeepLeadingZeros() {
        let totp = TOTP(secret: Self.secret)
        let codes = (0..<2000).map { totp.code(forStep: UInt64($0)) }
        #expect(codes.allSatisfy { $0.count == 6 && $0.allSatisfy(\.isNumber) })
        #expect(codes.contains { $0.hasPrefix("0") })
    }

    // A8: the otpauth:// URI authenticator apps scan.
    @Test func provisioningURIFormat() throws {
        let totp = TOTP(secret: Self.secret)
        let uri = totp.provisioningURI(account: "elmo@example.com", issuer: "Mass Tax Connect")
        #expect(
            uri == "otpauth://totp/Mass%20Tax%20Connect:elmo%40example.com"
                + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Mass%20Tax%20Connect&algorithm=SHA1&digits=6&period=30"
        )

        let parsed = try #require(URLComponents(string: uri))
        #expect(parsed.scheme == "otpauth")
        #expect(parsed.host == "totp")
        let items = Dictionary(uniqueKeysWithValues: (parsed.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(items["issuer"] == "Mass Tax Connect")
        #expect(try #require(items["secret"]).isEmpty == false)
        #expect(Base32.decode(items["secret"]!) == Self.secret)
    }

    @Test func provisioningURINamesOtherAlgorithmsAndEncodesUnicode() {
        let totp = TOTP(secret: Self.secret, algorithm: .sha512, digits: 8, period: 60)
        let uri = totp.provisioningURI(account: "zoë&co?", issuer: "DOR:MA")
        #expect(uri.hasPrefix("otpauth://totp/DOR%3AMA:zo%C3%AB%26co%3F?"))
        #expect(uri.hasSuffix("&issuer=DOR%3AMA&algorithm=SHA512&digits=8&period=60"))
    }

    @Test func generatedSecretsHaveTheAskedLength() {
        let random = SeededRandom(seed: 7)
        let a = TOTP.generateSecret(using: random)
        let b = TOTP.generateSecret(using: random)
        #expect(a.count == 20)
        #expect(a != b)
        #expect(TOTP.generateSecret(byteCount: 32, using: random).count == 32)
    }

    @Test func descriptionHidesTheSecret() {
        let totp = TOTP(secret: Array("SUPERSECRETSUPERSECR".utf8))
        #expect(!"\(totp)".contains("SUPERSECRET"))
        #expect(!"\(totp)".contains(Base32.encode(totp.secret)))
    }

    // RFC 4648 §10 test vectors; encode omits padding, decode accepts it.
    @Test(arguments: [
        ("", ""), ("f", "MY======"), ("fo", "MZXQ===="), ("foo", "MZXW6==="), ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI======"),
    ])
    func base32RFC4648Vectors(plain: String, encoded: String) {
        let bytes = Array(plain.utf8)
        #expect(Base32.encode(bytes) == encoded.replacingOccurrences(of: "=", with: ""))
        #expect(Base32.decode(encoded) == bytes)
        #expect(Base32.decode(encoded.replacingOccurrences(of: "=", with: "")) == bytes)
    }

    @Test func base32DecodeIsTolerant() {
        #expect(Base32.decode("mzxw 6ytb oi") == Array("foobar".utf8))
        #expect(Base32.decode("MZXW-6YTB-OI======") == Array("foobar".utf8))
        #expect(Base32.decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq") == Self.secret)
    }

    @Test(arguments: ["MZ1W", "MZXW6YTB0I", "MY=A", "M", "MZX", "MZXW6Y", "MZ!W"])
    func base32DecodeRefusesInvalidText(text: String) {
        #expect(Base32.decode(text) == nil)
    }

    @Test func base32RoundTrips() {
        let random = SeededRandom(seed: 32)
        for length in 0...70 {
            let bytes = random.bytes(length)
            let encoded = Base32.encode(bytes)
            #expect(!encoded.contains("="))
            #expect(Base32.decode(encoded) == bytes)
            #expect(Base32.decode(encoded.lowercased()) == bytes)
        }
    }
}
