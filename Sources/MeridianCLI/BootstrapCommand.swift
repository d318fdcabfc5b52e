import ArgumentParser
import MeridianServe

/// `meridian bootstrap`: an Envoy bootstrap that gets everything from Meridian.
struct BootstrapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Print an Envoy bootstrap YAML that points ADS at Meridian for one Gateway."
    )

    @Option(help: ArgumentHelp("Meridian's ADS address.", valueName: "host:port"))
    var xdsAddress: String

    @Option(help: ArgumentHelp("The Gateway this proxy serves: its proxy group.", valueName: "namespace/name"))
    var gateway: String

    @Option(help: "The node id (default: the gateway name with a -proxy suffix).")
    var nodeID: String?

    @Option(help: ArgumentHelp("Envoy's admin address.", valueName: "host:port"))
    var adminAddress = "127.0.0.1:19000"

    @Option(help: ArgumentHelp(
        "Also serve GET /stats/prometheus, and nothing else of the admin, on this address (for a Prometheus on another host).",
        valueName: "host:port"
    ))
    var statsAddress: String?

    @Flag(inversion: .prefixedNo, help: "Keep statistics per route rule (envoy_vhost_route_*); --no-route-stats for very many rules.")
    var routeStats = true

    @Option(help: ArgumentHelp(
        "The xDS protocol Envoy speaks to Meridian: sotw (state of the world) or delta (incremental: only changes are sent).",
        valueName: "sotw|delta"
    ))
    var xdsProtocol: XDSProtocol = EnvoyBootstrap.defaultXDSProtocol

    @Option(help: ArgumentHelp("Connect to Meridian over TLS: its certificate must verify against this PEM CA bundle (a path on the proxy's host).", valueName: "path"))
    var xdsCa: String?

    @Option(help: ArgumentHelp("For a Meridian that requires mTLS: the proxy's PEM certificate chain (a path on the proxy's host).", valueName: "path"))
    var xdsClientCertificate: String?

    @Option(help: ArgumentHelp("The proxy's PEM private key for --xds-client-certificate.", valueName: "path"))
    var xdsClientKey: String?

    @Option(help: ArgumentHelp("The server name sent (SNI) and required in Meridian's certificate (default: the --xds-address host, or its IP address SAN when it is an address).", valueName: "name"))
    var xdsSni: String?

    func validate() throws {
        _ = try HostPort(xdsAddress, option: "--xds-address")
        guard (xdsClientCertificate == nil) == (xdsClientKey == nil) else {
            throw ValidationError("--xds-client-certificate and --xds-client-key go together")
        }
        if xdsCa == nil, xdsClientCertificate != nil || xdsSni != nil {
            throw ValidationError("--xds-client-certificate, --xds-client-key and --xds-sni need --xds-ca (TLS)")
        }
        let admin = try HostPort(adminAddress, option: "--admin-address")
        if let statsAddress {
            _ = try HostPort(statsAddress, option: "--stats-address")
            // The stats listener forwards to the admin, so it must know the admin's port.
            guard admin.port != 0 else { throw ValidationError("--stats-address needs a fixed --admin-address port, not 0") }
        }
        let parts = gateway.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("--gateway must be namespace/name, got \"\(gateway)\"")
        }
    }

    func run() throws {
        let xds = try HostPort(xdsAddress, option: "--xds-address")
        let admin = try HostPort(adminAddress, option: "--admin-address")
        let bootstrap = EnvoyBootstrap(
            xdsHost: xds.host, xdsPort: xds.port, proxyGroup: gateway,
            nodeID: nodeID ?? "\(gateway.replacingOccurrences(of: "/", with: "-"))-proxy",
            adminHost: admin.host, adminPort: admin.port,
            statsAddress: try statsAddress.map { try HostPort($0, option: "--stats-address") }.map { EnvoyBootstrap.Address(host: $0.host, port: $0.port) },
            routeStatistics: routeStats,
            xdsProtocol: xdsProtocol,
            xdsTLS: xdsCa.map {
                EnvoyBootstrap.XDSTLS(trustedCAPath: $0, clientCertificatePath: xdsClientCertificate, clientKeyPath: xdsClientKey, serverName: xdsSni)
            }
        )
        print(bootstrap.yaml, terminator: "")
    }
}

/// A `host:port` argument.
struct HostPort {
    var host: String
    var port: Int

    init(_ text: String, option: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("\(option) must be host:port, got \"\(text)\"")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ValidationError("\(option) must be host:port, got \"\(text)\"") }
        self.host = host
        self.port = port
    }
}

extension XDSProtocol: ExpressibleByArgument {}
