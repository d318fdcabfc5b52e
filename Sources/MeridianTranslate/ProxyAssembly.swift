import MeridianIR
import MeridianLoad

/// The assembly pass: placed routes and their clusters become one `ProxyConfiguration` per
/// Gateway. One Envoy listener per programmed port: for HTTP one route table; for HTTPS
/// one filter chain per Gateway listener (matched on SNI), each with its own route table.
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

    /// Listeners by port; virtual hosts in name order, routes by precedence, clusters and secrets by name.
    /// `listeners`: the Gateway's programmed listeners.
    /// `splitsByHost`: plain HTTP route tables that can be are split by host name.
    func configuration(for gateway: Gateway, listeners planned: [PlannedListener], listenerAddress: String, splitsByHost: Bool = false, hosts: inout ListenerIsolation.HostMemo?) -> ProxyConfiguration {
        let routes = placed[gateway.qualifiedName] ?? [:]
        var listeners: [MeridianIR.Listener] = []
        var tables: [RouteTable] = []
        var secrets: [String: TLSSecret] = [:]
        let byPort = Dictionary(grouping: planned, by: \.port)
        for port in byPort.keys.sorted() {
            let plans = byPort[port]!
            let rateLimit = listenerRateLimits[gateway.qualifiedName]?[port]
            let hostnames = plans.map { $0.listener.hostname ?? "*" }
            guard plans[0].listener.protocol == .https else {
                // Plain HTTP: every listener of the port shares one route table, isolated by host name.
                let name = "http-\(port)"
                listeners.append(MeridianIR.Listener(name: name, address: listenerAddress, port: port, routeTableName: name, localRateLimit: rateLimit))
                var table = RouteTable(name: name, virtualHosts: ListenerIsolation.virtualHosts(routes[port] ?? [], listenerHostnames: hostnames, table: "\(gateway.qualifiedName) \(name)", memo: &hosts))
                table.splitByHost = splitsByHost && table.canSplitByHost
                tables.append(table)
                continue
            }
            // The chain for a host name first, the default chain (no host name) last.
            let ordered = plans.sorted(by: Self.chainOrder)
            var chains: [FilterChain] = []
            for plan in ordered {
                let name = "https-\(port)-\(plan.qualifiedName)"
                let hostname = plan.listener.hostname ?? "*"
                for certificate in plan.certificates { secrets[certificate.secretName] = certificate.secret }
                chains.append(FilterChain(
                    name: name,
                    serverNames: plan.listener.hostname.map { [$0] } ?? [],
                    tls: DownstreamTLS(certificateSecrets: plan.certificates.map { $0.secretName }, clientValidation: plan.clientValidation),
                    routeTableName: name
                ))
                let own = (routes[port] ?? []).filter { $0.listenerHostname == hostname }
                tables.append(Self.isolatedTable(name: name, hostname: plan.listener.hostname, otherHostnames: hostnames.filter { $0 != hostname }, placed: own))
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
        case (nil, nil): a.qualifiedName < b.qualifiedName
        case (nil, _): false
        case (_, nil): true
        case (let first?, let second?): first < second
        }
    }

    /// The route table of one HTTPS listener's filter chain. A connection reaches the chain by
    /// its SNI; a request on it whose `Host` belongs to another listener of the port is
    /// misdirected (HTTP/2 connection reuse, or a client sending a different Host) and gets
    /// 421: so do the host names of more specific listeners inside this one's (`b.example.com`
    /// inside `*.example.com`, every named listener inside the default chain), and, for a
    /// listener with a host name, any host outside it.
    static func isolatedTable(name: String, hostname: String?, otherHostnames: [String], placed: [ListenerIsolation.PlacedRoute]) -> RouteTable {
        let inside = otherHostnames.filter { other in
            guard let hostname else { return true }
            return HostnameIntersection.matches(pattern: hostname, hostname: other)
        }.sorted()
        // Routes for host names a more specific listener serves are that listener's (isolation).
        var virtualHosts = ListenerIsolation.virtualHosts(placed, listenerHostnames: [hostname ?? "*"]).filter { host in
            !inside.contains { other in host.domains.contains { ListenerIsolation.covers(other, $0) } }
        }
        // The listener's own host name is this chain's even with no route for it: 404, not 421.
        if let hostname, !virtualHosts.contains(where: { $0.domains.contains(hostname) }) {
            virtualHosts.append(VirtualHost(name: hostname, domains: [hostname], routes: []))
            virtualHosts.sort { $0.name < $1.name }
        }
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
