internal import CSodium

/// HMAC (RFC 2104) with SHA-1, SHA-256 and SHA-512, for TOTP (RULES A8). SHA-256 and SHA-512 are libsodium's
/// `crypto_auth_hmacsha256/512` through their `_init/_update/_final` API, which takes a key of any length; SHA-1 is
/// built here over ``SHA1``.
///
/// ```swift
/// let mac = HMAC.sha256(key: secret, message: counterBytes)   // 32 bytes
/// ```
enum HMAC {
    /// HMAC-SHA-1: 20 bytes.
    static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let blockSize = 64
        var block = key.count > blockSize ? SHA1.hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = SHA1.hash(block.map { $0 ^ 0x36 } + message)
        return SHA1.hash(block.map { $0 ^ 0x5c } + inner)
    }

    /// HMAC-SHA-256: 32 bytes.
    static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_bytes()))
        _ = crypto_auth_hmacsha256_init(&state, key, key.count)  // array-to-pointer: never nil, even when empty
        _ = crypto_auth_hmacsha256_update(&state, message, UInt64(message.count))
        _ = crypto_auth_hmacsha256_final(&state, &out)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return out
    }

    /// HMAC-SHA-512: 64 bytes.
    static func sha512(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha512_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha512_bytes()))
        _ = crypto_auth_hmacsha512_init(&state, key, key.count)  // array-to-pointer: never nil, even when empty
        _ = crypto_auth_hmacsha512_update(&state, message, UInt64(message.count))
        _ = crypto_auth_hmacsha512_final(&state, &out)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha512_state>.size)
        return out
    }
}
