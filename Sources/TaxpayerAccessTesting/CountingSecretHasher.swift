public import TaxpayerAccess
import Synchronization

/// A `SecretHasher` that passes every call on to another hasher and counts it, so a test can assert that two
/// requests an attacker wants to tell apart cost the same number of slow hashes (RULES A1, V1, V2, R5).
///
/// ``hash(_:)`` and ``verify(_:against:)`` are the slow calls: with the same parameters each costs one run of the
/// password hash (Argon2id), which is what an observer can time; ``Counts/slow`` is their sum, and it is the number
/// a same-work test compares. ``needsRehash(_:)`` only parses the encoded hash; it is counted apart. The secrets
/// themselves are never kept.
///
/// ```swift
/// let hasher = CountingSecretHasher(wrapping: Argon2idHasher(cost: .minimum))
/// // … a context using `hasher` …
/// hasher.reset()
/// _ = try? await auth.login(username: "nobody.here", password: "Secret123")
/// #expect(hasher.counts.slow == 1)  // RULES A1: one slow hash, like a wrong password
/// ```
public final class CountingSecretHasher: SecretHasher {
    /// How many calls of each kind were made.
    public struct Counts: Hashable, Sendable, CustomStringConvertible {
        /// Calls of `SecretHasher.hash(_:)`.
        public var hash: Int
        /// Calls of `SecretHasher.verify(_:against:)`.
        public var verify: Int
        /// Calls of `SecretHasher.needsRehash(_:)`.
        public var needsRehash: Int

        public init(hash: Int = 0, verify: Int = 0, needsRehash: Int = 0) {
            self.hash = hash
            self.verify = verify
            self.needsRehash = needsRehash
        }

        /// The slow calls: ``hash`` and ``verify``, each one run of the slow hash.
        public var slow: Int { hash + verify }

        public var description: String { "hash×\(hash) verify×\(verify) needsRehash×\(needsRehash)" }
    }

    /// The hasher every call goes on to.
    public let inner: any SecretHasher
    private let tally = Mutex(Counts())

    /// Counts the calls made to `inner`, which answers them.
    public init(wrapping inner: any SecretHasher) { self.inner = inner }

    /// The calls since the start or the last ``reset()``.
    public var counts: Counts { tally.withLock { $0 } }

    /// Forgets every call counted so far.
    public func reset() { tally.withLock { $0 = Counts() } }

    public func hash(_ secret: String) async throws -> String {
        tally.withLock { $0.hash += 1 }
        return try await inner.hash(secret)
    }

    public func verify(_ secret: String, against encoded: String) async -> Bool {
        tally.withLock { $0.verify += 1 }
        return await inner.verify(secret, against: encoded)
    }

    public func needsRehash(_ encoded: String) -> Bool {
        tally.withLock { $0.needsRehash += 1 }
        return inner.needsRehash(encoded)
    }

    /// The inner hasher's decoy (not a call: it hashes nothing).
    public var decoyHash: String { inner.decoyHash }
}
