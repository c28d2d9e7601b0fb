internal import CSodium

/// Session, trusted-device and link tokens (RULES A7): 32 random bytes handed out once as base64url text, stored
/// only as a BLAKE2b-256 hash.
///
/// ```swift
/// let (token, hash) = SecretToken.generate(using: SecureRandom())
/// // give `token` to the person; store `hash`
/// let same = SecretToken.hash(token) == hash   // true
/// ```
package enum SecretToken {
    /// The number of random bytes in a token (256 bits, RULES A7).
    package static let byteCount = 32

    /// A new token and its hash.
    package static func generate(using random: any RandomSource) -> (token: String, hash: TokenHash) {
        let token = base64url(random.bytes(byteCount))
        return (token, hash(token))
    }

    /// The BLAKE2b-256 hash of a token's text, as stored.
    package static func hash(_ token: String) -> TokenHash {
        Sodium.ensureInitialized()
        let input = Array(token.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        _ = input.withUnsafeBufferPointer { inBuf in
            crypto_generichash(&out, 32, inBuf.baseAddress, UInt64(inBuf.count), nil, 0)
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in out {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return TokenHash(hex: String(decoding: hex, as: UTF8.self))
    }

    /// RFC 4648 §5 base64url without padding.
    static func base64url(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8))
    }

    /// RFC 4648 §4 base64 without padding (as libsodium writes salts and hashes in Argon2id strings).
    static func base64(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8))
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [
                alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)],
                alphabet[Int(n & 63)],
            ]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)]]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)]]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
