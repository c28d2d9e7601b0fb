public import TaxpayerAccess

/// Several observers as one: a portal takes one observer, and a server usually wants the security log and the
/// metrics both.
///
/// ```swift
/// let observer = PortalObservers([SecurityLogObserver(), PortalMetricsObserver()])
/// let portal = try await Portal.open(…, observer: observer)
/// ```
public struct PortalObservers: PortalObserver {
    /// The observers, told in this order.
    public let observers: [any PortalObserver]

    /// The group.
    ///
    /// - Parameter observers: The observers, told in this order.
    public init(_ observers: [any PortalObserver]) {
        self.observers = observers
    }

    /// Tells each observer.
    ///
    /// - Parameter events: The audit events a commit just wrote.
    public func committed(_ events: [AuditEvent]) {
        for observer in observers { observer.committed(events) }
    }
}
