import EnvoyAPI
import Foundation
import MeridianServe
import MeridianTestSupport
import Testing

/// `serve`'s admin API with real Envoys: `/proxies` states, `/config_dump` against Envoy's own,
/// `/metrics` read by Prometheus' own parser, `/healthz` and `/readyz`.
@Suite("The admin API of a running serve", .timeLimit(.minutes(3)))
struct AdminServeTests {
    static let routes = """
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: r, namespace: ns}
    spec:
      parentRefs: [{name: gw}]
      rules: [{backendRefs: [{name: a, port: 80}]}]
    """

    /// GET `path` on the fixture's admin API, parsed as JSON.
    static func admin(_ fixture: ServeFixture, _ path: String) async throws -> (status: Int, json: Any?, body: String) {
        let response = try await HTTPProbe.send(port: fixture.adminPort, path: path, host: "127.0.0.1")
        return (response.status, try? JSONSerialization.jsonObject(with: Data(response.body.utf8)), response.body)
    }

    /// `/proxies` as node id → type short name → (state, sent, acked, nack error).
    static func proxies(_ fixture: ServeFixture) async throws -> [String: [String: (state: String, sent: String?, acked: String?, error: String?)]] {
        let list = try await admin(fixture, "/proxies").json as? [[String: Any]] ?? []
        var result: [String: [String: (state: String, sent: String?, acked: String?, error: String?)]] = [:]
        for proxy in list {
            let id = proxy["node_id"] as? String ?? ""
            for type in proxy["types"] as? [[String: Any]] ?? [] {
                result[id, default: [:]][type["type"] as? String ?? ""] = (
                    type["state"] as? String ?? "", type["version_sent"] as? String, type["version_acked"] as? String,
                    (type["last_nack"] as? [String: Any])?["error"] as? String
                )
            }
        }
        return result
    }

