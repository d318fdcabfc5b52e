import Testing

/// A redirect expectation: scheme, host, port, path of the Location ("" for upstream's defaults).
func to(scheme: String = "", host: String = "", port: String = "", path: String = "") -> ExpectedResponse.Redirect {
    .init(scheme: scheme, host: host, port: port, path: path)
}

/// The common preamble: routes Accepted by the Gateway, ResolvedRefs True.
func acceptedWithRefs(_ t: ConformanceTest, _ gateway: String, _ routes: [String]) async throws -> GatewayAddress {
    let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: routes)
    for route in routes { t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs")) }
    return address
}

@Suite("Conformance: HTTPRoute redirects", .timeLimit(.minutes(5)))
struct HTTPRouteRedirectConformance {
    @Test func HTTPRouteRedirectHostAndStatus() async throws {
        try await conformance("HTTPRouteRedirectHostAndStatus", manifests: ["httproute-redirect-host-and-status.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "redirect-host-and-status")])
            await t.expectAll(address, [
                request("/hostname-redirect", namespace: infra, status: 302, redirect: to(host: "example.org"), unfollowRedirect: true),
                request("/host-and-status", namespace: infra, status: 301, redirect: to(host: "example.org"), unfollowRedirect: true),
            ])
        }
    }

    @Test func HTTPRouteRedirectPath() async throws {
        try await conformance("HTTPRouteRedirectPath", manifests: ["httproute-redirect-path.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "redirect-path")])
            await t.expectAll(address, [
                request("/original-prefix/lemon", namespace: infra, status: 302, redirect: to(path: "/replacement-prefix/lemon"), unfollowRedirect: true),
                request("/full/path/original", namespace: infra, status: 302, redirect: to(path: "/full-path-replacement"), unfollowRedirect: true),
                request("/path-and-host", namespace: infra, status: 302, redirect: to(host: "example.org", path: "/replacement-prefix"), unfollowRedirect: true),
                request("/path-and-status", namespace: infra, status: 301, redirect: to(path: "/replacement-prefix"), unfollowRedirect: true),
                request("/full-path-and-host", namespace: infra, status: 302, redirect: to(host: "example.org", path: "/replacement-full"), unfollowRedirect: true),
                request("/full-path-and-status", namespace: infra, status: 301, redirect: to(path: "/replacement-full"), unfollowRedirect: true),
            ])
        }
    }

    @Test func HTTPRouteRedirectPort() async throws {
        try await conformance("HTTPRouteRedirectPort", manifests: ["httproute-redirect-port.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "redirect-port")])
            await t.expectAll(address, [
                request("/port", namespace: infra, status: 302, redirect: to(port: "8083"), unfollowRedirect: true),
                request("/port-and-host", namespace: infra, status: 302, redirect: to(host: "example.org", port: "8083"), unfollowRedirect: true),
                request("/port-and-status", namespace: infra, status: 301, redirect: to(port: "8083"), unfollowRedirect: true),
                request("/port-and-host-and-status", namespace: infra, status: 302, redirect: to(host: "example.org", port: "8083"), unfollowRedirect: true),
            ])
        }
    }

    @Test func HTTPRouteRedirectScheme() async throws {
        try await conformance("HTTPRouteRedirectScheme", manifests: ["httproute-redirect-scheme.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "redirect-scheme")])
            await t.expectAll(address, [
                request("/scheme", namespace: infra, status: 302, redirect: to(scheme: "https"), unfollowRedirect: true),
                request("/scheme-and-host", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
                request("/scheme-and-status", namespace: infra, status: 301, redirect: to(scheme: "https"), unfollowRedirect: true),
                request("/scheme-and-host-and-status", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
            ])
        }
    }

    @Test func HTTPRouteRedirectPortAndScheme() async throws {
        try await conformance("HTTPRouteRedirectPortAndScheme", manifests: ["httproute-redirect-port-and-scheme.yaml"]) { t in
            let address80 = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "http-route-for-listener-on-port-80")])
            let address8080 = try await acceptedWithRefs(t, nn(infra, "same-namespace-with-http-listener-on-8080"), [nn(infra, "http-route-for-listener-on-port-8080")])
            let address443 = try await acceptedWithRefs(t, nn(infra, "same-namespace-with-https-listener"), [nn(infra, "http-route-for-listener-on-port-443")])
            await t.expectAll(address80, [
                request("/scheme-nil-and-port-nil", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org"), unfollowRedirect: true),
                request("/scheme-nil-and-port-80", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org"), unfollowRedirect: true),
                request("/scheme-nil-and-port-8080", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org", port: "8080"), unfollowRedirect: true),
                request("/scheme-https-and-port-nil", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
                request("/scheme-https-and-port-443", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
                request("/scheme-https-and-port-8443", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org", port: "8443"), unfollowRedirect: true),
            ])
            await t.expectAll(address8080, [
                request("/scheme-nil-and-port-nil", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org", port: "8080"), unfollowRedirect: true),
                request("/scheme-nil-and-port-80", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org"), unfollowRedirect: true),
                request("/scheme-https-and-port-nil", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
            ])
            // Over TLS, SNI example.org, the certificate checked against the suite's CA.
            let https = address443.https(serverName: "example.org", caFile: try t.validityChecksCertificateFile())
            await t.expectAll(https, [
                request("/scheme-nil-and-port-nil", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
                request("/scheme-nil-and-port-443", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org"), unfollowRedirect: true),
                request("/scheme-nil-and-port-8443", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "https", host: "example.org", port: "8443"), unfollowRedirect: true),
                request("/scheme-http-and-port-nil", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org"), unfollowRedirect: true),
                request("/scheme-http-and-port-80", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org"), unfollowRedirect: true),
                request("/scheme-http-and-port-8080", host: "example.org", namespace: infra, status: 302, redirect: to(scheme: "http", host: "example.org", port: "8080"), unfollowRedirect: true),
            ])
        }
    }

    @Test func HTTPRoute303Redirect() async throws {
        try await conformance("HTTPRoute303Redirect", manifests: ["httproute-303-redirect.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "303-redirect")])
            await t.expect(address, request("/see-other", method: "POST", namespace: infra, status: 303, redirect: to(path: "/see-other"), unfollowRedirect: true))
        }
    }

    @Test func HTTPRoute307Redirect() async throws {
        try await conformance("HTTPRoute307Redirect", manifests: ["httproute-307-redirect.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "307-redirect")])
            await t.expect(address, request("/temporary", method: "POST", namespace: infra, status: 307, redirect: to(path: "/temporary"), unfollowRedirect: true))
        }
    }

    @Test func HTTPRoute308Redirect() async throws {
        try await conformance("HTTPRoute308Redirect", manifests: ["httproute-308-redirect.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "308-redirect")])
            await t.expect(address, request("/permanent", method: "POST", namespace: infra, status: 308, redirect: to(path: "/permanent"), unfollowRedirect: true))
        }
    }
}

@Suite("Conformance: HTTPRoute rewrites and weights", .timeLimit(.minutes(5)))
struct HTTPRouteRewriteConformance {
    @Test func HTTPRouteRewriteHost() async throws {
        try await conformance("HTTPRouteRewriteHost", manifests: ["httproute-rewrite-host.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "rewrite-host")])
            await t.expectAll(address, [
                request("/one", host: "rewrite.example", backend: v1, namespace: infra, expected: seen("/one", host: "one.example.org")),
                request("/two", host: "rewrite.example", backend: v2, namespace: infra, expected: seen("/two", host: "example.org")),
                request("/rewrite-host-and-modify-headers", host: "rewrite.example", headers: ["X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1"],
                        backend: v2, namespace: infra,
                        expected: seen("/rewrite-host-and-modify-headers", host: "test.example.org",
                                       headers: ["X-Header-Add": "header-val-1", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Set": "set-overwrites-values"],
                                       absent: ["X-Header-Remove"])),
            ])
        }
    }

    @Test func HTTPRouteRewritePath() async throws {
        try await conformance("HTTPRouteRewritePath", manifests: ["httproute-rewrite-path.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "rewrite-path")])
            let modified: [String: String] = ["X-Header-Add": "header-val-1", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Set": "set-overwrites-values"]
            let sent: [String: String] = ["X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Set": "set-val"]
            await t.expectAll(address, [
                request("/prefix/one/two", backend: v1, namespace: infra, expected: seen("/one/two")),
                request("/strip-prefix/three", backend: v1, namespace: infra, expected: seen("/three")),
                request("/strip-prefix", backend: v1, namespace: infra, expected: seen("/")),
                request("/full/one/two", backend: v1, namespace: infra, expected: seen("/one")),
                request("/full/rewrite-path-and-modify-headers/test", headers: sent, backend: v1, namespace: infra,
                        expected: seen("/test", headers: modified, absent: ["X-Header-Remove"])),
                request("/prefix/rewrite-path-and-modify-headers/one", headers: sent, backend: v1, namespace: infra,
                        expected: seen("/prefix/one", headers: modified, absent: ["X-Header-Remove"])),
            ])
        }
    }

    @Test func HTTPRouteWeight() async throws {
        try await conformance("HTTPRouteWeight", manifests: ["httproute-weight.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "weighted-backends")])
            await t.expectWeightedDistribution(address, request("/", namespace: infra, status: 200), weights: [v1: 0.7, v2: 0.3, v3: 0.0])
        }
    }
}

@Suite("Conformance: HTTPRoute references and invalid routes", .timeLimit(.minutes(5)))
struct HTTPRouteReferenceConformance {
    @Test func HTTPRouteReferenceGrant() async throws {
        try await conformance("HTTPRouteReferenceGrant", manifests: ["httproute-reference-grant.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "reference-grant")])
            await t.expect(address, request("/", method: "GET", backend: "web-backend", namespace: webBackend, status: 200))
            // kubectl delete of the ReferenceGrant: the cross-namespace backend is no longer allowed.
            try t.environment.delete(kind: "ReferenceGrant", name: nn(webBackend, "reference-grant"))
            await t.expect(address, request("/", method: "GET", status: 500), timeout: .seconds(10))
        }
    }

    @Test func HTTPRouteInvalidBackendRefUnknownKind() async throws {
        try await conformance("HTTPRouteInvalidBackendRefUnknownKind", manifests: ["httproute-invalid-backendref-unknown-kind.yaml"]) { t in
            let route = nn(infra, "invalid-backend-ref-unknown-kind"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "False", "InvalidKind"))
            await t.expect(address, request("/v2", method: "GET", status: 500))
        }
    }

    @Test func HTTPRouteInvalidCrossNamespaceBackendRef() async throws {
        try await conformance("HTTPRouteInvalidCrossNamespaceBackendRef", manifests: ["httproute-invalid-cross-namespace-backend-ref.yaml"]) { t in
            let route = nn(infra, "invalid-cross-namespace-backend-ref"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "False", "RefNotPermitted"))
            await t.expect(address, request("/", method: "GET", status: 500))
        }
    }

    @Test func HTTPRouteInvalidCrossNamespaceParentRef() async throws {
        try await conformance("HTTPRouteInvalidCrossNamespaceParentRef", manifests: ["httproute-invalid-cross-namespace-parent-ref.yaml"]) { t in
            let route = nn(webBackend, "invalid-cross-namespace-parent-ref"), gateway = nn(infra, "same-namespace")
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "False", "NotAllowedByListeners"))
            t.routeMustHaveNoAcceptedParents(route)
            t.gatewayMustHaveZeroRoutes(gateway)
        }
    }

    @Test func HTTPRouteInvalidNonExistentBackendRef() async throws {
        try await conformance("HTTPRouteInvalidNonExistentBackendRef", manifests: ["httproute-invalid-nonexistent-backendref.yaml"]) { t in
            let route = nn(infra, "invalid-nonexistent-backend-ref"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "False", "BackendNotFound"))
            await t.expect(address, request("/", method: "GET", status: 500))
        }
    }

    @Test func HTTPRouteInvalidParentRefNotMatchingListenerPort() async throws {
        try await conformance("HTTPRouteInvalidParentRefNotMatchingListenerPort", manifests: ["httproute-invalid-parentref-not-matching-listener-port.yaml"]) { t in
            let route = nn(infra, "httproute-listener-not-matching-route-port"), gateway = nn(infra, "same-namespace")
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "False", "NoMatchingParent"))
            t.routeMustHaveNoAcceptedParents(route)
            t.gatewayMustHaveZeroRoutes(gateway)
        }
    }

    @Test func HTTPRouteInvalidParentRefNotMatchingSectionName() async throws {
        try await conformance("HTTPRouteInvalidParentRefNotMatchingSectionName", manifests: ["httproute-invalid-parentref-not-matching-section-name.yaml"]) { t in
            let route = nn(infra, "httproute-listener-not-matching-section-name"), gateway = nn(infra, "same-namespace")
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "False", "NoMatchingParent"))
            t.routeMustHaveNoAcceptedParents(route)
            t.gatewayMustHaveZeroRoutes(gateway)
        }
    }

    @Test func HTTPRouteInvalidParentRefSectionNameNotMatchingPort() async throws {
        try await conformance("HTTPRouteInvalidParentRefSectionNameNotMatchingPort", manifests: ["httproute-invalid-parentref-section-name-not-matching-port.yaml"]) { t in
            let route = nn(infra, "httproute-listener-section-name-not-matching-port"), gateway = nn(infra, "gateway-with-one-not-matching-port-and-section-name-route")
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "False", "NoMatchingParent"))
            t.routeMustHaveNoAcceptedParents(route)
            t.gatewayMustHaveZeroRoutes(gateway)
        }
    }

    @Test func HTTPRouteInvalidReferenceGrant() async throws {
        try await conformance("HTTPRouteInvalidReferenceGrant", manifests: ["httproute-invalid-reference-grant.yaml"]) { t in
            let route = nn(infra, "reference-grant"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "False", "RefNotPermitted"))
            await t.expect(address, request("/", method: "GET", backend: "web-backend", namespace: webBackend, status: 500))
        }
    }

    @Test func HTTPRoutePartiallyInvalidViaInvalidReferenceGrant() async throws {
        try await conformance("HTTPRoutePartiallyInvalidViaInvalidReferenceGrant", manifests: ["httproute-partially-invalid-via-invalid-reference-grant.yaml"]) { t in
            let route = nn(infra, "invalid-reference-grant"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "False", "RefNotPermitted"))
            await t.expect(address, request("/v2", method: "GET", status: 500))
            await t.expect(address, request("/", method: "GET", backend: "app-backend-v1", namespace: appBackend, status: 200))
        }
    }

    @Test func HTTPRouteDisallowedKind() async throws {
        try await conformance("HTTPRouteDisallowedKind", manifests: ["httproute-disallowed-kind.yaml"]) { t in
            let route = nn(infra, "disallowed-kind"), gateway = nn(infra, "tlsroutes-only")
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "False", "NotAllowedByListeners"))
            t.routeMustHaveNoAcceptedParents(route)
            t.gatewayMustHaveZeroRoutes(gateway)
        }
    }
}
