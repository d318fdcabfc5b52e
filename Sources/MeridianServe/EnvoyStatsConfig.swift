/// How a Meridian bootstrap sets up Envoy's statistics for Prometheus (`stats_config`).
///
/// Envoy serves every statistic on its admin `/stats/prometheus`, and its default tag
/// extractors already make labels of the listener (`envoy_http_conn_manager_prefix`), the
/// virtual host (`envoy_virtual_host`), the route's `stat_prefix` (`envoy_route`), the cluster
/// (`envoy_cluster_name`) and the response code: the encoder writes those names without dots
/// so the extractors find them whole (`EnvoyStatNames` in MeridianEncode). What the bootstrap
/// adds is **histogram buckets for request times** (`*_rq_time`, in milliseconds): Envoy's
/// defaults jump from 10 s to 30 s to 60 s to 5 min, so a p99 of an LLM completion, which
/// lives there, would be interpolated across 20 s wide buckets. These add 15, 20, 45 s and
/// 2 min, and keep a bucket edge at 30 s, the user guide's p99 alert threshold, so the alert
/// is decided on an edge rather than an interpolation.
public enum EnvoyStatsConfig {
    /// Bucket upper bounds, in milliseconds, for every statistic named `*_rq_time`
    /// (`cluster.<c>.upstream_rq_time`, `http.<listener>.downstream_rq_time`,
    /// `vhost.<h>.route.<r>.upstream_rq_time`).
    public static let requestTimeBuckets: [Double] = [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 120_000, 300_000, 600_000,
    ]

    /// The `stats_config` block of a bootstrap, at the top level of its YAML. Without
    /// `routeStatistics`, a `stats_matcher` keeps Envoy from creating per-route statistics
    /// (everything under `vhost.`), which cost it about 1.9 KB and 6 series per route rule, and
    /// a histogram and a series per status code for every rule that has had traffic.
    static func yaml(routeStatistics: Bool) -> String {
        var yaml = """
            stats_config:
              histogram_bucket_settings:
                - match: { suffix: "_rq_time" }
                  buckets: [\(requestTimeBuckets.map(format).joined(separator: ", "))]

            """
        if !routeStatistics {
            yaml += """
                  stats_matcher:
                    exclusion_list: { patterns: [{ prefix: "vhost." }] }

                """
        }
        return yaml
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
