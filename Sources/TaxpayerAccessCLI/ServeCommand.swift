#if HTTP
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessInMemory
import UnixSignals

/// The subcommands only the `HTTP` trait builds.
let httpSubcommands: [any ParsableCommand.Type] = [ServeCommand.self]

/// `taxpayer-access serve`: the reference portal server (Documentation/HTTP.md) on the SQLite file — the JSON API,
/// the resolver's feed follower and the outbox worker under one service group, shut down gracefully on SIGTERM or
/// SIGINT (the server stops taking requests and finishes those in flight, then the outbox delivers what they
/// committed).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the portal's JSON API on the database (HTTP; mail written as .eml files).")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "The address to listen on.") var host = "127.0.0.1"
    @Option(name: .long, help: "The port to listen on (0: any free port).") var port = 8080
    @Option(
        name: .customLong("portal-url"),
        help: "The portal's address, for the links of its emails (default: http://HOST:PORT).")
    var portalURL: String?
    @Option(
        name: .customLong("mail-folder"),
        help: "Where the outbox worker writes mail as .eml files (default: <database>-mail).")
    var mailFolder: String?
    @Option(name: .customLong("allowed-origin"), help: "An origin the portal's pages are served from (repeatable).")
    var allowedOrigins: [String] = []
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @Option(
        name: .customLong("outbox-interval"),
        help: "Seconds the outbox worker waits when it found nothing to send (it also sends at shutdown).")
    var outboxInterval = 1

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw CLIError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical")
        }
        var logger = Logger(label: "taxpayer-access")
        logger.logLevel = level
        let store = try await openStore(at: options.database, .createIfMissing)
        let keys = try await keyRing(for: store, keyFile: options.keyFile)
        // A URL may hold a password: never build a path (which is logged below) from it.
        let folder =
            mailFolder ?? (isDatabaseURL(options.database) ? "taxpayer-access-mail" : options.database + "-mail")
        let mailer = try EMLFileMailer(
            folder: URL(fileURLWithPath: folder), from: "noreply@portal.example.gov", clock: SystemTimeSource())
        let portal = try await Portal.open(
            store: store,
            directory: StoreTaxpayerDirectory(store: store, factsFile: directoryFactsPath(options.database)),
            mailer: mailer, texts: DevelopmentTextGateway(), keys: keys,
            links: .standard(portalURL: portalURL ?? "http://\(host):\(port)"))
        let router = PortalHTTP.router(
            portal: portal,
            configuration: PortalHTTPConfiguration(policy: portal.policy, allowedOrigins: Set(allowedOrigins)))
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            logger: logger)
        logger.info("mail goes to \(folder) as .eml files")
        let group = ServiceGroup(
            services: [
                OutboxService(portal: portal, logger: logger, interval: .seconds(max(1, outboxInterval))),
                FeedFollowerService(portal: portal), app,
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// The resolver's feed follower as a service: other processes' commits reach this portal's checks
/// (``Portal/follow(every:)``), until the group shuts down.
struct FeedFollowerService: Service {
    let portal: Portal

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await portal.follow(every: .seconds(1))
        }
    }
}

/// The outbox worker as a service (RULES N2). On graceful shutdown it makes one last pass after the server — which
/// the group stops first — has finished its requests, so mail those requests committed is not left waiting.
struct OutboxService: Service {
    let portal: Portal
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        let outbox = portal.outbox()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let pass = await outbox.deliverPending()
            report(pass)
            if pass.sent + pass.failed + pass.skipped == 0 {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                } catch {
                    break
                }
            }
        }
        report(await outbox.deliverPending())
    }

    private func report(_ pass: OutboxDelivery.DeliveryReport) {
        if pass.sent + pass.failed > 0 {
            logger.info("outbox: sent \(pass.sent), failed \(pass.failed), remaining \(pass.remaining)")
        }
    }
}
#else
import ArgumentParser

/// The subcommands only the `HTTP` trait builds: none without it.
let httpSubcommands: [any ParsableCommand.Type] = []
#endif
