import MeridianIR
import MeridianLoad
@testable import MeridianTranslate
import Testing

/// Virtual hosts look up routes by the host names that can cover their domain, instead of
/// scanning every route for every domain (quadratic with thousands of host names). The lookup
/// is only sound if that list is complete: every host name `covers` accepts must be in it.
@Suite("Listener isolation: host name lookup")
struct ListenerIsolationLookupTests {
    static let labels = ["a", "b", "example", "com", "x-y", "*"]

    /// Host names from a small alphabet of labels, so that many pairs cover each other.
    static func hostnames() -> [String] {
        var names: Set<String> = ["*"]
        for first in labels {
            for second in labels where second != "*" {
                names.insert("\(first).\(second)")
                for third in labels where third != "*" { names.insert("\(first).\(second).\(third)") }
            }
        }
        return names.sorted()
    }

    @Test("Every host name that covers a domain is among the domain's covering patterns")
    func coveringPatternsAreComplete() {
        let names = Self.hostnames()
        var coveringPairs = 0
        for domain in names {
            let patterns = Set(ListenerIsolation.coveringPatterns(of: domain))
            for pattern in names where ListenerIsolation.covers(pattern, domain) {
                coveringPairs += 1
                #expect(patterns.contains(pattern), "\(pattern) covers \(domain) but is not looked up")
            }
        }
        // The alphabet yields wildcard, suffix and catch-all cover relations, not just identity.
        #expect(coveringPairs > names.count * 2)
    }

    @Test("Covering patterns of a few domains", arguments: [
        ("a.example.com", ["*", "*.com", "*.example.com", "a.example.com"]),
        ("*.example.com", ["*", "*.com", "*.example.com"]),
        ("*", ["*"]),
        ("localhost", ["*", "localhost"]),
    ])
    func coveringPatterns(domain: String, expected: [String]) {
        #expect(ListenerIsolation.coveringPatterns(of: domain).sorted() == expected)
    }

    /// Routes placed on every host name of the alphabet by listeners with and without host
    /// names, each rule its own route.
    static func placed() throws -> [ListenerIsolation.PlacedRoute] {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules: [{matches: [{path: {type: PathPrefix, value: /}}]}]

        """
        let route = try #require(ConfigurationLoader.load(yaml: yaml, fileName: "r.yaml").httpRoutes.first)
        let source = RouteSource(route)
        var placed: [ListenerIsolation.PlacedRoute] = []
        for (index, hostname) in hostnames().enumerated() {
            for listener in ["*", "*.example.com", "a.example.com"] where ListenerIsolation.covers(listener, hostname) || ListenerIsolation.covers(hostname, listener) {
                placed.append(ListenerIsolation.PlacedRoute(
                    listenerHostname: listener, hostname: hostname,
                    precedence: RoutePrecedence(specificity: [index % 7], route: source, ruleIndex: index, matchIndex: 0),
                    route: Route(name: "\(listener) \(hostname)", match: RouteMatch(path: .prefix("/\(index % 5)")), action: .directResponse(status: 200, body: hostname)),
                    scheme: "http"
                ))
            }
        }
        return placed
    }

    @Test("Routes gathered by scanning and by the index make the same virtual hosts")
    func scanningAndIndexAgree() throws {
        let placed = try Self.placed()
        let listeners = ["*", "*.example.com", "a.example.com"]
        var none: ListenerIsolation.HostMemo?
        let scanned = ListenerIsolation.virtualHosts(placed, listenerHostnames: listeners, memo: &none, linearScans: .max)
        let indexed = ListenerIsolation.virtualHosts(placed, listenerHostnames: listeners, memo: &none, linearScans: 0)
        #expect(scanned == indexed)
        // A rich case: many domains, most with several routes from covering host names.
        #expect(scanned.count > 100 && scanned.filter { $0.routes.count > 1 }.count > 50, "\(scanned.count) domains")
    }
}
