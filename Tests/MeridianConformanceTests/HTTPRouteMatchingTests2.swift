import Testing

/// The request as the backend must see it: path, headers, headers that must be gone.
func seen(_ path: String, host: String = "", method: String = "", headers: [String: String]? = nil, absent: [String] = []) -> ExpectedResponse.ExpectedRequest {
    .init(host: host, method: method, path: path, headers: headers, absentHeaders: absent)
}

@Suite("Conformance: HTTPRoute matching and host names", .timeLimit(.minutes(5)))
struct HTTPRouteMatchingConformance2 {
    @Test func HTTPRouteQueryParamMatching() async throws {
        try await conformance("HTTPRouteQueryParamMatching", manifests: ["httproute-query-param-matching.yaml"]) { t in
            let route = nn(infra, "query-param-matching"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/?animal=whale", backend: v1, namespace: infra),
                request("/?animal=dolphin", backend: v2, namespace: infra),
                request("/?animal=dolphin&color=blue", backend: v3, namespace: infra),
                request("/?ANIMAL=Whale", backend: v3, namespace: infra),
                request("/?animal=whale&otherparam=irrelevant", backend: v1, namespace: infra),
                request("/?animal=dolphin&color=yellow", backend: v2, namespace: infra),
                request("/?color=blue", status: 404),
                request("/?animal=dog", status: 404),
                request("/?animal=whaledolphin", status: 404),
                request("/", status: 404),
                // Precedence across rules and routes.
                request("/path1?animal=whale", backend: v1, namespace: infra),
                request("/?animal=whale", headers: ["version": "one"], backend: v2, namespace: infra),
                request("/path2?animal=whale", headers: ["version": "two"], backend: v3, namespace: infra),
                request("/path3?animal=shark", backend: v1, namespace: infra),
                request("/path4?animal=kraken", headers: ["version": "three"], backend: v1, namespace: infra),
                request("/?animal=shark", status: 404),
                request("/path4?animal=kraken", status: 404),
                request("/path5?animal=hydra", backend: v1, namespace: infra),
                request("/?animal=hydra", headers: ["version": "four"], backend: v3, namespace: infra),
            ])
        }
    }

    @Test func HTTPRouteMethodMatching() async throws {
        try await conformance("HTTPRouteMethodMatching", manifests: ["httproute-method-matching.yaml"]) { t in
            let route = nn(infra, "method-matching"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/", method: "POST", backend: v1, namespace: infra),
                request("/", method: "GET", backend: v2, namespace: infra),
                request("/", method: "HEAD", status: 404),
                request("/path1", method: "GET", backend: v1, namespace: infra),
                request("/", method: "PUT", headers: ["version": "one"], backend: v2, namespace: infra),
                request("/path2", method: "POST", headers: ["version": "two"], backend: v3, namespace: infra),
                request("/path3", method: "PATCH", backend: v1, namespace: infra),
                request("/path4", method: "DELETE", headers: ["version": "three"], backend: v1, namespace: infra),
                request("/", method: "PUT", status: 404),
                request("/path4", method: "DELETE", status: 404),
                request("/path5", method: "PATCH", backend: v1, namespace: infra),
                request("/", method: "PATCH", headers: ["version": "four"], backend: v2, namespace: infra),
            ])
        }
    }

    @Test func HTTPRoutePathMatchOrder() async throws {
        try await conformance("HTTPRoutePathMatchOrder", manifests: ["httproute-path-match-order.yaml"]) { t in
            let route = nn(infra, "path-matching-order"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/match/exact/one", backend: v3, namespace: infra),
                request("/match/exact", backend: v2, namespace: infra),
                request("/match", backend: v1, namespace: infra),
                request("/match/prefix/one/any", backend: v2, namespace: infra),
                request("/match/prefix/any", backend: v1, namespace: infra),
                request("/match/any", backend: v3, namespace: infra),
            ])
        }
    }

    @Test func HTTPRouteHostnameIntersection() async throws {
        try await conformance("HTTPRouteHostnameIntersection", manifests: ["httproute-hostname-intersection.yaml"]) { t in
            let gateway = nn(infra, "httproute-hostname-intersection")
            // Routes whose host names intersect the listeners'.
            let routes = ["specific-host-matches-listener-specific-host", "specific-host-matches-listener-wildcard-host",
                          "wildcard-host-matches-listener-specific-host", "wildcard-host-matches-listener-wildcard-host"].map { nn(infra, $0) }
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: routes)
            for route in routes { t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs")) }
            await t.expectAll(address, [
                request("/s1", host: "very.specific.com", backend: v1, namespace: infra),
                request("/s1", host: "very.specific.com:1234", backend: v1, namespace: infra),
                request("/s1", host: "non.matching.com", status: 404),
                request("/s1", host: "foo.nonmatchingwildcard.io", status: 404),
                request("/s1", host: "foo.wildcard.io", status: 404),
                request("/non-matching-prefix", host: "very.specific.com", status: 404),
                request("/s2", host: "foo.wildcard.io", backend: v2, namespace: infra),
                request("/s2", host: "bar.wildcard.io", backend: v2, namespace: infra),
                request("/s2", host: "foo.bar.wildcard.io", backend: v2, namespace: infra),
                request("/s2", host: "non.matching.com", status: 404),
                request("/s2", host: "wildcard.io", status: 404),
                request("/s2", host: "very.specific.com", status: 404),
                request("/non-matching-prefix", host: "foo.wildcard.io", status: 404),
                request("/s3", host: "very.specific.com", backend: v3, namespace: infra),
                request("/s3", host: "non.matching.com", status: 404),
                request("/s3", host: "foo.specific.com", status: 404),
                request("/s3", host: "foo.wildcard.io", status: 404),
                request("/s4", host: "foo.anotherwildcard.io", backend: v1, namespace: infra),
                request("/s4", host: "bar.anotherwildcard.io", backend: v1, namespace: infra),
                request("/s4", host: "foo.bar.anotherwildcard.io", backend: v1, namespace: infra),
                request("/s4", host: "anotherwildcard.io", status: 404),
                request("/s4", host: "foo.wildcard.io", status: 404),
                request("/s4", host: "very.specific.com", status: 404),
                request("/non-matching-prefix", host: "foo.anotherwildcard.io", status: 404),
            ])
            // A route whose host names intersect none of the listeners'.
            t.routeMustHaveParents(nn(infra, "no-intersecting-hosts"), [(gateway, nil, [.init("Accepted", "False", "NoMatchingListenerHostname")])])
            await t.expectAll(address, [
                request("/s5", host: "specific.but.wrong.com", status: 404),
                request("/s5", host: "wildcard.io", status: 404),
            ])
            // Only Accepted routes count in attachedRoutes.
            let listenerConditions: [ConformanceTest.ExpectedCondition] = [.init("Accepted", "True"), .init("ResolvedRefs", "True")]
            t.gatewayMustHaveListeners(gateway, [("listener-1", 2, ["HTTPRoute"], listenerConditions), ("listener-2", 1, ["HTTPRoute"], listenerConditions), ("listener-3", 1, ["HTTPRoute"], listenerConditions)])
            // A listener without a host name.
            let all = nn(infra, "httproute-hostname-intersection-all")
            let allAddress = try await t.gatewayAndRoutesMustBeAccepted(all, routes: [all])
            t.routeMustHaveCondition(all, gateway: all, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(allAddress, [
                request("/", host: "first.com", backend: v2, namespace: infra),
                request("/", host: "sub.first.com", backend: v2, namespace: infra),
                request("/", host: "second.com", backend: v2, namespace: infra),
                request("/", host: "sub.second.com", backend: v2, namespace: infra),
                request("/", host: "third.com", namespace: infra, status: 404),
                request("/", host: "sub.third.com", namespace: infra, status: 404),
            ])
        }
    }

    @Test func HTTPRouteListenerHostnameMatching() async throws {
        try await conformance("HTTPRouteListenerHostnameMatching", manifests: ["httproute-listener-hostname-matching.yaml"]) { t in
            let gateway = nn(infra, "httproute-listener-hostname-matching")
            let (r1, r2, r3) = (nn(infra, "backend-v1"), nn(infra, "backend-v2"), nn(infra, "backend-v3"))
            _ = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-1", routes: [r1])
            t.routeMustHaveCondition(r1, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            _ = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-2", routes: [r2])
            t.routeMustHaveCondition(r2, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            // Upstream names listener-3 and listener-4 for backend-v3; its parent status is checked per listener.
            let address = try await t.address(gateway, listener: "listener-3")
            t.routeMustHaveParents(r3, [(gateway, "listener-3", [.init("Accepted", "True", "Accepted")]), (gateway, "listener-4", [.init("Accepted", "True", "Accepted")])])
            t.routeMustHaveCondition(r3, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/", host: "bar.com", backend: v1, namespace: infra),
                request("/", host: "foo.bar.com", backend: v2, namespace: infra),
                request("/", host: "baz.bar.com", backend: v3, namespace: infra),
                request("/", host: "boo.bar.com", backend: v3, namespace: infra),
                request("/", host: "multiple.prefixes.bar.com", backend: v3, namespace: infra),
                request("/", host: "multiple.prefixes.foo.com", backend: v3, namespace: infra),
                request("/", host: "foo.com", status: 404),
                request("/", host: "no.matching.host", status: 404),
            ])
        }
    }
}

@Suite("Conformance: HTTPRoute header modifiers", .timeLimit(.minutes(5)))
struct HTTPRouteHeaderModifierConformance {
    @Test func HTTPRouteRequestHeaderModifier() async throws {
        try await conformance("HTTPRouteRequestHeaderModifier", manifests: ["httproute-request-header-modifier.yaml"], Self.requestHeaderModifier)
    }

    /// The same cases with the filters on the backendRefs (upstream's test shares the body).
    @Test func HTTPRouteBackendRequestHeaderModifier() async throws {
        try await conformance("HTTPRouteBackendRequestHeaderModifier", manifests: ["httproute-request-header-modifier-backend.yaml"], Self.requestHeaderModifier)
    }

    @Sendable static func requestHeaderModifier(_ t: ConformanceTest) async throws {
        let route = nn(infra, "request-header-modifier"), gateway = nn(infra, "same-namespace")
        let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
        t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
        await t.expectAll(address, [
            request("/set", headers: ["Some-Other-Header": "val"], backend: v1, namespace: infra,
                    expected: seen("/set", headers: ["Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"])),
            request("/set", headers: ["Some-Other-Header": "val", "X-Header-Set": "some-other-value"], backend: v1, namespace: infra,
                    expected: seen("/set", headers: ["Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"])),
            request("/add", headers: ["Some-Other-Header": "val"], backend: v1, namespace: infra,
                    expected: seen("/add", headers: ["Some-Other-Header": "val", "X-Header-Add": "add-appends-values"])),
            request("/add", headers: ["Some-Other-Header": "val", "X-Header-Add": "some-other-value"], backend: v1, namespace: infra,
                    expected: seen("/add", headers: ["Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values"])),
            request("/remove", headers: ["X-Header-Remove": "val"], backend: v1, namespace: infra,
                    expected: seen("/remove", absent: ["X-Header-Remove"])),
            request("/multiple", headers: ["X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2", "Another-Header": "another-header-val"],
                    backend: v1, namespace: infra,
                    expected: seen("/multiple", headers: ["X-Header-Set-1": "header-set-1", "X-Header-Set-2": "header-set-2", "X-Header-Add-1": "header-add-1",
                                                          "X-Header-Add-2": "add-val-2,header-add-2", "X-Header-Add-3": "header-add-3", "Another-Header": "another-header-val"],
                                   absent: ["X-Header-Remove-1", "X-Header-Remove-2"])),
            request("/case-insensitivity", headers: ["x-header-set": "original-val-set", "x-header-add": "original-val-add", "x-header-remove": "original-val-remove", "Another-Header": "another-header-val"],
                    backend: v1, namespace: infra,
                    expected: seen("/case-insensitivity", headers: ["X-Header-Set": "header-set", "X-Header-Add": "original-val-add,header-add", "Another-Header": "another-header-val"],
                                   absent: ["x-header-remove", "X-Header-Remove"])),
        ])
    }

    @Test func HTTPRouteResponseHeaderModifier() async throws {
        try await conformance("HTTPRouteResponseHeaderModifier", manifests: ["httproute-response-header-modifier.yaml"]) { t in
            let route = nn(infra, "response-header-modifier"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/set", backend: v1, namespace: infra, responseHeaders: ["Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"],
                        backendSetResponseHeaders: ["Some-Other-Header": "val"]),
                request("/set", backend: v1, namespace: infra, responseHeaders: ["Some-Other-Header": "val", "X-Header-Set": "set-overwrites-values"],
                        backendSetResponseHeaders: ["Some-Other-Header": "val", "X-Header-Set": "some-other-value"]),
                request("/add", backend: v1, namespace: infra, responseHeaders: ["Some-Other-Header": "val", "X-Header-Add": "add-appends-values"],
                        backendSetResponseHeaders: ["Some-Other-Header": "val"]),
                request("/add", backend: v1, namespace: infra, responseHeaders: ["Some-Other-Header": "val", "X-Header-Add": "some-other-value,add-appends-values"],
                        backendSetResponseHeaders: ["Some-Other-Header": "val", "X-Header-Add": "some-other-value"]),
                request("/remove", backend: v1, namespace: infra, absentResponseHeaders: ["X-Header-Remove"],
                        backendSetResponseHeaders: ["X-Header-Remove": "val"]),
                request("/multiple", backend: v1, namespace: infra,
                        responseHeaders: ["X-Header-Set-1": "header-set-1", "X-Header-Set-2": "header-set-2", "X-Header-Add-1": "header-add-1",
                                          "X-Header-Add-2": "add-val-2,header-add-2", "X-Header-Add-3": "header-add-3", "Another-Header": "another-header-val"],
                        absentResponseHeaders: ["X-Header-Remove-1", "X-Header-Remove-2"],
                        backendSetResponseHeaders: ["X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2",
                                                    "Another-Header": "another-header-val", "X-Header-Remove-1": "val"]),
                request("/case-insensitivity", backend: v1, namespace: infra,
                        responseHeaders: ["X-Header-Set": "header-set", "X-Header-Add": "original-val-add,header-add", "X-Lowercase-Add": "lowercase-add",
                                          "X-Mixedcase-Add-1": "mixedcase-add-1", "X-Mixedcase-Add-2": "mixedcase-add-2", "X-Uppercase-Add": "uppercase-add",
                                          "Another-Header": "another-header-val"],
                        absentResponseHeaders: ["x-header-remove", "X-Header-Remove"],
                        backendSetResponseHeaders: ["x-header-set": "original-val-set", "x-header-add": "original-val-add", "x-header-remove": "original-val-remove",
                                                    "Another-Header": "another-header-val"]),
                request("/response-and-request-header-modifiers",
                        headers: ["X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1", "X-Header-Echo": "echo"],
                        backend: v1, namespace: infra,
                        expected: seen("/response-and-request-header-modifiers",
                                       headers: ["X-Header-Add": "header-val-1", "X-Header-Set": "set-overwrites-values", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Echo": "echo"],
                                       absent: ["X-Header-Remove"]),
                        responseHeaders: ["X-Header-Set-1": "header-set-1", "X-Header-Set-2": "header-set-2", "X-Header-Add-1": "header-add-1",
                                          "X-Header-Add-2": "add-val-2,header-add-2", "Another-Header": "another-header-val", "X-Header-Echo": "echo"],
                        absentResponseHeaders: ["X-Header-Remove-1", "X-Header-Remove-2"],
                        backendSetResponseHeaders: ["X-Header-Set-2": "set-val-2", "X-Header-Add-2": "add-val-2", "X-Header-Remove-2": "remove-val-2",
                                                    "Another-Header": "another-header-val", "X-Header-Remove-1": "remove-val-1", "X-Header-Echo": "echo"]),
            ])
        }
    }
}
