import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// A GRPCRoute `ns/<name>` on `ns/gw` with the given spec lines after `parentRefs`.
func grpcRoute(name: String = "g", timestamp: String? = nil, parentRefs: String = "[{name: gw}]", _ spec: String) -> String {
    """

    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: GRPCRoute
    metadata: {name: \(name), namespace: ns\(timestamp.map { ", creationTimestamp: \"\($0)\"" } ?? "")}
    spec:
      parentRefs: \(parentRefs)
    \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
    """
}

@Suite("Translating GRPCRoutes")
struct GRPCRouteTranslationTests {
    @Test("service and method matches become exact, prefix and regex paths; headers, filters and weights as for HTTPRoutes")
    func matches() throws {
        let translation = translate(gateway(listeners: httpListener) + service("a") + service("b") + grpcRoute("""
        rules:
          - matches:
              - method: {service: echo.Echo, method: Ping}
              - method: {service: echo.Echo}
              - method: {method: Pong}
              - method: {type: RegularExpression, service: "echo\\\\.v[0-9]+\\\\.Echo", method: "P.*"}
              - method: {type: RegularExpression, method: "Get|List"}
              - headers: [{name: X-Tenant, value: acme}, {name: x-version, type: RegularExpression, value: "v[12]"}]
              - method: {service: .echo.v1.Echo, method: Ping}
            filters:
              - type: RequestHeaderModifier
                requestHeaderModifier: {set: [{name: X-Set, value: "1"}], add: [{name: x-add, value: "2"}], remove: [x-gone]}
              - type: ResponseHeaderModifier
                responseHeaderModifier: {set: [{name: x-answer, value: "3"}]}
            backendRefs: [{name: a, port: 80, weight: 3}, {name: b, port: 80, weight: 1}]
        """))
        #expect(translation.status("GRPCRoute", "ns/g")?.isHealthy == true)
        let routes = translation.routes()
        let byName = Dictionary(uniqueKeysWithValues: routes.map { ($0.name, $0) })
        func match(_ index: Int) -> RouteMatch? { byName["grpc:ns/g/rule0/match\(index)"]?.match }
        #expect(match(0) == RouteMatch(path: .exact("/echo.Echo/Ping")))
        #expect(match(1) == RouteMatch(path: .prefix("/echo.Echo/")))
        #expect(match(2) == RouteMatch(path: .regularExpression("/[^/]+/Pong")))
        #expect(match(3) == RouteMatch(path: .regularExpression("/(?:echo\\.v[0-9]+\\.Echo)/(?:P.*)")))
        #expect(match(4) == RouteMatch(path: .regularExpression("/[^/]+/(?:Get|List)")))
        #expect(match(5) == RouteMatch(path: .prefix("/"), headers: [
            HeaderMatch(name: "x-tenant", value: .exact("acme")), HeaderMatch(name: "x-version", value: .regularExpression("v[12]")),
        ]))
        #expect(match(6) == RouteMatch(path: .exact("/echo.v1.Echo/Ping")), "a fully qualified service has no leading dot on the wire")
        let first = try #require(byName["grpc:ns/g/rule0/match0"])
        #expect(first.action == .forward([WeightedBackend(clusterName: "ns/a:80", weight: 3), WeightedBackend(clusterName: "ns/b:80", weight: 1)]))
        #expect(first.requestHeaders == HeaderModifications(overwrite: [HeaderValue(name: "x-set", value: "1")], append: [HeaderValue(name: "x-add", value: "2")], remove: ["x-gone"]))
        #expect(first.responseHeaders == HeaderModifications(overwrite: [HeaderValue(name: "x-answer", value: "3")]))
        #expect(first.unresolvedBackendStatus == 503)
        // Streams may last: the client's deadline, not Envoy's default timeout of 15 s.
        #expect(first.timeout == nil)
        #expect(first.honorsGRPCTimeout)
        // gRPC is HTTP/2 only: every cluster a GRPCRoute sends to speaks HTTP/2.
        #expect(translation.cluster("ns/a:80")?.upstreamHTTP == UpstreamHTTPOptions(http2: HTTP2Options()))
        #expect(translation.cluster("ns/b:80")?.upstreamHTTP == UpstreamHTTPOptions(http2: HTTP2Options()))
    }

    @Test("precedence: longer exact service, then longer exact method, then more headers; regular expressions after exact; then the older route, then rule order")
    func precedence() throws {
        let translation = translate(gateway(listeners: httpListener) + service("a") + grpcRoute(name: "old", timestamp: "2024-01-01T00:00:00Z", """
        rules:
          - matches: [{headers: [{name: x-a, value: "1"}]}]
            backendRefs: [{name: a, port: 80}]
          - matches: [{method: {type: RegularExpression, service: "echo\\\\..*"}}]
            backendRefs: [{name: a, port: 80}]
          - matches: [{method: {service: echo.Echo}}]
            backendRefs: [{name: a, port: 80}]
          - matches: [{method: {service: echo.Echo, method: Ping}}]
            backendRefs: [{name: a, port: 80}]
          - matches: [{method: {service: echo.Echo, method: Ping}, headers: [{name: x-a, value: "1"}]}]
            backendRefs: [{name: a, port: 80}]
          - matches: [{method: {service: echo.EchoTwo}}]
            backendRefs: [{name: a, port: 80}]
        """) + grpcRoute(name: "young", timestamp: "2025-01-01T00:00:00Z", """
        rules:
          - matches: [{method: {service: echo.Echo, method: Ping}}]
            backendRefs: [{name: a, port: 80}]
          - backendRefs: [{name: a, port: 80}]
        """))
        #expect(translation.routes().map(\.name) == [
            "grpc:ns/old/rule5/match0",   // the longest service
            "grpc:ns/old/rule4/match0",   // service 9 characters, method 4, a header
            "grpc:ns/old/rule3/match0",   // service 9, method 4
            "grpc:ns/young/rule0/match0", // the same, in a younger route
            "grpc:ns/old/rule2/match0",   // service 9
            "grpc:ns/old/rule0/match0",   // a header
            "grpc:ns/old/rule1/match0",   // a regular expression counts no characters
            "grpc:ns/young/rule1/match0", // every call
        ])
    }

    @Test("no backends, or only unresolved ones: 503 (UNAVAILABLE to gRPC clients); an unresolved share: 503 for that share")
    func unusableBackends() throws {
        let translation = translate(gateway(listeners: httpListener) + service("a") + grpcRoute("""
        rules:
          - matches: [{method: {service: a.A}}]
          - matches: [{method: {service: b.B}}]
            backendRefs: [{name: missing, port: 80}]
          - matches: [{method: {service: c.C}}]
            backendRefs: [{name: a, port: 80}, {name: missing, port: 80}]
        """))
        let routes = translation.routes()
        #expect(routes.first { $0.name == "grpc:ns/g/rule0/match0" }?.action == .directResponse(status: 503, body: ""))
        #expect(routes.first { $0.name == "grpc:ns/g/rule1/match0" }?.action == .directResponse(status: 503, body: ""))
        let split = try #require(routes.first { $0.name == "grpc:ns/g/rule2/match0" })
        #expect(split.action == .forward([WeightedBackend(clusterName: "ns/a:80", weight: 1), WeightedBackend(clusterName: "unresolved-backend", weight: 1)]))
        #expect(split.unresolvedBackendStatus == 503)
        #expect(translation.condition("GRPCRoute", "ns/g", "Accepted")?.status == true)
        #expect(translation.condition("GRPCRoute", "ns/g", "ResolvedRefs")?.description
            == "ResolvedRefs=False BackendNotFound: spec.rules[1].backendRefs[0]: Service ns/missing is not declared; spec.rules[2].backendRefs[1]: Service ns/missing is not declared")
    }
}
