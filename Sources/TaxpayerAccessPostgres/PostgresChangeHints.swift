#if PostgreSQL
import TaxpayerAccess
import PostgresNIO
import Logging

extension PostgresAccessStore {
    /// The channel every commit notifies, with its feed number as the payload, inside its transaction: PostgreSQL
    /// delivers it once after COMMIT, never for a rollback.
    static let changeChannel = "taxpayer_access_changes"

    /// A hint after every commit of any process on this database, from `LISTEN` on a connection of its own (outside
    /// the pool); `nil` under `PostgresStoreConfiguration.FollowMode.pollingOnly`.
    ///
    /// When the connection drops (a restarted server, a killed backend, a network cut) it connects again, waiting
    /// longer after each failure (up to 5 s), and yields a hint each time it listens again, since notifications sent
    /// meanwhile are lost: the follower's catch-up reads them from the feed. The connection closes when the stream's
    /// consumer stops.
    ///
    /// ```swift
    /// let follower = Task { try await portal.follow(every: .seconds(5)) }   // wakes on every commit
    /// ```
    public func changeHints() -> AsyncStream<Void>? {
        guard configuration.followMode == .listen else { return nil }
        let configuration = configuration
        let logger = logger
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let listener = Task { await Self.listen(configuration, logger: logger, into: continuation) }
            continuation.onTermination = { _ in listener.cancel() }
        }
    }

    /// Listens until cancelled, reconnecting when the connection fails.
    private static func listen(
        _ configuration: PostgresStoreConfiguration, logger: Logger, into hints: AsyncStream<Void>.Continuation
    ) async {
        var delay = Duration.milliseconds(100)
        var connections = 0
        while !Task.isCancelled {
            do {
                connections += 1
                let connection = try await PostgresConnection.connect(
                    configuration: try configuration.listenerConfiguration(), id: connections, logger: logger)
                do {
                    try await connection.listen(on: changeChannel) { notifications in
                        // A query after LISTEN on the same connection returns once LISTEN is in force; whatever was
                        // committed before is in the feed, and the hint sends the follower to read it.
                        try await connection.query("SELECT 1", logger: logger)
                        hints.yield()
                        delay = .milliseconds(100)
                        for try await _ in notifications { hints.yield() }
                    }
                } catch {
                    logger.debug("the change listener's connection failed; connecting again")
                }
                try? await connection.close()
            } catch {
                logger.debug("the change listener could not connect; trying again")
            }
            do { try await Task.sleep(for: delay) } catch { break }
            delay = min(delay * 2, .seconds(5))
        }
        hints.finish()
    }
}
#endif
