import Hummingbird
import Logging
import MeridianHistory
import MeridianRuntime
import MeridianServe
import NIOCore
import Synchronization

/// What the admin server reads from the running `serve`: shared, read-only views.
public struct AdminSources: Sendable {
    /// The configuration being followed: the served build and the last attempt.
    public var watcher: ConfigurationWatcher
    /// What each proxy group is served now.
    public var cache: SnapshotCache
    /// Connected proxies and what they ACKed or NACKed.
    public var proxies: ProxyStatusRegistry
    /// Renders `/metrics` (Prometheus text); nil when metrics are off.
    public var metrics: (@Sendable () -> String)?
    /// The versions served so far, pins and rollback (`/snapshots`); nil when not kept.
    public var history: SnapshotHistory?

    public init(
        watcher: ConfigurationWatcher, cache: SnapshotCache, proxies: ProxyStatusRegistry, metrics: (@Sendable () -> String)? = nil,
        history: SnapshotHistory? = nil
    ) {
        self.watcher = watcher
        self.cache = cache
        self.proxies = proxies
        self.metrics = metrics
        self.history = history
    }
}

/// `serve`'s admin HTTP server (`--admin-address`, loopback by default): JSON by default,
/// text with `?format=text`. A Hummingbird application, so it runs as one service of
/// `serve`'s `ServiceGroup` and shuts down gracefully with it.
public enum AdminServer {
    /// The application on `host:port` (port 0 picks a free one); `onBound` gets the bound port.
    public static func application(
        sources: AdminSources,
        host: String,
        port: Int,
        logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        HealthRoutes.add(to: router, sources: sources)
        ProxyRoutes.add(to: router, sources: sources)
        ConfigRoutes.add(to: router, sources: sources)
        MetricsRoutes.add(to: router, sources: sources)
        // `/snapshots` needs the client's address (rollback and unpin are loopback-only).
        let snapshots = Router(context: AdminRequestContext.self)
        SnapshotRoutes.add(to: snapshots, sources: sources)
        return Application(
            responder: AdminResponder(shared: router.buildResponder(), snapshots: snapshots.buildResponder()),
            configuration: .init(address: .hostname(host, port: port), serverName: "meridian"),
            onServerRunning: { channel in await onBound(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// Splits `host:port` (`[::1]:19100` for IPv6).
    public static func parseAddress(_ address: String) -> (host: String, port: Int)? {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}
