#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Who had which access at a past moment, answered from the audit log (RULES U1, U2).
///
/// Every access change is logged with a redacted `after` copy of the record (or only a `before` copy when the record
/// was deleted). Replaying those states, in log order, up to a moment into a fresh ``AccessResolver`` gives the
/// world as it stood then.
///
/// ```swift
/// let history = AccessHistory(store: store)
/// let then = try await history.accessHistory(taxpayer: "T9", at: lastMonth)
/// ```
public struct AccessHistory: Sendable {
    /// The store whose audit log is read.
    public let store: any AccessStore

    /// A history over `store`'s audit log.
    public init(store: any AccessStore) {
        self.store = store
    }

    /// The resolver world as the audit log shows it at `moment` (events at exactly `moment` included).
    ///
    /// - Throws: ``StoreError`` from the store.
    public func resolver(at moment: Date) async throws -> AccessResolver {
        let resolver = AccessResolver(records: [Record]())
        var after: UInt64 = 0
        while true {
            let page = try await store.auditEvents(after: after, limit: 1000)
            for logged in page where logged.event.time <= moment {
                let event = logged.event
                if let record = event.after {
                    resolver.apply(record: record)
                } else if let record = event.before {
                    resolver.remove(record.key)
                }
            }
            guard let last = page.last, page.count == 1000 else { break }
            after = last.sequence
        }
        return resolver
    }

    /// Every logon that had a level above none on some account of `taxpayer` at `moment`, with its levels then,
    /// sorted by logon id (RULES U2, W1).
    ///
    /// - Throws: ``StoreError`` from the store.
    public func accessHistory(taxpayer: TaxpayerID, at moment: Date) async throws -> [LogonAccess] {
        try await resolver(at: moment).whoHasAccess(taxpayer: taxpayer)
    }
}
