/// How a Meridian bootstrap sets up Envoy's statistics for Prometheus (`stats_config`).
///
/// Envoy serves every statistic on its admin `/stats/prometheus`; this decides two things
/// about what a scrape finds there:
///
/// * **Labels for virtual hosts and routes.** Envoy's default tag extractors find the
///   virtual host in `vhost.<host>.route.<stat_prefix>.upstream_rq_total` as the part up to
///   the next dot. Meridian names virtual hosts after their host names, so the defaults
///   would take `inference` from `inference.example.com`, fold `example.com` into the metric
///   name and then find no route. Two tag specifiers with the defaults' own names take the
///   whole host name (`envoy_virtual_host`) and the route's `stat_prefix` (`envoy_route`):
///   every per-route metric is then `envoy_vhost_route_*`. Envoy tries a specifier whose
///   regex does not start with a plain `^word\.` before the defaults (it files the others by
///   that first word and runs them after), and skips a later extractor of a tag name it has
///   already filled; the regexes start `^(?:vhost)` to be tried first. Envoy logs "Skipping
///   duplicate tag" (at 1, 2, 4, 8, ... times) when it skips a default.
/// * **Histogram buckets for request times** (`*_rq_time`, in milliseconds): Envoy's
///   defaults jump from 10 s to 30 s to 60 s to 5 min, so a p99 of an LLM completion, which
///   lives there, would be interpolated across 20 s wide buckets. These add 15, 20, 45 s and
///   2 min, and keep a bucket edge at 30 s, the user guide's p99 alert threshold, so the
///   alert is decided on an edge rather than an interpolation.
public enum EnvoyStatsConfig {
    /// The tag name and regex of each specifier, in order.
    public static let tagSpecifiers: [(name: String, regex: String)] = [
        // vhost.<host, dots and all>.route.<prefix>.<stat>: the host is everything up to the
        // last ".route." that is followed by exactly a prefix and a statistic (neither has dots).
        ("envoy.virtual_host", #"^(?:vhost)\.((.*)\.)route\.[^.]*\.[^.]*$"#),
        ("envoy.route", #"^(?:vhost)\..*\.route\.(([^.]*)\.)[^.]*$"#),
    ]

    /// Bucket upper bounds, in milliseconds, for every statistic named `*_rq_time`
    /// (`cluster.<c>.upstream_rq_time`, `http.<listener>.downstream_rq_time`,
    /// `vhost.<h>.route.<r>.upstream_rq_time`).
    public static let requestTimeBuckets: [Double] = [
        0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 120_000, 300_000, 600_000,
    ]

    /// The `stats_config` block of a bootstrap, at the top level of its YAML.
    static var yaml: String {
        var lines = ["stats_config:", "  stats_tags:"]
        for specifier in tagSpecifiers {
            lines.append("    - tag_name: \(YAMLQuoting.quoted(specifier.name))")
            lines.append("      regex: \(YAMLQuoting.quoted(specifier.regex))")
        }
        lines.append("  histogram_bucket_settings:")
        lines.append("    - match: { suffix: \"_rq_time\" }")
        lines.append("      buckets: [\(requestTimeBuckets.map(format).joined(separator: ", "))]")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
