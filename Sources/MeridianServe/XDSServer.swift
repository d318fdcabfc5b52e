import GRPCCoreTransport
import Logging

/// An xDS server over gRPC core, serving the snapshots in `cache`: ADS (state of the world and
/// delta) and the per-type services (see `AggregatedDiscoveryService`).
public final class XDSServer: Sendable {
    public let cache: SnapshotCache
    public let service: AggregatedDiscoveryService
    private let server: GRPCServer

    public init(cache: SnapshotCache = SnapshotCache(), configuration: GRPCServer.Configuration = .init(), logger: Logger = Logger(label: "meridian.ads")) {
        self.cache = cache
        service = AggregatedDiscoveryService(cache: cache, logger: logger)
        server = GRPCServer(configuration: configuration, handlers: service.handlers)
    }

    /// Which proxies are connected, and what each has ACKed or NACKed.
    public var proxies: ProxyStatusRegistry { service.proxies }

    /// ADS streams refused with RESOURCE_EXHAUSTED because descriptors ran short (see `GRPCServer.Configuration.descriptorHeadroom`).
    public var refusedStreamCount: Int { server.refusedStreamCount }

    /// Listens on `address` (such as `127.0.0.1:18000`); returns the bound port.
    @discardableResult
    public func start(address: String) throws(TransportError) -> Int {
        try server.start(address: address)
    }

    /// Ends every stream with UNAVAILABLE (proxies reconnect elsewhere) and stops.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        await server.shutdown(gracePeriod: gracePeriod)
    }
}
