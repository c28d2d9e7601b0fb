internal import CSodium

/// One 32-byte sealing key (XSalsa20-Poly1305, libsodium's secretbox) with the id every value it seals carries.
///
/// The id and the check value are derived from the key with keyed BLAKE2b over fixed constants: they name and prove a
/// key without revealing it, so both may be stored and shown (Documentation/Operations.md, Key safety).
///
/// ```swift
/// let key = try SealingKey(bytesFromKeyFile)
/// print(key.id)            // "3f2a9c0d41b7e865": safe to log and show
/// ```
public struct SealingKey: Sendable, Hashable, CustomStringConvertible {
    /// Key length in bytes.
    public static let byteCount = 32
    /// Id length in bytes (shown as twice as many hex digits).
    public static let idByteCount = 8

    /// 16 lower-case hex digits: the first 8 bytes of BLAKE2b-128 keyed by the key over a constant. Sealed values
    /// carry it, so a ring knows which of its keys opens them.
    public let id: String
    /// The raw id, as sealed values carry it.
    let idBytes: [UInt8]
    let bytes: [UInt8]

    /// A key from its 32 bytes.
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` (field `key`) for any other length.
    public init(_ bytes: [UInt8]) throws(AccessError) {
        guard bytes.count == Self.byteCount else {
            throw AccessError.misconfigured("A sealing key has \(Self.byteCount) bytes, not \(bytes.count).")
        }
        self.bytes = bytes
        idBytes = Array(
            Self.keyedHash(bytes, of: "TaxpayerAccess sealing key id v1", length: 16).prefix(Self.idByteCount))
        id = Hex.string(idBytes)
    }

    /// A new random key.
    public static func generate(using random: any RandomSource) -> SealingKey {
        // 32 bytes always make a key.
        try! SealingKey(random.bytes(byteCount))
    }

    /// BLAKE2b-256 keyed by the key over a constant, in hex: what a store records to recognise the key later
    /// (``SealingKeyRegistry``) without ever holding it.
    public var checkValue: String {
        Hex.string(Self.keyedHash(bytes, of: "TaxpayerAccess sealing key check v1", length: 32))
    }

    /// The key's bytes, for writing a key file. Handle with care: whoever has them opens every sealed value.
    package var rawBytes: [UInt8] { bytes }

    /// Never shows the key, only its id.
    public var description: String { "SealingKey(id: \(id))" }

    public static func == (lhs: Self, rhs: Self) -> Bool { ConstantTime.equals(lhs.bytes, rhs.bytes) }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    private static func keyedHash(_ key: [UInt8], of constant: String, length: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        let message = Array(constant.utf8)
        var out = [UInt8](repeating: 0, count: length)
        _ = crypto_generichash(&out, length, message, UInt64(message.count), key, key.count)
        return out
    }
}

/// The keys a deployment holds: the ``current`` key seals every new value; each key, current or ``previous``, opens
/// what it sealed (key rotation, Documentation/Operations.md).
///
/// ```swift
/// let ring = SealingKeyRing(current: newKey, previous: [oldKey])
/// let box = SecretBox(ring: ring)      // seals with newKey, opens values of either
/// ```
public struct SealingKeyRing: Sendable, Hashable, CustomStringConvertible {
    /// Seals new values.
    public let current: SealingKey
    /// Older keys, kept to open what they sealed until nothing sealed with them remains.
    public let previous: [SealingKey]

    /// A ring; a previous key equal to the current one, or given twice, is kept once.
    public init(current: SealingKey, previous: [SealingKey] = []) {
        self.current = current
        var seen: Set<String> = [current.id]
        self.previous = previous.filter { seen.insert($0.id).inserted }
    }

    /// Every key, the current one first.
    public var keys: [SealingKey] { [current] + previous }

    /// The key with this id, if the ring holds it.
    public func key(withID id: String) -> SealingKey? { keys.first { $0.id == id } }

    /// The box that seals with ``current`` and opens with any key of the ring.
    package var box: SecretBox { SecretBox(ring: self) }

    /// The ids only, current first.
    public var description: String {
        "SealingKeyRing(current: \(current.id), previous: [\(previous.map(\.id).joined(separator: ", "))])"
    }
}

/// Lower-case hexadecimal.
enum Hex {
    static func string(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
