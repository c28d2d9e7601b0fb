#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Time-based one-time passwords for authenticator apps: RFC 6238 over the HOTP of RFC 4226, with HMAC-SHA-1,
/// SHA-256 or SHA-512 (RULES A8).
///
/// ```swift
/// let secret = TOTP.generateSecret(using: SecureRandom())
/// let totp = TOTP(secret: secret)
/// let uri = totp.provisioningURI(account: "elmo", issuer: "MassTaxConnect")   // shown as a QR code
/// if let step = totp.match(typed, at: now, drift: 1, after: logon.twoStep.lastTOTPStep) {
///     // accept, and store `step` as the last used one
/// }
/// ```
struct TOTP: Sendable {
    /// The shared secret (raw bytes, not base32).
    let secret: [UInt8]
    let algorithm: TOTPAlgorithm
    /// Digits per code, 1 through 10.
    let digits: Int
    /// Seconds per time step.
    let period: Int

    /// A generator for `secret`. `digits` must be 1…10 and `period` positive.
    init(secret: [UInt8], algorithm: TOTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30) {
        precondition((1...10).contains(digits), "TOTP digits must be 1…10")
        precondition(period > 0, "TOTP period must be positive")
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    /// A generator whose step is a `Duration` (``Policy/totpStep``): whole seconds, positive.
    init(secret: [UInt8], algorithm: TOTPAlgorithm = .sha1, digits: Int = 6, period: Duration) {
        let (seconds, attoseconds) = period.components
        precondition(attoseconds == 0, "TOTP period must be whole seconds")
        self.init(secret: secret, algorithm: algorithm, digits: digits, period: Int(seconds))
    }

    /// The time step holding `date`: whole periods since the Unix epoch (0 before it).
    func step(at date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds > 0 else { return 0 }
        return UInt64((seconds / Double(period)).rounded(.down))
    }

    /// The code of a time step: the HOTP value (RFC 4226 §5.3) of the step as counter, zero-padded to ``digits``.
    func code(forStep step: UInt64) -> String {
        var counter = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { counter[i] = UInt8(truncatingIfNeeded: step >> UInt64(56 - 8 * i)) }
        let mac: [UInt8] =
            switch algorithm {
            case .sha1: HMAC.sha1(key: secret, message: counter)
            case .sha256: HMAC.sha256(key: secret, message: counter)
            case .sha512: HMAC.sha512(key: secret, message: counter)
            }
        // Dynamic truncation.
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let binary =
            UInt64(mac[offset] & 0x7f) << 24 | UInt64(mac[offset + 1]) << 16
            | UInt64(mac[offset + 2]) << 8 | UInt64(mac[offset + 3])
        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// The code valid at `date`.
    func code(at date: Date) -> String {
        code(forStep: step(at: date))
    }

    /// The time step `code` belongs to, looking `drift` steps either side of `date`'s step, or `nil`.
    ///
    /// A step at or before `lastUsedStep` never matches, so a code works once and no older code works after a newer
    /// one (RULES A8). Every candidate is compared in constant time, and all are compared whatever matches. Where
    /// two candidates share the code, the one nearest `date` wins.
    func match(_ code: String, at date: Date, drift: Int, after lastUsedStep: UInt64?) -> UInt64? {
        let current = step(at: date)
        let typed = Array(code.utf8)
        var found: UInt64?
        // Nearest first: current, -1, +1, -2, +2, …
        var candidates: [UInt64] = [current]
        for distance in 0..<max(0, drift) {
            let d = UInt64(distance + 1)
            if current >= d { candidates.append(current - d) }
            if current <= UInt64.max - d { candidates.append(current + d) }
        }
        for candidate in candidates {
            let matches = ConstantTime.equals(typed, Array(self.code(forStep: candidate).utf8))
            let fresh = lastUsedStep.map { candidate > $0 } ?? true
            if matches, fresh, found == nil { found = candidate }
        }
        return found
    }

    /// A new random secret; 20 bytes (160 bits) is RFC 4226's recommendation and what apps expect for SHA-1.
    static func generateSecret(byteCount: Int = 20, using random: any RandomSource) -> [UInt8] {
        random.bytes(byteCount)
    }

    /// The `otpauth://totp/…` URI authenticator apps read from a QR code, with issuer and account percent-encoded:
    /// `otpauth://totp/Issuer:account?secret=…&issuer=Issuer&algorithm=SHA1&digits=6&period=30`.
    func provisioningURI(account: String, issuer: String) -> String {
        let label = Self.percentEncode(issuer) + ":" + Self.percentEncode(account)
        return "otpauth://totp/\(label)?secret=\(Base32.encode(secret))&issuer=\(Self.percentEncode(issuer))"
            + "&algorithm=\(algorithm.rawValue)&digits=\(digits)&period=\(period)"
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension TOTP: CustomStringConvertible {
    /// Names the parameters, never the secret.
    var description: String { "TOTP(\(algorithm.rawValue), \(digits) digits, \(period) s)" }
}
