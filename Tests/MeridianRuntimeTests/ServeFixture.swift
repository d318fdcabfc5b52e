import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import Synchronization

/// `meridian serve` (the real binary) on a temporary configuration directory,
/// a real Envoy bootstrapped by `meridian bootstrap`'s generator, and loopback backends.
final class ServeFixture: Sendable {
    let directory: URL
    let configDirectory: URL
    let backends: [String: LoopbackBackend]
    let xdsPort: Int
    /// `serve`'s admin HTTP API (`--admin-address`), on loopback.
    let adminPort: Int
    let listenerPort: Int
    /// A second free port, for an HTTPS listener when the test's Gateway has one.
    let tlsPort: Int
    /// `serve`'s `--state-dir` (snapshot history), when the test asked for one.
    let stateDirectory: URL?
    private let serveArguments: [String]
    private let serveProcess: Mutex<(process: ChildProcess, starts: Int)>
    /// The running `serve` (the latest one, after `restartMeridian`).
    var meridian: ChildProcess { serveProcess.withLock { $0.process } }
    let envoy: EnvoyProcess
    /// The port of the bootstrap's `/stats/prometheus` listener (`statsListener: true`), else nil.
    let statsPort: Int?

    static let group = "ns/gw"

    /// The `meridian` executable next to the test bundle.
    static var meridianBinary: URL {
        get throws {
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meridian")
            let fallback = RepositoryPaths.root.appendingPathComponent(".build/debug/meridian")
            for candidate in [beside, fallback] where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            throw FixtureError("the meridian executable is not built: run swift build --build-tests")
        }
    }

    /// The options `serve` runs with here; tests use them to compute expected versions.
    static var options: TranslationOptions {
        var options = TranslationOptions()
        options.listenerAddress = "127.0.0.1"
        return options
    }

    /// `gateway`, given the HTTP and TLS ports, replaces the GatewayClass and Gateway
    /// (one HTTP listener); `files` are written to the configuration directory before `serve` starts.
    init(
        _ label: String,
        backendNames: [String],
        routes: String,
        gateway: ((_ listenerPort: Int, _ tlsPort: Int) -> String)? = nil,
        files: [String: String] = [:],
        statsListener: Bool = false,
        routeStatistics: Bool = true,
        keepsHistory: Bool = false,
        serveArguments extraArguments: [String] = [],
        xdsProtocol: XDSProtocol = .sotw
    ) async throws {
        directory = try RepositoryPaths.makeScratchDirectory(label)
        configDirectory = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        var backends: [String: LoopbackBackend] = [:]
        for name in backendNames { backends[name] = try await LoopbackBackend(name: name, directory: directory) }
        self.backends = backends
        listenerPort = try freeListenerPort()
        tlsPort = try freeListenerPort()

        let (httpPort, tlsPort) = (listenerPort, self.tlsPort)
        let gatewayYAML = gateway.map { $0(httpPort, tlsPort) + Self.servicesYAML(backends) } ?? Self.gatewayYAML(listenerPort: httpPort, backends: backends)
        try gatewayYAML.write(to: configDirectory.appendingPathComponent("gateway.yaml"), atomically: true, encoding: .utf8)
        try routes.write(to: configDirectory.appendingPathComponent("routes.yaml"), atomically: true, encoding: .utf8)
        for (name, text) in files {
            try text.write(to: configDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }

        stateDirectory = keepsHistory ? directory.appendingPathComponent("state") : nil
        let configPath = configDirectory.path
        let stateArguments = stateDirectory.map { ["--state-dir", $0.path] } ?? []
        let arguments = { (xds: Int, admin: Int) -> [String] in
            [
                "serve", "--config", configPath, "--xds-address", "127.0.0.1:\(xds)", "--admin-address", "127.0.0.1:\(admin)",
                "--listener-address", "127.0.0.1", "--log-level", "debug",
            ] + stateArguments + extraArguments
        }
        // Ports below the ephemeral range (`freeListenerPort`), read back from the log
        // (ServeLogPorts): a restart binds them again, and a kernel-picked (ephemeral) port can
        // be taken in between by any outgoing connection of a busy parallel run ("address is
        // in use" on the restart, seen once).
        let first = try ChildProcess(executable: try Self.meridianBinary, arguments: arguments(try freeListenerPort(), try freeListenerPort()), logFile: directory.appendingPathComponent("meridian.log"))
        let ports = try ServeLogPorts.wait(for: first)
        (xdsPort, adminPort) = (ports.xds, ports.admin)
        // A restart binds the same ports again, so Envoy and the tests keep their addresses.
        serveArguments = arguments(ports.xds, ports.admin)
        serveProcess = Mutex((first, 1))
        // State of the world unless asked: these tests compare Envoy's config-dump versions with the
        // snapshot version, which is what Envoy shows only in state of the world (delta shows each
        // resource's own). Delta is covered by the Envoy suites that run over both protocols.
        var bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: xdsPort, proxyGroup: Self.group, nodeID: "envoy-\(label)", adminPort: 0, xdsProtocol: xdsProtocol)
        bootstrap.routeStatistics = routeStatistics
        if statsListener {
            // The stats listener forwards to the admin, so the admin needs a port known beforehand.
            bootstrap.adminPort = try freeLoopbackPort()
            bootstrap.statsAddress = EnvoyBootstrap.Address(host: "127.0.0.1", port: try freeLoopbackPort())
        }
        statsPort = bootstrap.statsAddress?.port
        envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
    }

