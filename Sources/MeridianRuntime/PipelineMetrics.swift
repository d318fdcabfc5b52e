import CoreMetrics
import MeridianServe
import Metrics
import Synchronization

/// Metrics of the load → translate → encode pipeline and of what is served (swift-metrics;
/// Prometheus names in the README). Label names are fixed per metric name.
final class PipelineMetrics: Sendable {
    /// The version series exported per group, so a replaced version's series is removed.
    private let versions = Mutex<[String: String]>([:])

    init() {
        Gauge(label: "meridian_build_info", dimensions: [("version", MeridianVersion.current)]).record(1)
    }

    /// One reload: its result, timings and, when served, what each group is served now
    /// (`served`: the build's snapshots, except a pinned group's; nil when refused).
    func record(_ build: ConfigurationBuild, served: [String: Snapshot]?) {
        // valid: no error; partial: served with the objects in error set aside; invalid: refused.
        let result = served == nil ? "invalid" : build.isValid ? "valid" : "partial"
        Counter(label: "meridian_reloads_total", dimensions: [("result", result)]).increment()
        Timer(label: "meridian_load_duration_seconds").record(duration: build.timings.load)
        Timer(label: "meridian_translation_duration_seconds").record(duration: build.timings.translate)
        Timer(label: "meridian_encode_duration_seconds").record(duration: build.timings.encode)
        Gauge(label: "meridian_rejected_objects").record(build.loaded.rejected.count)
        guard let served else { return }
        recordServed(served)
    }

    /// What each group is served now; also called when a pin or unpin changes it between reloads.
    func recordServed(_ served: [String: Snapshot]) {
        versions.withLock { current in
            for (group, version) in current where served[group]?.version != version {
                Gauge(label: "meridian_snapshot_info", dimensions: [("group", group), ("version", version)]).destroy()
                if served[group] == nil {
                    Gauge(label: "meridian_snapshot_bytes", dimensions: [("group", group)]).destroy()
                    for type in ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration", "Secret"] {
                        Gauge(label: "meridian_snapshot_resources", dimensions: [("group", group), ("type", type)]).destroy()
                    }
                }
            }
            current = served.mapValues(\.version)
        }
        for (group, snapshot) in served {
            Gauge(label: "meridian_snapshot_info", dimensions: [("group", group), ("version", snapshot.version)]).record(1)
            Gauge(label: "meridian_snapshot_bytes", dimensions: [("group", group)]).record(snapshot.encodedByteCount)
            for (type, resources) in snapshot.resources {
                Gauge(label: "meridian_snapshot_resources", dimensions: [("group", group), ("type", type.shortName)]).record(resources.count)
            }
        }
    }
}
