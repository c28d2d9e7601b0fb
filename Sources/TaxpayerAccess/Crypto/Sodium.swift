internal import CSodium

/// libsodium's one-time initialisation. Every entry point into libsodium calls ``ensureInitialized()`` first.
enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    /// Initialises libsodium once; traps if the library cannot start (no entropy source), as nothing secure can
    /// happen then.
    static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialise")
    }
}
