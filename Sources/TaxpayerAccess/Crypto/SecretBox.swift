internal import CSodium

/// Authenticated symmetric encryption (libsodium `crypto_secretbox_easy`: XSalsa20-Poly1305) for secrets that
/// must be read back, such as TOTP secrets at rest (RULES A8; ``TwoStepMethod/authenticator(sealedSecret:algorithm:)``)
/// and outbox mail bodies (RULES N2, A7).
///
/// A box holds one key or a ``SealingKeyRing``: it seals with the current key, and every value it seals names that
/// key (``SealingKey/id``), so a box over a ring opens values of any of its keys — key rotation
/// (Documentation/Operations.md, Key safety). Values sealed before keys carried ids (nonce ‖ ciphertext) still open
/// with the key that sealed them.
///
/// ```swift
/// let box = try SecretBox(key: keyFromConfiguration)
/// let sealed = box.seal(totpSecret, using: SecureRandom())
/// let secret = try box.open(sealed)
/// ```
package struct SecretBox: Sendable {
    /// Key length in bytes.
    package static let keyByteCount = SealingKey.byteCount
    /// Nonce length in bytes, in every sealed value.
    package static let nonceByteCount = 24
    /// Authentication tag length in bytes.
    package static let macByteCount = 16
    /// What a sealed value starts with before its key id: `TAk` and format 1.
    static let magic: [UInt8] = [0x54, 0x41, 0x6b, 0x01]
    /// The bytes in front of the nonce: magic ‖ key id.
    static let headerByteCount = magic.count + SealingKey.idByteCount

    /// Seals new values.
    private let current: SealingKey
    /// Every key that opens, the current one first.
    private let keys: [SealingKey]

    /// A box over one 32-byte key.
    /// - Throws: ``AccessError/Code/invalidInput`` (field `key`) for any other length.
    package init(key: [UInt8]) throws(AccessError) {
        let key = try SealingKey(key)
        self.init(ring: SealingKeyRing(current: key))
    }

    /// A box that seals with the ring's current key and opens with any of its keys.
    package init(ring: SealingKeyRing) {
        Sodium.ensureInitialized()
        current = ring.current
        keys = ring.keys
    }

    /// The id of the key new values are sealed with.
    package var currentKeyID: String { current.id }

    /// A new random key.
    package static func generateKey(using random: any RandomSource) -> [UInt8] {
        random.bytes(keyByteCount)
    }

    /// `plaintext` encrypted and authenticated with the current key under a fresh random nonce:
    /// `TAk\u{1}` ‖ key id (8 bytes) ‖ nonce (24) ‖ ciphertext (with its 16-byte tag). An altered key id only
    /// points at a key that does not verify the tag: the value then fails to open, as any altered value does.
    package func seal(_ plaintext: [UInt8], using random: any RandomSource) -> [UInt8] {
        let nonce = random.bytes(Self.nonceByteCount)
        var cipher = [UInt8](repeating: 0, count: plaintext.count + Self.macByteCount)
        _ = plaintext.withUnsafeBufferPointer { message in
            crypto_secretbox_easy(&cipher, message.baseAddress, UInt64(message.count), nonce, current.bytes)
        }
        return Self.magic + current.idBytes + nonce + cipher
    }

    /// The plaintext of a value sealed with one of this box's keys.
    /// - Throws: ``AccessError/Code/invalidInput`` (field `sealed`) when it is too short, was altered, or was sealed
    ///   under a key the box does not hold (the message names that key's id when the value carries one).
    package func open(_ sealed: [UInt8]) throws(AccessError) -> [UInt8] {
        if let id = Self.keyID(ofSealed: sealed) {
            if let key = keys.first(where: { $0.id == id }),
                let plain = Self.open(sealed, from: Self.headerByteCount, with: key)
            {
                return plain
            }
            // Possibly an unlabelled value whose random nonce happens to start like a header: try it as one.
            for key in keys {
                if let plain = Self.open(sealed, from: 0, with: key) { return plain }
            }
            if keys.contains(where: { $0.id == id }) {
                throw AccessError.misconfigured("The sealed value was altered.")
            }
            throw AccessError.misconfigured(
                "The value was sealed with key \(id), which this box does not hold (it holds \(idList)).")
        }
        guard sealed.count >= Self.nonceByteCount + Self.macByteCount else {
            throw AccessError.misconfigured("The sealed value is too short to hold a nonce and a tag.")
        }
        for key in keys {
            if let plain = Self.open(sealed, from: 0, with: key) { return plain }
        }
        throw AccessError.misconfigured("The sealed value was altered or sealed under another key.")
    }

    /// The id of the key a value was sealed with, or `nil` for a value sealed before values carried one (or that is
    /// no sealed value at all).
    package static func keyID(ofSealed sealed: [UInt8]) -> String? {
        guard sealed.count >= headerByteCount + nonceByteCount + macByteCount,
            sealed.starts(with: magic)
        else { return nil }
        return Hex.string(Array(sealed[magic.count..<headerByteCount]))
    }

    private var idList: String { keys.map(\.id).joined(separator: ", ") }

    /// Opens `nonce ‖ ciphertext` starting at `offset`; `nil` when the tag does not verify.
    private static func open(_ sealed: [UInt8], from offset: Int, with key: SealingKey) -> [UInt8]? {
        guard sealed.count - offset >= nonceByteCount + macByteCount else { return nil }
        let nonce = Array(sealed[offset..<offset + nonceByteCount])
        let cipher = Array(sealed[(offset + nonceByteCount)...])
        var plain = [UInt8](repeating: 0, count: cipher.count - macByteCount)
        let result = plain.withUnsafeMutableBufferPointer { out in
            crypto_secretbox_open_easy(out.baseAddress, cipher, UInt64(cipher.count), nonce, key.bytes)
        }
        return result == 0 ? plain : nil
    }
}

extension SecretBox: CustomStringConvertible {
    /// Never shows a key, only the ids.
    package var description: String { "SecretBox(keys: \(idList))" }
}
