import Testing
@testable import TaxpayerAccess

/// SHA-1 and HMAC, the ground TOTP (RULES A8) stands on.
@Suite("Crypto: SHA-1 and HMAC")
struct DigestTests {
    // RFC 3174 §7.3 test vectors (TEST1–TEST4), plus the empty message.
    @Test(arguments: [
        ("abc", 1, "A9 99 3E 36 47 06 81 6A BA 3E 25 71 78 50 C2 6C 9C D0 D8 9D"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
            "84 98 3E 44 1C 3B D2 6E BA AE 4A A1 F9 51 29 E5 E5 46 70 F1"
        ),
        ("a", 1_000_000, "34 AA 97 3C D4 C4 DA A4 F6 1E EB 2B DB AD 27 31 65 34 01 6F"),
        (
            "0123456701234567012345670123456701234567012345670123456701234567", 10,
            "DE A3 56 A2 CD DD 90 C7 A7 EC ED C5 EB B5 63 93 4F 46 04 52"
        ),
        ("", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ])
    func sha1MatchesRFC3174(text: String, repeats: Int, digest: String) {
        let message = Array(String(repeating: text, count: repeats).utf8)
        #expect(SHA1.hash(message) == Hex.decode(digest))
    }

    // Padding edges: 55, 56, 63, 64 and 65 bytes each cross a block boundary differently. Digests from the
    // FIPS 180 definition as computed by `sha1sum`.
    @Test(arguments: [
        (55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"),
        (56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"),
        (63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"),
        (64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"),
        (65, "11655326c708d70319be2610e8a57d9a5b959d3b"),
    ])
    func sha1PaddingBoundaries(length: Int, digest: String) {
        #expect(Hex.encode(SHA1.hash([UInt8](repeating: UInt8(ascii: "a"), count: length))) == digest)
    }

    // RFC 2202 §3: every HMAC-SHA-1 test case.
    @Test(arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b617318655057264e28bc0b6fb378c8ef146be00"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        (
            [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "125d7342b9ac11cd91a39af48aa17b4f63f175d3"
        ),
        (Array(UInt8(1)...UInt8(25)), [UInt8](repeating: 0xcd, count: 50), "4c9007f4026250c6bc8414f9bf50c86c2d7235da"),
        (
            [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
            "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"
        ),
        (
            [UInt8](repeating: 0xaa, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        ),
        (
            [UInt8](repeating: 0xaa, count: 80),
            Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
            "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"
        ),
    ])
    func hmacSHA1MatchesRFC2202(key: [UInt8], message: [UInt8], mac: String) {
        #expect(Hex.encode(HMAC.sha1(key: key, message: message)) == mac)
    }

    // RFC 4231 test cases 1 (short key) and 6 (131-byte key, longer than a block): libsodium's HMACs take any key
    // length through the _init/_update/_final API.
    @Test func hmacSHA256AndSHA512MatchRFC4231() {
        let key1 = [UInt8](repeating: 0x0b, count: 20)
        let hiThere = Array("Hi There".utf8)
        #expect(
            Hex.encode(HMAC.sha256(key: key1, message: hiThere))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Hex.encode(HMAC.sha512(key: key1, message: hiThere))
                == "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
                + "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")

        let key6 = [UInt8](repeating: 0xaa, count: 131)
        let message6 = Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)
        #expect(
            Hex.encode(HMAC.sha256(key: key6, message: message6))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(
            Hex.encode(HMAC.sha512(key: key6, message: message6))
                == "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
                + "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598")
    }

    @Test func hmacTakesEmptyKeyAndMessage() {
        #expect(HMAC.sha1(key: [], message: []).count == 20)
        #expect(
            Hex.encode(HMAC.sha256(key: [], message: []))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        #expect(HMAC.sha512(key: [], message: []).count == 64)
    }
}
