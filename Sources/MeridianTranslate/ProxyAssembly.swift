import MeridianIR
import MeridianLoad

/// The assembly pass: placed routes and their clusters become one `ProxyConfiguration` per
/// Gateway, one Envoy listener and route table per programmed port.
struct ProxyAssembly {
    /// Routes placed on one Gateway: port → every (listener, host name, route) placed there.
    private var placed: [String: [Int: [ListenerIsolation.PlacedRoute]]] = [:]
    /// Gateway → cluster name → cluster.
    private var clusters: [String: [String: Cluster]] = [:]

    /// Puts one Envoy route on each host name its placement serves.
    mutating func place(_ route: Route, precedence: RoutePrecedence, on placement: Placement) {
        for hostname in placement.hostnames {
            let entry = ListenerIsolation.PlacedRoute(listenerHostname: placement.listenerHostname, hostname: hostname, precedence: precedence, route: route, scheme: placement.scheme)
            placed[placement.gateway, default: [:]][placement.port, default: []].append(entry)
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

    /// One Envoy listener per port; virtual hosts in name order, routes by precedence, clusters by name.
    /// `listenerHostnames`: port → the host names (`*` for none) of the programmed listeners on it.
    func configuration(for gateway: Gateway, listenerHostnames: [Int: [String]], listenerAddress: String) -> ProxyConfiguration {
        let routes = placed[gateway.qualifiedName] ?? [:]
        var listeners: [MeridianIR.Listener] = []
        var tables: [RouteTable] = []
        for port in listenerHostnames.keys.sorted() {
            let name = "http-\(port)"
            listeners.append(MeridianIR.Listener(
                name: name, address: listenerAddress, port: port, routeTableName: name,
                localRateLimit: listenerRateLimits[gateway.qualifiedName]?[port]
            ))
            let virtualHosts = ListenerIsolation.virtualHosts(routes[port] ?? [], listenerHostnames: listenerHostnames[port] ?? [])
            tables.append(RouteTable(name: name, virtualHosts: virtualHosts))
        }
        let groupClusters = (clusters[gateway.qualifiedName] ?? [:]).values.sorted { $0.name < $1.name }
        return ProxyConfiguration(group: gateway.qualifiedName, listeners: listeners, routeTables: tables, clusters: groupClusters)
    }
}
