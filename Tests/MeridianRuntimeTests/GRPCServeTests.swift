import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

extension PolicyServeTests {
    /// GRPCRoutes, HTTP/2 (h2c) and WebSocket backends, from YAML through `meridian serve` to a
    /// real Envoy, proven with a real gRPC client and servers (grpcio), an h2c-only server and a
    /// WebSocket echo, all on 127.0.0.1.
    ///
    /// Nested in the serialized `PolicyServeTests` so that it never runs alongside the rate-limit
    /// tests there, whose buckets refill in real time: the Python gRPC processes' start-up would
    /// slow their bursts enough for a token to come back.
    @Suite("gRPC, h2c and WebSocket through meridian serve and Envoy", .timeLimit(.minutes(3)))
    struct GRPCServeTests {
        /// A Service `name` in `ns` whose single port (80) is served at `targetPort` on 127.0.0.1.
        static func service(_ name: String, targetPort: Int, appProtocol: String? = nil) -> String {
            """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: ns}
            spec: {ports: [{name: p, port: 80\(appProtocol.map { ", appProtocol: \($0)" } ?? "")}]}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: \(name)-1, namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
            addressType: IPv4
            ports: [{name: p, port: \(targetPort)}]
            endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]

            """
        }

        /// Starts `meridian serve` and Envoy with no routes, then writes `routes` (which needs the
        /// ports of backends started first) and waits until `ready` holds.
        static func serve(_ label: String, backendNames: [String] = [], routes: (ServeFixture) -> String, ready: (ServeFixture) async throws -> Bool) async throws -> ServeFixture {
            let fixture = try await ServeFixture(label, backendNames: backendNames, routes: "")
            try fixture.writeRoutes(routes(fixture))
            guard try await eventually(timeout: .seconds(20), every: .milliseconds(200), { try await ready(fixture) }) else {
                fixture.stop()
                throw FixtureError("Envoy never served the routes:\n\(fixture.meridianLog)\n\(fixture.envoy.log)")
            }
            return fixture
        }

