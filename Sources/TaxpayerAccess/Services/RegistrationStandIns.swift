// TEMPORARY stand-ins for what branches `crypto` and `policy` deliver; deleted when they are merged.
internal import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#endif
import Foundation

enum SecurityCode {
    static func generate(digits: Int, using random: any RandomSource) -> String {
        String((0..<digits).map { _ in Character(String(random.uniform(10))) })
    }
}

struct SecretBox: Sendable {
    let key: [UInt8]
    init(key: [UInt8]) { self.key = key }
    static func generateKey(using random: any RandomSource) -> [UInt8] { random.bytes(32) }
    func seal(_ plaintext: [UInt8], using random: any RandomSource) -> [UInt8] {
        Sodium.ensureInitialized()
        let nonce = random.bytes(24)
        var out = [UInt8](repeating: 0, count: plaintext.count + 16)
        _ = crypto_secretbox_easy(&out, plaintext, UInt64(plaintext.count), nonce, key)
        return nonce + out
    }
    func open(_ sealed: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 40 else { return nil }
        let nonce = Array(sealed[0..<24]), box = Array(sealed[24...])
        var out = [UInt8](repeating: 0, count: box.count - 16)
        return crypto_secretbox_open_easy(&out, box, UInt64(box.count), nonce, key) == 0 ? out : nil
    }
}

struct TOTP: Sendable {
    var secret: [UInt8]
    var algorithm: TOTPAlgorithm
    var digits: Int
    var period: Int
    init(secret: [UInt8], algorithm: TOTPAlgorithm = .sha1, digits: Int = 6, period: Int = 30) {
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }
    static func generateSecret(byteCount: Int = 20, using random: any RandomSource) -> [UInt8] { random.bytes(byteCount) }
    func step(at date: Date) -> UInt64 { UInt64(date.timeIntervalSince1970) / UInt64(period) }
    func code(at date: Date) -> String { code(forStep: step(at: date)) }
    func code(forStep step: UInt64) -> String {
        Sodium.ensureInitialized()
        var message = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { message[7 - i] = UInt8((step >> (8 * UInt64(i))) & 0xff) }
        var mac = [UInt8](repeating: 0, count: 32)
        var state = crypto_auth_hmacsha256_state()
        crypto_auth_hmacsha256_init(&state, secret, secret.count)
        crypto_auth_hmacsha256_update(&state, message, 8)
        crypto_auth_hmacsha256_final(&state, &mac)
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
        var modulo: UInt32 = 1
        for _ in 0..<digits { modulo *= 10 }
        let text = String(value % modulo)
        return String(repeating: "0", count: digits - text.count) + text
    }
    func match(_ code: String, at date: Date, drift: Int, after lastStep: UInt64?) -> UInt64? {
        let now = step(at: date)
        for delta in -drift...drift {
            let s = Int64(now) + Int64(delta)
            guard s >= 0 else { continue }
            if let lastStep, UInt64(s) <= lastStep { continue }
            if self.code(forStep: UInt64(s)) == code { return UInt64(s) }
        }
        return nil
    }
    func provisioningURI(account: String, issuer: String) -> String {
        "otpauth://totp/\(issuer):\(account)?issuer=\(issuer)&algorithm=\(algorithm.rawValue)&digits=\(digits)&period=\(period)"
    }
}

enum Base32 {
    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var out = "", buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return out
    }
}
