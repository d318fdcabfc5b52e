import MeridianServe
import ServiceLifecycle

/// A service of `serve`'s `ServiceGroup` that notes, every `interval`, which proxies ACKed or
/// NACKed each recorded version, and once more when `serve` shuts down gracefully.
///
/// Polling the registry rather than hooking the ADS streams keeps the stream code free of
/// history concerns; an ACK is in the history within one interval of happening.
public struct HistoryObservationService: Service {
    public let history: SnapshotHistory
    public let proxies: ProxyStatusRegistry
    public let interval: Duration

    public init(history: SnapshotHistory, proxies: ProxyStatusRegistry, interval: Duration = .seconds(1)) {
        self.history = history
        self.proxies = proxies
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                history.observe(proxies)
                try? await Task.sleep(for: interval)
            }
        }
        history.observe(proxies)
    }
}
