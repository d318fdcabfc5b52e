import MeridianExplain
import Testing

/// The `file:line:column` explain gives for the rule that serves a request: block and flow
/// style, a defaulted rule, a GRPCRoute rule, and the backendRef of each backend.
@Suite("explain names where the rule was written")
struct ExplainSourcePositionTests {
    static let yaml = """
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
          listeners: [{name: http, protocol: HTTP, port: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: svc, namespace: ns}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: block, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [block.example.com]
          rules:
            - matches:
                - path: {type: PathPrefix, value: /a}
              backendRefs:
                - name: svc
                  port: 80
            -   name: second
                backendRefs: [{name: svc, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: flow, namespace: ns}
        spec: {parentRefs: [{name: gw}], hostnames: [flow.example.com], rules: [{matches: [{path: {type: Exact, value: /f}}, {path: {type: Exact, value: /g}}], backendRefs: [{name: svc, port: 80}]}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: defaulted, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [defaulted.example.com]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: grpc, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [grpc.example.com]
          rules:
            - matches: [{method: {service: pkg.Svc, method: Get}}]
              backendRefs: [{name: svc, port: 80}]
        """

    @Test("each rule's own position, and its match")
    func positions() throws {
        let file = try ExplainFixture.write(Self.yaml, name: "routes.yaml")
        let fixture = ExplainFixture(paths: [file])
        try #require(fixture.loaded.errors.isEmpty, "\(fixture.loaded.errors)")
        func explain(_ host: String, _ path: String, method: String = "GET") throws -> Explanation {
            try fixture.explain(path, host: host, method: method, gateway: "ns/gw")
        }

        let first = try explain("block.example.com", "/a/b")
        #expect(first.route?.source == "\(file):25:7")
        #expect(first.backends.first?.source == "\(file):28:11")
        let second = try explain("block.example.com", "/other")
        #expect(second.route?.name == "ns/block/rule1/match0" && second.route?.ruleName == "second")
        #expect(second.route?.source == "\(file):30:9")
        #expect(second.backends.first?.source == "\(file):31:23")

        // Two matches of one flow-style rule: one rule position, two match indexes.
        let f = try explain("flow.example.com", "/f")
        let g = try explain("flow.example.com", "/g")
        #expect(f.route?.source == "\(file):36:73" && g.route?.source == "\(file):36:73")
        #expect(f.route?.match == 0 && g.route?.match == 1)

        // No rules: the API's default rule matches everything, has no backend, and answers 500.
        let defaulted = try explain("defaulted.example.com", "/x")
        #expect(defaulted.route?.source == "\(file):42:3")
        #expect(defaulted.outcome.status == 500)
        #expect(defaulted.outcome.reasons.first == "the rule (\(file):42:3) has no backendRefs; an HTTPRoute rule without a usable backend answers 500")

        let grpc = try explain("grpc.example.com", "/pkg.Svc/Get", method: "POST")
        #expect(grpc.route?.name == "grpc:ns/grpc/rule0/match0" && grpc.route?.kind == "GRPCRoute")
        #expect(grpc.route?.source == "\(file):52:7")
        #expect(grpc.route?.conditions.map(\.condition) == ["path exactly /pkg.Svc/Get"])
        #expect(grpc.policies.first == PolicyLine(name: "timeout", value: "none of its own: the call ends at its grpc-timeout deadline"))
        // A gRPC method no rule has: Envoy's 404, which a gRPC client sees as UNIMPLEMENTED.
        #expect(try explain("grpc.example.com", "/pkg.Svc/Put", method: "POST").outcome.status == 404)
    }
}
