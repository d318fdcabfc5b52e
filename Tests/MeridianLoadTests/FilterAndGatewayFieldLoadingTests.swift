import MeridianLoad
import Testing

/// The CORS filter, Gateway `spec.infrastructure`, and listener protocols the CRD admits.
@Suite struct FilterAndGatewayFieldLoadingTests {
    /// An HTTPRoute with one rule whose filters are given; the first filter's `- type:` is on line 11.
    private func route(filters: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: r
          namespace: ns
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: svc, port: 80}]
              filters:
        \(filters)
        """
    }

    @Test func loadsCORS() throws {
        let yaml = route(filters: """
                - type: CORS
                  cors:
                    allowOrigins: ["https://www.foo.com", "https://*.bar.com", "http://*:8080"]
                    allowMethods: [GET, OPTIONS]
                    allowHeaders: [x-header-1]
                    exposeHeaders: ["*"]
                    allowCredentials: true
                    maxAge: 3600
            - backendRefs:
                - name: svc
                  port: 80
                  filters: [{type: CORS, cors: {allowOrigins: ["*"]}}]
        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
        let rules = try #require(result.httpRoutes.first?.spec.rules)
        #expect(rules[0].filters == [.cors(HTTPCORSFilter(
            allowOrigins: ["https://www.foo.com", "https://*.bar.com", "http://*:8080"], allowCredentials: true,
            allowMethods: ["GET", "OPTIONS"], allowHeaders: ["x-header-1"], exposeHeaders: ["*"], maxAge: 3600
        ))])
        #expect(rules[1].backendRefs[0].filters == [.cors(HTTPCORSFilter(allowOrigins: ["*"]))], "maxAge defaults to 5")
    }

    @Test func validatesCORS() {
        let yaml = route(filters: """
                - type: CORS
                  cors:
                    allowOrigins: ["*", "https://a.com", "ftp://a.com", "https://a.*.com", "https://a.com:123456", "https://a.com"]
                    allowMethods: [GET, FETCH, "*"]
                    allowHeaders: ["bad header"]
                    maxAge: 0
                - type: CORS
                  cors: {}
                - type: RequestHeaderModifier
                  requestHeaderModifier: {}
                  cors: {}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:13:27: spec.rules[0].filters[0].cors.allowOrigins: AllowOrigins cannot contain '*' alongside other origins",
            "test.yaml:13:50: spec.rules[0].filters[0].cors.allowOrigins[2]: invalid origin \"ftp://a.com\": must be \"*\" or <scheme>://<host>(:<port>) with scheme http or https",
            "test.yaml:13:65: spec.rules[0].filters[0].cors.allowOrigins[3]: invalid origin \"https://a.*.com\": must be \"*\" or <scheme>://<host>(:<port>) with scheme http or https",
            "test.yaml:13:84: spec.rules[0].filters[0].cors.allowOrigins[4]: invalid origin \"https://a.com:123456\": must be \"*\" or <scheme>://<host>(:<port>) with scheme http or https",
            "test.yaml:13:108: spec.rules[0].filters[0].cors.allowOrigins[5]: duplicate value \"https://a.com\" (first at line 13)",
            "test.yaml:14:27: spec.rules[0].filters[0].cors.allowMethods: AllowMethods cannot contain '*' alongside other methods",
            "test.yaml:14:33: spec.rules[0].filters[0].cors.allowMethods[1]: unsupported value \"FETCH\"; supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\", \"*\"",
            "test.yaml:15:28: spec.rules[0].filters[0].cors.allowHeaders[0]: invalid header name \"bad header\": must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            "test.yaml:16:21: spec.rules[0].filters[0].cors.maxAge: must be between 1 and 2147483647",
            "test.yaml:17:11: spec.rules[0].filters[1]: CORS filter cannot be repeated (first at line 11)",
            "test.yaml:21:17: spec.rules[0].filters[2].cors: must not be set when type is RequestHeaderModifier",
        ])
    }

    @Test func loadsGatewayInfrastructureAndAnyProtocolTheCRDAdmits() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners:
            - {name: invalid, protocol: INVALID, port: 1111}
            - {name: custom, protocol: example.com/custom, port: 1112}
          infrastructure:
            labels: {team: a}
            annotations: {example.com/note: b}
            parametersRef: {group: invalid.io, kind: InvalidParameters, name: invalid}
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description))")
        let spec = try #require(result.gateways.first?.spec)
        #expect(spec.listeners.map(\.protocol) == [.custom("INVALID"), .custom("example.com/custom")])
        #expect(spec.infrastructure == GatewayInfrastructure(
            labels: ["team": "a"], annotations: ["example.com/note": "b"],
            parametersRef: ParametersReference(group: "invalid.io", kind: "InvalidParameters", name: "invalid")
        ))
    }
}
