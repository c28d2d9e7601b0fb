internal import CSodium

/// Comparison of secrets whose time does not depend on where they differ (`sodium_memcmp`).
///
/// ```swift
/// ConstantTime.equals(storedHash, TokenHash(hex: …).hex)
/// ```
enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Different lengths are `false` at once (lengths are not secret).
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        Sodium.ensureInitialized()
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0 }
        }
    }

    /// Whether `a` and `b` have the same UTF-8 bytes, compared in constant time.
    static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}