        @Test("GRPCRoute: service/method routing to two backends, a header match, a request header set, an 80/20 split, a TrafficPolicy timeout, UNIMPLEMENTED for the unmatched, UNAVAILABLE for a missing backend")
        func grpcRoute() async throws {
            let directory = try RepositoryPaths.makeScratchDirectory("grpc-route")
            let one = try await ScriptBackend(.grpc, name: "one", directory: directory)
            let two = try await ScriptBackend(.grpc, name: "two", directory: directory)
            defer { one.stop(); two.stop() }
            let host = "grpc.example.com"
            let fixture = try await Self.serve("grpc-route", routes: { _ in
                Self.service("one", targetPort: one.port) + Self.service("two", targetPort: two.port) + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GRPCRoute
                metadata: {name: echo, namespace: ns}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [\(host)]
                  rules:
                    - matches: [{method: {service: echo.Echo, method: Ping}}]
                      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-route, value: ping}]}}]
                      backendRefs: [{name: one, port: 80}]
                    - matches: [{method: {service: echo.Echo, method: Ping}, headers: [{name: x-tenant, value: beta}]}]
                      backendRefs: [{name: two, port: 80}]
                    - name: pong
                      matches: [{method: {service: echo.Echo, method: Pong}}]
                      backendRefs: [{name: two, port: 80}]
                    - matches: [{method: {service: split.Split}}]
                      backendRefs: [{name: one, port: 80, weight: 80}, {name: two, port: 80, weight: 20}]
                    - matches: [{method: {service: broken.Broken}}]
                      backendRefs: [{name: missing, port: 80}]
                ---
                apiVersion: gateway.kgateway.dev/v1alpha1
                kind: TrafficPolicy
                metadata: {name: pong-timeout, namespace: ns}
                spec:
                  targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: echo, sectionName: pong}]
                  timeouts: {request: 7s}
                """
            }, ready: { fixture in
                try ProtocolProbe.grpc(port: fixture.listenerPort, [.init("/echo.Echo/Ping", authority: host)], directory: directory).first?.code == "OK"
            })
            defer { fixture.stop() }

            let results = try ProtocolProbe.grpc(port: fixture.listenerPort, [
                .init("/echo.Echo/Ping", authority: host),
                .init("/echo.Echo/Ping", authority: host, metadata: ["x-tenant": "beta"]),
                .init("/echo.Echo/Pong", authority: host),
                .init("/split.Split/Go", authority: host, count: 400),
                .init("/echo.Echo/Other", authority: host),
                .init("/other.Service/Ping", authority: host),
                .init("/echo.Echo/Ping", authority: "elsewhere.example.com"),
                .init("/broken.Broken/Call", authority: host),
            ], directory: directory)
            #expect(results.count == 8)
            guard results.count == 8 else { return }
            // Exact service and method, to two different backends; the header match is more specific.
            #expect(results[0].backends == ["one": 1])
            #expect(results[0].answer?.method == "/echo.Echo/Ping")
            #expect(results[0].answer?.metadata["x-route"] == "ping", "the RequestHeaderModifier reached the server")
            #expect(results[1].backends == ["two": 1])
            #expect(results[1].answer?.metadata["x-route"] == nil)
            #expect(results[2].backends == ["two": 1])
            // No route timeout on gRPC routes (Envoy's default 15 s would cut long streams), only the
            // call's deadline, unless a policy sets one: here a TrafficPolicy on the rule named pong.
            #expect(results[0].answer?.metadata["x-envoy-expected-rq-timeout-ms"] == nil)
            #expect(results[2].answer?.metadata["x-envoy-expected-rq-timeout-ms"] == "7000")
            // An 80/20 split over 400 calls, within ±5%.
            let split = results[3]
            print("figure: GRPCRoute 80/20 split over 400 calls: \(split.backends)")
            #expect(split.codes == ["OK": 400])
            #expect((300...340).contains(split.backends["one"] ?? 0), "one got \(split.backends["one"] ?? 0) of 400")
            // No rule for the method, or no virtual host for the authority: Envoy's 404, which it
            // answers a gRPC client as UNIMPLEMENTED.
            #expect(results[4].code == "UNIMPLEMENTED")
            #expect(results[5].code == "UNIMPLEMENTED")
            #expect(results[6].code == "UNIMPLEMENTED")
            // A backend that does not exist: UNAVAILABLE, as the Gateway API asks.
            #expect(results[7].code == "UNAVAILABLE")
        }

        @Test("HTTP/2 backends: an h2c-only server behind an HTTPRoute with appProtocol kubernetes.io/h2c (and not without it); gRPC through an HTTPRoute to an h2c port")
        func h2cBackends() async throws {
            let directory = try RepositoryPaths.makeScratchDirectory("h2c")
            let h2c = try await ScriptBackend(.h2c, name: "h2c", directory: directory)
            let grpc = try await ScriptBackend(.grpc, name: "grpc", directory: directory)
            defer { h2c.stop(); grpc.stop() }
            let fixture = try await Self.serve("h2c", routes: { _ in
                Self.service("h2c", targetPort: h2c.port, appProtocol: "kubernetes.io/h2c")
                    + Self.service("unlabelled", targetPort: h2c.port)
                    + Self.service("grpc", targetPort: grpc.port, appProtocol: "kubernetes.io/h2c") + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: web, namespace: ns}
                spec:
                  parentRefs: [{name: gw}]
                  rules:
                    - matches: [{path: {value: /h2c}}]
                      backendRefs: [{name: h2c, port: 80}]
                    - matches: [{path: {value: /unlabelled}}]
                      backendRefs: [{name: unlabelled, port: 80}]
                    - matches: [{path: {value: /echo.Echo}}]
                      backendRefs: [{name: grpc, port: 80}]
                """
            }, ready: { fixture in
                await fixture.request(path: "/h2c")?.status == 200
            })
            defer { fixture.stop() }

            // An HTTP/1.1 client; Envoy speaks HTTP/2 with prior knowledge to the backend.
            let answer = await HTTPProbe.trySend(port: fixture.listenerPort, path: "/h2c/page")
            #expect(answer?.status == 200)
            #expect(answer?.headers["x-backend"] == "h2c")
            #expect(answer?.body.contains("\"protocol\": \"HTTP/2\"") == true, "\(answer?.body ?? "no answer")")
            // The same port without appProtocol gets HTTP/1.1, which an h2c-only server refuses:
            // Envoy reads its HTTP/2 GOAWAY as a malformed response (502).
            let unlabelled = await fixture.request(path: "/unlabelled")
            #expect(unlabelled?.status == 502, "\(String(describing: unlabelled))")
            #expect(unlabelled?.backend == nil)
            // gRPC routed by an HTTPRoute path prefix to an h2c port.
            let results = try ProtocolProbe.grpc(port: fixture.listenerPort, [.init("/echo.Echo/Ping")], directory: directory)
            #expect(results.first?.backends == ["grpc": 1])
        }

        @Test("WebSocket: an upgrade through Envoy to a kubernetes.io/ws backend, and to one without appProtocol (upgrades are always allowed)")
        func websocket() async throws {
            let directory = try RepositoryPaths.makeScratchDirectory("websocket")
            let fixture = try await Self.serve("websocket", backendNames: ["echo"], routes: { fixture in
                Self.service("ws", targetPort: fixture.backends["echo"]!.port, appProtocol: "kubernetes.io/ws") + """
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {name: ws, namespace: ns}
                spec:
                  parentRefs: [{name: gw}]
                  hostnames: [ws.example.com]
                  rules:
                    - matches: [{path: {value: /ws}}]
                      backendRefs: [{name: ws, port: 80}]
                    - backendRefs: [{name: echo, port: 80}]
                """
            }, ready: { fixture in
                await HTTPProbe.trySend(port: fixture.listenerPort, path: "/plain", host: "ws.example.com")?.status == 200
            })
            defer { fixture.stop() }

            for path in ["/ws", "/plain"] {
                let result = try ProtocolProbe.websocket(port: fixture.listenerPort, path: path, host: "ws.example.com", directory: directory)
                #expect(result.status == 101, "\(path): \(result)")
                #expect(result.backend == "echo")
                #expect(result.acceptValid == true)
                #expect(result.text == "Websocket Support!")
                #expect(result.binary == [1, 2, 3, 4, 5, 6, 7])
            }
        }
    }
}
