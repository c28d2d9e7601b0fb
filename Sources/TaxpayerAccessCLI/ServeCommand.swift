#if HTTP
import ArgumentParser
import Configuration
import CoreMetrics
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import TaxpayerAccess
import TaxpayerAccessHummingbird
import TaxpayerAccessInMemory
import TaxpayerAccessObservability
import TaxpayerAccessSendmail
import UnixSignals

/// The subcommands only the `HTTP` trait builds.
let httpSubcommands: [any ParsableCommand.Type] = [ServeCommand.self, OperatorCommand.self]

/// `taxpayer-access serve`: the reference portal server (Documentation/HTTP.md) on the SQLite file — the JSON API,
/// the resolver's feed follower and the outbox worker under one service group, shut down gracefully on SIGTERM or
/// SIGINT (the server stops taking requests and finishes those in flight, then the outbox delivers what they
/// committed).
///
/// Metrics: the process's swift-metrics go to a Prometheus registry of its own, served at `GET /metrics` on the same
/// listener as the API (Documentation/Operations.md: restrict that path at the proxy).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the portal's JSON API on the database (HTTP; mail written as .eml files).")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "The address to listen on (setting server.host; default 127.0.0.1).") var host: String?
    @Option(name: .long, help: "The port to listen on (setting server.port; default 8080; 0: any free port).")
    var port: Int?
    @Option(
        name: .customLong("portal-url"),
        help: "The portal's address, for the links of its emails (setting portal.url; default http://HOST:PORT).")
    var portalURL: String?
    @Option(
        name: .customLong("mail-folder"),
        help: "Write mail as .eml files here (setting mail.folder; default <database>-mail).")
    var mailFolder: String?
    @Option(
        name: .customLong("sendmail"),
        help: "Send mail through this sendmail-compatible program as `PATH -t -oi` (setting mail.sendmail).")
    var sendmail: String?
    @Option(
        name: .customLong("allowed-origin"),
        help: "An origin the portal's pages are served from (repeatable; setting server.allowedOrigins).")
    var allowedOrigins: [String] = []
    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical (setting log.level; default info).")
    var logLevel: String?
    @Option(
        name: .customLong("outbox-interval"),
        help: "Seconds the outbox worker waits when it found nothing to send (setting outbox.interval; default 1).")
    var outboxInterval: Int?
    @Option(
        name: .customLong("outbox-progress-interval"),
        help: "Seconds between the outbox worker's progress lines (setting outbox.progressInterval; default 60).")
    var outboxProgressInterval: Int?

    /// What this command's options gave, by setting name (an option not written is left to the other sources).
    var arguments: [String: ConfigContent] {
        var values: [String: ConfigContent] = [:]
        if let host { values["server.host"] = .string(host) }
        if let port { values["server.port"] = .int(port) }
        if let portalURL { values["portal.url"] = .string(portalURL) }
        if let mailFolder { values["mail.folder"] = .string(mailFolder) }
        if let sendmail { values["mail.sendmail"] = .string(sendmail) }
        if mailFolder != nil || sendmail != nil {
            values["mail.transport"] = .string(sendmail == nil ? "files" : "sendmail")
        }
        if !allowedOrigins.isEmpty { values["server.allowedOrigins"] = .stringArray(allowedOrigins) }
        if let logLevel { values["log.level"] = .string(logLevel) }
        if let outboxInterval { values["outbox.interval"] = .int(outboxInterval) }
        if let outboxProgressInterval { values["outbox.progressInterval"] = .int(outboxProgressInterval) }
        return values
    }

    func validate() throws {
        if mailFolder != nil, sendmail != nil {
            throw ValidationError("give at most one of --mail-folder and --sendmail")
        }
        _ = try options.settings(arguments)
    }

    func run() async throws {
        let settings = try options.settings(arguments)
        let server = settings.server
        var logger = Logger(label: "taxpayer-access")
        logger.logLevel = Logger.Level(rawValue: server.logLevel) ?? .info
        // A bad operators file stops the start before the database is opened, as a bad setting does.
        let operators: AgencyOperators
        do {
            operators = try AgencyOperators.read(from: URL(fileURLWithPath: server.operatorsFile))
        } catch let error as AgencyOperatorsError {
            throw CLIError(error.description)
        }
        let store = try await openStore(at: settings.database, .createIfMissing)
        let keys = try await keyRing(for: store, keyFile: settings.keyFile)
        // One registry for the process; bootstrap happens once, here, before any metric is made.
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // swift-metrics labels such as Hummingbird's `http.server.request.duration` become Prometheus names.
        factory.nameAndLabelSanitizer = { name, labels in
            (prometheusName(name), labels.map { (prometheusName($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
        let mailer: any Mailer
        switch settings.mail {
        case .files(let folder):
            // A URL may hold a password: the folder's default is never built from one (it is logged below).
            mailer = try EMLFileMailer(
                folder: URL(fileURLWithPath: folder), from: settings.mailFrom, clock: SystemTimeSource())
            logger.info("mail goes to \(folder) as .eml files")
        case .sendmail(let executable, let extra):
            mailer = try SendmailMailer(
                from: settings.mailFrom, executable: executable, extraArguments: extra, clock: SystemTimeSource())
            logger.info("mail goes through \(executable) -t -oi")
        }
        logger.info("text messages go to \(settings.textsFolder) as .txt files")
        logger.info("agency operators: \(operators.operators.count) from \(server.operatorsFile)")
        let portal = try await Portal.open(
            store: store,
            directory: StoreTaxpayerDirectory(store: store, factsFile: directoryFactsPath(settings.database)),
            mailer: mailer, texts: try TextFolderGateway(folder: URL(fileURLWithPath: settings.textsFolder)),
            keys: keys,
            policy: settings.policy,
            links: settings.links(defaultPortalURL: "http://\(server.host):\(server.port)"),
            observer: PortalMetricsObserver(factory: factory))
        let sampler = PortalMetricsSampler(portal: portal, factory: factory)
        let router = PortalHTTP.router(
            portal: portal,
            configuration: PortalHTTPConfiguration(
                policy: portal.policy, allowedOrigins: Set(server.allowedOrigins),
                maxConcurrentPasswordRequests: server.maxConcurrentPasswordRequests
                    ?? PortalHTTPConfiguration.defaultMaxConcurrentPasswordRequests,
                operators: operators))
        router.get("metrics") { _, _ -> Response in
            // Fresh gauges and check counts for each scrape; a store failure leaves the last sample's values.
            try? await sampler.sample()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4", .cacheControl: "no-store"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname(server.host, port: server.port), serverName: nil),
            logger: logger)
        let group = ServiceGroup(
            services: [
                OutboxService(
                    portal: portal, logger: logger, interval: .seconds(server.outboxInterval),
                    progressInterval: .seconds(server.outboxProgressInterval), sampler: sampler, factory: factory),
                FeedFollowerService(portal: portal), app,
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}

/// A swift-metrics label as a Prometheus metric or label name: every character outside `[A-Za-z0-9_]` becomes `_`
/// (`http.server.request.duration` → `http_server_request_duration`), and a leading digit gets a `_` before it.
func prometheusName(_ label: String) -> String {
    var name = String(label.map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    if name.first?.isNumber == true { name = "_" + name }
    return name
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
///
/// While it runs it reports progress every `progressInterval`, whether or not it sent anything: one info line
/// (`outbox progress: sent S, failed F, pending P` since the start), and the sampler's outbox gauges. Each pass also
/// adds to `taxpayer_access_outbox_sent_total` and `taxpayer_access_outbox_failed_total`.
struct OutboxService: Service {
    let portal: Portal
    let logger: Logger
    var interval: Duration = .seconds(1)
    var progressInterval: Duration = .seconds(60)
    var sampler: PortalMetricsSampler?
    var factory: any MetricsFactory = MetricsSystem.factory
    /// Mails sent and failed since the start.
    private let totals = OutboxTotals()

    init(
        portal: Portal, logger: Logger, interval: Duration = .seconds(1), progressInterval: Duration = .seconds(60),
        sampler: PortalMetricsSampler? = nil, factory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.portal = portal
        self.logger = logger
        self.interval = interval
        self.progressInterval = progressInterval
        self.sampler = sampler
        self.factory = factory
    }

    func run() async throws {
        let sent = CoreMetrics.Counter(label: "taxpayer_access_outbox_sent_total", factory: factory)
        let failed = CoreMetrics.Counter(label: "taxpayer_access_outbox_failed_total", factory: factory)
        let progress = Task { await reportProgress() }
        defer { progress.cancel() }
        let outbox = portal.outbox()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let pass = await outbox.deliverPending()
            count(pass, sent: sent, failed: failed)
            if pass.sent + pass.failed + pass.skipped == 0 {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                } catch {
                    break
                }
            }
        }
        progress.cancel()
        count(await outbox.deliverPending(), sent: sent, failed: failed)
    }

    private func count(_ pass: OutboxDelivery.DeliveryReport, sent: CoreMetrics.Counter, failed: CoreMetrics.Counter) {
        totals.value.withLock { $0 = ($0.sent + pass.sent, $0.failed + pass.failed) }
        sent.increment(by: Int64(pass.sent))
        failed.increment(by: Int64(pass.failed))
        if pass.sent + pass.failed > 0 {
            logger.info("outbox: sent \(pass.sent), failed \(pass.failed), remaining \(pass.remaining)")
        }
    }

    /// The progress line and gauges, every `progressInterval` until cancelled.
    private func reportProgress() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: progressInterval) } catch { return }
            try? await sampler?.sample()
            let now = totals.value.withLock { $0 }
            let pending = (try? await portal.store.pendingMail().count).map(String.init) ?? "unknown"
            logger.info("outbox progress: sent \(now.sent), failed \(now.failed), pending \(pending)")
        }
    }
}

/// Mails sent and failed since the worker started, shared by the delivery loop and the progress reporter.
final class OutboxTotals: Sendable {
    let value = Mutex((sent: 0, failed: 0))
}
#else
import ArgumentParser

/// The subcommands only the `HTTP` trait builds: none without it.
let httpSubcommands: [any ParsableCommand.Type] = []
#endif
