import MeridianLoad
import Testing

/// Where the loader says each route rule and backendRef was written: `meridian explain` prints
/// these `file:line:column`s, so they must point at the rule itself, in block and flow style,
/// in any document of a file, and at the spec for the API's defaulted rule.
@Suite("source positions of route rules")
struct RuleSourcePositionTests {
    static let yaml = """
        # A comment line first.
        apiVersion: v1
        kind: Service
        metadata: {name: svc, namespace: ns}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: block
          namespace: ns
        spec:
          parentRefs: [{name: gw}]
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
        spec: {parentRefs: [{name: gw}], rules: [{matches: [{path: {type: Exact, value: /f}}], backendRefs: [{name: svc, port: 80}]}, {backendRefs: [{name: svc, port: 80}]}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: defaulted, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: grpc, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{method: {service: pkg.Svc, method: Get}}]
              backendRefs: [{name: svc, port: 80}]

            - backendRefs:
                  - {name: svc, port: 80}
        """

    static func loaded() throws -> LoadedConfiguration {
        let loaded = ConfigurationLoader.load(yaml: yaml, fileName: "dir/routes.yaml")
        try #require(loaded.errors.isEmpty, "\(loaded.errors)")
        return loaded
    }

    static func route(_ name: String, _ loaded: LoadedConfiguration) throws -> HTTPRoute {
        try #require(loaded.httpRoutes.first { $0.metadata.name == name })
    }

    @Test("block-style rules start at their first key, after the dash, however far it is indented")
    func blockRules() throws {
        let rules = try Self.route("block", try Self.loaded()).spec.rules
        #expect(rules.map(\.source.location) == [
            SourceLocation(file: "dir/routes.yaml", line: 15, column: 7),
            SourceLocation(file: "dir/routes.yaml", line: 20, column: 9),
        ])
        #expect(rules.map(\.source.fieldPath) == ["spec.rules[0]", "spec.rules[1]"])
        #expect(rules[0].backendRefs[0].source.location == SourceLocation(file: "dir/routes.yaml", line: 18, column: 11))
        #expect(rules[1].backendRefs[0].source.location == SourceLocation(file: "dir/routes.yaml", line: 21, column: 23))
    }

    @Test("flow-style rules start at their opening brace")
    func flowRules() throws {
        let rules = try Self.route("flow", try Self.loaded()).spec.rules
        #expect(rules.map(\.source.location) == [
            SourceLocation(file: "dir/routes.yaml", line: 26, column: 42),
            SourceLocation(file: "dir/routes.yaml", line: 26, column: 127),
        ])
    }

    @Test("a route without rules gets the API's default rule, placed at its spec")
    func defaultedRule() throws {
        let rules = try Self.route("defaulted", try Self.loaded()).spec.rules
        #expect(rules.count == 1)
        #expect(rules.first?.source.location == SourceLocation(file: "dir/routes.yaml", line: 32, column: 3))
        #expect(rules.first?.source.fieldPath == "spec.rules[0]")
    }

    @Test("GRPCRoute rules, a blank line between them")
    func grpcRules() throws {
        let route = try #require(try Self.loaded().grpcRoutes.first)
        #expect(route.spec.rules.map(\.source.location) == [
            SourceLocation(file: "dir/routes.yaml", line: 40, column: 7),
            SourceLocation(file: "dir/routes.yaml", line: 43, column: 7),
        ])
        #expect(route.spec.rules[1].backendRefs[0].source.location == SourceLocation(file: "dir/routes.yaml", line: 44, column: 13))
    }
}
