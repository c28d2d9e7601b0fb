public import TaxpayerAccess
import Synchronization
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A clock that moves only when told: tests and examples never sleep.
///
/// ```swift
/// let clock = ManualTimeSource(now: Date(timeIntervalSince1970: 1_800_000_000))
/// clock.advance(by: .seconds(31 * 60))
/// ```
public final class ManualTimeSource: TimeSource {
    private let current: Mutex<Date>

    /// A clock standing at `now`.
    public init(now: Date = Date(timeIntervalSince1970: 1_798_761_600)) { current = Mutex(now) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward.
    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.addingTimeInterval(duration.timeInterval) }
    }

    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
