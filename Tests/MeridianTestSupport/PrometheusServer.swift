import Foundation

/// A real Prometheus server (Debian's `prometheus` package, which `scripts/setup` installs) on
/// loopback, with its HTTP API for instant queries and the state of its alerts.
public final class PrometheusServer: Sendable {
    public let port: Int
    private let process: ChildProcess

    /// Starts Prometheus on `configuration` (written to `directory`); returns once it is ready.
    public init(configuration: String, directory: URL) async throws {
        guard let binary = RepositoryPaths.executable(named: "prometheus") else {
            throw FixtureError("prometheus not found: apt-get install prometheus (scripts/setup does)")
        }
        let file = directory.appendingPathComponent("prometheus.yml")
        try configuration.write(to: file, atomically: true, encoding: .utf8)
        port = try freeLoopbackPort()
        process = try ChildProcess(
            executable: binary,
            arguments: [
                "--config.file=\(file.path)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("prometheus-data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=warn",
            ],
            logFile: directory.appendingPathComponent("prometheus.log")
        )
        let ready = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            (try? await HTTPProbe.send(port: self.port, path: "/-/ready", host: "127.0.0.1"))?.status == 200
        }
        guard ready else { throw FixtureError("prometheus did not become ready:\n\(process.output)") }
    }

    public func stop() { process.stop() }

    /// Prometheus's own log, for failure messages.
    public var log: String { process.output }

    /// One series of an instant vector.
    public struct Series: Sendable {
        public var labels: [String: String]
        public var value: Double
    }

    /// Evaluates `expression` now; throws with Prometheus's error for one it cannot parse or run.
    public func query(_ expression: String) async throws -> [Series] {
        let data = try await get("/api/v1/query?query=\(Self.encoded(expression))")
        guard let result = data["result"] as? [[String: Any]] else { throw FixtureError("no vector for \(expression): \(data)") }
        return result.map { entry in
            let value = (entry["value"] as? [Any])?.last as? String
            return Series(labels: entry["metric"] as? [String: String] ?? [:], value: value.flatMap(Double.init) ?? .nan)
        }
    }

    /// One alert of `/api/v1/alerts`: its labels (`alertname` among them) and `pending` or `firing`.
    public struct Alert: Sendable {
        public var labels: [String: String]
        public var state: String
    }

    /// The alerts that are pending or firing now.
    public func activeAlerts() async throws -> [Alert] {
        let data = try await get("/api/v1/alerts")
        return (data["alerts"] as? [[String: Any]] ?? []).map {
            Alert(labels: $0["labels"] as? [String: String] ?? [:], state: $0["state"] as? String ?? "")
        }
    }

    /// The `data` of a successful API answer.
    private func get(_ path: String) async throws -> [String: Any] {
        let response = try await HTTPProbe.send(port: port, path: path, host: "127.0.0.1")
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else {
            throw FixtureError("\(path) answered \(response.status): \(response.body)")
        }
        guard response.status == 200, json["status"] as? String == "success", let data = json["data"] as? [String: Any] else {
            throw FixtureError("\(path) answered \(response.status): \(json["error"] ?? response.body)")
        }
        return data
    }

    private static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
