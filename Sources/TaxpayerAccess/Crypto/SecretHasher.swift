/// Slow hashing of secrets a person types: passwords, PINs, security answers.
/// ``Argon2idHasher`` is the implementation; tests may wrap it, e.g. to count calls (RULES A1).
public protocol SecretHasher: Sendable {
    /// An encoded hash of `secret` (salt and parameters inside), e.g. `$argon2id$v=19$m=…`.
    func hash(_ secret: String) async throws -> String
    /// Whether `secret` matches `encoded`. A malformed `encoded` is `false`, never a crash.
    func verify(_ secret: String, against encoded: String) async -> Bool
    /// Whether `encoded` was made with other parameters than the hasher's own, so it should be re-hashed at the
    /// next good login.
    func needsRehash(_ encoded: String) -> Bool
    /// An encoded hash with the hasher's own parameters that no secret a person types matches: checked in place of
    /// a real hash where there is none (an unknown username), so that the check costs exactly what a real one costs
    /// (RULES A1). It must be available without hashing anything, so that the first such check costs no more either.
    var decoyHash: String { get }
}
