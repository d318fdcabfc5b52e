import EnvoyAPI
import MeridianEncode
import MeridianIR
import MeridianServe

/// Hand-built proxy configurations for tests that exercise encode and serve without translation.
public enum SampleConfigurations {
    /// One listener → one route table → every request to one EDS cluster.
    public static func singleBackend(
        group: String = "default/gateway",
        listenerPort: Int,
        routeTable: String = "routes",
        cluster: String,
        endpoints: [Endpoint],
        extraRoutes: [Route] = [],
        connectTimeout: Duration = .seconds(5)
    ) -> ProxyConfiguration {
        ProxyConfiguration(
            group: group,
            listeners: [Listener(name: "http", address: "127.0.0.1", port: listenerPort, routeTableName: routeTable)],
            routeTables: [
                RouteTable(name: routeTable, virtualHosts: [
                    VirtualHost(name: "any-host", domains: ["*"], routes: extraRoutes + [
                        Route(name: "all-to-\(cluster)", match: RouteMatch(path: .prefix("/")), action: .forward([WeightedBackend(clusterName: cluster, weight: 1)])),
                    ]),
                ]),
            ],
            clusters: [Cluster(name: cluster, discovery: .endpoints(endpoints), connectTimeout: connectTimeout)]
        )
    }

    /// One HTTPS listener with a filter chain per `(SNI name, secret)`, every request to one EDS cluster.
    public static func tls(
        group: String = "default/gateway",
        listenerPort: Int,
        chains: [(serverName: String, secret: TLSSecret)],
        cluster: String = "backend",
        endpoints: [Endpoint] = [Endpoint(address: "127.0.0.1", port: 9000)]
    ) -> ProxyConfiguration {
        let filterChains = chains.map { chain in
            FilterChain(name: "tls-\(chain.serverName)", serverNames: [chain.serverName], tls: DownstreamTLS(certificateSecrets: [chain.secret.name]), routeTableName: "routes-\(chain.serverName)")
        }
        var secrets: [String: TLSSecret] = [:]
        for chain in chains { secrets[chain.secret.name] = chain.secret }
        return ProxyConfiguration(
            group: group,
            listeners: [Listener(name: "https", address: "127.0.0.1", port: listenerPort, filterChains: filterChains)],
            routeTables: chains.map { chain in
                RouteTable(name: "routes-\(chain.serverName)", virtualHosts: [
                    VirtualHost(name: chain.serverName, domains: [chain.serverName], routes: [
                        Route(name: "all-to-\(cluster)", match: RouteMatch(path: .prefix("/")), action: .forward([WeightedBackend(clusterName: cluster, weight: 1)])),
                    ]),
                ])
            },
            clusters: [Cluster(name: cluster, discovery: .endpoints(endpoints))],
            secrets: secrets.values.sorted { $0.name < $1.name }
        )
    }

    /// Encodes a configuration into a snapshot, failing the test on inconsistency.
    public static func snapshot(_ configuration: ProxyConfiguration) throws -> Snapshot {
        try Snapshot(resources: EnvoyResourceEncoder.encode(configuration))
    }
}
