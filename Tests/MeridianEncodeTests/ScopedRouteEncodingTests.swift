import EnvoyAPI
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// A route table split by host is served as scoped routes: the listener's connection manager
/// keys scopes by Host, a scope per host name names a table of that host name's virtual host.
@Suite("Scoped route encoding")
struct ScopedRouteEncodingTests {
    static func configuration(split: Bool) -> ProxyConfiguration {
        var configuration = SampleConfigurations.singleBackend(listenerPort: 8080, routeTable: "http-8080", cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 9000)])
        let route = configuration.routeTables[0].virtualHosts[0].routes[0]
        configuration.routeTables[0] = RouteTable(name: "http-8080", virtualHosts: [
            VirtualHost(name: "a.example.com", domains: ["a.example.com", "alias.example.com"], routes: [route]),
            VirtualHost(name: "b.example.com", domains: ["b.example.com"], routes: [route]),
        ], splitByHost: split)
        return configuration
    }

    @Test("A split table: one scope per host name, one table per virtual host, the listener naming neither table directly")
    func splitTable() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration(split: true)))
        let scopes = try #require(snapshot.resources[.scopedRoute])
        #expect(scopes.map(\.name) == ["http-8080/a.example.com", "http-8080/alias.example.com", "http-8080/b.example.com"])
        #expect(scopes.map { $0.references.map(\.name) } == [["http-8080/a.example.com"], ["http-8080/a.example.com"], ["http-8080/b.example.com"]])
        #expect(snapshot.resources[.route]?.map(\.name) == ["http-8080/a.example.com", "http-8080/b.example.com"])
        let listener = try #require(snapshot.resources[.listener]?.first)
        #expect(listener.references.filter { $0.type == .route }.isEmpty)

        let dump = ConfigDump.render(snapshot)
        let rendered = dump.json()
        #expect(rendered.contains("\"scoped_routes\""))
        #expect(rendered.contains("\"string_key\": \"alias.example.com\"") || rendered.contains("\"string_key\":\"alias.example.com\""))
        #expect(!rendered.contains("\"rds\""))
    }

    @Test("Split and not split, through a warm cache: the same bytes as a fresh encode each time")
    func flipThroughCache() {
        let cache = EncodingCache()
        for split in [false, true, false, true] {
            let configuration = Self.configuration(split: split)
            #expect(EnvoyResourceEncoder.encode(configuration, cache: cache) == EnvoyResourceEncoder.encode(configuration), "split: \(split)")
        }
        #expect(cache.hits > 0)
    }
}
