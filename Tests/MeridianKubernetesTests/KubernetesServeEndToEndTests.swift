import Foundation
import KubernetesAPIStandIn
import MeridianLoad
import MeridianServe
import MeridianTestSupport
import Testing

/// `meridian serve --source kubernetes` (the real binary) reading the API server stand-in
/// through a kubeconfig, a real Envoy and loopback backends: objects created, changed and
/// deleted through the API reach Envoy as traffic changes.
@Suite("meridian serve --source kubernetes with Envoy", .serialized, .timeLimit(.minutes(2)))
struct KubernetesServeEndToEndTests {
    static let routes = "/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes"

    static func route(to backend: String) -> String {
        #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "ns"}, "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [{"name": "\#(backend)", "port": 80}]}]}}"#
    }

    @Test("HTTPRoutes created, changed and deleted through the API move traffic (a kind it may not read aside)")
    func followsTheAPI() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("kubernetes-serve")
        defer { try? FileManager.default.removeItem(at: directory) }
        let standIn = KubernetesAPIStandIn()
        let (apiPort, server) = try await standIn.start()
        defer { server.cancel() }

        let a = try await LoopbackBackend(name: "a", directory: directory)
        let b = try await LoopbackBackend(name: "b", directory: directory)
        let listenerPort = try freeListenerPort()
        try KubernetesServeFixture.cluster(standIn, listenerPort: listenerPort, backends: [(a.name, a.port), (b.name, b.port)])
        try standIn.put(Self.routes, json: Self.route(to: "a"))
        // A kind the service account may not read (RBAC): read as none, the rest served.
        standIn.forbid("/api/v1/configmaps")
        // Another controller's Gateway (its GatewayClass is in the fixture), on its own port: not Meridian's to serve.
        try standIn.put("/apis/gateway.networking.k8s.io/v1/namespaces/other/gateways",
                        json: #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "other"}, "spec": {"gatewayClassName": "other", "listeners": [{"name": "http", "protocol": "HTTP", "port": \#(try freeListenerPort())}]}}"#)

        let kubeconfig = try KubernetesServeFixture.kubeconfig(in: directory, server: "http://127.0.0.1:\(apiPort)", token: standIn.token)
        let (serve, served) = try KubernetesServeFixture.serve(kubeconfig: kubeconfig, in: directory)
        defer { serve.stop() }
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: served.xds, proxyGroup: "ns/gw", nodeID: "envoy-kubernetes", adminPort: 0)
        let envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
        defer { envoy.stop() }

        func backend() async -> String? {
            guard let response = await HTTPProbe.trySend(port: listenerPort) else { return nil }
            return response.status == 200 ? response.headers["x-backend"] : "status \(response.status)"
        }
        #expect(await eventually(timeout: .seconds(20)) { await backend() == "a" }, "never served from the API:\n\(serve.output)\n\(envoy.log)")
        // Only GatewayClasses with Meridian's controllerName are served: the other group gets nothing.
        let groups = try await HTTPProbe.send(port: served.admin, path: "/config_dump?group=other/gw")
        #expect(groups.status == 404, "another controller's Gateway was served: \(groups.status) \(groups.body.prefix(300))")
        try standIn.put(Self.routes, json: Self.route(to: "b"))
        #expect(await eventually(timeout: .seconds(10)) { await backend() == "b" }, "the changed route was not followed:\n\(serve.output)")
        standIn.delete(Self.routes, key: "ns/r")
        #expect(await eventually(timeout: .seconds(10)) { await backend() == "status 404" }, "the deleted route still served:\n\(serve.output)")
        // Every kind Meridian reads is watched at once (each watch holds an HTTP/1.1 connection:
        // with the client's default of 8 per host, most were left queued and never followed).
        let watched = { Set(standIn.requests.filter { $0.contains("watch=1") }.map { String($0.dropFirst(4).prefix { $0 != "?" }) }) }
        let wanted = Set(ReadKinds.all.map { $0.collection(namespace: nil) }).subtracting(["/api/v1/configmaps"])
        #expect(await eventually(timeout: .seconds(5)) { wanted.isSubset(of: watched()) }, "not watched: \(wanted.subtracting(watched()).sorted())")
    }

    /// The `meridian` executable next to the test bundle.
    static var meridianBinary: URL {
        get throws {
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meridian")
            let fallback = RepositoryPaths.root.appendingPathComponent(".build/debug/meridian")
            for candidate in [beside, fallback] where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            throw CocoaError(.fileNoSuchFile)
        }
    }
}
