import Testing

@Suite("Conformance: HTTPRoute CORS", .timeLimit(.minutes(5)))
struct HTTPRouteCORSConformance {
    /// A preflight's expectation: the proxy answers, so the backend's side is empty (upstream's
    /// workaround: method OPTIONS, nothing else, no namespace).
    static let preflightSeen = seen("", method: "OPTIONS")
    static let requested: [String: String] = ["access-control-request-method": "GET", "access-control-request-headers": "x-header-1, x-header-2"]

    static func preflight(_ path: String, origin: String, headers: [String: String], valid: [String: [String]] = [:], present: [String: String] = [:],
                          absent: [String] = [], statuses: [Int] = [200, 204], ignoreWhitespace: Bool = false, name: String) -> ExpectedResponse {
        request(path, method: "OPTIONS", headers: headers.merging(["Origin": origin]) { $1 }, expected: preflightSeen,
                responseHeaders: present, absentResponseHeaders: absent, validResponseHeaders: valid, ignoreWhitespace: ignoreWhitespace,
                statuses: statuses, name: name)
    }

    @Test func HTTPRouteCORS() async throws {
        try await conformance("HTTPRouteCORS", manifests: ["httproute-cors.yaml"]) { t in
            let gateway = nn(infra, "same-namespace")
            let routes = ["cors-multiple-origins-methods-headers", "cors-wildcard-methods", "cors-wildcard-origin", "cors-wildcard-methods-headers"].map { nn(infra, $0) }
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: Array(routes.prefix(2)))
            for route in routes { t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs")) }
            let full: [String: [String]] = [
                "access-control-allow-methods": ["GET, OPTIONS", "OPTIONS, GET"],
                "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1"],
                "access-control-expose-headers": ["x-header-3, x-header-4", "x-header-4, x-header-3"],
                "access-control-max-age": ["3600"],
                "access-control-allow-credentials": ["true"],
            ]
            func allowing(_ origin: String) -> [String: [String]] { full.merging(["access-control-allow-origin": [origin]]) { $1 } }
            let justMethod = ["access-control-request-method": "GET"]
            await t.expectAll(address, [
                Self.preflight("/cors-1", origin: "https://www.foo.com", headers: Self.requested, valid: allowing("https://www.foo.com"), ignoreWhitespace: true,
                               name: "CORS preflight request from an exact matching origin should be allowed"),
                Self.preflight("/cors-1", origin: "https://www.bar.com", headers: Self.requested, valid: allowing("https://www.bar.com"), ignoreWhitespace: true,
                               name: "CORS preflight request from a wildcard matching origin should be allowed"),
                Self.preflight("/cors-1", origin: "https://xpto.www.bar.com", headers: Self.requested, valid: allowing("https://xpto.www.bar.com"), ignoreWhitespace: true,
                               name: "CORS preflight request from a wildcard matching any number of periods left to '*' should be allowed"),
                Self.preflight("/cors-1", origin: "https://foobar.com", headers: justMethod, absent: ["access-control-allow-origin"], statuses: [200, 204, 403],
                               name: "CORS preflight request from a non-matching origin should not be allowed"),
                request("/cors-1", method: "GET", headers: Self.requested.merging(["Origin": "https://www.foo.com"]) { $1 }, namespace: infra, status: 200,
                        responseHeaders: ["access-control-allow-origin": "https://www.foo.com"], name: "Simple request from an exact matching origin should be allowed"),
                request("/cors-1", method: "GET", headers: Self.requested.merging(["Origin": "https://www.bar.com"]) { $1 }, namespace: infra, status: 200,
                        responseHeaders: ["access-control-allow-origin": "https://www.bar.com"], name: "Simple request from a wildcard matching origin should be allowed"),
                request("/cors-1", method: "GET", headers: justMethod.merging(["Origin": "https://foobar.com"]) { $1 }, namespace: infra,
                        absentResponseHeaders: ["access-control-allow-origin"], name: "Simple request from a non-matching origin should not be allowed"),
                Self.preflight("/cors-2", origin: "https://www.foo.com", headers: ["access-control-request-method": "POST"],
                               valid: ["access-control-allow-methods": ["POST", "*"]], present: ["access-control-allow-origin": "https://www.foo.com"],
                               absent: ["access-control-allow-credentials"], name: "CORS preflight request with POST method should be allowed by allowMethods with wildcard"),
                Self.preflight("/cors-2", origin: "https://www.foo.com", headers: ["access-control-request-method": "POST"], absent: ["Access-Control-Allow-Credentials"],
                               name: "CORS preflight request should not receive access-control-allow-credentials header without access-control-allow-credentials set to true"),
                Self.preflight("/cors-wildcard-origin", origin: "https://foobar.com", headers: ["access-control-request-method": "PUT"],
                               valid: ["access-control-allow-origin": ["https://foobar.com", "*"], "access-control-allow-methods": ["PUT"]],
                               absent: ["Access-Control-Allow-Credentials"], name: "CORS preflight request from a wildcard origin should return header with '*' or with the requested Origin"),
                Self.preflight("/cors-wildcard-origin", origin: "https://foobar.com:12345", headers: ["access-control-request-method": "PUT"],
                               valid: ["access-control-allow-origin": ["https://foobar.com:12345", "*"], "access-control-allow-methods": ["PUT"]],
                               absent: ["Access-Control-Allow-Credentials"],
                               name: "CORS preflight request from a wildcard origin containing a port should return header with '*' or with the requested Origin"),
                request("/cors-wildcard-origin", method: "PUT", headers: ["Origin": "https://foobar.com:12345"], namespace: infra, status: 200,
                        validResponseHeaders: ["access-control-allow-origin": ["https://foobar.com:12345", "*"]],
                        name: "Request from a wildcard origin containing a port should return header with '*' or with the requested Origin"),
                request("/cors-wildcard-origin", method: "PUT", headers: ["Origin": "https://foobar.com"], namespace: infra, status: 200,
                        absentResponseHeaders: ["Access-Control-Allow-Credentials"], validResponseHeaders: ["access-control-allow-origin": ["https://foobar.com", "*"]],
                        name: "Simple request from a wildcard origin should return header with '*' or with the requested Origin"),
                Self.preflight("/cors-wildcard-methods-headers", origin: "https://other.foo.com", headers: ["access-control-request-method": "PUT", "access-control-request-headers": "x-header-1, x-header-2"],
                               valid: ["access-control-allow-origin": ["https://other.foo.com"], "access-control-allow-methods": ["PUT"],
                                       "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1"], "access-control-allow-credentials": ["true"]],
                               ignoreWhitespace: true,
                               name: "CORS preflight request requesting specific method and headers should be allowed and always echo the origin with allowCredentials set to true"),
                Self.preflight("/cors-wildcard-methods-headers-unauth", origin: "https://other.foo.com", headers: ["access-control-request-method": "PUT", "access-control-request-headers": "x-header-1, x-header-2"],
                               valid: ["access-control-allow-origin": ["https://other.foo.com", "*"], "access-control-allow-methods": ["PUT", "*"],
                                       "access-control-allow-headers": ["x-header-1, x-header-2", "x-header-2, x-header-1", "*"]],
                               absent: ["access-control-allow-credentials"], ignoreWhitespace: true,
                               name: "CORS preflight request requesting specific method and headers should hide access-control-allow-credentials headers with allowCredentials set to false"),
                request("/cors-wildcard-methods-headers", method: "GET", headers: ["Origin": "https://other.foo.com"], namespace: infra, status: 200,
                        validResponseHeaders: ["access-control-allow-origin": ["https://other.foo.com"], "access-control-allow-credentials": ["true"]],
                        name: "CORS request should receive access-control-allow-credentials header with allowCredentials set to true"),
                request("/cors-wildcard-methods-headers-unauth", method: "GET", headers: ["Origin": "https://other.foo.com"], namespace: infra, status: 200,
                        absentResponseHeaders: ["access-control-allow-credentials"], validResponseHeaders: ["access-control-allow-origin": ["https://other.foo.com", "*"]],
                        name: "CORS request should not receive access-control-allow-credentials header without allowCredentials set to true"),
            ])
        }
    }
}
