import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

/// Backend-side policies, from YAML through `meridian serve` to a real Envoy.
@Suite("Backend policies through meridian serve and Envoy", .serialized, .timeLimit(.minutes(3)))
struct BackendPolicyServeTests {
    @Test("BackendConfigPolicy: an active HTTP health check takes a failing endpoint out; ring hash on a header keeps a user on one endpoint")
    func healthCheckAndRingHash() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("backend-policy-pool")
        let pool = try await (0..<3).asyncMap { try await LoopbackBackend(name: "p\($0)", directory: directory) }
        defer { pool.forEach { $0.stop() } }
        let routes = PolicyServeTests.pooledService("checked", pool) + PolicyServeTests.pooledService("hashed", pool)
            + PolicyServeTests.route("checked", path: "/checked", backend: "checked")
            + PolicyServeTests.route("hashed", path: "/hashed", backend: "hashed") + """

            ---
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: BackendConfigPolicy
            metadata: {name: checked, namespace: ns}
            spec:
              targetRefs: [{group: "", kind: Service, name: checked}]
              healthCheck: {timeout: 1s, interval: 200ms, unhealthyThreshold: 1, healthyThreshold: 1, http: {path: /healthz}}
            ---
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: BackendConfigPolicy
            metadata: {name: hashed, namespace: ns}
            spec:
              targetRefs: [{group: "", kind: Service, name: hashed}]
              loadBalancer: {ringHash: {hashPolicies: [{header: {name: x-user}}]}}
            """
        let fixture = try await ServeFixture("backend-policy", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/hashed")?.status == 200 }, "\(fixture.meridianLog)")

        // Ring hash: one user, one endpoint; several users spread.
        var one: Set<String> = []
        for _ in 0..<30 { one.insert(await fixture.request(path: "/hashed", headers: [("x-user", "alice")])?.backend ?? "none") }
        #expect(one.count == 1, "\(one)")
        var many: Set<String> = []
        for user in 0..<30 { many.insert(await fixture.request(path: "/hashed", headers: [("x-user", "user-\(user)")])?.backend ?? "none") }
        #expect(many.count >= 2, "\(many)")

        // Health check: once p0 fails its checks, it gets no traffic. (Envoy checks a cluster that
        // never had traffic only every no_traffic_interval, 60 s: send some first.)
        #expect(await fixture.distribution(count: 30, path: "/checked").count == 3)
        try await pool[0].setFailStatus(503)
        let ejected = await eventually(timeout: .seconds(10)) {
            (try? await fixture.envoy.hostHealthFlags(cluster: "ns/checked:80"))?[pool[0].port]?.contains("failed_active_hc") == true
        }
        let flags = (try? await fixture.envoy.hostHealthFlags(cluster: "ns/checked:80")) ?? [:]
        let checks = (try? await fixture.envoy.stats(matching: "health_check")) ?? [:]
        #expect(ejected, "\(flags) p0=\(pool[0].port) \(checks)")
        let seen = await fixture.distribution(count: 60, path: "/checked")
        #expect(seen["p0"] == nil && seen.values.reduce(0, +) == 60 && (seen["p1"] ?? 0) + (seen["p2"] ?? 0) == 60, "\(seen)")
    }

    @Test("BackendLBPolicy fallback: traffic goes to the primary; when it fails, to the fallback Service")
    func fallback() async throws {
        let routes = PolicyServeTests.route("r", path: "/", backend: "primary") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: fallback, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: primary}]
          default:
            backendRef: {name: standby, port: 80}
        """
        let fixture = try await ServeFixture("fallback", backendNames: ["primary", "standby"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 }, "\(fixture.meridianLog)")
        let healthy = await fixture.distribution(count: 40)
        #expect(healthy == ["primary": 40], "priority 0 takes everything while healthy: \(healthy)")

        try await fixture.backends["primary"]!.setFailStatus(503)
        // The default outlier detection ejects the primary after 3 consecutive 5xx; then the fallback answers.
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request()?.backend == "standby" })
        let failedOver = await fixture.distribution(count: 40)
        #expect(failedOver == ["standby": 40], "\(failedOver)")
    }

    @Test("kgateway Backend (Static) as a backendRef, and a DirectResponse through an ExtensionRef")
    func staticBackendAndDirectResponse() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("static-backend")
        let external = try await LoopbackBackend(name: "external", directory: directory)
        defer { external.stop() }
        let routes = """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /external}}]
              backendRefs: [{group: gateway.kgateway.dev, kind: Backend, name: external}]
            - matches: [{path: {type: PathPrefix, value: /teapot}}]
              filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: DirectResponse, name: teapot}}]
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: Backend
        metadata: {name: external, namespace: ns}
        spec:
          type: Static
          static: {hosts: [{host: 127.0.0.1, port: \(external.port)}]}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: teapot, namespace: ns}
        spec: {status: 418, body: "short and stout"}
        """
        let fixture = try await ServeFixture("static-backend", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/external")?.backend == "external" }, "\(fixture.meridianLog)")
        let teapot = try await HTTPProbe.send(port: fixture.listenerPort, path: "/teapot")
        #expect(teapot.status == 418)
        #expect(teapot.body == "short and stout")
    }
}
