import Testing

/// GRPCRoute (profile GATEWAY-GRPC): unary calls of upstream's echo service through the
/// Gateway to the gRPC echo pods (`scripts/grpc-echo-backend.py`).
@Suite("Conformance: GRPCRoute", .timeLimit(.minutes(5)))
struct GRPCRouteConformance {
    static let g1 = "grpc-infra-backend-v1"
    static let g2 = "grpc-infra-backend-v2"
    static let g3 = "grpc-infra-backend-v3"

    static func call(_ method: String = "Echo", authority: String? = nil, metadata: [String: String] = [:], backend: String = "", unimplemented: Bool = false) -> ExpectedGRPC {
        ExpectedGRPC(method: method, authority: authority, metadata: metadata, code: unimplemented ? "UNIMPLEMENTED" : "OK",
                     backend: backend, namespace: unimplemented ? "" : infra)
    }

    @Test func GRPCExactMethodMatching() async throws {
        try await conformance("GRPCExactMethodMatching", manifests: ["grpcroute-exact-method-matching.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "exact-matching")], kind: "GRPCRoute")
            await t.expectAllGRPC(address, [
                Self.call("Echo", backend: Self.g1), Self.call("EchoTwo", backend: Self.g2), Self.call("EchoThree", unimplemented: true),
            ])
        }
    }

    @Test func GRPCRouteHeaderMatching() async throws {
        try await conformance("GRPCRouteHeaderMatching", manifests: ["grpcroute-header-matching.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "grpc-header-matching")], kind: "GRPCRoute")
            await t.expectAllGRPC(address, [
                Self.call(metadata: ["Version": "one"], backend: Self.g1),
                Self.call(metadata: ["Version": "two"], backend: Self.g2),
                Self.call(metadata: ["Version": "two", "Color": "orange"], backend: Self.g1),
                Self.call(metadata: ["Version": "two", "Color": "blue"], backend: Self.g2),
                Self.call(metadata: ["Color": "orange"], unimplemented: true),
                Self.call(metadata: ["Some-Other-Header": "one"], unimplemented: true),
                Self.call(metadata: ["Color": "blue"], backend: Self.g1),
                Self.call(metadata: ["Color": "green"], backend: Self.g1),
                Self.call(metadata: ["Color": "red"], backend: Self.g2),
                Self.call(metadata: ["Color": "yellow"], backend: Self.g2),
                Self.call(metadata: ["Color": "purple"], unimplemented: true),
            ])
        }
    }

    @Test func GRPCRouteListenerHostnameMatching() async throws {
        try await conformance("GRPCRouteListenerHostnameMatching", manifests: ["grpcroute-listener-hostname-matching.yaml"]) { t in
            let gateway = nn(infra, "grpcroute-listener-hostname-matching")
            _ = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-1", routes: [nn(infra, "backend-v1")], kind: "GRPCRoute")
            _ = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-2", routes: [nn(infra, "backend-v2")], kind: "GRPCRoute")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-3", routes: [nn(infra, "backend-v3")], kind: "GRPCRoute")
            t.routeMustHaveParents(nn(infra, "backend-v3"), [(gateway, "listener-4", [.init("Accepted", "True", "Accepted")])], kind: "GRPCRoute")
            await t.expectAllGRPC(address, [
                Self.call(authority: "bar.com", backend: Self.g1),
                Self.call(authority: "foo.bar.com", backend: Self.g2),
                Self.call(authority: "baz.bar.com", backend: Self.g3),
                Self.call(authority: "boo.bar.com", backend: Self.g3),
                Self.call(authority: "multiple.prefixes.bar.com", backend: Self.g3),
                Self.call(authority: "multiple.prefixes.foo.com", backend: Self.g3),
                Self.call(authority: "foo.com", unimplemented: true),
                Self.call(authority: "no.matching.host", unimplemented: true),
            ])
        }
    }

    @Test func GRPCRouteNamedRule() async throws {
        try await conformance("GRPCRouteNamedRule", manifests: ["grpcroute-named-rule.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "grpc-named-rules")], kind: "GRPCRoute")
            await t.expectAllGRPC(address, [Self.call("Echo", backend: Self.g1), Self.call("EchoTwo", backend: Self.g2)])
        }
    }

    @Test func GRPCRouteWeight() async throws {
        try await conformance("GRPCRouteWeight", manifests: ["grpcroute-weight.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "weighted-backends")], kind: "GRPCRoute")
            let expected = ExpectedGRPC(method: "Echo", code: "OK", namespace: infra)
            await t.expectGRPC(address, expected)
            await t.expectGRPCWeightedDistribution(address, expected, weights: [Self.g1: 0.7, Self.g2: 0.3, Self.g3: 0.0])
        }
    }
}
