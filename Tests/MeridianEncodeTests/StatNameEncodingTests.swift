import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// The names Envoy builds statistics from: a virtual host's `name`, a route's `stat_prefix` and
/// a cluster's `alt_stat_name`, written without the dots (and colons) Envoy would split them at.
@Suite("Statistics names in the encoded resources")
struct StatNameEncodingTests {
    static let configuration = ProxyConfiguration(
        group: "ns/gw",
        listeners: [Listener(name: "http-8080", address: "127.0.0.1", port: 8080, routeTableName: "http-8080")],
        routeTables: [
            RouteTable(name: "http-8080", virtualHosts: [
                VirtualHost(name: "api.example.com", domains: ["api.example.com"], routes: [
                    Route(name: "ns/models.v1/rule0/match0", match: RouteMatch(path: .segmentPrefix("/chat")),
                          action: .forward([WeightedBackend(clusterName: "ns/a:80", weight: 1)]), statPrefix: "ns/models.v1/rule0"),
                    Route(name: "grpc:ns/g/rule0/match0", match: RouteMatch(path: .exact("/echo.Echo/Ping")),
                          action: .forward([WeightedBackend(clusterName: "backend:ns/api.v1", weight: 1)]), statPrefix: "grpc:ns/g/rule0"),
                    Route(name: "misdirected-request", match: RouteMatch(), action: .directResponse(status: 421, body: "")),
                ]),
            ]),
        ],
        clusters: [
            Cluster(name: "backend:ns/api.v1", discovery: .dns([Endpoint(address: "api.v1.example.com", port: 443)])),
            Cluster(name: "ns/a:80", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9000)])),
        ]
    )

    static func json(_ snapshot: Snapshot, _ type: ResourceType, _ name: String) throws -> String {
        let resource = try #require(snapshot.resource(type, named: name))
        return try #require(ProtobufJSON.render(typeURL: type.typeURL, bytes: resource.message.bytes)).json()
    }

    @Test("stat_prefix is the rule's name with . and : written _; a route without one gets none; the virtual host's name has no dots, its domains keep them")
    func routeStatPrefix() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        let routes = try Self.json(snapshot, .route, "http-8080")
        #expect(routes.contains(#""name": "api_example_com""#))
        #expect(routes.contains(#""domains": ["#) && routes.contains(#""api.example.com""#))
        #expect(routes.contains(#""stat_prefix": "ns/models_v1/rule0""#))
        #expect(routes.contains(#""stat_prefix": "grpc_ns/g/rule0""#))
        #expect(routes.components(separatedBy: #""stat_prefix""#).count - 1 == 2, "the 421 route keeps no statistics")
    }

    @Test("a cluster name with a dot gets an alt_stat_name without; others keep their names for statistics")
    func clusterStatName() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        #expect(try Self.json(snapshot, .cluster, "backend:ns/api.v1").contains(#""alt_stat_name": "backend_ns/api_v1""#))
        #expect(!(try Self.json(snapshot, .cluster, "ns/a:80")).contains("alt_stat_name"))
    }

    @Test("Envoy accepts both fields (envoy --mode validate)")
    func envoyValidates() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-stat-names"))
        #expect(result.valid, "envoy --mode validate: \(result.output)")
    }
}
