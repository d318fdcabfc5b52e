import MeridianIR

/// How a virtual host's domain matched the request's host.
public enum DomainMatchKind: String, Sendable, Hashable, Codable {
    /// The domain is the host.
    case exact
    /// A `*.example.com` (or `*-suffix`) domain: the longest such suffix of the host wins.
    case suffixWildcard
    /// A `prefix.*` domain, tried after every suffix wildcard: the longest prefix wins.
    case prefixWildcard
    /// The `*` domain: any host no other domain took.
    case any
    /// The route table has only the `*` domain, which Envoy uses without looking at the host.
    case onlyVirtualHost
}

/// Envoy's choice of virtual host (`RouteMatcher::findVirtualHost`) and of TLS filter chain
/// (`FilterChainManagerImpl::findFilterChainForServerName`).
enum EnvoyHostSelection {
    /// Envoy's `HeaderUtility::getPortStart` and the route table's
    /// `ignore_port_in_host_matching`: the host up to its last `:`, unless that `:` is inside an
    /// IPv6 literal's brackets.
    static func stripPort(_ host: String) -> String {
        guard let colon = host.lastIndex(of: ":") else { return host }
        if let bracket = host.lastIndex(of: "]"), bracket > colon { return host }
        return String(host[..<colon])
    }

    /// The virtual host of `table` serving `host` (the `Host` header as sent), and how its
    /// domain matched: an exact domain; else the longest `*suffix` domain shorter than the
    /// host; else the longest `prefix*` domain shorter than the host; else `*`. Domains are
    /// compared lowercased, and the port is ignored (Meridian sets `ignore_port_in_host_matching`).
    static func virtualHost(for host: String, in table: RouteTable) -> (index: Int, domain: String, kind: DomainMatchKind)? {
        // Keyed by bytes: Envoy compares bytes, where Swift's String equality would also
        // equate canonically equivalent Unicode.
        var exact: [[UInt8]: Int] = [:]
        var suffixes: [[UInt8]: Int] = [:]
        var prefixes: [[UInt8]: Int] = [:]
        var any: Int?
        for (index, virtualHost) in table.virtualHosts.enumerated() {
            for domain in virtualHost.domains.map(asciiLowercased) {
                if domain == [UInt8(ascii: "*")] {
                    any = any ?? index
                } else if domain.first == UInt8(ascii: "*") {
                    suffixes[Array(domain.dropFirst())] = suffixes[Array(domain.dropFirst())] ?? index
                } else if domain.last == UInt8(ascii: "*") {
                    prefixes[Array(domain.dropLast())] = prefixes[Array(domain.dropLast())] ?? index
                } else {
                    exact[domain] = exact[domain] ?? index
                }
            }
        }
        if exact.isEmpty, suffixes.isEmpty, prefixes.isEmpty {
            return any.map { ($0, "*", .onlyVirtualHost) }
        }
        let name = asciiLowercased(stripPort(host))
        if let index = exact[name] { return (index, text(name), .exact) }
        // Longest wildcard first; the wildcard must stand for at least one character, so a
        // suffix as long as the host does not match (`*.foo.com` is not `.foo.com`).
        for suffix in suffixes.keys.sorted(by: { $0.count > $1.count }) where suffix.count < name.count {
            if name.suffix(suffix.count).elementsEqual(suffix) { return (suffixes[suffix]!, "*" + text(suffix), .suffixWildcard) }
        }
        for prefix in prefixes.keys.sorted(by: { $0.count > $1.count }) where prefix.count < name.count {
            if name.prefix(prefix.count).elementsEqual(prefix) { return (prefixes[prefix]!, text(prefix) + "*", .prefixWildcard) }
        }
        return any.map { ($0, "*", .any) }
    }

    /// Envoy's `absl::AsciiStrToLower`: only A-Z change.
    static func asciiLowercased(_ text: String) -> [UInt8] {
        text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
    }

    private static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The filter chain a TLS connection with `serverName` (nil: no SNI) reaches: the chain
    /// naming it exactly; else the chain naming the longest `*.` wildcard of its parent
    /// domains (`*.b.example.com`, then `*.example.com`, then `*.com`); else the chain with no
    /// names; else none, and Envoy closes the connection.
    static func filterChain(for serverName: String?, in chains: [FilterChain]) -> (index: Int, matchedName: String?)? {
        let name = serverName.map { String(decoding: asciiLowercased($0), as: UTF8.self) } ?? ""
        func chain(named candidate: String) -> Int? {
            chains.firstIndex { $0.serverNames.contains { asciiLowercased($0) == Array(candidate.utf8) } }
        }
        if !name.isEmpty {
            if let index = chain(named: name) { return (index, name) }
            // Envoy starts at the first `.` after the first character and stops before a
            // trailing one.
            var position = name.index(after: name.startIndex)
            while let dot = name[position...].firstIndex(of: "."), name.index(after: dot) < name.endIndex {
                let wildcard = "*" + name[dot...]
                if let index = chain(named: wildcard) { return (index, wildcard) }
                position = name.index(after: dot)
            }
        }
        return chains.firstIndex { $0.serverNames.isEmpty }.map { ($0, nil) }
    }
}
