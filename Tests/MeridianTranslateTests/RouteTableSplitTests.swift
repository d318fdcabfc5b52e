import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// `splitsRouteTablesByHost`: which plain HTTP route tables are split by host name. Envoy's
/// scoped routes find a table by the exact Host, so only tables whose every virtual host names
/// exact host names can be split; a wildcard or a route without host names keeps one table.
@Suite("Route tables split by host")
struct RouteTableSplitTests {
    static func routes(_ hostnames: [String?]) -> String {
        hostnames.enumerated().map { index, hostname in
            """

            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r\(index), namespace: ns}
            spec:
              parentRefs: [{name: gw}]
            \(hostname.map { "  hostnames: [\"\($0)\"]\n" } ?? "")  rules:
                - backendRefs: [{name: svc, port: 80}]
            """
        }.joined()
    }

    @Test("Split only when every virtual host names exact host names, and only when asked", arguments: [
        ([Optional("a.example.com"), "b.example.com"], true, true),
        (["a.example.com", "b.example.com"], false, false),
        (["a.example.com", "*.example.com"], true, false),
        (["a.example.com", nil], true, false),
        ([], true, false),
    ] as [([String?], Bool, Bool)])
    func splitWhenExact(hostnames: [String?], asked: Bool, split: Bool) throws {
        var options = TranslationOptions()
        options.splitsRouteTablesByHost = asked
        let translation = translate(gateway(listeners: httpListener) + service("svc") + Self.routes(hostnames), options: options)
        let table = try #require(translation.proxy("ns/gw")?.routeTables.first)
        #expect(table.splitByHost == split)
        #expect(table.virtualHosts.count == Set(hostnames.map { $0 ?? "*" }).count)
    }

    @Test("A listener host name narrows the routes to exact host names: the table can be split")
    func listenerHostname() throws {
        var options = TranslationOptions()
        options.splitsRouteTablesByHost = true
        let listener = """
              - name: http
                protocol: HTTP
                port: 8080
                hostname: only.example.com
        """
        let translation = translate(gateway(listeners: listener) + service("svc") + Self.routes([nil, "*.example.com"]), options: options)
        let table = try #require(translation.proxy("ns/gw")?.routeTables.first)
        #expect(table.virtualHosts.map(\.domains) == [["only.example.com"]])
        #expect(table.splitByHost)
    }
}
