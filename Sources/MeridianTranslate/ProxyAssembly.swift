import MeridianIR
import MeridianLoad

/// The assembly pass: placed routes and their clusters become one `ProxyConfiguration` per
/// Gateway, one Envoy listener and route table per programmed port.
struct ProxyAssembly {
    /// Routes placed on one Gateway: port → host name → routes with their precedence.
    private var hosts: [String: [Int: [String: [(RoutePrecedence, Route)]]]] = [:]
    /// Gateway → cluster name → cluster.
    private var clusters: [String: [String: Cluster]] = [:]

    /// Puts one Envoy route on each host name its placement serves.
    mutating func place(_ route: Route, precedence: RoutePrecedence, on placement: Placement) {
        for hostname in placement.hostnames {
            hosts[placement.gateway, default: [:]][placement.port, default: [:]][hostname, default: []].append((precedence, route))
        }
    }

    /// Gateway → port → the rate limit every request on that Envoy listener shares.
    private var listenerRateLimits: [String: [Int: LocalRateLimit]] = [:]

    mutating func setListenerRateLimit(_ limit: LocalRateLimit, gateway: String, port: Int) {
        listenerRateLimits[gateway, default: [:]][port] = limit
    }

    /// One cluster per name. A Service port that some route sends gRPC to speaks HTTP/2 for
    /// every route of the Gateway, since its endpoints serve gRPC.
    mutating func add(_ cluster: Cluster, gateway: String) {
        var cluster = cluster
        if let existing = clusters[gateway]?[cluster.name], existing.upstreamHTTP?.http2 != nil, cluster.upstreamHTTP?.http2 == nil {
            cluster.upstreamHTTP = existing.upstreamHTTP
        }
        clusters[gateway, default: [:]][cluster.name] = cluster
    }

    /// Virtual hosts in name order, routes by precedence, clusters by name.
    func configuration(for gateway: Gateway, ports: [Int], listenerAddress: String) -> ProxyConfiguration {
        let placed = hosts[gateway.qualifiedName] ?? [:]
        var listeners: [MeridianIR.Listener] = []
        var tables: [RouteTable] = []
        for port in ports {
            let name = "http-\(port)"
            listeners.append(MeridianIR.Listener(
                name: name, address: listenerAddress, port: port, routeTableName: name,
                localRateLimit: listenerRateLimits[gateway.qualifiedName]?[port]
            ))
            let byHost = placed[port] ?? [:]
            let virtualHosts = byHost.keys.sorted().map { hostname in
                let ordered = byHost[hostname]!.sorted { $0.0 < $1.0 }.map(\.1)
                return VirtualHost(name: hostname == "*" ? "any-host" : hostname, domains: [hostname], routes: ordered.uniqued())
            }
            tables.append(RouteTable(name: name, virtualHosts: virtualHosts))
        }
        let groupClusters = (clusters[gateway.qualifiedName] ?? [:]).values.sorted { $0.name < $1.name }
        return ProxyConfiguration(group: gateway.qualifiedName, listeners: listeners, routeTables: tables, clusters: groupClusters)
    }
}
