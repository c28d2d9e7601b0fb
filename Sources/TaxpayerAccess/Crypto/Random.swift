internal import CSodium
import Synchronization

/// The production ``RandomSource``: libsodium's CSPRNG (`randombytes_buf`, `randombytes_uniform`), as RULES A4 and
/// A7 ask of codes and tokens.
///
/// ```swift
/// let random = SecureRandom()
/// let code = SecurityCode.generate(using: random)   // e.g. "048213"
/// ```
public final class SecureRandom: RandomSource {
    public init() {
        Sodium.ensureInitialized()
    }

    /// `count` bytes from libsodium's CSPRNG.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, $0.count) }
        return out
    }

    /// A number uniform over `0 ..< upperBound` (`randombytes_uniform`, which rejects to avoid modulo bias);
    /// `0` when `upperBound` is below 2.
    public func uniform(_ upperBound: UInt32) -> UInt32 {
        guard upperBound >= 2 else { return 0 }
        Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }
}

/// A deterministic ``RandomSource`` for tests and simulations: the same seed gives the same sequence, different
/// seeds give unrelated ones. Never use it for real secrets.
///
/// The stream is ChaCha20 (libsodium `crypto_stream_chacha20_xor_ic`) keyed by the BLAKE2b-256 hash of the seed,
/// read block by block; ``uniform(_:)`` rejects like `randombytes_uniform`, so it has no modulo bias.
///
/// ```swift
/// let a = SeededRandom(seed: 42), b = SeededRandom(seed: 42)
/// a.bytes(16) == b.bytes(16)   // true
/// ```
public final class SeededRandom: RandomSource {
    private struct State {
        var key: [UInt8]
        var block: UInt64 = 0
        var buffer: [UInt8] = []
        var position = 0

        mutating func next(_ count: Int) -> [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(count)
            while out.count < count {
                if position == buffer.count { refill() }
                let take = min(count - out.count, buffer.count - position)
                out += buffer[position..<position + take]
                position += take
            }
            return out
        }

        private mutating func refill() {
            let zeros = [UInt8](repeating: 0, count: 64)
            let nonce = [UInt8](repeating: 0, count: Int(crypto_stream_chacha20_noncebytes()))
            var out = [UInt8](repeating: 0, count: 64)
            _ = crypto_stream_chacha20_xor_ic(&out, zeros, 64, nonce, block, key)
            block &+= 1
            buffer = out
            position = 0
        }
    }

    private let state: Mutex<State>

    /// A source whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        Sodium.ensureInitialized()
        var seedBytes = [UInt8]()
        for shift in stride(from: 0, to: 64, by: 8) {
            seedBytes.append(UInt8(truncatingIfNeeded: seed >> UInt64(shift)))
        }
        var key = [UInt8](repeating: 0, count: 32)
        _ = crypto_generichash(&key, 32, seedBytes, UInt64(seedBytes.count), nil, 0)
        state = Mutex(State(key: key))
    }

    /// The next `count` bytes of the seeded stream.
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return state.withLock { $0.next(count) }
    }

    /// A number uniform over `0 ..< upperBound`, by rejection (no modulo bias); `0` when `upperBound` is below 2.
    public func uniform(_ upperBound: UInt32) -> UInt32 {
        guard upperBound >= 2 else { return 0 }
        // Values below `floor` would make the low residues more likely; reject them, as randombytes_uniform does.
        let floor = (0 &- upperBound) % upperBound
        return state.withLock { state in
            while true {
                let b = state.next(4)
                let value = UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
                if value >= floor { return value % upperBound }
            }
        }
    }
}

/// Numeric security codes (RULES A4): every digit string of the length equally likely.
enum SecurityCode {
    /// A code of `digits` decimal digits, each drawn by `random.uniform(10)`, so each of the 10^digits strings is
    /// equally likely (leading zeros kept).
    ///
    /// ```swift
    /// let code = SecurityCode.generate(using: SecureRandom())   // "093817"
    /// ```
    static func generate(digits: Int = 6, using random: any RandomSource) -> String {
        precondition(digits > 0, "a security code has at least one digit")
        var out = [UInt8]()
        out.reserveCapacity(digits)
        for _ in 0..<digits { out.append(UInt8(ascii: "0") + UInt8(random.uniform(10))) }
        return String(decoding: out, as: UTF8.self)
    }
}
