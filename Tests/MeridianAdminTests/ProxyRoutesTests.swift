import EnvoyAPI
@testable import MeridianAdmin
@testable import MeridianServe
import Testing

/// `/proxies` shows delta streams as it shows state-of-the-world ones, plus their protocol and
/// what the last delta response carried.
@Suite("Admin API: /proxies for delta streams")
struct ProxyRoutesTests {
    @Test("a delta stream's protocol, service, ACK and NACK per type, and last response's counts")
    func deltaStream() throws {
        let registry = ProxyStatusRegistry()
        let id = registry.connect(node: Node(id: "edge", cluster: "ns/gw"), peer: "ipv4:127.0.0.1:1", xdsProtocol: .delta, service: "envoy.service.discovery.v3.AggregatedDiscoveryService")
        registry.recordSent(streamID: id, type: .route, version: "v1", nonce: "1", byteCount: 100, resourceCount: 1, removedCount: 0)
        registry.record(streamID: id, .acknowledged(.route, version: "v1"))
        registry.recordSent(streamID: id, type: .cluster, version: "v2", nonce: "2", byteCount: 50, resourceCount: 0, removedCount: 2)
        registry.record(streamID: id, .rejected(.cluster, version: "v2", keptVersion: "", message: "no"))

        let proxy = try #require(registry.proxies.first)
        let text = ProxyRoutes.table([proxy])
        #expect(text.hasPrefix("NAME  GROUP  XDS"), "\(text)")
        #expect(text.contains("edge  ns/gw  delta  NACKED"), "\(text)")
        #expect(text.contains("SYNCED v1"), "\(text)")

        let json = ProxyRoutes.json(proxy)
        #expect(json["xds_protocol"]?.string == "delta")
        let types = try #require(json["types"].flatMap { value -> [JSONValue]? in if case .array(let items) = value { items } else { nil } })
        let cluster = try #require(types.first { $0["type"]?.string == "Cluster" })
        #expect(cluster["state"]?.string == "NACKED")
        #expect(cluster["last_sent"]?["removed"] == .integer(2))
        #expect(cluster["bytes_sent"] == .integer(50))
    }
}
