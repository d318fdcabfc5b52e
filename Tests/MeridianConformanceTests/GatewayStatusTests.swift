import Testing

@Suite("Conformance: Gateways, listeners and attached routes", .timeLimit(.minutes(5)))
struct GatewayConformance {
    static let acceptedAndResolved: [ConformanceTest.ExpectedCondition] = [.init("Accepted", "True"), .init("ResolvedRefs", "True")]

    @Test func GatewayWithAttachedRoutes() async throws {
        try await conformance("GatewayWithAttachedRoutes", manifests: ["gateway-with-attached-routes.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-with-one-attached-route"), [("http", 1, ["HTTPRoute"], Self.acceptedAndResolved)])
            let two = nn(infra, "gateway-with-two-attached-routes")
            t.gatewayMustHaveListeners(two, [("http", 2, ["HTTPRoute"], Self.acceptedAndResolved)])
            t.routeMustHaveCondition(nn(infra, "http-route-not-accepted"), gateway: two, .init("Accepted", "False", "NoMatchingListenerHostname"))
            let unresolved = nn(infra, "unresolved-gateway-with-one-attached-unresolved-route")
            t.gatewayMustHaveListeners(unresolved, [("tls", 1, ["HTTPRoute"], [.init("Programmed", "False"), .init("ResolvedRefs", "False")])])
            t.routeMustHaveCondition(nn(infra, "http-route-4"), gateway: unresolved, .init("ResolvedRefs", "False"))
        }
    }

    @Test func GatewayWithAttachedRoutesWithPort8080() async throws {
        try await conformance("GatewayWithAttachedRoutesWithPort8080", manifests: ["gateway-with-attached-routes-with-port-8080.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-with-two-listeners-and-one-attached-route"),
                                       [("http-unattached", 0, ["HTTPRoute"], Self.acceptedAndResolved), ("http", 1, ["HTTPRoute"], Self.acceptedAndResolved)])
        }
    }

    @Test func HTTPRouteListenerPortMatching() async throws {
        try await conformance("HTTPRouteListenerPortMatching", manifests: ["httproute-listener-port-matching.yaml"]) { t in
            let gateway = nn(infra, "httproute-listener-port-matching")
            let (r1, r2, r3) = (nn(infra, "backend-v1"), nn(infra, "backend-v2"), nn(infra, "backend-v3"))
            let at80 = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-1", routes: [r1])
            t.routeMustHaveCondition(r1, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            let at8080 = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-2", routes: [r2])
            t.routeMustHaveCondition(r2, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            let at8090 = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "listener-4", routes: [r3])
            t.routeMustHaveCondition(r3, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            // Each request goes to the listener of the port in its Host, as upstream sends it.
            await t.expect(at80, request("/", host: "foo.com", backend: v1, namespace: infra))
            await t.expect(at8080, request("/", host: "foo.com:8080", backend: v2, namespace: infra))
            await t.expect(at8080, request("/", host: "bar.com:8080", backend: v2, namespace: infra))
            await t.expect(at8090, request("/", host: "foo.com:8090", backend: v3, namespace: infra))
            await t.expect(at8090, request("/", host: "bar.com:8090", status: 404))
        }
    }

    @Test func HTTPRouteMultipleGateways() async throws {
        try await conformance("HTTPRouteMultipleGateways", manifests: ["httproute-multiple-gateways.yaml"]) { t in
            let shared = nn(infra, "multiple-gateways-shared-route")
            let same = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [shared, nn(infra, "same-namespace-dedicated-route")])
            await t.expect(same, request("/shared", backend: v1, namespace: infra, status: 200))
            await t.expect(same, request("/", backend: v2, namespace: infra, status: 200))
            let all = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "all-namespaces"), routes: [shared, nn(infra, "all-namespaces-dedicated-route")])
            await t.expect(all, request("/shared", backend: v1, namespace: infra, status: 200))
            await t.expect(all, request("/", backend: v3, namespace: infra, status: 200))
        }
    }

    @Test func HTTPRouteNoBackendRefs() async throws {
        try await conformance("HTTPRouteNoBackendRefs", manifests: ["httproute-omitted-backendrefs.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "omitted-backendrefs")])
            await t.expectAll(address, [
                request("/forward", backend: v1, namespace: infra),
                request("/omitted-no-forward", status: 500),
                request("/empty-no-forward", status: 500),
            ])
        }
    }
}

/// Listener and Gateway status for invalid input, and route timeouts.
@Suite("Conformance: invalid Gateways and timeouts", .timeLimit(.minutes(5)))
struct GatewayInvalidConformance {
    @Test func GatewayInvalidRouteKind() async throws {
        try await conformance("GatewayInvalidRouteKind", manifests: ["gateway-invalid-route-kind.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-only-invalid-route-kind"), [("http", 0, [], [.init("ResolvedRefs", "False", "InvalidRouteKinds")])])
            t.gatewayMustHaveListeners(nn(infra, "gateway-supported-and-invalid-route-kind"), [("http", 0, ["HTTPRoute"], [.init("ResolvedRefs", "False", "InvalidRouteKinds")])])
        }
    }

    @Test func GatewayListenerUnsupportedProtocol() async throws {
        try await conformance("GatewayListenerUnsupportedProtocol", manifests: ["gateway-invalid-listeners-unsupported-protocol.yaml"]) { t in
            let only = nn(infra, "gateway-only-unsupported-protocols")
            t.gatewayMustHaveCondition(only, .init("Accepted", "False", "ListenersNotValid"))
            t.gatewayMustHaveListeners(only, [("invalid", 0, [], [.init("Accepted", "False", "UnsupportedProtocol")])])
            let mixed = nn(infra, "gateway-supported-and-unsupported-protocols")
            t.gatewayMustHaveCondition(mixed, .init("Accepted", "True", "ListenersNotValid"))
            t.gatewayMustHaveListeners(mixed, [("http", 0, ["HTTPRoute"], [.init("Accepted", "True", "Accepted")]), ("invalid", 0, [], [.init("Accepted", "False", "UnsupportedProtocol")])])
        }
    }

    @Test func GatewayInvalidParametersRef() async throws {
        try await conformance("GatewayInvalidParametersRef", manifests: ["gateway-invalid-parameters-ref.yaml"]) { t in
            t.gatewayMustHaveCondition(nn(infra, "gateway-invalid-parameters-ref"), .init("Accepted", "False", "InvalidParameters"))
        }
    }

    @Test func HTTPRouteTimeoutRequest() async throws {
        try await conformance("HTTPRouteTimeoutRequest", manifests: ["httproute-timeout-request.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "request-timeout")])
            await t.expectAll(address, [
                request("/request-timeout", namespace: infra, status: 200),
                request("/request-timeout?delay=1s", namespace: infra, status: 504),
                request("/disable-request-timeout?delay=1s", namespace: infra, status: 200),
            ])
        }
    }

    @Test func HTTPRouteTimeoutBackendRequest() async throws {
        try await conformance("HTTPRouteTimeoutBackendRequest", manifests: ["httproute-timeout-backend-request.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "backend-request-timeout")])
            await t.expectAll(address, [
                request("/backend-timeout", namespace: infra, status: 200),
                request("/backend-timeout?delay=1s", namespace: infra, status: 504),
                request("/disable-backend-timeout?delay=1s", namespace: infra, status: 200),
            ])
        }
    }
}
