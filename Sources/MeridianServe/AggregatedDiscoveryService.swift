import EnvoyAPI
import GRPCCoreTransport
import Logging

/// Meridian's xDS gRPC services: `envoy.service.discovery.v3.AggregatedDiscoveryService`
/// (state of the world and delta), and the per-type services (LDS, RDS, SRDS, CDS, EDS, SDS), each
/// with its `Stream…` (state of the world) and `Delta…` method.
///
/// Every method runs a `DiscoveryStreamDriver` over the protocol's state machine; a per-type
/// method accepts only its own type URL.
public final class AggregatedDiscoveryService: Sendable {
    public static let streamAggregatedResourcesMethod = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources"
    public static let deltaAggregatedResourcesMethod = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

    /// The per-type services: (gRPC service, `Stream…` method, `Delta…` method, type).
    public static let perTypeServices: [(service: String, stream: String, delta: String, type: ResourceType)] = [
        ("envoy.service.listener.v3.ListenerDiscoveryService", "StreamListeners", "DeltaListeners", .listener),
        ("envoy.service.route.v3.RouteDiscoveryService", "StreamRoutes", "DeltaRoutes", .route),
        ("envoy.service.route.v3.ScopedRoutesDiscoveryService", "StreamScopedRoutes", "DeltaScopedRoutes", .scopedRoute),
        ("envoy.service.cluster.v3.ClusterDiscoveryService", "StreamClusters", "DeltaClusters", .cluster),
        ("envoy.service.endpoint.v3.EndpointDiscoveryService", "StreamEndpoints", "DeltaEndpoints", .endpoint),
        ("envoy.service.secret.v3.SecretDiscoveryService", "StreamSecrets", "DeltaSecrets", .secret),
    ]

    public let cache: SnapshotCache
    public let proxies: ProxyStatusRegistry
    private let logger: Logger
    /// State-of-the-world bodies shared by every stream and every service.
    private let bodies = ResponseBodyCache()

    public init(cache: SnapshotCache, proxies: ProxyStatusRegistry = ProxyStatusRegistry(), logger: Logger = Logger(label: "meridian.ads")) {
        self.cache = cache
        self.proxies = proxies
        self.logger = logger
    }

    /// The gRPC methods this service answers.
    public var handlers: [String: GRPCServer.Handler] {
        let ads = "envoy.service.discovery.v3.AggregatedDiscoveryService"
        var handlers: [String: GRPCServer.Handler] = [
            Self.streamAggregatedResourcesMethod: { [self] stream in try await driver(DiscoveryStreamState.self, ads, nil).serve(stream) },
            Self.deltaAggregatedResourcesMethod: { [self] stream in try await driver(DeltaDiscoveryStreamState.self, ads, nil).serve(stream) },
        ]
        for entry in Self.perTypeServices {
            handlers["/\(entry.service)/\(entry.stream)"] = { [self] stream in try await driver(DiscoveryStreamState.self, entry.service, entry.type).serve(stream) }
            handlers["/\(entry.service)/\(entry.delta)"] = { [self] stream in try await driver(DeltaDiscoveryStreamState.self, entry.service, entry.type).serve(stream) }
        }
        return handlers
    }

    private func driver<Machine: DiscoveryStreamMachine>(_ machine: Machine.Type, _ service: String, _ onlyType: ResourceType?) -> DiscoveryStreamDriver<Machine> {
        DiscoveryStreamDriver(cache: cache, proxies: proxies, bodies: bodies, logger: logger, service: service, onlyType: onlyType)
    }

}
