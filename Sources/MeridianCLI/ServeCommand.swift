import ArgumentParser
import Foundation
import GRPCCoreTransport
import Logging
import MeridianAdmin
import MeridianHistory
import MeridianRuntime
import MeridianServe
import Metrics
import Prometheus
import ServiceLifecycle

/// `meridian serve`: translate, serve over ADS, and follow every change to the files.
///
/// The file watcher, the xDS server and the admin server run as services of one
/// `ServiceGroup`: SIGTERM or SIGINT drains them gracefully (proxies are told to reconnect);
/// SIGHUP reloads the configuration at once.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load, translate and serve Gateway API configuration over ADS, reloading when the files change."
    )

    @OptionGroup var flags: TranslationFlags

    @OptionGroup var historyFlags: HistoryFlags

    @OptionGroup(title: "xDS connections") var connectionFlags: ConnectionFlags

    @OptionGroup(title: "xDS TLS") var tlsFlags: XDSTLSFlags

    @Option(help: ArgumentHelp("Where to serve ADS.", valueName: "host:port"))
    var xdsAddress = "127.0.0.1:18000"

    @Option(help: ArgumentHelp(
        "Where to serve the admin HTTP API (/healthz, /readyz, /proxies, /config_dump, /status, /metrics, /snapshots). Loopback unless you say otherwise; port 0 picks a free port (logged).",
        valueName: "host:port"
    ))
    var adminAddress = "127.0.0.1:19100"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    @Flag(help: "Serve a configuration with no readable *.yaml or *.yml file (every proxy gets nothing); by default it is refused and the last good snapshot kept.")
    var allowEmptyConfiguration = false

    @OptionGroup(title: "Kubernetes") var kubernetesFlags: KubernetesFlags

    func validate() throws {
        guard AdminServer.parseAddress(adminAddress) != nil else {
            throw ValidationError("--admin-address \(adminAddress): expected host:port, such as 127.0.0.1:19100")
        }
        switch kubernetesFlags.source {
        case .files: try flags.requireConfigPaths()
        case .kubernetes:
            guard flags.configPaths.isEmpty else { throw ValidationError("--config reads files; with --source kubernetes the objects come from the API server") }
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Pushes and ACKs on loopback take well under a millisecond, a large translation
        // seconds: buckets from 100 µs to 10 s for every duration.
        factory.defaultDurationHistogramBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
            .map { Duration.nanoseconds(Int64($0 * 1e9)) }
        MetricsSystem.bootstrap(factory)
        let logger = Logger(label: "meridian")
        // Every proxy costs a descriptor; running out makes gRPC core 1.51 stop accepting for
        // good. Take all the hard limit allows before the first connection.
        let (before, after) = DescriptorLimits.raiseSoftToHard()
        logger.info("file descriptor limit", metadata: [
            "soft": "\(after.soft)", "hard": "\(after.hard)", "softBefore": "\(before.soft)",
            "headroom": "\(max(connectionFlags.descriptorHeadroom, after.soft / 20))",
        ])

        let cache = SnapshotCache()
        let history: SnapshotHistory
        do {
            history = try SnapshotHistory(stateDirectory: historyFlags.stateDir, limits: historyFlags.limits, cache: cache, logger: logger)
        } catch {
            throw ValidationError("--state-dir: \(error)")
        }
        var options = flags.options
        if kubernetesFlags.source == .kubernetes, options.controllerNames == nil {
            // A cluster has other controllers' GatewayClasses: by default only Meridian's.
            options.controllerNames = [KubernetesFlags.defaultControllerName]
        }
        let watcher = ConfigurationWatcher(
            paths: flags.configPaths, options: options, cache: cache, logger: logger, history: history, allowsEmpty: allowEmptyConfiguration
        )
        // Read before the port opens: a kubeconfig that cannot be used stops serve at once.
        let kubernetes: KubernetesSourceService?
        switch kubernetesFlags.source {
        case .files: kubernetes = nil
        case .kubernetes:
            do {
                let connection = try kubernetesFlags.connection()
                kubernetes = KubernetesSourceService(
                    connection: connection, namespaces: kubernetesFlags.namespaces, watcher: watcher,
                    status: kubernetesFlags.statusSettings(controllerNames: Set(options.controllerNames ?? []), connection: connection), logger: logger
                )
            } catch {
                throw ServeStartError(description: "Kubernetes: \(error)")
            }
        }
        var configuration = connectionFlags.configuration
        configuration.tls = tlsFlags.tls { event in
            switch event {
            case .reloaded: logger.notice("xDS TLS certificate reloaded", metadata: ["change": "\(event)"])
            case .rejected: logger.error("xDS TLS files changed but are invalid", metadata: ["problem": "\(event)"])
            }
        }
        configuration.onAcceptError = { message in
            logger.warning("xDS accept paused", metadata: ["reason": "\(message)"])
        }
        let server = XDSServer(cache: cache, configuration: configuration, logger: Logger(label: "meridian.ads"))
        let port: Int
        do {
            port = try server.start(address: xdsAddress)
        } catch where error.code == .invalidTLSFiles {
            throw ServeStartError(description: "xDS TLS: \(error.message)")
        } catch {
            // Printed as `Error: --xds-address: address 127.0.0.1:18000 is in use`, exit status 1:
            // one serve per address (SO_REUSEPORT is off), never a second one sharing it silently.
            throw ServeStartError(description: "--xds-address: \(error.message)")
        }
        logger.info("serving ADS", metadata: [
            "address": "\(xdsAddress)", "port": "\(port)",
            "tls": "\(configuration.tls == nil ? "off" : tlsFlags.xdsTLSClientCa == nil ? "tls" : "mtls")",
        ])
        // The port is open before the first load: a proxy that connects meanwhile waits on its
        // group's snapshot and is answered the moment it is ready, not refused.
        if kubernetes == nil, !watcher.reload() {
            // Stay up: proxies get their configuration as soon as the files are fixed.
            logger.error("the configuration is invalid; serving nothing until it is fixed")
        }

        let (adminHost, adminPort) = AdminServer.parseAddress(adminAddress)!
        let sources = AdminSources(watcher: watcher, cache: cache, proxies: server.proxies, metrics: {
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return String(decoding: buffer, as: UTF8.self)
        }, history: history)
        let admin = AdminServer.application(sources: sources, host: adminHost, port: adminPort, logger: Logger(label: "meridian.admin")) { bound in
            logger.info("serving the admin API", metadata: ["address": "\(adminHost):\(bound)"])
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    kubernetes.map { .init(service: $0) } ?? .init(service: ConfigurationWatcherService(watcher: watcher, logger: logger)),
                    .init(service: XDSService(server: server)),
                    .init(service: admin),
                    .init(service: HistoryObservationService(history: history, proxies: server.proxies)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        logger.info("stopped")
    }
}

/// Why `serve` could not start: printed as it is, exit status 1.
struct ServeStartError: Error, CustomStringConvertible {
    var description: String
}