    static func gatewayYAML(listenerPort: Int, backends: [String: LoopbackBackend]) -> String {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners:
            - {name: http, protocol: HTTP, port: \(listenerPort)}

        """
        return yaml + servicesYAML(backends)
    }

    /// A Service `ns/<name>` and its EndpointSlice for each backend.
    static func servicesYAML(_ backends: [String: LoopbackBackend]) -> String {
        var yaml = ""
        for (name, backend) in backends.sorted(by: { $0.key < $1.key }) {
            yaml += """
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: ns}
            spec: {ports: [{name: http, port: 80, targetPort: \(backend.port)}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: \(name)-1, namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
            addressType: IPv4
            ports: [{name: http, port: \(backend.port)}]
            endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]

            """
        }
        return yaml
    }

    /// Replaces routes.yaml the way editors do: write a new file, rename it over the old one.
    func writeRoutes(_ yaml: String) throws {
        try write(yaml, to: "routes.yaml")
    }

    /// Replaces (or adds) a file of the configuration directory, as editors do.
    func write(_ yaml: String, to name: String) throws {
        let target = configDirectory.appendingPathComponent(name)
        let temporary = directory.appendingPathComponent("\(name).tmp")
        try yaml.write(to: temporary, atomically: false, encoding: .utf8)
        _ = rename(temporary.path, target.path)
    }

    /// The version `serve` should be serving for the files as they are now.
    func expectedVersion() -> String? {
        ConfigurationPipeline.build(paths: [configDirectory.path], options: Self.options).snapshots[Self.group]?.version
    }

    /// One request through Envoy: status and the answering backend's name.
    func request(path: String = "/", headers: [(String, String)] = []) async -> (status: Int, backend: String?)? {
        guard let response = await HTTPProbe.trySend(port: listenerPort, path: path, headers: headers) else { return nil }
        return (response.status, response.headers["x-backend"])
    }

    /// How `count` requests spread over backends, sent eight at a time.
    func distribution(count: Int, path: String = "/", headers: [(String, String)] = []) async -> [String: Int] {
        await withTaskGroup(of: [String: Int].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var seen: [String: Int] = [:]
                    for _ in stride(from: worker, to: count, by: 8) {
                        let answer = await self.request(path: path, headers: headers)
                        seen[answer?.backend ?? "status \(answer?.status ?? 0)", default: 0] += 1
                    }
                    return seen
                }
            }
            var total: [String: Int] = [:]
            for await part in group { total.merge(part, uniquingKeysWith: +) }
            return total
        }
    }

    var meridianLog: String { meridian.output }

    /// Stops `serve` (SIGTERM, or SIGKILL when `kill`) and starts it again with the same
    /// arguments; Envoy stays up and reconnects. Each run logs to its own file.
    func restartMeridian(kill: Bool = false) throws {
        try serveProcess.withLock { current in
            if kill {
                Glibc.kill(current.process.processIdentifier, SIGKILL)
                _ = current.process.waitForExit(timeout: 10)
            } else {
                current.process.stop()
            }
            current.starts += 1
            let log = directory.appendingPathComponent("meridian-\(current.starts).log")
            current.process = try ChildProcess(executable: try Self.meridianBinary, arguments: serveArguments, logFile: log)
        }
    }

    func stop() {
        envoy.stop()
        meridian.stop()
        for backend in backends.values { backend.stop() }
    }
}

/// An HTTPRoute for `ns/gw` sending `/` to backends by weight.
func weightedRoute(_ weights: [(String, Int)]) -> String {
    """
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: split, namespace: ns}
    spec:
      parentRefs: [{name: gw}]
      rules:
        - backendRefs:
    \(weights.map { "        - {name: \($0.0), port: 80, weight: \($0.1)}" }.joined(separator: "\n"))

    """
}
