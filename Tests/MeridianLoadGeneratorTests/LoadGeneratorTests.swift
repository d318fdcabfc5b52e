import Foundation
import MeridianTestSupport
import Testing

/// `meridian-load run` (the real binary) against a real `meridian serve`, on loopback:
/// 20 simulated proxies sync all four types, and a route edit reaches every one of them.
@Suite("meridian-load against meridian serve", .timeLimit(.minutes(2)))
struct LoadGeneratorTests {
    @Test("20 clients sync, and a route push reaches all of them", arguments: ["sotw", "delta"])
    func syncAndPush(_ xdsProtocol: String) throws {
        let directory = try RepositoryPaths.makeScratchDirectory("load-\(xdsProtocol)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try Self.gateway.write(to: config.appendingPathComponent("gateway.yaml"), atomically: true, encoding: .utf8)
        try Self.routes(path: "/before").write(to: config.appendingPathComponent("routes.yaml"), atomically: true, encoding: .utf8)
        // The pushed version, written beside the configuration and renamed into it, as editors do.
        try Self.routes(path: "/after").write(to: directory.appendingPathComponent("routes-1.yaml"), atomically: true, encoding: .utf8)

        let serve = try ChildProcess(
            executable: try Self.binary("meridian"),
            arguments: ["serve", "--config", config.path, "--xds-address", "127.0.0.1:0", "--admin-address", "127.0.0.1:0",
                        "--listener-address", "127.0.0.1"],
            logFile: directory.appendingPathComponent("serve.log")
        )
        defer { serve.stop() }
        let ports = try ServeLogPorts.wait(for: serve)

        let push = "cp \(directory.path)/routes-$MERIDIAN_LOAD_PUSH.yaml \(directory.path)/routes.tmp && mv \(directory.path)/routes.tmp \(config.path)/routes.yaml"
        let load = try ChildProcess(
            executable: try Self.binary("meridian-load"),
            arguments: ["run", "--port", "\(ports.xds)", "--clients", "20", "--node-cluster", "load/gw",
                        "--server-pid", "\(serve.processIdentifier)", "--push-command", push, "--timeout", "30", "--xds-protocol", xdsProtocol],
            logFile: directory.appendingPathComponent("load.log")
        )
        defer { load.stop() }
        let status = load.waitForExit(timeout: 90)
        let output = load.output
        #expect(status == 0, "meridian-load exited with \(String(describing: status)): \(output.suffix(3_000)); serve: \(serve.output.suffix(2_000))")

        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("JSON ") }, "\(output.suffix(3_000))")
        let report = try JSONDecoder().decode(Report.self, from: Data(line.dropFirst(5).utf8))
        #expect(report.sync.allSynced && report.sync.synced == 20)
        #expect(report.pushes.count == 1 && report.pushes.first?.reached == 20)
        #expect((report.serverIdle?.residentKiB ?? 0) > 0, "server memory is read from /proc")
        #expect(serve.isRunning)
    }

    /// The parts of the JSON line the test checks.
    struct Report: Decodable {
        struct Sync: Decodable { var allSynced: Bool; var synced: Int }
        struct Push: Decodable { var reached: Int }
        struct Usage: Decodable { var residentKiB: Int }
        var sync: Sync
        var pushes: [Push]
        var serverIdle: Usage?
    }

    /// An executable built next to the test bundle (`swift build --build-tests` builds both).
    static func binary(_ name: String) throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        let fallback = RepositoryPaths.root.appendingPathComponent(".build/debug/\(name)")
        for candidate in [beside, fallback] where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        throw FixtureError("\(name) is not built: run swift build --build-tests")
    }

    static let gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: load}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: app, namespace: load}
        spec: {ports: [{name: http, port: 80, targetPort: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: app-1, namespace: load, labels: {kubernetes.io/service-name: app}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints: [{addresses: ["127.0.0.1"]}]

        """

    static func routes(path: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: app, namespace: load}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: \(path)}}]
              backendRefs: [{name: app, port: 80}]

        """
    }
}
