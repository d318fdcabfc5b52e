import CoreMetrics
import EnvoyAPI
import Metrics

/// Meridian's xDS metrics for one ADS stream, through swift-metrics (Prometheus names; the
/// README lists them). Label names are fixed per metric name: Prometheus refuses one name with
/// two label sets.
///
/// Each metric handle is looked up in the registry once per stream and type, then kept: a push
/// to thousands of streams then costs each stream an increment, not a registry lookup (a lock
/// and a dictionary search) per response. Owned by the stream's event loop, so not shared.
struct XDSStreamMetrics {
    let group: String
    let proxy: String
    private var pushes: [ResourceType: Counter] = [:]
    private var acks: [ResourceType: Counter] = [:]
    private var nacks: [ResourceType: Counter] = [:]
    private var pushLatency: [ResourceType: Timer] = [:]
    private var convergence: [ResourceType: Timer] = [:]
    /// Types whose NACK is active (the gauge exists), so only those are cleared.
    private var activeRejections: Set<ResourceType> = []

    /// A proxy connected to `group`.
    init(group: String, proxy: String) {
        self.group = group
        self.proxy = proxy
        Self.connectedProxies(group).increment()
    }

    /// The proxy left: it is no longer connected and has no active NACK.
    mutating func disconnected() {
        Self.connectedProxies(group).decrement()
        for type in activeRejections { clearRejection(type) }
    }

    /// A response was written; `since` is when its snapshot became live, if known.
    mutating func pushed(_ type: ResourceType, since: ContinuousClock.Instant?) {
        handle(&pushes, type) { Counter(label: "meridian_xds_pushes_total", dimensions: [("type", type.shortName), ("group", group)]) }.increment()
        if let since {
            handle(&pushLatency, type) { Timer(label: "meridian_xds_push_duration_seconds", dimensions: [("type", type.shortName)]) }.record(duration: .now - since)
        }
    }

    /// The proxy ACKed; `since` is when the version became live, if known (convergence).
    mutating func acknowledged(_ type: ResourceType, since: ContinuousClock.Instant?) {
        handle(&acks, type) { Counter(label: "meridian_xds_acks_total", dimensions: [("type", type.shortName), ("group", group)]) }.increment()
        if let since {
            handle(&convergence, type) { Timer(label: "meridian_xds_convergence_seconds", dimensions: [("type", type.shortName)]) }.record(duration: .now - since)
        }
        if activeRejections.contains(type) { clearRejection(type) }
    }

    mutating func rejected(_ type: ResourceType) {
        handle(&nacks, type) { Counter(label: "meridian_xds_nacks_total", dimensions: [("type", type.shortName), ("group", group)]) }.increment()
        nackGauge(type).record(1)
        activeRejections.insert(type)
    }

    /// A proxy that stopped NACKing (it ACKed a later version) or left has no active NACK series.
    /// What a request meant, counted.
    mutating func record(_ outcome: DiscoveryStreamState.RequestOutcome, cache: SnapshotCache) {
        switch outcome {
        case .acknowledged(let type, let version):
            acknowledged(type, since: cache.liveSince(version: version))
        case .rejected(let type, _, _, _):
            rejected(type)
        default:
            break
        }
    }

    private mutating func clearRejection(_ type: ResourceType) {
        nackGauge(type).destroy()
        activeRejections.remove(type)
    }

    private func nackGauge(_ type: ResourceType) -> Gauge {
        Gauge(label: "meridian_xds_nack_active", dimensions: [("proxy", proxy), ("group", group), ("type", type.shortName)])
    }

    private static func connectedProxies(_ group: String) -> Meter {
        Meter(label: "meridian_xds_connected_proxies", dimensions: [("group", group)])
    }

    private func handle<Metric>(_ cache: inout [ResourceType: Metric], _ type: ResourceType, make: () -> Metric) -> Metric {
        if let existing = cache[type] { return existing }
        let made = make()
        cache[type] = made
        return made
    }
}
