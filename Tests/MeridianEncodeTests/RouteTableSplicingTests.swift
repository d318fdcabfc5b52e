import EnvoyAPI
@testable import MeridianEncode
import MeridianIR
import MeridianTestSupport
import Testing

/// A RouteConfiguration is assembled from its virtual hosts' separately encoded bytes, so that
/// an unchanged virtual host is taken from `EncodingCache`. The result must be the bytes
/// protobuf-c gives for the whole message, or versions (content digests) would change.
@Suite("Route tables spliced from virtual hosts")
struct RouteTableSplicingTests {
    static var tables: [RouteTable] {
        let resilience = ResilienceConfiguration.configuration.routeTables
        let sample = SampleConfigurations.singleBackend(listenerPort: 8080, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 9000)]).routeTables
        let manyHosts = RouteTable(name: "http-8080", virtualHosts: (0..<300).map { index in
            VirtualHost(name: "\(index)-route.example.com", domains: ["\(index)-route.example.com"], routes: [
                Route(name: "bench/\(index)-route/rule0/match0", match: RouteMatch(path: .prefix("/\(index)")), action: .forward([WeightedBackend(clusterName: "bench/a:80", weight: 1)])),
            ])
        })
        return resilience + sample + [manyHosts, RouteTable(name: "empty", virtualHosts: []), RouteTable(name: "", virtualHosts: [])]
    }

    @Test("Spliced bytes equal protobuf-c's for every table, with and without a warm cache")
    func splicedEqualsWhole() {
        let tables = Self.tables
        #expect(tables.count >= 5)
        var memo = EncodingMemo(previous: .init())
        for table in tables {
            #expect(RouteEncoding.encode(table, memo: &memo) == RouteEncoding.encodeWhole(table), "table \(table.name)")
        }
        // Again, every virtual host now taken from the previous pass.
        var warm = EncodingMemo(previous: memo.current)
        for table in tables {
            #expect(RouteEncoding.encode(table, memo: &warm) == RouteEncoding.encodeWhole(table), "table \(table.name) from the cache")
        }
        #expect(warm.hits == tables.reduce(0) { $0 + Set($1.virtualHosts).count })
    }

    @Test("A cache hands back only bytes of equal IR: a changed route is encoded again")
    func changedVirtualHostIsEncodedAgain() {
        let cache = EncodingCache()
        var configuration = SampleConfigurations.singleBackend(listenerPort: 8080, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 9000)])
        let first = EnvoyResourceEncoder.encode(configuration, cache: cache)
        configuration.routeTables[0].virtualHosts[0].routes[0].name = "renamed"
        let cached = EnvoyResourceEncoder.encode(configuration, cache: cache)
        let fresh = EnvoyResourceEncoder.encode(configuration)
        #expect(cached == fresh)
        #expect(cached != first)
        // The listener, cluster and load assignment were unchanged: taken from the cache.
        #expect(cache.hits == 3)
    }
}
