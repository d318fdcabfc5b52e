import MeridianIR

/// The virtual hosts of one port, with listener isolation: a request is served only by the
/// routes of the most specific listener matching its host, and among those by the routes
/// whose host names match it, the most specific host name first.
///
/// Envoy sends a request to the virtual host with the most specific domain matching its
/// host. So there is a virtual host per host name in use on the port (every route host name,
/// and when several listeners share the port, every listener host name), and each one carries
/// the routes every request it receives may reach: those placed by the most specific listener
/// covering the host name, from routes whose host name covers it. A request reaching domain D
/// matches no more specific domain, so the listeners and route host names matching it are
/// exactly those covering D (all of them are domains too).
enum ListenerIsolation {
    struct PlacedRoute: Equatable, Sendable {
        /// The host name of the listener that placed the route (`*` for none).
        var listenerHostname: String
        /// The route's host name there (its intersection with the listener's).
        var hostname: String
        var precedence: RoutePrecedence
        var route: Route
        /// `http` or `https`, as the listener receives requests.
        var scheme: String
    }

    /// Virtual hosts of the last build, by table and domain, with the routes they were made
    /// from: a domain whose routes are equal gets the same virtual host without sorting and
    /// rewriting them again. (A virtual host is a function of its domain, the listener host
    /// name chosen for it and those routes alone, so no other input can make it stale.)
    struct HostMemo: Sendable {
        struct Entry: Sendable {
            var listener: String?
            var routes: [PlacedRoute]
            var host: VirtualHost
        }

        var previous: [String: Entry] = [:]
        var current: [String: Entry] = [:]
        var hits = 0
        /// Of `hits`, those taken by `unchanged(_:)` alone.
        var unchangedHits = 0
        /// The route host names whose placed routes may differ from the last build's (routes
        /// added, removed, changed or placed afresh); nil when not known. A domain that none
        /// of them covers has the same routes as last time, so its virtual host is taken
        /// without gathering and comparing them.
        var changedHostnames: Set<String>?

        /// Whether the routes of `domain` are known to be the last build's.
        func unchanged(_ domain: String) -> Bool {
            guard let changedHostnames else { return false }
            return !changedHostnames.contains(where: { ListenerIsolation.covers($0, domain) })
        }
    }

    /// `linearScans`: how many domains gather their routes by scanning every placed route
    /// before an index is built (tests set it to compare the two ways).
    static func virtualHosts(_ placed: [PlacedRoute], listenerHostnames: [String], table: String = "", memo: inout HostMemo?, linearScans: Int = 8) -> [VirtualHost] {
        // One pass by index, reading fields in place: mapping or enumerating would copy every
        // placed route (each holds a whole Route).
        var domains: Set<String> = []
        domains.reserveCapacity(placed.count)
        var wildcardSet: Set<String> = []
        for index in placed.indices {
            let hostname = placed[index].hostname
            domains.insert(hostname)
            if hostname.hasPrefix("*") { wildcardSet.insert(hostname) }
        }
        if Set(listenerHostnames).count > 1 { domains.formUnion(listenerHostnames) }
        // The wildcard host names in use: with few of them, a domain checks each instead of
        // building every pattern that could cover it.
        let wildcards = wildcardSet.sorted()
        // Routes by (listener host name, route host name), in placement order: a domain looks up
        // only the host names that can cover it, so thousands of host names stay linear. Built
        // only once more than a few domains need their routes gathered: after a route-only
        // edit most domains are unchanged, and a scan of the placed routes for each of the
        // others costs less than indexing all of them.
        var indices: [HostKey: [Int]]?
        var scans = 0
        func routes(covering domain: String, placedBy listener: String) -> [Int] {
            if indices == nil, scans < linearScans {
                scans += 1
                return placed.indices.filter { placed[$0].listenerHostname == listener && covers(placed[$0].hostname, domain) }
            }
            if indices == nil {
                var built: [HostKey: [Int]] = [:]
                built.reserveCapacity(placed.count)
                for index in placed.indices {
                    built[HostKey(listener: placed[index].listenerHostname, hostname: placed[index].hostname), default: []].append(index)
                }
                indices = built
            }
            var found: [Int] = []
            let patterns = wildcards.count <= 16 ? [domain] + wildcards.filter { $0 != domain } : coveringPatterns(of: domain)
            for pattern in patterns {
                for index in indices?[HostKey(listener: listener, hostname: pattern)] ?? [] where covers(placed[index].hostname, domain) {
                    found.append(index)
                }
            }
            if patterns.count > 1 { found.sort() }
            return found
        }
        return domains.sorted().map { domain in
            let listener = listenerHostnames.filter { covers($0, domain) }.max { specificity($0) < specificity($1) }
            let key = "\(table) \(domain)"
            // No changed host name covers the domain: the same routes as last time.
            if let entry = memo?.previous[key], entry.listener == listener, memo?.unchanged(domain) == true {
                memo?.current[key] = entry
                memo?.hits += 1
                memo?.unchangedHits += 1
                return entry.host
            }
            let found = listener.map { routes(covering: domain, placedBy: $0) } ?? []
            // Compared in place: a domain whose routes did not change costs no copies.
            if let entry = memo?.previous[key], entry.listener == listener, Self.same(entry.routes, as: found, in: placed) {
                memo?.current[key] = entry
                memo?.hits += 1
                return entry.host
            }
            let candidates = found.map { placed[$0] }
            let routes = candidates
                .sorted { lhs, rhs in
                    let (left, right) = (specificity(lhs.hostname), specificity(rhs.hostname))
                    return left != right ? left > right : lhs.precedence < rhs.precedence
                }
                .map { RedirectPorts.route($0.route, onVirtualHost: domain, listenerScheme: $0.scheme) }
            let host = VirtualHost(name: domain == "*" ? "any-host" : domain, domains: [domain], routes: uniqued(routes))
            memo?.current[key] = HostMemo.Entry(listener: listener, routes: candidates, host: host)
            return host
        }
    }

