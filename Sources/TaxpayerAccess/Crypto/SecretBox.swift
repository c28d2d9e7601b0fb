internal import CSodium

/// Authenticated symmetric encryption (libsodium `crypto_secretbox_easy`: XSalsa20-Poly1305) for secrets that
/// must be read back, such as TOTP secrets at rest (RULES A8; ``TwoStepMethod/authenticator(sealedSecret:algorithm:)``).
///
/// ```swift
/// let box = try SecretBox(key: keyFromConfiguration)
/// let sealed = box.seal(totpSecret, using: SecureRandom())
/// let secret = try box.open(sealed)
/// ```
public struct SecretBox: Sendable {
    /// Key length in bytes.
    public static let keyByteCount = 32
    /// Nonce length in bytes, prefixed to every sealed value.
    public static let nonceByteCount = 24
    /// Authentication tag length in bytes.
    public static let macByteCount = 16

    private let key: [UInt8]

    /// A box over a 32-byte key.
    /// - Throws: ``AccessError/Code/invalidInput`` (field `key`) for any other length.
    public init(key: [UInt8]) throws(AccessError) {
        guard key.count == Self.keyByteCount else {
            throw AccessError.invalid("key", "A secret box key has \(Self.keyByteCount) bytes, not \(key.count).")
        }
        Sodium.ensureInitialized()
        self.key = key
    }

    /// A new random key.
    public static func generateKey(using random: any RandomSource) -> [UInt8] {
        random.bytes(keyByteCount)
    }

    /// `plaintext` encrypted and authenticated under a fresh random nonce: `nonce || ciphertext` (the ciphertext
    /// includes the 16-byte tag).
    public func seal(_ plaintext: [UInt8], using random: any RandomSource) -> [UInt8] {
        let nonce = random.bytes(Self.nonceByteCount)
        var cipher = [UInt8](repeating: 0, count: plaintext.count + Self.macByteCount)
        _ = plaintext.withUnsafeBufferPointer { message in
            crypto_secretbox_easy(&cipher, message.baseAddress, UInt64(message.count), nonce, key)
        }
        return nonce + cipher
    }

    /// The plaintext of a value ``seal(_:using:)`` made with the same key.
    /// - Throws: ``AccessError/Code/invalidInput`` (field `sealed`) when it is too short, was altered, or was sealed
    ///   under another key.
    public func open(_ sealed: [UInt8]) throws(AccessError) -> [UInt8] {
        guard sealed.count >= Self.nonceByteCount + Self.macByteCount else {
            throw AccessError.invalid("sealed", "The sealed value is too short to hold a nonce and a tag.")
        }
        let nonce = Array(sealed[..<Self.nonceByteCount])
        let cipher = Array(sealed[Self.nonceByteCount...])
        var plain = [UInt8](repeating: 0, count: cipher.count - Self.macByteCount)
        let result = plain.withUnsafeMutableBufferPointer { out in
            crypto_secretbox_open_easy(out.baseAddress, cipher, UInt64(cipher.count), nonce, key)
        }
        guard result == 0 else {
            throw AccessError.invalid("sealed", "The sealed value was altered or sealed under another key.")
        }
        return plain
    }
}

extension SecretBox: CustomStringConvertible {
    /// Never shows the key.
    public var description: String { "SecretBox(key: <redacted>)" }
}