    /// The dynamic resources of a config dump, by `Type/name`, each as JSON text with sorted keys.
    static func resources(_ dump: [String: Any]) throws -> [String: String] {
        var result: [String: String] = [:]
        func add(_ type: String, _ resource: Any?) throws {
            guard let resource = resource as? [String: Any] else { return }
            let name = resource["name"] as? String ?? resource["cluster_name"] as? String ?? "?"
            let text = String(decoding: try JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys]), as: UTF8.self)
            result["\(type)/\(name)"] = text
        }
        for config in dump["configs"] as? [[String: Any]] ?? [] {
            switch config["@type"] as? String ?? "" {
            case ConfigDump.sectionType(of: .cluster):
                for entry in config["dynamic_active_clusters"] as? [[String: Any]] ?? [] { try add("Cluster", entry["cluster"]) }
            case ConfigDump.sectionType(of: .listener):
                for entry in config["dynamic_listeners"] as? [[String: Any]] ?? [] { try add("Listener", (entry["active_state"] as? [String: Any])?["listener"]) }
            case ConfigDump.sectionType(of: .route):
                for entry in config["dynamic_route_configs"] as? [[String: Any]] ?? [] { try add("RouteConfiguration", entry["route_config"]) }
            case ConfigDump.sectionType(of: .endpoint):
                for entry in config["dynamic_endpoint_configs"] as? [[String: Any]] ?? [] {
                    try add("ClusterLoadAssignment", (entry["endpoint_config"] as? [String: Any]).map(withoutRebuiltDefaults))
                }
            default:
                break
            }
        }
        return result
    }

    /// Envoy does not keep the ClusterLoadAssignment it received: it dumps one rebuilt from its
    /// host set, with the defaults filled in (weight 1, an empty locality and health check
    /// config, overprovisioning factor 140). Those exact defaults are removed before comparing.
    static func withoutRebuiltDefaults(_ assignment: [String: Any]) -> [String: Any] {
        var assignment = assignment
        if let policy = assignment["policy"] as? [String: Any], policy.count == 1, policy["overprovisioning_factor"] as? Int == 140 {
            assignment["policy"] = nil
        }
        assignment["endpoints"] = (assignment["endpoints"] as? [[String: Any]])?.map { locality in
            var locality = locality
            if locality["load_balancing_weight"] as? Int == 0 { locality["load_balancing_weight"] = nil }
            if (locality["locality"] as? [String: Any])?.isEmpty == true { locality["locality"] = nil }
            locality["lb_endpoints"] = (locality["lb_endpoints"] as? [[String: Any]])?.map { endpoint in
                var endpoint = endpoint
                if endpoint["load_balancing_weight"] as? Int == 1 { endpoint["load_balancing_weight"] = nil }
                if var inner = endpoint["endpoint"] as? [String: Any] {
                    if (inner["health_check_config"] as? [String: Any])?.isEmpty == true { inner["health_check_config"] = nil }
                    endpoint["endpoint"] = inner
                }
                return endpoint
            }
            return locality
        }
        return assignment
    }

    @Test("two Envoys show SYNCED on the version served; /config_dump is what Envoy itself reports; health and readiness answer")
    func syncedAndConfigDump() async throws {
        let fixture = try await ServeFixture("admin-synced", backendNames: ["a"], routes: Self.routes)
        defer { fixture.stop() }
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: fixture.xdsPort, proxyGroup: ServeFixture.group, nodeID: "envoy-second", adminPort: 0)
        let secondDirectory = fixture.directory.appendingPathComponent("second")
        try FileManager.default.createDirectory(at: secondDirectory, withIntermediateDirectories: true)
        let second = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: secondDirectory)
        defer { second.stop() }
        let version = try #require(fixture.expectedVersion())
        let synced = await eventually(timeout: .seconds(20)) {
            guard let proxies = try? await Self.proxies(fixture), proxies.count == 2 else { return false }
            return proxies.values.allSatisfy { types in
                ["Cluster", "ClusterLoadAssignment", "Listener", "RouteConfiguration"].allSatisfy { type in
                    types[type]?.state == "SYNCED" && types[type]?.sent == version && types[type]?.acked == version
                } && types["Secret"]?.state == "NOT_SENT"
            }
        }
        let text = try await Self.admin(fixture, "/proxies?format=text").body
        #expect(synced, "\(text)")
        #expect(text.hasPrefix("NAME") && text.contains("envoy-admin-synced") && text.contains("envoy-second") && text.contains("SYNCED \(version.prefix(12))"), "\(text)")

        // The server's dump and Envoy's: the same resources, field for field.
        let served = try #require(try await Self.admin(fixture, "/config_dump?group=ns/gw").json as? [String: Any])
        let ours = try Self.resources(served)
        let envoys = try Self.resources(try await fixture.envoy.configDump())
        #expect(ours.keys.sorted() == envoys.keys.sorted())
        for (key, resource) in ours {
            #expect(resource == envoys[key], "\(key): Meridian \(resource)\nEnvoy \(envoys[key] ?? "none")")
        }
        let routesOnly = try #require(try await Self.admin(fixture, "/config_dump?group=ns/gw&type=rds").json as? [String: Any])
        #expect(try Self.resources(routesOnly).keys.sorted() == ["RouteConfiguration/http-\(fixture.listenerPort)"])
        #expect(try await Self.admin(fixture, "/config_dump?group=ns/nope").status == 404)

        #expect(try await Self.admin(fixture, "/healthz").status == 200)
        let ready = try await Self.admin(fixture, "/readyz")
        #expect(ready.status == 200 && (ready.json as? [String: Any])?["groups"] as? [String] == ["ns/gw"])
        let status = try #require(try await Self.admin(fixture, "/status").json as? [String: Any])
        #expect(status["served"] as? Bool == true && status["valid"] as? Bool == true)
    }

    @Test("a snapshot Envoy rejects: the proxy shows NACKED with Envoy's error and its last good version; the metrics count it")
    func nacked() async throws {
        let fixture = try await ServeFixture("admin-nack", backendNames: ["a"], routes: Self.routes)
        defer { fixture.stop() }
        let good = try #require(fixture.expectedVersion())
        #expect(await eventually(timeout: .seconds(20)) { (try? await Self.proxies(fixture))?["envoy-admin-nack"]?["Listener"]?.acked == good })

        // A listener on a port something else holds passes every check Meridian can make;
        // Envoy cannot bind it and rejects the listener update.
        let busyPort = try freeListenerPort()
        let holder = try ChildProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', \(busyPort))); s.listen(); time.sleep(120)"],
            logFile: fixture.directory.appendingPathComponent("holder.log")
        )
        defer { holder.stop() }
        #expect(await eventually { await HTTPProbe.trySend(port: busyPort) == nil && FileManager.default.fileExists(atPath: "/proc/\(holder.processIdentifier)") })
        try await Task.sleep(for: .milliseconds(300))
        let gateway = ServeFixture.gatewayYAML(listenerPort: fixture.listenerPort, backends: fixture.backends).replacingOccurrences(
            of: "    - {name: http, protocol: HTTP, port: \(fixture.listenerPort)}",
            with: "    - {name: http, protocol: HTTP, port: \(fixture.listenerPort)}\n    - {name: busy, protocol: HTTP, port: \(busyPort)}"
        )
        try fixture.write(gateway, to: "gateway.yaml")
        let bad = try #require(fixture.expectedVersion())
        #expect(bad != good)
        var listener: (state: String, sent: String?, acked: String?, error: String?)?
        let rejected = await eventually(timeout: .seconds(20)) {
            listener = (try? await Self.proxies(fixture))?["envoy-admin-nack"]?["Listener"]
            return listener?.state == "NACKED"
        }
        #expect(rejected, "\(String(describing: listener))")
        #expect(listener?.sent == bad && listener?.acked == good, "the last good version is still the one ACKed")
        #expect(listener?.error?.contains("\(busyPort)") == true, "Envoy's own error text: \(listener?.error ?? "none")")
        let text = try await Self.admin(fixture, "/proxies?format=text").body
        #expect(text.contains("envoy-admin-nack NACKED Listener \(bad.prefix(12))"), "\(text)")

        let samples = try await Self.metrics(fixture)
        #expect(samples.contains { $0.name == "meridian_xds_nacks_total" && $0.labels["type"] == "Listener" && $0.labels["group"] == "ns/gw" && $0.value >= 1 })
        #expect(samples.contains { $0.name == "meridian_xds_nack_active" && $0.labels["proxy"] == "envoy-admin-nack" && $0.value == 1 })

        // Fixed: the listener goes away, the proxy ACKs, the NACK is no longer active.
        try fixture.write(ServeFixture.gatewayYAML(listenerPort: fixture.listenerPort, backends: fixture.backends), to: "gateway.yaml")
        #expect(await eventually(timeout: .seconds(20)) { (try? await Self.proxies(fixture))?["envoy-admin-nack"]?["Listener"]?.state == "SYNCED" })
        #expect(try await Self.metrics(fixture).contains { $0.name == "meridian_xds_nack_active" } == false)
    }

    struct Sample: Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// `/metrics` through prometheus_client's parser (scripts/parse-metrics.py), as Prometheus reads it.
    static func metrics(_ fixture: ServeFixture) async throws -> [Sample] {
        let response = try await HTTPProbe.send(port: fixture.adminPort, path: "/metrics", host: "127.0.0.1")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let input = fixture.directory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try response.body.write(to: input, atomically: true, encoding: .utf8)
        let output = try runProcess(RepositoryPaths.root.appendingPathComponent(".venv/bin/python").path,
                                    [RepositoryPaths.root.appendingPathComponent("scripts/parse-metrics.py").path], stdin: input)
        #expect(output.status == 0, "\(output.text)")
        let list = try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [[String: Any]] ?? []
        return list.map { Sample(name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:], value: $0["value"] as? Double ?? .nan) }
    }
}

/// Runs a program to completion with `stdin` as its input; its standard output and status.
func runProcess(_ executable: String, _ arguments: [String], stdin: URL) throws -> (status: Int32, text: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: stdin)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
