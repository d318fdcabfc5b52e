import Foundation

/// `meridian serve` (the built binary) on a one-Gateway configuration with a loopback backend,
/// its xDS and admin ports picked by the kernel and read from its log.
public final class ServeProcess: Sendable {
    public static let group = "ns/gw"

    public let directory: URL
    public let process: ChildProcess
    public let ports: ServeLogPorts.Ports
    /// The Gateway's HTTP listener port (on Envoy).
    public let listenerPort: Int
    public let backend: LoopbackBackend

    /// Starts serve with `arguments` added; `wrapper` (such as `prlimit --nofile=256:256 --`) runs it.
    public init(_ label: String, arguments: [String] = [], wrapper: [String] = []) async throws {
        directory = try RepositoryPaths.makeScratchDirectory(label)
        let config = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        backend = try await LoopbackBackend(name: "echo", directory: directory)
        listenerPort = try freeListenerPort()
        try Self.configurationYAML(listenerPort: listenerPort, backendPort: backend.port)
            .write(to: config.appendingPathComponent("gateway.yaml"), atomically: true, encoding: .utf8)
        let serveArguments = [
            "serve", "--config", config.path, "--xds-address", "127.0.0.1:0", "--admin-address", "127.0.0.1:0",
            "--listener-address", "127.0.0.1", "--log-level", "debug",
        ] + arguments
        let binary = try RepositoryPaths.meridianBinary
        let log = directory.appendingPathComponent("meridian.log")
        if let tool = wrapper.first {
            guard let executable = RepositoryPaths.executable(named: tool) else { throw FixtureError("\(tool) not found on PATH") }
            process = try ChildProcess(executable: executable, arguments: Array(wrapper.dropFirst()) + [binary.path] + serveArguments, logFile: log)
        } else {
            process = try ChildProcess(executable: binary, arguments: serveArguments, logFile: log)
        }
        do {
            ports = try ServeLogPorts.wait(for: process)
        } catch {
            backend.stop()
            throw error
        }
    }

    /// `meridian bootstrap` for this serve with `arguments` added, checked with `envoy --mode validate`.
    public func bootstrap(nodeID: String, arguments: [String]) throws -> String {
        let output = directory.appendingPathComponent("bootstrap-\(nodeID).log")
        let command = try ChildProcess(executable: try RepositoryPaths.meridianBinary, arguments: [
            "bootstrap", "--xds-address", "127.0.0.1:\(ports.xds)", "--gateway", Self.group, "--node-id", nodeID, "--admin-address", "127.0.0.1:0",
        ] + arguments, logFile: output)
        guard command.waitForExit(timeout: 20) == 0 else { throw FixtureError("meridian bootstrap failed: \(command.output)") }
        let yaml = command.output
        try Self.validate(bootstrap: yaml, name: nodeID, directory: directory)
        return yaml
    }

    /// Checks a bootstrap with `envoy --mode validate` (which also reads the files it names).
    public static func validate(bootstrap yaml: String, name: String, directory: URL) throws {
        let file = directory.appendingPathComponent("bootstrap-\(name).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        guard let envoy = RepositoryPaths.executable(named: "envoy") else { throw FixtureError("envoy not found on PATH") }
        let validation = try ChildProcess(executable: envoy, arguments: ["--mode", "validate", "-c", file.path, "--use-dynamic-base-id"],
                                          logFile: directory.appendingPathComponent("validate-\(name).log"))
        guard validation.waitForExit(timeout: 60) == 0 else { throw FixtureError("envoy --mode validate refused the bootstrap:\n\(validation.output)\n\(yaml)") }
    }

    public func stop() {
        process.stop()
        backend.stop()
    }

    static func configurationYAML(listenerPort: Int, backendPort: Int) -> String {
        """
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
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: ns}
        spec: {ports: [{name: http, port: 80, targetPort: \(backendPort)}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: echo-1, namespace: ns, labels: {kubernetes.io/service-name: echo}}
        addressType: IPv4
        ports: [{name: http, port: \(backendPort)}]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: echo, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: echo, port: 80}]

        """
    }
}
