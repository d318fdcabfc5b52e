/// Names Envoy builds statistics from, made safe for its tag extraction.
///
/// Envoy joins a statistic's name from dot-separated parts (`cluster.<name>.upstream_rq_total`,
/// `vhost.<host>.route.<prefix>.upstream_rq_total`) and turns the variable part into a
/// Prometheus label by finding it between dots. A dot inside a name therefore splits it: a
/// cluster `backend:ns/api.v1` would give the label `backend_ns/api` and the metric
/// `envoy_cluster_v1_upstream_rq_total`. Envoy itself rewrites `:` as `_` in statistic names;
/// doing both here keeps the label exactly what Meridian wrote.
enum EnvoyStatNames {
    /// `name` with every `.` and `:` written `_`.
    static func sanitized(_ name: String) -> String {
        String(name.map { $0 == "." || $0 == ":" ? "_" : $0 })
    }

    /// The `alt_stat_name` a cluster needs, or nil when its name is already safe as it is.
    ///
    /// Only a dot forces one: a `:` Envoy rewrites by itself, and leaving such clusters without
    /// `alt_stat_name` keeps their statistics (`ns/svc_80`) as they always were.
    static func clusterStatName(_ clusterName: String) -> String? {
        clusterName.contains(".") ? sanitized(clusterName) : nil
    }
}
