import Testing
import MeridianLoad

/// What Envoy would refuse is refused when loading, with the position and field path of
/// the value: regular expressions RE2 cannot compile or Envoy finds too large, and
/// header changes Envoy does not let a route make.
@Suite struct EnvoyRefusalLoadingTests {
    /// An HTTPRoute whose rule text starts on line 10.
    private func route(_ rules: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
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

    /// A path match with the value on line 13, column 20.
    private func pathErrors(_ value: String, type: String = "RegularExpression") -> [String] {
        errorLines(route("""
            - matches:
                - path:
                    type: \(type)
                    value: \(value)
        """), file: "routes.yaml")
    }

    @Test func refusesPathRegexesEnvoyRefuses() {
        #expect(pathErrors("\"a{1000}\"") == [
            "routes.yaml:13:20: spec.rules[0].matches[0].path.value: RE2 program size 1004 is over Envoy's limit of 100",
        ])
        #expect(pathErrors("\"(?=x)\"") == [
            "routes.yaml:13:20: spec.rules[0].matches[0].path.value: not a valid RE2 regular expression: invalid perl operator: (?=",
        ])
        #expect(pathErrors("'(a)\\1'") == [
            "routes.yaml:13:20: spec.rules[0].matches[0].path.value: not a valid RE2 regular expression: invalid escape sequence: \\1",
        ])
        #expect(pathErrors("\"\"") == [
            "routes.yaml:13:20: spec.rules[0].matches[0].path.value: must not be empty: Envoy requires a regular expression of at least one character",
        ])
        #expect(pathErrors("\"/v[0-9]+/(?<rest>.*)\"").isEmpty)
        #expect(pathErrors("\"a{96}\"").isEmpty, "program size 100, Envoy's limit, is accepted")
        #expect(pathErrors("\"a{97}\"") == [
            "routes.yaml:13:20: spec.rules[0].matches[0].path.value: RE2 program size 101 is over Envoy's limit of 100",
        ])
        #expect(pathErrors("\"a{1000}\"", type: "PathPrefix").first?.hasSuffix("must contain only URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %-escapes) for type PathPrefix") == false,
                "only regular expressions go through RE2")
    }

    @Test func refusesHeaderAndQueryRegexesEnvoyRefuses() {
        let yaml = route("""
            - matches:
                - headers:
                    - {name: x-a, type: RegularExpression, value: "x{2000}"}
                    - {name: x-b, type: RegularExpression, value: "[a-z]{97}"}
                    - {name: x-c, type: Exact, value: "x{2000}"}
                    - {name: x-d, type: RegularExpression, value: "^(gpt|claude)-[0-9]+$"}
                  queryParams:
                    - {name: q, type: RegularExpression, value: "(?!a)"}
                    - {name: r, value: "(?!a)"}
        """)
        #expect(errorLines(yaml, file: "routes.yaml") == [
            "routes.yaml:12:59: spec.rules[0].matches[0].headers[0].value: not a valid RE2 regular expression: invalid repetition size: {2000}",
            "routes.yaml:13:59: spec.rules[0].matches[0].headers[1].value: RE2 program size 101 is over Envoy's limit of 100",
            "routes.yaml:17:57: spec.rules[0].matches[0].queryParams[0].value: not a valid RE2 regular expression: invalid perl operator: (?!",
        ])
    }

    /// A rule with the given filters (text starting on line 11) and one backend.
    private func filterErrors(_ filters: String) -> [String] {
        errorLines(route("""
            - filters:
        \(filters)
              backendRefs:
                - {name: svc, port: 8080}
        """), file: "routes.yaml")
    }

    @Test func setHostIsAHostRewrite() throws {
        let loaded = load(route("""
            - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: Host, value: internal.example.com}, {name: x-tier, value: gold}]
        """))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        guard case .requestHeaderModifier(let modifier) = try #require(loaded.httpRoutes.first?.spec.rules.first?.filters.first) else {
            Issue.record("no RequestHeaderModifier")
            return
        }
        #expect(modifier.hostRewrite == "internal.example.com")
    }

    @Test func refusesHostChangesEnvoyRefuses() {
        #expect(filterErrors("""
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    add: [{name: Host, value: a.example.com}]
                    remove: [HOST]
        """) == [
            "routes.yaml:13:26: spec.rules[0].filters[0].requestHeaderModifier.add[0].name: a request has exactly one Host, so none can be added; use set, which rewrites the host as URLRewrite hostname does",
            "routes.yaml:14:22: spec.rules[0].filters[0].requestHeaderModifier.remove[0]: Host cannot be removed: Envoy refuses it (\":-prefixed or host headers may not be removed\")",
        ])
        #expect(filterErrors("""
                - type: ResponseHeaderModifier
                  responseHeaderModifier:
                    set: [{name: host, value: a.example.com}]
                    add: [{name: Host, value: a.example.com}]
                    remove: [host]
        """) == [
            "routes.yaml:13:26: spec.rules[0].filters[0].responseHeaderModifier.set[0].name: Envoy does not let a route set Host on a response (\":-prefixed or host headers may not be modified\")",
            "routes.yaml:14:26: spec.rules[0].filters[0].responseHeaderModifier.add[0].name: Envoy does not let a route set Host on a response (\":-prefixed or host headers may not be modified\")",
            "routes.yaml:15:22: spec.rules[0].filters[0].responseHeaderModifier.remove[0]: Envoy does not let a route remove Host from a response (\":-prefixed or host headers may not be removed\")",
        ])
    }

    @Test func refusesPseudoHeadersAndValuesEnvoyRefuses() {
        #expect(filterErrors("""
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: ":authority", value: a.example.com}, {name: x-a, value: "one\\ntwo"}]
                    remove: [":path"]
        """) == [
            "routes.yaml:13:26: spec.rules[0].filters[0].requestHeaderModifier.set[0].name: \":authority\" is a pseudo-header: Envoy does not let a route change `:`-prefixed headers (URLRewrite changes the host and path)",
            "routes.yaml:13:82: spec.rules[0].filters[0].requestHeaderModifier.set[1].value: must not contain CR, LF or NUL: Envoy refuses such header values",
            "routes.yaml:14:22: spec.rules[0].filters[0].requestHeaderModifier.remove[0]: \":path\" is a pseudo-header: Envoy does not let a route change `:`-prefixed headers (URLRewrite changes the host and path)",
        ])
        #expect(filterErrors("""
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: x-a, value: "50% off, %REQ(:path)%"}]
        """).isEmpty, "values are literal; the encoder escapes %")
    }

    @Test func refusesTwoHostRewritesInOneRule() {
        #expect(filterErrors("""
                - type: URLRewrite
                  urlRewrite: {hostname: backend.example.com}
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: Host, value: other.example.com}]
        """) == [
            "routes.yaml:15:26: spec.rules[0].filters[1].requestHeaderModifier.set[0].name: setting Host rewrites the host, and so does the URLRewrite hostname at spec.rules[0].filters[0].urlRewrite.hostname (line 12); a rule can rewrite the host only once",
        ])
        #expect(filterErrors("""
                - type: URLRewrite
                  urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /x}}
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: Host, value: other.example.com}]
        """).isEmpty, "a path rewrite and a Host set go together")
    }
}

@Suite("GRPCRoute regular expressions Envoy would refuse")
struct GRPCRouteRegexRefusalTests {
    static func route(_ method: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: g, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{method: \(method)}]
        """
    }

    @Test("a RegularExpression service or method RE2 refuses, and a pair that is over Envoy's limit only together")
    func refused() {
        let lookahead = ConfigurationLoader.load(yaml: Self.route("{type: RegularExpression, service: \"(?=x)\"}"), fileName: "g.yaml")
        #expect(lookahead.errors.map(\.description).first?.contains("spec.rules[0].matches[0].method.service: not a valid RE2 regular expression") == true, "\(lookahead.errors)")
        let together = ConfigurationLoader.load(yaml: Self.route("{type: RegularExpression, service: \"a{60}\", method: \"b{60}\"}"), fileName: "g.yaml")
        #expect(together.errors.count == 1, "\(together.errors)")
        #expect(together.errors.first?.description.contains("spec.rules[0].matches[0].method: service and method together (the path regex Envoy gets): RE2 program size") == true, "\(together.errors)")
        let fine = ConfigurationLoader.load(yaml: Self.route("{type: RegularExpression, service: \"pkg\\\\..*\", method: \"Get.*\"}"), fileName: "g.yaml")
        #expect(fine.errors.isEmpty, "\(fine.errors)")
    }
}
