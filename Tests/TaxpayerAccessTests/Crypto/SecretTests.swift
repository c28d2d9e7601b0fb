import Testing
@testable import TaxpayerAccess

/// Tokens (RULES A7), constant-time comparison and sealed secrets (RULES A8).
@Suite("Crypto: tokens, comparison, secret box")
struct SecretTests {
    // A7: 256 random bits as 43 base64url characters, stored only as a BLAKE2b-256 hash.
    @Test func tokensCarry256BitsAndAreStoredAsHashes() {
        let random = SecureRandom()
        let (token, hash) = SecretToken.generate(using: random)
        #expect(token.count == 43)
        #expect(
            token.utf8.allSatisfy { byte in
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "_")
            })
        #expect(hash.hex.count == 64)
        #expect(hash.hex.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(!hash.hex.contains(token))
        #expect(SecretToken.hash(token) == hash, "the hash is stable")
        let (other, otherHash) = SecretToken.generate(using: random)
        #expect(other != token)
        #expect(otherHash != hash)
    }

    // A7: the hash is BLAKE2b-256 of the token text (libsodium's crypto_generichash, 32-byte output).
    @Test func tokenHashIsBLAKE2b256() {
        #expect(SecretToken.hash("").hex == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(SecretToken.hash("abc").hex == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
    }

    @Test func base64urlHasNoPadding() {
        #expect(SecretToken.base64url([]) == "")
        #expect(SecretToken.base64url([0xfb]) == "-w")
        #expect(SecretToken.base64url([0xfb, 0xff]) == "-_8")
        #expect(SecretToken.base64url(Array("foobar".utf8)) == "Zm9vYmFy")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([9, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2]), "different lengths are unequal")
        #expect(!ConstantTime.equals([], [0]))
        #expect(ConstantTime.equals([UInt8](), []))
        #expect(ConstantTime.equals("123456", "123456"))
        #expect(!ConstantTime.equals("123456", "123457"))
        #expect(!ConstantTime.equals("12345", "123456"))
        #expect(ConstantTime.equals("", ""))
        #expect(ConstantTime.equals("zoë", "zoë"))
    }

    // A8: TOTP secrets are sealed at rest.
    @Test func secretBoxSealsAndOpens() throws {
        let random = SeededRandom(seed: 11)
        let box = try SecretBox(key: SecretBox.generateKey(using: random))
        let secret = TOTP.generateSecret(using: random)
        let sealed = box.seal(secret, using: random)
        // "TAk" 1, the key id (8), the nonce (24), the tag (16), the ciphertext.
        #expect(sealed.count == 4 + 8 + 24 + 16 + secret.count)
        #expect(SecretBox.keyID(ofSealed: sealed) == box.currentKeyID)
        #expect(!sealed.indices.dropLast(secret.count - 1).contains { Array(sealed[$0..<$0 + secret.count]) == secret })
        #expect(try box.open(sealed) == secret)
        #expect(box.seal(secret, using: random) != sealed, "a fresh nonce each time")
        #expect(try box.open(box.seal([], using: random)) == [])
    }

    // A8: any altered byte (format, key id, nonce, tag or body) is refused.
    @Test(arguments: [0, 3, 4, 11, 12, 35, 36, 51, 52, 71])
    func tamperedBoxIsRefused(position: Int) throws {
        let random = SeededRandom(seed: 12)
        let box = try SecretBox(key: SecretBox.generateKey(using: random))
        var sealed = box.seal(TOTP.generateSecret(using: random), using: random)
        sealed[position] ^= 0x01
        // Sealed data that does not open is the portal's own fault (a wrong key, altered storage), never the user's.
        #expect(throws: AccessError(.misconfigured, "")) { try box.open(sealed) }
    }

    @Test func wrongKeyOrShortInputIsRefused() throws {
        let random = SeededRandom(seed: 13)
        let box = try SecretBox(key: SecretBox.generateKey(using: random))
        let other = try SecretBox(key: SecretBox.generateKey(using: random))
        let sealed = box.seal([1, 2, 3], using: random)
        #expect(throws: AccessError.self) { try other.open(sealed) }
        #expect(throws: AccessError.self) { try box.open(Array(sealed.prefix(39))) }
        #expect(throws: AccessError.self) { try box.open([]) }
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func keysMustHave32Bytes(length: Int) {
        #expect(throws: AccessError(.misconfigured, "")) { try SecretBox(key: [UInt8](repeating: 7, count: length)) }
    }

    @Test func boxDescriptionHidesTheKey() throws {
        let key = [UInt8](repeating: 0x41, count: 32)
        let box = try SecretBox(key: key)
        #expect(!"\(box)".contains("65"))
        #expect(!String(reflecting: box).contains("AAAA"))
    }
}
