#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The injected clock: services never read the time any other way.
public protocol TimeSource: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemTimeSource: TimeSource {
    public init() {}
    public func now() -> Date { Date() }
}

/// The injected source of randomness: services never draw random values any other way.
public protocol RandomSource: Sendable {
    /// `count` random bytes.
    func bytes(_ count: Int) -> [UInt8]
    /// A number drawn uniformly from `0 ..< upperBound` (no modulo bias).
    func uniform(_ upperBound: UInt32) -> UInt32
}
