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

extension Policy {
    func validateUsername(_ username: String) throws(AccessError) {
        guard usernameLength.contains(username.count) else { throw .invalid("username", "Username length") }
        guard !username.contains(where: \.isWhitespace) else { throw .invalid("username", "No white space") }
    }
    func validatePassword(_ password: String, username: String) throws(AccessError) {
        guard passwordLength.contains(password.count) else { throw .invalid("password", "Password length") }
        guard password.lowercased() != username.lowercased() else { throw .invalid("password", "Not the username") }
        if passwordRules == .composition {
            guard password.contains(where: \.isUppercase), password.contains(where: \.isLowercase),
                password.contains(where: \.isNumber)
            else { throw .invalid("password", "Composition") }
        }
    }
    static func validateConfirmation(_ value: String, _ again: String, field: String) throws(AccessError) {
        guard value == again else { throw .invalid(field, "The two entries of the \(field) do not match.") }
    }
    static func validateEmail(_ email: String) throws(AccessError) -> String {
        let t = email.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= 254, t.allSatisfy(\.isASCII), !t.contains(" "),
            t.split(separator: "@").count == 2, t.split(separator: "@")[1].contains(".")
        else { throw .invalid("email", "Enter a valid email address.") }
        return t
    }
    static func validatePIN(_ pin: String) throws(AccessError) {
        guard pin.count == 4, pin.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalid("pin", "PIN: 4 digits") }
    }
    static func validatePhone(countryCode: String, type: PhoneNumber.LineType, number: String) throws(AccessError) -> PhoneNumber {
        let digits = number.filter(\.isNumber)
        guard digits.count >= 7, digits.count <= 15, number.allSatisfy({ $0.isASCII }) else { throw .invalid("phone", "Phone") }
        return PhoneNumber(countryCode: countryCode, type: type, number: digits)
    }
    static func validateTaxIdentifier(type: IDType, number: String) throws(AccessError) -> TaxIdentifier {
        let digits = number.filter { $0 != "-" }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalid("idNumber", "ID: 9 digits") }
        return TaxIdentifier(type: type, number: digits)
    }
    static func normalizeSecurityAnswer(_ answer: String) -> String {
        answer.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
    static func validateSecurityAnswer(_ answer: String) throws(AccessError) {
        guard !normalizeSecurityAnswer(answer).isEmpty, answer.count <= 100 else { throw .invalid("securityAnswer", "Answer") }
    }
    static func validateFullName(_ name: String) throws(AccessError) -> String {
        let t = name.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard !t.isEmpty, t.count <= 100 else { throw .invalid("fullName", "Name") }
        return t
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
