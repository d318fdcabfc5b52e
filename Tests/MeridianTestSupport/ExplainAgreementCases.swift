/// One configuration and a set of requests that exercise every part of Envoy's routing
/// decision Meridian relies on: listener isolation across three HTTP listeners on one port,
/// SNI filter chains and 421s on an HTTPS port, exact/suffix-wildcard/any virtual hosts, a
/// port and capitals in `Host`, and route order over every match kind (Exact, PathPrefix on
/// segments, RegularExpression, method, headers exact and regex, query parameters exact and
/// regex), plus redirects, a weighted split, an unresolvable backend (500) and a Service
/// without endpoints (503).
///
/// `meridian explain` is checked against the expectations written here (MeridianExplainTests)
/// and against a real Envoy serving the same files (MeridianRuntimeTests), so the two cannot
/// drift apart. Every rule sets the response header `x-route: <route>/rule<N>`, which Envoy
/// adds to whatever the rule answers: that is how the test tells which rule Envoy chose.
public enum ExplainAgreementCases {
    /// Loopback backends (`x-backend` names them): Services `ns/alpha` and `ns/beta`.
    public static let backendNames = ["alpha", "beta"]

    public static func gatewayYAML(httpPort: Int, tlsPort: Int) -> String {
        """
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
          listeners:
            - {name: http, protocol: HTTP, port: \(httpPort)}
            - {name: admin, protocol: HTTP, port: \(httpPort), hostname: admin.example.com}
            - {name: wild, protocol: HTTP, port: \(httpPort), hostname: "*.wild.example.com"}
            - {name: a, protocol: HTTPS, port: \(tlsPort), hostname: a.example.com, tls: {certificateRefs: [{name: a-cert}]}}
            - {name: star, protocol: HTTPS, port: \(tlsPort), hostname: "*.example.com", tls: {certificateRefs: [{name: star-cert}]}}

        """
    }

    /// A Service whose EndpointSlice lists no endpoints: Envoy answers 503.
    public static let emptyServiceYAML = """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: empty, namespace: ns}
        spec: {ports: [{name: http, port: 80, targetPort: 9}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: empty-1, namespace: ns, labels: {kubernetes.io/service-name: empty}}
        addressType: IPv4
        ports: [{name: http, port: 9}]
        endpoints: []

        """

    /// One rule: its matches (a YAML flow sequence, nil for none), filters besides the
    /// `x-route` header (flow mappings), and backendRefs (a flow sequence, nil for none).
    private struct Rule {
        var matches: String?
        var filters: [String] = []
        var backendRefs: String?
    }

