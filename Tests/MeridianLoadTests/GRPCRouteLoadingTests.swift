import Testing
import MeridianLoad

@Suite struct GRPCRouteLoadingTests {
    /// A GRPCRoute whose `rules:` key is on line 9; rule text starts on line 10.
    private func route(_ rules: String, apiVersion: String = "gateway.networking.k8s.io/v1") -> String {
        """
        apiVersion: \(apiVersion)
        kind: GRPCRoute
        metadata:
          name: r
          namespace: ns
        spec:
          parentRefs:
            - name: gw
          rules:
        \(rules)
        """
    }

    @Test("every field: method and header matches, the four filter types, weighted backends with filters, rule names")
    func everyField() throws {
        let yaml = route("""
            - name: greet
              matches:
                - method: {service: helloworld.Greeter, method: SayHello}
                  headers:
                    - {name: x-tenant, value: acme}
                    - {name: x-version, value: "v[12]", type: RegularExpression}
                - method: {type: RegularExpression, service: "helloworld\\\\..*"}
                - method: {method: Ping}
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-a, value: "1"}], remove: [x-b]}
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {add: [{name: x-c, value: "2"}]}
                - type: RequestMirror
                  requestMirror: {backendRef: {name: shadow, port: 9000}}
                - type: ExtensionRef
                  extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: tp}
              backendRefs:
                - name: v1
                  port: 9000
                  weight: 90
                  filters:
                    - type: RequestHeaderModifier
                      requestHeaderModifier: {set: [{name: x-backend, value: v1}]}
                - {name: v2, port: 9000, weight: 10}
            - backendRefs: [{name: any, port: 9000}]
        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
        let route = try #require(result.grpcRoutes.first)
        #expect(result.httpRoutes.isEmpty)
        #expect(route.metadata.namespace == "ns")
        #expect(route.spec.parentRefs.map(\.name) == ["gw"])
        let rules = route.spec.rules
        #expect(rules.count == 2)
        #expect(rules[0].name == "greet")
        #expect(rules[0].matches == [
            GRPCRouteMatch(
                method: GRPCMethodMatch(type: .exact, service: "helloworld.Greeter", method: "SayHello"),
                headers: [HTTPHeaderMatch(name: "x-tenant", value: "acme"), HTTPHeaderMatch(type: .regularExpression, name: "x-version", value: "v[12]")]
            ),
            GRPCRouteMatch(method: GRPCMethodMatch(type: .regularExpression, service: "helloworld\\..*")),
            GRPCRouteMatch(method: GRPCMethodMatch(method: "Ping")),
        ])
        #expect(rules[0].filters == [
            .requestHeaderModifier(HTTPHeaderFilter(set: [HTTPHeader(name: "x-a", value: "1")], remove: ["x-b"])),
            .responseHeaderModifier(HTTPHeaderFilter(add: [HTTPHeader(name: "x-c", value: "2")])),
            .requestMirror(HTTPRequestMirrorFilter(backendRef: BackendObjectReference(name: "shadow", port: 9000))),
            .extensionRef(LocalObjectReference(group: "gateway.kgateway.dev", kind: "TrafficPolicy", name: "tp")),
        ])
        #expect(rules[0].backendRefs.map(\.weight) == [90, 10])
        #expect(rules[0].backendRefs[0].filters == [.requestHeaderModifier(HTTPHeaderFilter(set: [HTTPHeader(name: "x-backend", value: "v1")]))])
        #expect(rules[0].backendRefs[0].source.fieldPath == "spec.rules[0].backendRefs[0]")
        // No matches: every call.
        #expect(rules[1].matches == [.matchEverything])
        #expect(rules[1].backendRefs.map(\.weight) == [1])
    }

    @Test("defaults: no rules route nothing (the CRD has no default rule); an empty match list matches every call")
    func defaults() throws {
        let result = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: bare}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [grpc.example.com]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: empty}
        spec:
          rules: [{matches: [], backendRefs: [{name: svc, port: 50051}]}]
        """)
        #expect(result.errors.isEmpty)
        #expect(result.grpcRoutes.map(\.metadata.namespace) == ["default", "default"])
        #expect(result.grpcRoutes[0].spec.rules.isEmpty)
        #expect(result.grpcRoutes[0].spec.hostnames == ["grpc.example.com"])
        #expect(result.grpcRoutes[1].spec.rules[0].matches == [.matchEverything])
    }

