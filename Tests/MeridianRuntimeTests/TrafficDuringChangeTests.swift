import Foundation
import MeridianServe
import MeridianTestSupport
import Synchronization
import Testing

/// Make-before-break with a real Envoy: requests flow without pause while a route moves to a
/// Service that did not exist and the Service it left is deleted, in the same edit.
@Suite("continuous traffic while backends switch", .serialized)
struct TrafficDuringChangeTests {
    /// A Service `ns/<name>` (and its EndpointSlice) for `backend`, and the route sending every request to it.
    static func routes(service: String, backend: LoopbackBackend) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(service), namespace: ns}
        spec: {ports: [{name: http, port: 80, targetPort: \(backend.port)}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: \(service)-1, namespace: ns, labels: {kubernetes.io/service-name: \(service)}}
        addressType: IPv4
        ports: [{name: http, port: \(backend.port)}]
        endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: moving, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: \(service), port: 80}]

        """
    }

    @Test("eight switches to a new Service, each deleting the old one: not one request fails", arguments: XDSProtocol.allCases)
    func switchAndDelete(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await ServeFixture("traffic-switch-\(xdsProtocol)", backendNames: ["a", "b"], routes: "", xdsProtocol: xdsProtocol)
        defer { fixture.stop() }
        let a = try #require(fixture.backends["a"]), b = try #require(fixture.backends["b"])
        try fixture.writeRoutes(Self.routes(service: "svc-0", backend: a))
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.backend == "a" }, "\(fixture.meridianLog)")

        let tally = TrafficTally()
        let port = fixture.listenerPort
        let traffic = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        while tally.running.load(ordering: .relaxed) {
                            let answer = await HTTPProbe.trySend(port: port)
                            tally.record(answer.map { "\($0.status)" } ?? "no answer")
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
        }
        var moved: [Bool] = []
        for step in 1...8 {
            let (backend, name) = step.isMultiple(of: 2) ? (a, "a") : (b, "b")
            // One atomic write: the route names a Service new in this edit, and the old Service is gone.
            try fixture.writeRoutes(Self.routes(service: "svc-\(step)", backend: backend))
            moved.append(await eventually(timeout: .seconds(5), every: .milliseconds(5)) { await fixture.request()?.backend == name })
            try await Task.sleep(for: .milliseconds(200))
        }
        tally.running.store(false, ordering: .relaxed)
        await traffic.value
        print("figure: \(xdsProtocol): \(tally.total) requests during 8 switches, failures: \(tally.failures)")
        #expect(moved == Array(repeating: true, count: 8), "every switch reached Envoy:\n\(fixture.meridianLog.suffix(4_000))")
        #expect(tally.total > 40, "traffic kept flowing: \(tally.total) requests")
        #expect(tally.failures.isEmpty, "non-200 answers during the switches: \(tally.failures)")
    }

    /// Route `/stable-<i>` for i in `stable` (to a), `/churn-<step>-<j>` routes that exist for one
    /// step only, and `/swap` whose backend alternates between a and b.
    static func churn(step: Int) -> String {
        var documents: [String] = []
        documents.append("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: stable, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
        \((0..<8).map { "    - matches: [{path: {type: PathPrefix, value: /stable-\($0)}}]\n      backendRefs: [{name: a, port: 80}]" }.joined(separator: "\n"))

        """)
        documents.append("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: swap, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /swap}}]
              backendRefs: [{name: \(step.isMultiple(of: 2) ? "a" : "b"), port: 80}]

        """)
        // Routes added in this step and gone in the next: an HTTPRoute created and deleted each time.
        documents.append("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: churn-\(step), namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
        \((0..<4).map { "    - matches: [{path: {type: PathPrefix, value: /churn-\(step)-\($0)}}]\n      backendRefs: [{name: b, port: 80}]" }.joined(separator: "\n"))

        """)
        return documents.joined(separator: "---\n")
    }

    @Test("routes added, changed and deleted and a backend swapped, step after step: no request to a route present throughout fails", arguments: XDSProtocol.allCases)
    func routeChurn(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await ServeFixture("traffic-churn-\(xdsProtocol)", backendNames: ["a", "b"], routes: Self.churn(step: 0), xdsProtocol: xdsProtocol)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/stable-7")?.backend == "a" }, "\(fixture.meridianLog)")

        let tally = TrafficTally()
        let port = fixture.listenerPort
        let traffic = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var index = worker
                        while tally.running.load(ordering: .relaxed) {
                            // The stable routes and /swap exist before, during and after every step.
                            let path = index % 3 == 0 ? "/swap" : "/stable-\(index % 8)"
                            let answer = await HTTPProbe.trySend(port: port, path: path)
                            tally.record(answer.map { "\($0.status)" } ?? "no answer")
                            index += 1
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    }
                }
            }
        }
        var served: [Bool] = []
        for step in 1...8 {
            try fixture.writeRoutes(Self.churn(step: step))
            served.append(await eventually(timeout: .seconds(5), every: .milliseconds(5)) {
                await fixture.request(path: "/churn-\(step)-3")?.backend == "b"
            })
            try await Task.sleep(for: .milliseconds(150))
        }
        tally.running.store(false, ordering: .relaxed)
        await traffic.value
        print("figure: \(xdsProtocol): \(tally.total) requests to routes present throughout, during 8 steps of added, deleted and swapped routes; failures: \(tally.failures)")
        #expect(served == Array(repeating: true, count: 8), "every step reached Envoy")
        #expect(await fixture.request(path: "/churn-1-0")?.status == 404, "a deleted route is gone")
        #expect(tally.total > 40)
        #expect(tally.failures.isEmpty, "non-200 answers for routes present throughout: \(tally.failures)")
    }
}