    private static func route(_ name: String, section: String, hostnames: [String] = [], rules: [Rule]) -> String {
        var yaml = """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: \(name), namespace: ns}
            spec:
              parentRefs: [{name: gw, sectionName: \(section)}]

            """
        if !hostnames.isEmpty { yaml += "  hostnames: [\(hostnames.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
        yaml += "  rules:\n"
        for (index, rule) in rules.enumerated() {
            let route = "{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: \(name)/rule\(index)}]}}"
            yaml += "    - filters:\n"
            for filter in [route] + rule.filters { yaml += "        - \(filter)\n" }
            if let matches = rule.matches { yaml += "      matches: \(matches)\n" }
            if let backendRefs = rule.backendRefs { yaml += "      backendRefs: \(backendRefs)\n" }
        }
        return yaml
    }

    private static let alpha = "[{name: alpha, port: 80}]"
    private static let beta = "[{name: beta, port: 80}]"

    public static let routesYAML: String = [
        route("main", section: "http", rules: [
            Rule(matches: "[{path: {type: Exact, value: /exact}}]", backendRefs: alpha),
            Rule(matches: "[{path: {type: PathPrefix, value: /api}}]", backendRefs: alpha),
            Rule(matches: "[{path: {type: PathPrefix, value: /api/v2/}}]", backendRefs: beta),
            Rule(matches: "[{path: {type: RegularExpression, value: \"/re/[0-9]+\"}}]", backendRefs: beta),
            Rule(matches: "[{path: {type: PathPrefix, value: /m}, method: POST}]", backendRefs: beta),
            Rule(matches: "[{path: {type: PathPrefix, value: /h}, headers: [{name: X-Env, value: prod}, {name: x-ver, type: RegularExpression, value: \"v[12]\"}]}]", backendRefs: alpha),
            Rule(matches: "[{path: {type: PathPrefix, value: /q}, queryParams: [{name: tier, value: gold}]}]", backendRefs: beta),
            Rule(matches: "[{path: {type: PathPrefix, value: /q}, queryParams: [{name: tier, type: RegularExpression, value: \"si.*\"}]}]", backendRefs: alpha),
            Rule(matches: "[{path: {type: PathPrefix, value: /missing}}]", backendRefs: "[{name: nowhere, port: 80}]"),
            Rule(matches: "[{path: {type: PathPrefix, value: /empty}}]", backendRefs: "[{name: empty, port: 80}]"),
            Rule(matches: "[{path: {type: PathPrefix, value: /old}}]", filters: [
                "{type: RequestRedirect, requestRedirect: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}, statusCode: 301}}",
            ]),
            Rule(matches: "[{path: {type: PathPrefix, value: /split}}]", backendRefs: "[{name: alpha, port: 80, weight: 1}, {name: beta, port: 80, weight: 1}]"),
            Rule(matches: "[{path: {type: PathPrefix, value: /m}, headers: [{name: x-m, value: \"1\"}]}]", backendRefs: alpha),
            // Rewrites: what the backend receives is checked too.
            Rule(matches: "[{path: {type: PathPrefix, value: /rw}}]", filters: [
                "{type: URLRewrite, urlRewrite: {hostname: rewritten.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}",
                "{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-from, value: gateway}]}}",
            ], backendRefs: alpha),
            Rule(matches: "[{path: {type: PathPrefix, value: /full}}]", filters: [
                "{type: URLRewrite, urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: /replaced}}}",
            ], backendRefs: beta),
            Rule(matches: "[{path: {type: PathPrefix, value: /pre}}]", filters: [
                "{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2/}}}",
            ], backendRefs: beta),
        ]),
        route("hosts", section: "http", hostnames: ["exact.example.com", "*.example.com"], rules: [
            Rule(matches: "[{path: {type: PathPrefix, value: /host}}]", backendRefs: beta),
        ]),
        route("admin", section: "admin", rules: [Rule(backendRefs: alpha)]),
        route("wild", section: "wild", rules: [Rule(backendRefs: beta)]),
        route("tls-a", section: "a", rules: [Rule(backendRefs: alpha)]),
        route("tls-star", section: "star", rules: [Rule(backendRefs: beta)]),
    ].joined()

    /// One request and what Envoy answers.
    public struct Case: Sendable, CustomStringConvertible {
        public var https: Bool
        public var serverName: String?
        public var host: String
        public var method: String
        public var path: String
        public var headers: [(String, String)]
        /// The status: 200 when a loopback backend answers.
        public var status: Int
        /// `<route>/rule<N>`: the rule that answers; nil for Envoy's own 404 and 421.
        public var rule: String?
        /// The backends that may answer.
        public var backends: Set<String>
        /// Nil when the connection itself fails (no filter chain).
        public var connects: Bool = true
        /// For a rewrite: the path (and `Host`) the backend receives.
        public var upstreamPath: String?
        public var upstreamHost: String?

        public var description: String {
            "\(method) \(https ? "https" : "http")://\(host)\(path)\(serverName.map { " (SNI \($0))" } ?? "")\(headers.isEmpty ? "" : " \(headers)")"
        }
    }

    private static func http(_ path: String, host: String = "example.org", method: String = "GET", headers: [(String, String)] = [], status: Int = 200, rule: String?, backends: Set<String> = []) -> Case {
        Case(https: false, serverName: nil, host: host, method: method, path: path, headers: headers, status: status, rule: rule, backends: backends)
    }

    private static func https(_ path: String = "/", sni: String?, host: String, status: Int = 200, rule: String?, backends: Set<String> = [], connects: Bool = true) -> Case {
        Case(https: true, serverName: sni, host: host, method: "GET", path: path, headers: [], status: status, rule: rule, backends: backends, connects: connects)
    }

    public static let cases: [Case] = [
        // Path match kinds and their order on the any-host virtual host.
        http("/exact", rule: "main/rule0", backends: ["alpha"]),
        http("/exact/", status: 404, rule: nil),
        http("/exact?x=1", rule: "main/rule0", backends: ["alpha"]),
        http("/api", rule: "main/rule1", backends: ["alpha"]),
        http("/api/v1/models", rule: "main/rule1", backends: ["alpha"]),
        http("/api/v2", rule: "main/rule2", backends: ["beta"]),
        http("/api/v2/models?q=1", rule: "main/rule2", backends: ["beta"]),
        http("/apis", status: 404, rule: nil),
        http("/API", status: 404, rule: nil),
        http("/re/42", rule: "main/rule3", backends: ["beta"]),
        http("/re/42?x=y", rule: "main/rule3", backends: ["beta"]),
        http("/re/4x", status: 404, rule: nil),
        // Method and headers: more specific matches first.
        http("/m", method: "POST", rule: "main/rule4", backends: ["beta"]),
        http("/m", method: "GET", headers: [("x-m", "1")], rule: "main/rule12", backends: ["alpha"]),
        http("/m", method: "POST", headers: [("x-m", "1")], rule: "main/rule4", backends: ["beta"]),
        http("/m", method: "GET", status: 404, rule: nil),
        http("/h", headers: [("x-env", "prod"), ("X-Ver", "v2")], rule: "main/rule5", backends: ["alpha"]),
        http("/h", headers: [("x-env", "prod"), ("x-ver", "v3")], status: 404, rule: nil),
        http("/h", headers: [("x-env", "Prod"), ("x-ver", "v1")], status: 404, rule: nil),
        http("/h", headers: [("x-ver", "v1")], status: 404, rule: nil),
        // Query parameters: exact before regex (each one match, same specificity: rule order).
        http("/q?tier=gold", rule: "main/rule6", backends: ["beta"]),
        http("/q?tier=silver", rule: "main/rule7", backends: ["alpha"]),
        http("/q?a=1&tier=gold&tier=silver", rule: "main/rule6", backends: ["beta"]),
        http("/q?tier=silver&tier=gold", rule: "main/rule7", backends: ["alpha"]),
        http("/q?tier=bronze", status: 404, rule: nil),
        http("/q", status: 404, rule: nil),
        // Errors a rule answers, and a redirect with its Location.
        http("/missing", status: 500, rule: "main/rule8"),
        http("/empty", status: 503, rule: "main/rule9"),
        http("/old/page?x=1", status: 301, rule: "main/rule10"),
        http("/split", rule: "main/rule11", backends: ["alpha", "beta"]),
        http("/rw/x/y?z=1", rule: "main/rule13", backends: ["alpha"]).rewritten("/x/y?z=1", host: "rewritten.example.com"),
        http("/rw", rule: "main/rule13", backends: ["alpha"]).rewritten("/", host: "rewritten.example.com"),
        http("/rw//x", rule: "main/rule13", backends: ["alpha"]).rewritten("/x", host: "rewritten.example.com"),
        http("/full/a?q=2", rule: "main/rule14", backends: ["beta"]).rewritten("/replaced?q=2"),
        http("/pre/x", rule: "main/rule15", backends: ["beta"]).rewritten("/v2/x"),
        // Virtual hosts: exact, the longest wildcard, the any-host one; port and case ignored.
        http("/host", host: "exact.example.com", rule: "hosts/rule0", backends: ["beta"]),
        http("/host", host: "Other.Example.com:8080", rule: "hosts/rule0", backends: ["beta"]),
        http("/host", host: "example.org", status: 404, rule: nil),
        // A route without hostnames serves every host of its listener, after the more specific ones.
        http("/api", host: "exact.example.com", rule: "main/rule1", backends: ["alpha"]),
        http("/exact", host: "a.b.example.com", rule: "main/rule0", backends: ["alpha"]),
        // Listener isolation on the shared HTTP port.
        http("/api", host: "admin.example.com", rule: "admin/rule0", backends: ["alpha"]),
        http("/host", host: "ADMIN.example.com:99", rule: "admin/rule0", backends: ["alpha"]),
        http("/exact", host: "x.wild.example.com", rule: "wild/rule0", backends: ["beta"]),
        http("/host", host: "x.y.wild.example.com", rule: "wild/rule0", backends: ["beta"]),
        http("/host", host: "wild.example.com", rule: "hosts/rule0", backends: ["beta"]),
        // HTTPS: SNI picks the chain; a Host of another listener is 421.
        https(sni: "a.example.com", host: "a.example.com", rule: "tls-a/rule0", backends: ["alpha"]),
        https(sni: "b.example.com", host: "b.example.com", rule: "tls-star/rule0", backends: ["beta"]),
        https(sni: "x.y.example.com", host: "x.y.example.com", rule: "tls-star/rule0", backends: ["beta"]),
        https(sni: "a.example.com", host: "b.example.com", status: 421, rule: nil),
        https(sni: "b.example.com", host: "a.example.com", status: 421, rule: nil),
        https(sni: "a.example.com", host: "example.org", status: 421, rule: nil),
        https(sni: "example.org", host: "example.org", status: 0, rule: nil, connects: false),
        https(sni: nil, host: "a.example.com", status: 0, rule: nil, connects: false),
    ]
}

extension ExplainAgreementCases.Case {
    /// The case, with the path (and host) its backend receives.
    func rewritten(_ path: String, host: String? = nil) -> Self {
        var copy = self
        copy.upstreamPath = path
        copy.upstreamHost = host ?? self.host
        return copy
    }
}
