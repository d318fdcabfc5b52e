import MeridianIR
import MeridianLoad

/// The assembly pass: placed routes and their clusters become one `ProxyConfiguration` per
/// Gateway. One Envoy listener per programmed port: for HTTP one route table; for HTTPS
/// one filter chain per Gateway listener (matched on SNI), each with its own route table.
struct ProxyAssembly {
    /// Routes placed on one Gateway: port → Gateway listener → host name → routes with their precedence.
    private var hosts: [String: [Int: [String: [String: [(RoutePrecedence, Route)]]]]] = [:]
    /// Gateway → cluster name → cluster.
    private var clusters: [String: [String: Cluster]] = [:]

    /// Puts one Envoy route on each host name its placement serves.
    mutating func place(_ route: Route, precedence: RoutePrecedence, on placement: Placement) {
        for hostname in placement.hostnames {
            hosts[placement.gateway, default: [:]][placement.port, default: [:]][placement.listenerName, default: [:]][hostname, default: []]
                .append((precedence, route))
        }
    }

    /// Gateway → port → the rate limit every request on that Envoy listener shares.
    private var listenerRateLimits: [String: [Int: LocalRateLimit]] = [:]

    mutating func setListenerRateLimit(_ limit: LocalRateLimit, gateway: String, port: Int) {
        listenerRateLimits[gateway, default: [:]][port] = limit
    }

    mutating func add(_ cluster: Cluster, gateway: String) {
        clusters[gateway, default: [:]][cluster.name] = cluster
    }

    /// Listeners by port, virtual hosts in name order, routes by precedence, clusters and secrets by name.
    func configuration(for gateway: Gateway, listeners planned: [PlannedListener], listenerAddress: String) -> ProxyConfiguration {
        let placed = hosts[gateway.qualifiedName] ?? [:]
        var listeners: [MeridianIR.Listener] = []
        var tables: [RouteTable] = []
        var secrets: [String: TLSSecret] = [:]
        let byPort = Dictionary(grouping: planned, by: \.port)
        for port in byPort.keys.sorted() {
            let plans = byPort[port]!
            let rateLimit = listenerRateLimits[gateway.qualifiedName]?[port]
            let byListener = placed[port] ?? [:]
            guard plans[0].listener.protocol == .https else {
                // Plain HTTP: every listener of the port shares one route table, split by host name.
                let name = "http-\(port)"
                listeners.append(MeridianIR.Listener(name: name, address: listenerAddress, port: port, routeTableName: name, localRateLimit: rateLimit))
                let byHost = byListener.values.reduce(into: [String: [(RoutePrecedence, Route)]]()) { merged, hosts in
                    merged.merge(hosts, uniquingKeysWith: +)
                }
                tables.append(RouteTable(name: name, virtualHosts: Self.virtualHosts(byHost)))
                continue
            }
            // The chain for a host name first, the default chain (no host name) last.
            let ordered = plans.sorted(by: Self.chainOrder)
            var chains: [FilterChain] = []
            for plan in ordered {
                let name = "https-\(port)-\(plan.listener.name)"
                let others = ordered.compactMap { $0.listener.name == plan.listener.name ? nil : $0.listener.hostname }
                for certificate in plan.certificates { secrets[certificate.secretName] = certificate.secret }
                chains.append(FilterChain(
                    name: name,
                    serverNames: plan.listener.hostname.map { [$0] } ?? [],
                    tls: DownstreamTLS(certificateSecrets: plan.certificates.map { $0.secretName }),
                    routeTableName: name
                ))
                tables.append(Self.isolatedTable(name: name, hostname: plan.listener.hostname, otherHostnames: others, placed: byListener[plan.listener.name] ?? [:]))
            }
            listeners.append(MeridianIR.Listener(name: "https-\(port)", address: listenerAddress, port: port, filterChains: chains, localRateLimit: rateLimit))
        }
        let groupClusters = (clusters[gateway.qualifiedName] ?? [:]).values.sorted { $0.name < $1.name }
        return ProxyConfiguration(
            group: gateway.qualifiedName, listeners: listeners, routeTables: tables, clusters: groupClusters,
            secrets: secrets.values.sorted { $0.name < $1.name }
        )
    }

    private static func chainOrder(_ a: PlannedListener, _ b: PlannedListener) -> Bool {
        switch (a.listener.hostname, b.listener.hostname) {
        case (nil, nil): a.listener.name < b.listener.name
        case (nil, _): false
        case (_, nil): true
        case (let first?, let second?): first < second
        }
    }

    private static func virtualHosts(_ byHost: [String: [(RoutePrecedence, Route)]]) -> [VirtualHost] {
        byHost.keys.sorted().map { hostname in
            let ordered = byHost[hostname]!.sorted { $0.0 < $1.0 }.map(\.1)
            return VirtualHost(name: hostname == "*" ? "any-host" : hostname, domains: [hostname], routes: ordered.uniqued())
        }
    }

    /// The route table of one HTTPS listener's filter chain. A connection reaches the chain by
    /// its SNI; a request on it whose `Host` belongs to another listener of the port is
    /// misdirected (HTTP/2 connection reuse, or a client sending a different Host) and gets
    /// 421: so do the host names of more specific listeners inside this one's (`b.example.com`
    /// inside `*.example.com`, every named listener inside the default chain), and, for a
    /// listener with a host name, any host outside it.
    static func isolatedTable(name: String, hostname: String?, otherHostnames: [String], placed: [String: [(RoutePrecedence, Route)]]) -> RouteTable {
        let inside = otherHostnames.filter { other in
            guard let hostname else { return true }
            return HostnameIntersection.matches(pattern: hostname, hostname: other)
        }.sorted()
        // Routes for host names a more specific listener serves are that listener's (isolation).
        let own = placed.filter { domain, _ in
            !inside.contains { $0 == domain || HostnameIntersection.matches(pattern: $0, hostname: domain) }
        }
        var virtualHosts = virtualHosts(own)
        virtualHosts += inside.map { misdirected(name: "misdirected:\($0)", domain: $0) }
        if hostname != nil { virtualHosts.append(misdirected(name: "misdirected", domain: "*")) }
        return RouteTable(name: name, virtualHosts: virtualHosts)
    }

    private static func misdirected(name: String, domain: String) -> VirtualHost {
        VirtualHost(name: name, domains: [domain], routes: [
            Route(name: "misdirected-request", match: RouteMatch(), action: .directResponse(status: 421, body: "")),
        ])
    }
}