    /// Whether `routes` are the placed routes at `indices`.
    private static func same(_ routes: [PlacedRoute], as indices: [Int], in placed: [PlacedRoute]) -> Bool {
        guard routes.count == indices.count else { return false }
        for (offset, index) in indices.enumerated() where routes[offset] != placed[index] { return false }
        return true
    }

    static func virtualHosts(_ placed: [PlacedRoute], listenerHostnames: [String]) -> [VirtualHost] {
        var memo: HostMemo?
        return virtualHosts(placed, listenerHostnames: listenerHostnames, memo: &memo)
    }

    /// The routes in order, each first occurrence only (a rule placed twice on one domain, by
    /// two parent references). Equal routes have equal names, so only routes sharing a name
    /// are compared whole: hashing every route of every virtual host would cost more.
    static func uniqued(_ routes: [Route]) -> [Route] {
        // Most virtual hosts hold a few routes: compared pairwise, without a dictionary.
        if routes.count <= 8 {
            var kept: [Route] = []
            kept.reserveCapacity(routes.count)
            for route in routes where !kept.contains(where: { $0.name == route.name && $0 == route }) { kept.append(route) }
            return kept
        }
        var seen: [String: [Route]] = [:]
        return routes.filter { route in
            if seen[route.name]?.contains(route) == true { return false }
            seen[route.name, default: []].append(route)
            return true
        }
    }

    private struct HostKey: Hashable {
        var listener: String
        var hostname: String
    }

    /// Every host name that can cover `domain`: itself, `*`, and `*.` before each of its
    /// label suffixes (a wildcard matches only at a label boundary). Callers still check
    /// `covers`, so this only has to be complete, not exact.
    static func coveringPatterns(of domain: String) -> [String] {
        var patterns: Set<String> = [domain, "*"]
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        for start in labels.indices.dropFirst() {
            patterns.insert("*." + labels[start...].joined(separator: "."))
        }
        return Array(patterns)
    }

    /// Whether host name `pattern` (exact, `*.suffix` or `*`) matches every host `hostname` does.
    static func covers(_ pattern: String, _ hostname: String) -> Bool {
        pattern == "*" || pattern == hostname || HostnameIntersection.matches(pattern: pattern, hostname: hostname)
    }

    /// Gateway API host name precedence: more characters of an exact host name, then more
    /// characters of a host name (`*` has none).
    static func specificity(_ hostname: String) -> (exact: Int, any: Int) {
        if hostname == "*" { return (0, 0) }
        return (hostname.hasPrefix("*") ? 0 : hostname.count, hostname.count)
    }
}
