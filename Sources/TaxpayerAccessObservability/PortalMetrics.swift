public import CoreMetrics
public import TaxpayerAccess
import Synchronization

/// Counts a portal's security events through swift-metrics (RULES U1): every committed audit event by action, and
/// the ones an operations team watches by name.
///
/// | Metric | Kind | What |
/// | --- | --- | --- |
/// | `taxpayer_access_audit_events_total{action}` | counter | every audit event, by action (`login.failed`, …) |
/// | `taxpayer_access_sign_ins_total` | counter | sign-ins that completed (RULES A1–A3) |
/// | `taxpayer_access_sign_in_failures_total` | counter | wrong passwords (RULES A2) |
/// | `taxpayer_access_lockouts_total` | counter | logons locked (RULES A2, A4) |
/// | `taxpayer_access_codes_sent_total` | counter | security codes sent (RULES A3) |
/// | `taxpayer_access_codes_failed_total` | counter | wrong security codes (RULES A4) |
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory())
/// let portal = try await Portal.open(…, observer: PortalMetricsObserver())
/// ```
public struct PortalMetricsObserver: PortalObserver {
    private let factory: any MetricsFactory
    private let signIns: Counter
    private let signInFailures: Counter
    private let lockouts: Counter
    private let codesSent: Counter
    private let codesFailed: Counter

    /// An observer counting through `factory`.
    ///
    /// - Parameter factory: Where the counters live; the bootstrapped `MetricsSystem.factory` by default.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        signIns = Counter(label: "taxpayer_access_sign_ins_total", factory: factory)
        signInFailures = Counter(label: "taxpayer_access_sign_in_failures_total", factory: factory)
        lockouts = Counter(label: "taxpayer_access_lockouts_total", factory: factory)
        codesSent = Counter(label: "taxpayer_access_codes_sent_total", factory: factory)
        codesFailed = Counter(label: "taxpayer_access_codes_failed_total", factory: factory)
    }

    /// Counts each event.
    ///
    /// - Parameter events: The audit events a commit just wrote.
    public func committed(_ events: [AuditEvent]) {
        for event in events {
            Counter(
                label: "taxpayer_access_audit_events_total", dimensions: [("action", event.action.rawValue)],
                factory: factory
            ).increment()
            switch event.action {
            case .loginSucceeded: signIns.increment()
            case .loginFailed: signInFailures.increment()
            case .lockedOut: lockouts.increment()
            case .codeSent: codesSent.increment()
            case .codeFailed: codesFailed.increment()
            default: break
            }
        }
    }
}

/// Samples what a portal knows of itself into swift-metrics: the checks it answered, how far its resolver is behind
/// the store's feed, and the outbox's waiting mail (RULES N2).
///
/// | Metric | Kind | What |
/// | --- | --- | --- |
/// | `taxpayer_access_checks_total{answer}` | counter | checks answered `allowed` or `denied` |
/// | `taxpayer_access_feed_lag` | gauge | feed changes the resolver has not applied yet |
/// | `taxpayer_access_outbox_pending` | gauge | mails waiting to be sent, due or not |
/// | `taxpayer_access_outbox_retrying` | gauge | of those, mails that failed at least once |
///
/// ```swift
/// let sampler = PortalMetricsSampler(portal: portal)
/// let task = Task { await sampler.run(every: .seconds(15)) }
/// ```
public final class PortalMetricsSampler: Sendable {
    private let portal: Portal
    private let checksAllowed: Counter
    private let checksDenied: Counter
    private let feedLag: Gauge
    private let outboxPending: Gauge
    private let outboxRetrying: Gauge
    /// The checks allowed and denied at the last sample.
    private let reported = Mutex((allowed: 0, denied: 0))

    /// A sampler of `portal`.
    ///
    /// - Parameters:
    ///   - portal: The portal.
    ///   - factory: Where the metrics live; the bootstrapped `MetricsSystem.factory` by default.
    public init(portal: Portal, factory: any MetricsFactory = MetricsSystem.factory) {
        self.portal = portal
        checksAllowed = Counter(
            label: "taxpayer_access_checks_total", dimensions: [("answer", "allowed")], factory: factory)
        checksDenied = Counter(
            label: "taxpayer_access_checks_total", dimensions: [("answer", "denied")], factory: factory)
        feedLag = Gauge(label: "taxpayer_access_feed_lag", factory: factory)
        outboxPending = Gauge(label: "taxpayer_access_outbox_pending", factory: factory)
        outboxRetrying = Gauge(label: "taxpayer_access_outbox_retrying", factory: factory)
    }

    /// Takes one sample: adds the checks answered since the last sample, and sets the gauges.
    ///
    /// - Throws: The store's `StoreError` when it cannot be read; the check counters are updated first.
    public func sample() async throws {
        let now = portal.counts
        let before = reported.withLock { last in
            defer { last = (now.checksAllowed, now.checksDenied) }
            return last
        }
        checksAllowed.increment(by: Int64(now.checksAllowed - before.allowed))
        checksDenied.increment(by: Int64(now.checksDenied - before.denied))
        feedLag.record(Int64(clamping: try await portal.feedLag()))
        let pending = try await portal.store.pendingMail()
        outboxPending.record(pending.count)
        outboxRetrying.record(pending.count { $0.value.attempts > 0 })
    }

    /// Samples every `interval` until the task is cancelled; a store failure is retried at the next interval.
    ///
    /// - Parameter interval: The time between samples.
    public func run(every interval: Duration) async {
        while !Task.isCancelled {
            try? await sample()
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }
}