    @Test("method matches: the CRD's CEL rules, with positions")
    func methodMatchErrors() {
        let yaml = route("""
            - matches:
                - method: {}
                - method: {service: "helloworld/Greeter", method: SayHello}
                - method: {service: helloworld.Greeter, method: "Say-Hello"}
                - method: {type: Prefix, service: helloworld}
                - method: {type: RegularExpression, service: "hello/.*", method: "Say.*"}
                - method: {service: ".helloworld.v1.Greeter", method: _private9}
                - method: {service: "", method: Ping}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:11:19: spec.rules[0].matches[0].method: one or both of service or method must be specified",
            "test.yaml:12:29: spec.rules[0].matches[1].method.service: must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)",
            "test.yaml:13:57: spec.rules[0].matches[2].method.method: must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)",
            "test.yaml:14:26: spec.rules[0].matches[3].method.type: unsupported value \"Prefix\"; supported values: \"Exact\", \"RegularExpression\"",
            "test.yaml:17:29: spec.rules[0].matches[6].method.service: must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)",
        ])
    }

    @Test("filters: only the GRPCRoute types; HTTPRoute-only configurations are unknown fields; repeats refused")
    func filterErrors() {
        let yaml = route("""
            - filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https}
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-a, value: "1"}]}
                  urlRewrite: {hostname: example.com}
                - type: RequestHeaderModifier
                  requestHeaderModifier: {remove: [x-b]}
                - type: ResponseHeaderModifier
              backendRefs:
                - name: svc
                  filters: [{type: URLRewrite, urlRewrite: {hostname: example.com}}]
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:11:17: spec.rules[0].filters[0].type: unsupported value \"RequestRedirect\"; supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\"",
            "test.yaml:15:23: spec.rules[0].filters[1].urlRewrite: unknown field (GRPCRoute filters have no urlRewrite)",
            "test.yaml:16:11: spec.rules[0].filters[2]: RequestHeaderModifier filter cannot be repeated (first at line 13)",
            "test.yaml:18:11: spec.rules[0].filters[3].responseHeaderModifier: required when type is ResponseHeaderModifier",
            "test.yaml:20:11: spec.rules[0].backendRefs[0].port: required when referring to a Service",
            "test.yaml:21:28: spec.rules[0].backendRefs[0].filters[0].type: unsupported value \"URLRewrite\"; supported values: \"RequestHeaderModifier\", \"ResponseHeaderModifier\", \"RequestMirror\", \"ExtensionRef\"",
        ])
    }

    @Test("rules: HTTPRoute-only fields, duplicate names, limits on rules and matches")
    func ruleErrors() {
        let yaml = route("""
            - name: a
              timeouts: {request: 1s}
              sessionPersistence: {sessionName: s}
              backendRefs: [{name: svc, port: 9000}]
            - name: a
              retry: {attempts: 2}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:11:17: spec.rules[0].timeouts: unknown field (GRPCRoute rules have no timeouts)",
            "test.yaml:12:27: spec.rules[0].sessionPersistence: not supported by Meridian on GRPCRoute rules (an experimental-channel field)",
            "test.yaml:14:13: spec.rules[1].name: duplicate rule name \"a\" (first at line 10)",
            "test.yaml:15:14: spec.rules[1].retry: unknown field (GRPCRoute rules have no retry)",
        ])

        let manyMatches = (0..<65).map { _ in "        - method: {service: s}" }.joined(separator: "\n")
        #expect(errorLines(route("    - matches:\n" + manyMatches)) == [
            "test.yaml:11:9: spec.rules[0].matches: must have at most 64 items, got 65",
        ])
        let rule = "    - matches:\n" + (0..<60).map { _ in "        - method: {service: s}" }.joined(separator: "\n")
        #expect(errorLines(route([rule, rule, rule].joined(separator: "\n"))) == [
            "test.yaml:10:5: spec.rules: the total number of matches across all rules must be at most 128, got 180",
        ])
    }

    @Test("header matches: names unique case-insensitively, values required")
    func headerErrors() {
        let yaml = route("""
            - matches:
                - headers:
                    - {name: X-Tenant, value: a}
                    - {name: x-tenant, value: b}
                    - {name: "bad header", value: c}
                    - {name: x-empty}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:13:22: spec.rules[0].matches[0].headers[1].name: duplicate header name \"x-tenant\" (first at line 12)",
            "test.yaml:14:22: spec.rules[0].matches[0].headers[2].name: invalid header name \"bad header\": must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            "test.yaml:15:15: spec.rules[0].matches[0].headers[3].value: required field is missing",
        ])
    }

    @Test("only gateway.networking.k8s.io/v1 GRPCRoutes are read; another version is an error naming the supported one")
    func versions() {
        let result = load(route("    - backendRefs: [{name: svc, port: 9000}]", apiVersion: "gateway.networking.k8s.io/v1alpha2"))
        #expect(result.grpcRoutes.isEmpty)
        #expect(result.ignored.isEmpty)
        #expect(result.errors.map(\.message) == ["apiVersion gateway.networking.k8s.io/v1alpha2 is not supported for kind GRPCRoute; supported: gateway.networking.k8s.io/v1"])
    }
}
