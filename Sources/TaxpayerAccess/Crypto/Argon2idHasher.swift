internal import CSodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The production ``SecretHasher``: Argon2id (libsodium `crypto_pwhash_str_alg` with `ALG_ARGON2ID13`), the cost
/// taken from ``Policy/hashingCost`` (RULES R6, R7, R4's PIN).
///
/// Hashing and verifying run on threads of the hasher's own (at most one per core), never on Swift's cooperative
/// pool, so a burst of logins cannot starve other tasks; see `HashingThreads`. Copies of a hasher share its
/// threads.
///
/// ```swift
/// let hasher = Argon2idHasher(cost: policy.hashingCost)
/// let stored = try await hasher.hash("Secret123")
/// if await hasher.verify(typed, against: stored), hasher.needsRehash(stored) {
///     let upgraded = try await hasher.hash(typed)   // store it
/// }
/// ```
public struct Argon2idHasher: SecretHasher {
    /// The cost new hashes get, and that ``needsRehash(_:)`` compares against.
    public let cost: Policy.HashingCost
    private let threads: HashingThreads

    /// A hasher with `cost` (``Policy/HashingCost/owasp`` in production, ``Policy/HashingCost/minimum`` in tests).
    public init(cost: Policy.HashingCost) {
        Sodium.ensureInitialized()
        self.cost = cost
        self.threads = HashingThreads(limit: ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The encoded Argon2id hash of `secret`: `$argon2id$v=19$m=…,t=…,p=1$salt$hash`, with a fresh random salt.
    /// - Throws: ``StoreError`` (``StoreError/Code/unavailable``) when libsodium refuses: out of memory, or a cost
    ///   below libsodium's minimum.
    public func hash(_ secret: String) async throws -> String {
        let cost = self.cost
        let encoded = await threads.run { Self.hashNow(secret, cost: cost) }
        guard let encoded else {
            throw StoreError(
                .unavailable, subject: "argon2id",
                message: "Argon2id hashing failed (out of memory or a cost below libsodium's minimum).")
        }
        return encoded
    }

    /// Whether `secret` matches `encoded`. Anything that is not a well-formed Argon2id string is `false`.
    public func verify(_ secret: String, against encoded: String) async -> Bool {
        guard Self.isPlausible(encoded) else { return false }
        return await threads.run {
            encoded.withCString { hash in
                secret.withCString { crypto_pwhash_str_verify(hash, $0, UInt64(secret.utf8.count)) == 0 }
            }
        }
    }

    /// Whether `encoded` was made with another cost than ``cost`` (or is not a well-formed Argon2id string), so the
    /// secret should be hashed again at the next successful check.
    public func needsRehash(_ encoded: String) -> Bool {
        guard Self.isPlausible(encoded) else { return true }
        return encoded.withCString {
            crypto_pwhash_argon2id_str_needs_rehash($0, cost.opsLimit, cost.memLimit)
        } != 0
    }

    /// An Argon2id string with ``cost``'s parameters and a salt and hash no password produces (RULES A1):
    /// `crypto_pwhash_str_verify` reads the parameters from it and does the full work before it answers no.
    public var decoyHash: String {
        let salt = SecretToken.base64(Array(repeating: 0x5a, count: 16))
        let hash = SecretToken.base64(Array(repeating: 0xa5, count: 32))
        return "$argon2id$v=19$m=\(max(1, cost.memLimit / 1024)),t=\(cost.opsLimit),p=1$\(salt)$\(hash)"
    }

    private static func hashNow(_ secret: String, cost: Policy.HashingCost) -> String? {
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_strbytes()))
        let result = secret.withCString {
            crypto_pwhash_str_alg(
                &out, $0, UInt64(secret.utf8.count), cost.opsLimit, cost.memLimit,
                crypto_pwhash_alg_argon2id13())
        }
        guard result == 0 else { return nil }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An Argon2id prefix, no NUL inside (C would cut it short), and short enough for libsodium's buffer.
    private static func isPlausible(_ encoded: String) -> Bool {
        let bytes = encoded.utf8
        return encoded.hasPrefix("$argon2id$") && bytes.count < Int(crypto_pwhash_strbytes()) && !bytes.contains(0)
    }
}
