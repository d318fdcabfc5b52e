import Testing
import MeridianLoad

@Suite struct HTTPRouteLoadingTests {
    /// An HTTPRoute whose `rules:` key is on line 9; rule text starts on line 10.
    private func route(_ rules: String, apiVersion: String = "gateway.networking.k8s.io/v1") -> String {
        """
        apiVersion: \(apiVersion)
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

    /// A rule with one backend whose extra fields are given; the backend's `- name:` is on line 11.
    private func backend(_ fields: String) -> String {
        """
            - backendRefs:
                - name: svc
                  port: 8080
        \(fields)
        """
    }

    @Test func appliesDefaults() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: HTTPRoute
        metadata:
          name: minimal
        spec:
          parentRefs:
            - name: gw
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: headers-only
          namespace: team-a
        spec:
          hostnames: ["*.example.com", "api.example.com"]
          rules:
            - matches:
                - headers:
                    - name: x-model-id
                      value: gpt-4
              backendRefs:
                - name: svc
                  port: 8000
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        #expect(result.httpRoutes.count == 2)
        let minimal = try #require(result.httpRoutes.first)
        #expect(minimal.apiVersion == "gateway.networking.k8s.io/v1beta1")
        #expect(minimal.metadata.namespace == "default")
        #expect(minimal.documentIndex == 0)
        #expect(minimal.spec.parentRefs.map { [$0.group, $0.kind, $0.name] } == [["gateway.networking.k8s.io", "Gateway", "gw"]])
        #expect(minimal.spec.parentRefs.first?.namespace == nil)
        #expect(minimal.spec.rules.count == 1)
        #expect(minimal.spec.rules.first?.matches == [HTTPRouteMatch(path: HTTPPathMatch(type: .pathPrefix, value: "/"))])
        #expect(minimal.spec.rules.first?.backendRefs == [])

        let headersOnly = result.httpRoutes[1]
        #expect(headersOnly.metadata.namespace == "team-a")
        #expect(headersOnly.documentIndex == 1)
        #expect(headersOnly.location == SourceLocation(file: "test.yaml", line: 9, column: 1))
        #expect(headersOnly.spec.hostnames == ["*.example.com", "api.example.com"])
        let rule = try #require(headersOnly.spec.rules.first)
        #expect(rule.matches.first?.path == .matchEverything)
        #expect(rule.matches.first?.headers == [HTTPHeaderMatch(type: .exact, name: "x-model-id", value: "gpt-4")])
        let backend = try #require(rule.backendRefs.first)
        #expect(backend.weight == 1)
        #expect(backend.reference == BackendObjectReference(group: "", kind: "Service", name: "svc", namespace: nil, port: 8000))
        #expect(backend.source.fieldPath == "spec.rules[0].backendRefs[0]")
        #expect(backend.source.location == SourceLocation(file: "test.yaml", line: 22, column: 11))
    }

    @Test func parsesMatchesFiltersAndTimeouts() throws {
        let yaml = route("""
            - name: chat
              matches:
                - path: {type: Exact, value: /health}
                  method: GET
                  queryParams:
                    - {name: v, value: "2", type: RegularExpression}
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: x-a, value: "1"}]
                    add: [{name: x-b, value: "2"}]
                    remove: [x-c]
                - type: RequestMirror
                  requestMirror:
                    backendRef: {name: shadow, port: 80}
                    percent: 10
                - type: ExtensionRef
                  extensionRef: {group: kgateway.dev, kind: RetryPolicy, name: retry}
              backendRefs:
                - {name: a, port: 80, weight: 0}
                - name: b
                  kind: ServiceImport
                  group: multicluster.x-k8s.io
              timeouts: {request: 1m30s, backendRequest: 500ms}
            - filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
            - filters:
                - type: URLRewrite
                  urlRewrite: {hostname: internal.example.com, path: {type: ReplaceFullPath, replaceFullPath: /}}
              backendRefs: [{name: c, port: 80}]
        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let rules = try #require(result.httpRoutes.first?.spec.rules)
        #expect(rules.count == 3)
        #expect(rules[0].name == "chat")
        #expect(rules[0].matches == [HTTPRouteMatch(
            path: HTTPPathMatch(type: .exact, value: "/health"),
            queryParams: [HTTPQueryParamMatch(type: .regularExpression, name: "v", value: "2")],
            method: .get
        )])
        #expect(rules[0].filters == [
            .requestHeaderModifier(HTTPHeaderFilter(set: [HTTPHeader(name: "x-a", value: "1")], add: [HTTPHeader(name: "x-b", value: "2")], remove: ["x-c"])),
            .requestMirror(HTTPRequestMirrorFilter(backendRef: BackendObjectReference(name: "shadow", port: 80), percent: 10)),
            .extensionRef(LocalObjectReference(group: "kgateway.dev", kind: "RetryPolicy", name: "retry")),
        ])
        #expect(rules[0].backendRefs.map(\.weight) == [0, 1])
        #expect(rules[0].backendRefs[1].reference == BackendObjectReference(group: "multicluster.x-k8s.io", kind: "ServiceImport", name: "b"))
        #expect(rules[0].timeouts?.request?.duration == .seconds(90))
        #expect(rules[0].timeouts?.backendRequest?.duration == .milliseconds(500))
        #expect(rules[1].filters == [.requestRedirect(HTTPRequestRedirectFilter(scheme: "https", path: .replacePrefixMatch("/v2"), statusCode: 301))])
        #expect(rules[2].filters == [.urlRewrite(HTTPURLRewriteFilter(hostname: "internal.example.com", path: .replaceFullPath("/")))])
    }

    @Test func refusesWeightsOutOfRange() {
        #expect(errorLines(route(backend("          weight: 1000001")), file: "routes.yaml") == [
            "routes.yaml:13:19: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000",
        ])
        #expect(errorLines(route(backend("          weight: -1"))) == [
            "test.yaml:13:19: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000",
        ])
        #expect(load(route(backend("          weight: -1"))).errors.first?.code == .invalidValue)
        #expect(load(route(backend("          weight: 1000000"))).errors.isEmpty)
    }

    @Test func requiresAPortForServiceBackends() {
        let yaml = route("""
            - backendRefs:
                - name: svc
        """)
        #expect(errorLines(yaml) == ["test.yaml:11:11: spec.rules[0].backendRefs[0].port: required when referring to a Service"])
    }

    @Test func refusesTooManyBackendRefs() {
        let backends = (0..<17).map { "        - {name: svc\($0), port: 80}" }.joined(separator: "\n")
        let yaml = route("    - backendRefs:\n" + backends)
        #expect(errorLines(yaml) == ["test.yaml:11:9: spec.rules[0].backendRefs: must have at most 16 items, got 17"])
        #expect(load(yaml).errors.first?.code == .tooMany)
    }

    @Test func validatesPathValues() {
        func pathErrors(_ type: String, _ value: String) -> [String] {
            errorLines(route("""
                - matches:
                    - path:
                        type: \(type)
                        value: \(value)
            """))
        }
        #expect(pathErrors("PathPrefix", "api/v1") == [
            "test.yaml:13:20: spec.rules[0].matches[0].path.value: must be an absolute path starting with \"/\" for type PathPrefix",
        ])
        #expect(pathErrors("Exact", "/a//b") == [
            "test.yaml:13:20: spec.rules[0].matches[0].path.value: must not contain \"//\" for type Exact",
        ])
        #expect(pathErrors("PathPrefix", "/a%2Fb").first?.hasSuffix("must not contain \"%2F\" for type PathPrefix") == true)
        #expect(pathErrors("PathPrefix", "/a/./b").first?.hasSuffix("must not contain \"/./\" for type PathPrefix") == true)
        #expect(pathErrors("PathPrefix", "/a/..").first?.hasSuffix("must not end with \"/..\" for type PathPrefix") == true)
        #expect(pathErrors("PathPrefix", "/a/.").first?.hasSuffix("must not end with \"/.\" for type PathPrefix") == true)
        #expect(pathErrors("PathPrefix", "\"/a#b\"").first?.hasSuffix("must not contain \"#\" for type PathPrefix") == true)
        #expect(pathErrors("PathPrefix", "\"/a b\"").first?.hasSuffix(
            "must contain only URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %-escapes) for type PathPrefix"
        ) == true)
        #expect(pathErrors("RegularExpression", "\"^/v[0-9]+/.*\"").isEmpty)
        #expect(pathErrors("Prefix", "/") == [
            "test.yaml:12:19: spec.rules[0].matches[0].path.type: unsupported value \"Prefix\"; supported values: \"Exact\", \"PathPrefix\", \"RegularExpression\"",
        ])
    }

    @Test func validatesHostnames() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: r
        spec:
          hostnames:
            - api.example.com
            - API.example.com
            - "*.*.example.com"
        """
        #expect(errorLines(yaml) == [
            "test.yaml:8:7: spec.hostnames[1]: invalid hostname \"API.example.com\": must be lowercase",
            "test.yaml:9:7: spec.hostnames[2]: invalid hostname \"*.*.example.com\": a wildcard is only allowed as the entire first label (\"*.example.com\")",
        ])
    }

    @Test func validatesHeaderAndQueryMatches() {
        let yaml = route("""
            - matches:
                - headers:
                    - name: "x model"
                      value: a
                    - name: X-Model-Id
                      value: a
                    - name: x-model-id
                      value: b
                    - name: x-empty
                  queryParams:
                    - {name: q, value: a}
                    - {name: Q, value: a}
                    - {name: q, value: b}
                  method: FETCH
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:12:21: spec.rules[0].matches[0].headers[0].name: invalid header name \"x model\": must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
            "test.yaml:16:21: spec.rules[0].matches[0].headers[2].name: duplicate header name \"x-model-id\" (first at line 14)",
            "test.yaml:18:15: spec.rules[0].matches[0].headers[3].value: required field is missing",
            "test.yaml:22:22: spec.rules[0].matches[0].queryParams[2].name: duplicate query parameter name \"q\" (first at line 20)",
            "test.yaml:23:19: spec.rules[0].matches[0].method: unsupported value \"FETCH\"; supported values: \"GET\", \"HEAD\", \"POST\", \"PUT\", \"DELETE\", \"CONNECT\", \"OPTIONS\", \"TRACE\", \"PATCH\"",
        ])
    }

    @Test func validatesTimeouts() {
        func timeoutErrors(_ timeouts: String) -> [String] {
            errorLines(route("    - timeouts: \(timeouts)"))
        }
        #expect(timeoutErrors("{request: 10x}") == [
            "test.yaml:10:27: spec.rules[0].timeouts.request: invalid duration \"10x\": must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")",
        ])
        #expect(timeoutErrors("{request: 1d}").count == 1)
        #expect(timeoutErrors("{request: 1.5s}").count == 1)
        #expect(timeoutErrors("{request: 123456s}").count == 1)
        #expect(timeoutErrors("{request: 1h1m1s1ms1h}").count == 1)
        #expect(timeoutErrors("{request: 30, backendRequest: 1s}") == [
            "test.yaml:10:27: spec.rules[0].timeouts.request: expected a string, got the number 30; quote it to make it a string",
        ])
        #expect(timeoutErrors("{request: 60s, backendRequest: 1m30s}") == [
            "test.yaml:10:48: spec.rules[0].timeouts.backendRequest: backendRequest timeout (1m30s) cannot be longer than request timeout (60s)",
        ])
        #expect(timeoutErrors("{request: 0s, backendRequest: 1h}").isEmpty)
        #expect(timeoutErrors("{request: 1h1m1s1ms}").isEmpty)
    }

    @Test func validatesFilters() {
        let yaml = route("""
            - filters:
                - type: RequestHeaderModifier
                - type: URLRewrite
                  requestRedirect: {scheme: https}
                  urlRewrite: {hostname: a.example.com}
                - type: URLRewrite
                  urlRewrite: {hostname: b.example.com}
                - type: CORS
                - type: ExtensionRef
                  extensionRef: {kind: Policy, name: p}
                - type: RequestRedirect
                  requestRedirect: {statusCode: 304, scheme: ftp}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:11:11: spec.rules[0].filters[0].requestHeaderModifier: required when type is RequestHeaderModifier",
            "test.yaml:13:28: spec.rules[0].filters[1].requestRedirect: must not be set when type is URLRewrite",
            "test.yaml:15:11: spec.rules[0].filters[2]: URLRewrite filter cannot be repeated (first at line 12)",
            "test.yaml:17:11: spec.rules[0].filters[3].cors: required when type is CORS",
            "test.yaml:19:25: spec.rules[0].filters[4].extensionRef.group: required field is missing",
            "test.yaml:20:11: spec.rules[0].filters[5]: may specify either a RequestRedirect or a URLRewrite filter, but not both",
            "test.yaml:21:41: spec.rules[0].filters[5].requestRedirect.statusCode: unsupported value 304; supported values: 301, 302, 303, 307, 308",
            "test.yaml:21:54: spec.rules[0].filters[5].requestRedirect.scheme: unsupported value \"ftp\"; supported values: \"http\", \"https\"",
        ])
    }

    @Test func validatesRedirectsAgainstBackendsAndMatches() {
        let yaml = route("""
            - matches:
                - path: {type: Exact, value: /a}
              filters:
                - type: RequestRedirect
                  requestRedirect:
                    path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}
              backendRefs: [{name: svc, port: 80}]
            - filters:
                - type: URLRewrite
                  urlRewrite:
                    path: {type: ReplaceFullPath, replacePrefixMatch: /b}
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:13:11: spec.rules[0].filters[0]: a RequestRedirect filter must not be used together with backendRefs",
            "test.yaml:13:11: spec.rules[0].filters[0]: when using a RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
            "test.yaml:20:19: spec.rules[1].filters[0].urlRewrite.path.replaceFullPath: required when type is ReplaceFullPath",
            "test.yaml:20:63: spec.rules[1].filters[0].urlRewrite.path.replacePrefixMatch: must not be set when type is ReplaceFullPath",
        ])
    }

    @Test func validatesParentReferences() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: r
        spec:
          parentRefs:
            - name: gw
              sectionName: http
            - name: gw
              sectionName: http
            - name: gw
            - name: other
              port: 0
              sectionName: Bad_Name
        """
        #expect(errorLines(yaml) == [
            "test.yaml:9:7: spec.parentRefs[1]: sectionName must be unique when parentRefs includes 2 or more references to the same parent (other reference at line 7)",
            "test.yaml:11:7: spec.parentRefs[2]: sectionName must be specified when parentRefs includes 2 or more references to the same parent (other reference at line 7)",
            "test.yaml:13:13: spec.parentRefs[3].port: must be between 1 and 65535",
            "test.yaml:14:20: spec.parentRefs[3].sectionName: \"Bad_Name\" must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', each label starting and ending with a letter or digit)",
        ])
    }

    @Test func collectsEveryErrorOfADocumentAndDropsTheResource() {
        let yaml = route("""
            - matches:
                - path: {value: relative}
              backendRefs:
                - {name: a, port: 70000, weight: -5}
        """)
        let result = load(yaml)
        #expect(result.httpRoutes.isEmpty)
        #expect(result.errors.map(\.description) == [
            "test.yaml:11:25: spec.rules[0].matches[0].path.value: must be an absolute path starting with \"/\" for type PathPrefix",
            "test.yaml:13:27: spec.rules[0].backendRefs[0].port: must be between 1 and 65535",
            "test.yaml:13:42: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000",
        ])
    }
}
