import Foundation
import MeridianTestSupport
import Testing

/// `deploy/observability/`: the scrape config, the alert rules and the Grafana dashboard, checked
/// by `promtool` and run by a real Prometheus against a real Envoy configured by `meridian serve`.
@Suite("deploy/observability against a real Prometheus and Envoy", .serialized, .timeLimit(.minutes(3)))
struct ObservabilityAssetsTests {
    static let directory = RepositoryPaths.root.appendingPathComponent("deploy/observability")

    /// Meridian counters that appear on `/metrics` only once their first event happened (a NACK:
    /// none in this test's traffic). `AdminServeTests.nacked` makes Envoy NACK and checks that
    /// `meridian_xds_nacks_total` is then exported with the `type` and `group` labels the
    /// alert and the dashboard use.
    static let meridianPlaceholders: Set<String> = ["meridian_xds_nacks_total"]

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every `expr` of the dashboard's panels and the queries of its variables.
    static func dashboardExpressions() throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(try text("grafana-dashboard.json").utf8)) as? [String: Any] ?? [:]
        var expressions: [String] = []
        for panel in json["panels"] as? [[String: Any]] ?? [] {
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                if let expr = target["expr"] as? String { expressions.append(expr) }
            }
        }
        return expressions
    }

    /// alerts.yml without its comments (which name Envoy's own clusters, not metrics).
    static func ruleExpressions() throws -> [String] {
        try text("alerts.yml").split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.map(String.init)
    }

    /// The dashboard's variables as the test sets them: every route and backend, a 1 m window.
    static func substituted(_ expression: String) -> String {
        expression
            .replacingOccurrences(of: "$__rate_interval", with: "1m")
            .replacingOccurrences(of: "$route", with: ".*")
            .replacingOccurrences(of: "$cluster", with: ".+/.+")
    }

    /// `envoy_…` and `meridian_…` words of `text` that are not label names.
    static func metricNames(in text: String, labelNames: Set<String>) -> Set<String> {
        let pattern = /\b(?:envoy|meridian)_[a-z0-9_]+/
        return Set(text.matches(of: pattern).map { String($0.output) }).subtracting(labelNames)
    }

    /// Runs `promtool` with `arguments` in `directory`; returns its exit code and output.
    static func promtool(_ arguments: [String]) throws -> (status: Int32?, output: String) {
        guard let binary = RepositoryPaths.executable(named: "promtool") else {
            throw FixtureError("promtool not found: apt-get install prometheus (scripts/setup does)")
        }
        let scratch = try RepositoryPaths.makeScratchDirectory("promtool")
        let process = try ChildProcess(executable: binary, arguments: arguments, logFile: scratch.appendingPathComponent("promtool.log"))
        let status = process.waitForExit(timeout: 30)
        return (status, process.output)
    }

    @Test("promtool accepts the alert rules and the scrape config")
    func promtoolAccepts() throws {
        let rules = try Self.promtool(["check", "rules", Self.directory.appendingPathComponent("alerts.yml").path])
        #expect(rules.status == 0, "\(rules.output)")
        #expect(rules.output.contains("SUCCESS: 9 rules found"), "\(rules.output)")
        // The config names alerts.yml relatively; promtool checks it too.
        let config = try Self.promtool(["check", "config", Self.directory.appendingPathComponent("prometheus.yml").path])
        #expect(config.status == 0, "\(config.output)")
        #expect(config.output.contains("SUCCESS: 1 rule files found"), "\(config.output)")
    }

    /// The shipped scrape config, pointed at this test's Envoy (through its stats listener) and
    /// Meridian, scraping and evaluating every second.
    static func scrapeConfiguration(envoyPort: Int, meridianPort: Int) throws -> String {
        var configuration = try text("prometheus.yml")
        let replacements = [
            ("scrape_interval: 15s", "scrape_interval: 1s"),
            ("evaluation_interval: 15s", "evaluation_interval: 1s"),
            ("\"127.0.0.1:19000\"", "\"127.0.0.1:\(envoyPort)\""),
            ("\"127.0.0.1:19100\"", "\"127.0.0.1:\(meridianPort)\""),
            ("- alerts.yml", "- \(directory.appendingPathComponent("alerts.yml").path)"),
        ]
        for (old, new) in replacements {
            guard configuration.components(separatedBy: old).count == 2 else {
                throw FixtureError("prometheus.yml no longer has exactly one \(old)")
            }
            configuration = configuration.replacingOccurrences(of: old, with: new)
        }
        return configuration
    }

    @Test("every metric the rules and the dashboard name is a real Envoy's; Prometheus answers every panel and the alerts fire when they should")
    func againstRealEnvoy() async throws {
        let fixture = try await DataPlaneMetricsServeTests.start("observability")
        defer { fixture.stop() }
        // Envoy creates a route's per-status series at its first such answer, and rate() cannot
        // count the increments before a series' first scrape: one 5xx now, before Prometheus,
        // so that the rule's 5xx series exists when the traffic below adds to it.
        let headers = [(LoopbackBackend.Header.requestKey, "before-prometheus"), (LoopbackBackend.Header.failAttempts, "5")]
        #expect(try await HTTPProbe.send(port: fixture.listenerPort, path: "/chat", host: DataPlaneMetricsServeTests.host, headers: headers).status == 503)
        let prometheus = try await PrometheusServer(
            configuration: try Self.scrapeConfiguration(envoyPort: try #require(fixture.statsPort), meridianPort: fixture.adminPort),
            directory: fixture.directory
        )
        defer { prometheus.stop() }

        // Both jobs of the shipped scrape config are up, and Envoy has been scraped before the
        // traffic, so that rates see it.
        var up: [PrometheusServer.Series] = []
        #expect(try await eventually(timeout: .seconds(15), every: .milliseconds(250)) {
            up = try await prometheus.query("count_over_time(up[1m])")
            return up.count == 2 && up.allSatisfy { $0.value >= 2 }
        }, "\(up.map { ($0.labels["job"] ?? "", $0.value) })")
        #expect(try await prometheus.query("up").allSatisfy { $0.value == 1 })

        // Retries, failures and an open circuit breaker, so that every counter has moved.
        _ = try await DataPlaneMetricsServeTests.traffic(fixture, tag: "observability")
        let overload = Task { try await DataPlaneMetricsServeTests.overload(fixture, count: 10, delay: 5_000) }
        var alerts: [PrometheusServer.Alert] = []
        func active(_ name: String, _ labels: [String: String] = [:]) -> Bool {
            alerts.contains { alert in alert.labels["alertname"] == name && labels.allSatisfy { alert.labels[$0.key] == $0.value } }
        }
        #expect(try await eventually(timeout: .seconds(5), every: .milliseconds(250)) {
            alerts = try await prometheus.activeAlerts()
            return active("CircuitBreakerOpen", ["envoy_cluster_name": "ns/b_80"])
        }, "CircuitBreakerOpen never became active while requests overflowed:\n\(prometheus.log)")
        _ = try await overload.value

        // Names: each one the rules and the dashboard use is in Envoy's own output.
        let scraped = try await DataPlaneMetricsServeTests.scrape(fixture, viaStatsListener: true)
        let meridian = try await AdminServeTests.metrics(fixture)
        let labelNames = Set(scraped.samples.flatMap(\.labels.keys)).union(meridian.flatMap(\.labels.keys))
        let used = Self.metricNames(in: (try Self.ruleExpressions() + (try Self.dashboardExpressions())).joined(separator: "\n"), labelNames: labelNames)
        // Histograms are exported as _bucket, _sum and _count series.
        let meridianNames = Set(meridian.map(\.name))
        let unknown = used.subtracting(scraped.names).subtracting(meridianNames).subtracting(Self.meridianPlaceholders)
        #expect(unknown.isEmpty, "not in Envoy's /stats/prometheus nor Meridian's /metrics: \(unknown.sorted())")
        #expect(used.count >= 25, "\(used.sorted())")

        // Every panel's query runs and, but for Meridian's placeholders, has series.
        try await Task.sleep(for: .seconds(2))  // two more scrapes after the overload
        for expression in try Self.dashboardExpressions() {
            let series = try await prometheus.query(Self.substituted(expression))
            if Self.metricNames(in: expression, labelNames: labelNames).isDisjoint(with: Self.meridianPlaceholders) {
                #expect(!series.isEmpty, "no series for \(expression)")
            }
        }
        let routeRate = try await prometheus.query(Self.substituted(try #require(try Self.dashboardExpressions().first { $0.contains("envoy_vhost_route_upstream_rq_completed") })))
        #expect(routeRate.contains { $0.labels["envoy_route"] == DataPlaneMetricsServeTests.chatRule && $0.value > 0 }, "\(routeRate.map(\.labels))")

        // The alerts the traffic deserves are active, with their labels, and no others.
        alerts = try await prometheus.activeAlerts()
        let listener = "http-\(fixture.listenerPort)"
        #expect(active("GatewayHighErrorRate", ["envoy_http_conn_manager_prefix": listener]))
        #expect(active("RouteHighErrorRate", ["envoy_route": DataPlaneMetricsServeTests.chatRule, "envoy_virtual_host": DataPlaneMetricsServeTests.hostLabel]))
        #expect(active("CircuitBreakerRejectingRequests", ["envoy_cluster_name": "ns/b_80"]))
        #expect(active("UpstreamRetriesSurge", ["envoy_cluster_name": "ns/a_80"]))
        let expected: Set = ["GatewayHighErrorRate", "RouteHighErrorRate", "CircuitBreakerOpen", "CircuitBreakerRejectingRequests", "UpstreamRetriesSurge"]
        let unexpected = Set(alerts.compactMap { $0.labels["alertname"] }).subtracting(expected)
        #expect(unexpected.isEmpty, "\(unexpected)")

        // Meridian gone: the proxy says so, and the alert follows.
        fixture.meridian.stop()
        #expect(try await eventually(timeout: .seconds(6), every: .milliseconds(250)) {
            alerts = try await prometheus.activeAlerts()
            return active("EnvoyDisconnectedFromMeridian")
        }, "EnvoyDisconnectedFromMeridian never became active")
    }
}
