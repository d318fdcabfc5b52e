import CoreMetrics
import EnvoyAPI
import Metrics

/// Meridian's xDS metrics, through swift-metrics (Prometheus names; the README lists them).
/// Label names are fixed per metric name: Prometheus refuses one name with two label sets.
struct XDSMetrics: Sendable {
    func connected(group: String) {
        Meter(label: "meridian_xds_connected_proxies", dimensions: [("group", group)]).increment()
    }

    func disconnected(group: String) {
        Meter(label: "meridian_xds_connected_proxies", dimensions: [("group", group)]).decrement()
    }

    /// A response was written; `since` is when its snapshot became live, if known.
    func pushed(_ type: ResourceType, group: String, since: ContinuousClock.Instant?) {
        Counter(label: "meridian_xds_pushes_total", dimensions: [("type", type.shortName), ("group", group)]).increment()
        if let since {
            Timer(label: "meridian_xds_push_duration_seconds", dimensions: [("type", type.shortName)]).record(duration: .now - since)
        }
    }

    /// A proxy ACKed; `since` is when the version became live, if known (convergence).
    func acknowledged(_ type: ResourceType, group: String, proxy: String, since: ContinuousClock.Instant?) {
        Counter(label: "meridian_xds_acks_total", dimensions: [("type", type.shortName), ("group", group)]).increment()
        if let since {
            Timer(label: "meridian_xds_convergence_seconds", dimensions: [("type", type.shortName)]).record(duration: .now - since)
        }
        clearRejection(type, group: group, proxy: proxy)
    }

    func rejected(_ type: ResourceType, group: String, proxy: String) {
        Counter(label: "meridian_xds_nacks_total", dimensions: [("type", type.shortName), ("group", group)]).increment()
        nackGauge(type, group: group, proxy: proxy).record(1)
    }

    /// A proxy that stopped NACKing (it ACKed a later version) or left has no active NACK series.
    func clearRejection(_ type: ResourceType, group: String, proxy: String) {
        nackGauge(type, group: group, proxy: proxy).destroy()
    }

    private func nackGauge(_ type: ResourceType, group: String, proxy: String) -> Gauge {
        Gauge(label: "meridian_xds_nack_active", dimensions: [("proxy", proxy), ("group", group), ("type", type.shortName)])
    }
}
