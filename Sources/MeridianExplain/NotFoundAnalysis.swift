import MeridianIR

/// Why Envoy answers 404: no virtual host takes the host, or none of the virtual host's routes
/// matches. Lists the routes that came nearest, each with the conditions it failed, and the
/// routes that would match but live on another host.
enum NotFoundAnalysis {
    /// How many candidates an explanation lists.
    static let candidateLimit = 8

    static func noVirtualHost(_ explanation: inout Explanation, table: RouteTable, proxy: ProxyConfiguration, request: RoutedRequest, host: String, origins: RouteOrigins) {
        let domains = table.virtualHosts.flatMap(\.domains)
        explanation.outcome = Outcome(
            kind: .notFound, status: 404, summary: "404: no virtual host of \(table.name) takes host \(host)",
            reasons: [domains.isEmpty ? "the route table has no virtual hosts: no route is attached here" : "its domains: \(domains.joined(separator: ", ")); none is \(host), a wildcard matching it, or *"],
            served: false, location: nil
        )
        explanation.candidates = elsewhere(table.virtualHosts, request: request, origins: origins)
        for other in proxy.routeTables where other.name != table.name {
            if let found = EnvoyHostSelection.virtualHost(for: request.authority, in: other), found.kind != .onlyVirtualHost, found.kind != .any {
                explanation.notes.append("route table \(other.name) (another listener or filter chain) has a virtual host for \(found.domain)")
            }
        }
    }

    static func noRoute(_ explanation: inout Explanation, virtualHost: VirtualHost, table: RouteTable, request: RoutedRequest, gatewayListener: GatewayListenerSummary?, origins: RouteOrigins) {
        guard !virtualHost.routes.isEmpty else {
            let why = gatewayListener.map { listener in
                "listener \(listener.name)\(listener.hostname.map { " (hostname \($0))" } ?? "") takes this host, and no route attached to it serves the host (listener isolation: routes of other listeners of the port do not)"
            } ?? "no route is attached for this host"
            explanation.outcome = Outcome(
                kind: .notFound, status: 404, summary: "404: virtual host \(virtualHost.name) has no routes",
                reasons: [why], served: false, location: nil
            )
            explanation.candidates = elsewhere(table.virtualHosts.filter { $0.name != virtualHost.name }, request: request, origins: origins)
            return
        }
        explanation.outcome = Outcome(
            kind: .notFound, status: 404,
            summary: "404: none of the \(virtualHost.routes.count) routes of virtual host \(virtualHost.name) matches",
            reasons: ["Envoy tried them in order; each failed at least one condition (see candidates)"], served: false, location: nil
        )
        var seen: Set<String> = []
        let checked = virtualHost.routes.enumerated().compactMap { position, route -> (position: Int, route: Route, checks: [ConditionCheck])? in
            guard seen.insert(route.name).inserted else { return nil }
            return (position, route, EnvoyRouteMatching.check(route.match, request))
        }
        // Nearest first: the path matched (what people mostly route on), then fewest unmet
        // conditions, then Envoy's order.
        func distance(_ checks: [ConditionCheck]) -> (Int, Int) {
            (checks.last?.matched == false ? 1 : 0, checks.filter { !$0.matched }.count)
        }
        let nearest = checked.sorted { lhs, rhs in
            let (left, right) = (distance(lhs.checks), distance(rhs.checks))
            return left != right ? left < right : lhs.position < rhs.position
        }
        explanation.candidates = nearest.prefix(candidateLimit).map { entry in
            candidate(entry.route, checks: entry.checks, virtualHost: nil, origins: origins)
        }
        explanation.candidates += elsewhere(table.virtualHosts.filter { $0.name != virtualHost.name }, request: request, origins: origins)
    }

    /// Routes on the given virtual hosts whose every condition the request meets: only the
    /// host kept them from serving it.
    private static func elsewhere(_ virtualHosts: [VirtualHost], request: RoutedRequest, origins: RouteOrigins) -> [Candidate] {
        var found: [Candidate] = []
        var seen: Set<String> = []
        for virtualHost in virtualHosts where !virtualHost.name.hasPrefix("misdirected") {
            for route in virtualHost.routes where EnvoyRouteMatching.matches(route.match, request) && seen.insert(route.name).inserted {
                found.append(candidate(route, checks: EnvoyRouteMatching.check(route.match, request), virtualHost: virtualHost, origins: origins))
                if found.count == candidateLimit { return found }
            }
        }
        return found
    }

    private static func candidate(_ route: Route, checks: [ConditionCheck], virtualHost: VirtualHost?, origins: RouteOrigins) -> Candidate {
        let origin = origins.origin(of: route.name)
        let failed = checks.filter { !$0.matched }
        let reason: String
        if let virtualHost {
            reason = virtualHost.domains == ["*"]
                ? "matches, but only on the any-host virtual host, which this host does not reach (a more specific virtual host or listener takes it)"
                : "matches, but serves only host \(virtualHost.domains.joined(separator: ", "))"
        } else {
            reason = failed.map { "\($0.condition): \($0.found ?? "not met")" }.joined(separator: "; ")
        }
        return Candidate(route: route.name, source: origin?.ruleLocation, virtualHost: virtualHost?.name, conditions: checks, reason: reason)
    }
}
