#if PostgreSQL
import TaxpayerAccess
public import PostgresNIO
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where and how ``PostgresAccessStore`` connects: a `postgres://user:password@host:port/database` URL, the TLS
/// mode (production should say ``TLSMode/require``) and the size of the connection pool.
///
/// ```swift
/// let configuration = try PostgresStoreConfiguration(url: "postgres://portal@db.internal:5432/access", tls: .require)
/// ```
public struct PostgresStoreConfiguration: Sendable {
    /// Whether the connection is encrypted.
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain text (a loopback test server only).
        case disable
        /// TLS when the server offers it, else plain text, silently: never for production.
        case prefer
        /// TLS or no connection: production.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    /// Never logged, never in an error.
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Connections the pool keeps at most (the 32-racer conformance check needs at least 32 to be a race).
    public var maximumConnections: Int
    /// How followers of the feed learn of other processes' commits (``FollowMode/listen`` unless told).
    public var followMode: FollowMode = .listen
    /// How long one attempt of a commit or a claim may take before it is abandoned (its connection closed) and retried
    /// under the same commit id; after five such attempts the call throws `StoreError.Code.unavailable`. A server
    /// that disappears mid-commit thus costs a bounded wait, never a hung call.
    public var attemptTimeout: Duration = .seconds(10)

    /// How a follower (`Portal.follow(every:)`) learns of other processes' commits.
    public enum FollowMode: String, Sendable, Hashable {
        /// `LISTEN` on a connection of its own, outside the pool, reconnecting when it drops: a commit wakes the
        /// follower at once; polling on its interval stays, for notifications that are lost.
        case listen
        /// Polling on the follower's interval only, no `LISTEN`: for a pooler that drops `LISTEN` silently
        /// (PgBouncer in transaction mode) or an engine without it.
        case pollingOnly
    }

    /// Reads a `postgres://` or `postgresql://` URL.
    ///
    /// - Throws: `StoreError.Code.unavailable` when the URL is not one (the message names no password).
    public init(url: String, tls: TLSMode = .prefer, maximumConnections: Int = 20) throws {
        guard let parsed = URLComponents(string: url), parsed.scheme == "postgres" || parsed.scheme == "postgresql",
            let host = parsed.host, !host.isEmpty
        else { throw StoreError(.unavailable, subject: "url", message: "not a postgres:// URL with a host") }
        self.host = host
        port = parsed.port ?? 5432
        username = parsed.user ?? "postgres"
        password = parsed.password
        let path = parsed.path.hasPrefix("/") ? String(parsed.path.dropFirst()) : parsed.path
        database = path.isEmpty ? username : path
        var mode = tls
        for item in parsed.queryItems ?? [] where item.name == "sslmode" {
            // libpq's verify-ca and verify-full verify the server's certificate, as `.require` does; any other value
            // is refused rather than quietly weakened to the default.
            switch item.value ?? "" {
            case "verify-ca", "verify-full": mode = .require
            case let value:
                guard let named = TLSMode(rawValue: value) else {
                    throw StoreError(
                        .unavailable, subject: "url",
                        message: "sslmode must be disable, prefer, require, verify-ca or verify-full")
                }
                mode = named
            }
        }
        self.tls = mode
        self.maximumConnections = max(1, maximumConnections)
    }

    /// The postgres-nio configuration this describes.
    public func clientConfiguration() throws -> PostgresClient.Configuration {
        let tlsSetting: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
        case .require: tlsSetting = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }

    /// The name the listening connection gives the server (`application_name`), so operators can tell it apart.
    static let listenerApplicationName = "taxpayer_access_listener"

    /// The configuration of the connection that listens for change notifications (outside the pool).
    func listenerConfiguration() throws -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        switch tls {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tlsSetting = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tlsSetting)
        configuration.options.additionalStartupParameters = [("application_name", Self.listenerApplicationName)]
        return configuration
    }
}
#endif
