import Testing

/// Upstream's HTTPRoute routing tests: same- and cross-namespace, path, header, query and method matching.
@Suite("Conformance: HTTPRoute matching", .timeLimit(.minutes(5)))
struct HTTPRouteMatchingConformance {
    @Test func HTTPRouteSimpleSameNamespace() async throws {
        try await conformance("HTTPRouteSimpleSameNamespace", manifests: ["httproute-simple-same-namespace.yaml"]) { t in
            let route = nn(infra, "gateway-conformance-infra-test"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expect(address, request("/", backend: v1, namespace: infra, status: 200))
        }
    }

    @Test func HTTPRouteCrossNamespace() async throws {
        try await conformance("HTTPRouteCrossNamespace", manifests: ["httproute-cross-namespace.yaml"]) { t in
            let route = nn(webBackend, "cross-namespace"), gateway = nn(infra, "backend-namespaces")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expect(address, request("/", backend: "web-backend", namespace: webBackend, status: 200))
        }
    }

    @Test func HTTPRouteExactPathMatching() async throws {
        try await conformance("HTTPRouteExactPathMatching", manifests: ["httproute-exact-path-matching.yaml"]) { t in
            let route = nn(infra, "exact-matching"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/one", backend: v1, namespace: infra),
                request("/two", backend: v2, namespace: infra),
                request("/", status: 404),
                request("/one/example", status: 404),
                request("/two/", status: 404),
                request("/Two", status: 404),
            ])
        }
    }

    @Test func HTTPRouteMatching() async throws {
        try await conformance("HTTPRouteMatching", manifests: ["httproute-matching.yaml"]) { t in
            let route = nn(infra, "matching"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/", backend: v1, namespace: infra),
                request("/example", backend: v1, namespace: infra),
                request("/", headers: ["Version": "one"], backend: v1, namespace: infra),
                request("/v2", backend: v2, namespace: infra),
                request("/v2/example", backend: v2, namespace: infra),
                request("/", headers: ["Version": "two"], backend: v2, namespace: infra),
                request("/v2/", backend: v2, namespace: infra),
                request("/v2example", backend: v1, namespace: infra),
                request("/foo/v2/example", backend: v1, namespace: infra),
            ])
        }
    }

    @Test func HTTPRouteMatchingAcrossRoutes() async throws {
        try await conformance("HTTPRouteMatchingAcrossRoutes", manifests: ["httproute-matching-across-routes.yaml"]) { t in
            let first = nn(infra, "matching-part1"), second = nn(infra, "matching-part2"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [first, second])
            t.routeMustHaveCondition(first, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            t.routeMustHaveCondition(second, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/", host: "example.com", backend: v1, namespace: infra),
                request("/example", host: "example.com", backend: v1, namespace: infra),
                request("/example", host: "example.net", backend: v1, namespace: infra),
                request("/example", host: "example.com", headers: ["Version": "one"], backend: v1, namespace: infra),
                request("/v2", host: "example.com", backend: v2, namespace: infra),
                request("/v2", host: "example.net", backend: v1, namespace: infra),
                request("/v2/example", host: "example.com", backend: v2, namespace: infra),
                request("/", host: "example.com", headers: ["Version": "two"], backend: v2, namespace: infra),
            ])
        }
    }

    @Test func HTTPRouteHeaderMatching() async throws {
        try await conformance("HTTPRouteHeaderMatching", manifests: ["httproute-header-matching.yaml"]) { t in
            let route = nn(infra, "header-matching"), gateway = nn(infra, "same-namespace")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            await t.expectAll(address, [
                request("/", headers: ["Version": "one"], backend: v1, namespace: infra),
                request("/", headers: ["Version": "two"], backend: v2, namespace: infra),
                request("/", headers: ["Version": "two", "Color": "orange"], backend: v1, namespace: infra),
                request("/", headers: ["Version": "two", "Color": "blue"], backend: v2, namespace: infra),
                request("/", headers: ["Color": "orange"], status: 404),
                request("/", headers: ["Some-Other-Header": "one"], status: 404),
                request("/", headers: ["Color": "blue"], backend: v1, namespace: infra),
                request("/", headers: ["Color": "green"], backend: v1, namespace: infra),
                request("/", headers: ["Color": "red"], backend: v2, namespace: infra),
                request("/", headers: ["Color": "yellow"], backend: v2, namespace: infra),
                request("/", headers: ["Color": "purple"], status: 404),
            ])
        }
    }
}
