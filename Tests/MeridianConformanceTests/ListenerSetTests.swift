import Testing

/// Upstream's ListenerSet tests (`listenerset-*.go`): which Gateways take which ListenerSets,
/// conflicts across them, and routes attached to a ListenerSet.
@Suite("Conformance: ListenerSets", .timeLimit(.minutes(5)))
struct ListenerSetConformance {
    typealias Expected = ConformanceTest.ExpectedCondition
    /// Upstream's `generateAcceptedListenerConditions`.
    static let acceptedListener: [Expected] = [.init("ResolvedRefs", "True"), .init("Accepted", "True"), .init("Programmed", "True")]
    static let notAllowed: [Expected] = [.init("Accepted", "False", "NotAllowed"), .init("Programmed", "False", "NotAllowed")]
    static let listenersNotValid: [Expected] = [.init("Accepted", "False", "ListenersNotValid"), .init("Programmed", "False", "ListenersNotValid")]
    static let acceptedSet: [Expected] = [.init("Accepted", "True", "Accepted"), .init("Programmed", "True", "Programmed")]
    static let acceptedSetAnyReason: [Expected] = [.init("Accepted", "True"), .init("Programmed", "True", "Programmed")]

    static func conflicted(_ reason: String) -> [Expected] {
        [.init("Accepted", "False", reason), .init("Programmed", "False", reason), .init("Conflicted", "True", reason)]
    }

    static func setMustHave(_ t: ConformanceTest, _ set: String, _ conditions: [Expected]) {
        for condition in conditions { t.listenerSetMustHaveCondition(set, condition) }
    }

    /// Upstream's `ListenerSetStatusMustHaveListeners` with `generateSupportedRouteKinds` and accepted conditions.
    static func setMustHaveListeners(_ t: ConformanceTest, _ set: String, _ listeners: [(String, Int)]) {
        t.gatewayMustHaveListeners(set, listeners.map { ($0.0, $0.1, ["HTTPRoute"], acceptedListener) }, ownerKind: "ListenerSet")
    }

    @Test func ListenerSetDefaultNotAllowed() async throws {
        try await conformance("ListenerSetDefaultNotAllowed", manifests: ["listenerset-default-not-allowed.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-default-does-not-allow-listenerset")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 0)
            Self.setMustHave(t, nn(infra, "listenerset-default-not-allowed"), Self.notAllowed)
        }
    }

    @Test func ListenerSetAllowedNamespaceNone() async throws {
        try await conformance("ListenerSetAllowedNamespaceNone", manifests: ["listenerset-allowed-namespace-none.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-does-not-allow-listenerset")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 0)
            Self.setMustHave(t, nn(infra, "listenerset-not-allowed"), Self.notAllowed)
        }
    }

    @Test func ListenerSetAllowedNamespaceSame() async throws {
        try await conformance("ListenerSetAllowedNamespaceSame", manifests: ["listenerset-allowed-namespace-same.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-allows-listenerset-in-same-namespace")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 1)
            let accepted = nn(infra, "listenerset-in-same-namespace")
            Self.setMustHave(t, accepted, Self.acceptedSet)
            t.gatewayListenersMustHaveConditions(accepted, Self.acceptedListener, listeners: ["listenerset-in-same-namespace-listener"], ownerKind: "ListenerSet")
            Self.setMustHave(t, nn("gateway-api-listenerset-not-allowed-ns", "listenerset-in-different-namespace"), Self.notAllowed)
        }
    }

    @Test func ListenerSetAllowedNamespaceSelector() async throws {
        try await conformance("ListenerSetAllowedNamespaceSelector", manifests: ["listenerset-allowed-namespace-selector.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-allows-listenerset-in-selected-namespace")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 1)
            let accepted = nn("gateway-api-listenerset-selector-allowed-ns", "listenerset-in-selected-namespace")
            Self.setMustHave(t, accepted, Self.acceptedSet)
            t.gatewayListenersMustHaveConditions(accepted, Self.acceptedListener, listeners: ["listenerset-in-selected-namespace-listener"], ownerKind: "ListenerSet")
            Self.setMustHave(t, nn("gateway-api-listenerset-selector-not-allowed-ns", "listenerset-not-in-selected-namespace"), Self.notAllowed)
        }
    }

    /// ListenerSetHostnameConflict and ListenerSetProtocolConflict check the same shape.
    static func conflictTest(_ t: ConformanceTest, kind: String, reason: String) {
        t.namespacesMustBeReady([infra])
        let gateway = nn(infra, "gateway-with-listenerset-\(kind)-conflict")
        t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
        t.gatewayListenersMustHaveConditions(gateway, acceptedListener, listeners: ["gateway-listener"])
        // The first conflicted listener is accepted, by listener precedence.
        t.gatewayListenersMustHaveConditions(gateway, acceptedListener, listeners: ["\(kind)-conflict-with-gateway-listener"])
        t.gatewayMustHaveAttachedListenerSets(gateway, 2)

        let withGateway1 = nn(infra, "listenerset-with-\(kind)-conflict-with-gateway-1")
        setMustHave(t, withGateway1, acceptedSetAnyReason)
        t.gatewayListenersMustHaveConditions(withGateway1, acceptedListener, listeners: ["listener-set-1-listener"], ownerKind: "ListenerSet")
        t.gatewayListenersMustHaveConditions(withGateway1, conflicted(reason), listeners: ["\(kind)-conflict-with-gateway-listener"], ownerKind: "ListenerSet")
        t.gatewayListenersMustHaveConditions(withGateway1, acceptedListener, listeners: ["\(kind)-conflict-with-listener-set-listener"], ownerKind: "ListenerSet")

        let withGateway2 = nn(infra, "listenerset-with-\(kind)-conflict-with-gateway-2")
        setMustHave(t, withGateway2, listenersNotValid)
        t.gatewayListenersMustHaveConditions(withGateway2, conflicted(reason), listeners: ["\(kind)-conflict-with-gateway-listener"], ownerKind: "ListenerSet")

        let withSet1 = nn(infra, "listenerset-with-\(kind)-conflict-with-listener-set-1")
        setMustHave(t, withSet1, acceptedSetAnyReason)
        t.gatewayListenersMustHaveConditions(withSet1, acceptedListener, listeners: ["listener-set-2-listener"], ownerKind: "ListenerSet")
        t.gatewayListenersMustHaveConditions(withSet1, conflicted(reason), listeners: ["\(kind)-conflict-with-listener-set-listener"], ownerKind: "ListenerSet")

        let withSet2 = nn(infra, "listenerset-with-\(kind)-conflict-with-listener-set-2")
        setMustHave(t, withSet2, listenersNotValid)
        t.gatewayListenersMustHaveConditions(withSet2, conflicted(reason), listeners: ["\(kind)-conflict-with-listener-set-listener"], ownerKind: "ListenerSet")
    }

    @Test func ListenerSetHostnameConflict() async throws {
        try await conformance("ListenerSetHostnameConflict", manifests: ["listenerset-hostname-conflict.yaml"], generations: true) { t in
            Self.conflictTest(t, kind: "hostname", reason: "HostnameConflict")
        }
    }

    @Test func ListenerSetProtocolConflict() async throws {
        try await conformance("ListenerSetProtocolConflict", manifests: ["listenerset-protocol-conflict.yaml"], generations: true) { t in
            Self.conflictTest(t, kind: "protocol", reason: "ProtocolConflict")
        }
    }

    @Test func ListenerSetReferenceGrant() async throws {
        try await conformance("ListenerSetReferenceGrant", manifests: ["listenerset-reference-grant.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveCondition(nn(infra, "gateway-with-listener-sets-test-reference-grant"), .init("Accepted", "True"))
            let granted = nn(infra, "listenerset-with-reference-grant")
            Self.setMustHave(t, granted, [.init("Accepted", "True"), .init("Programmed", "True")])
            t.gatewayListenersMustHaveConditions(granted, [.init("ResolvedRefs", "True")], listeners: ["listenerset-with-reference-grant-listener"], ownerKind: "ListenerSet")
            let refused = nn("gateway-api-listener-sets-test-reference-grant-ns", "listenerset-without-reference-grant")
            Self.setMustHave(t, refused, Self.listenersNotValid)
            t.gatewayListenersMustHaveConditions(refused, [.init("ResolvedRefs", "False", "RefNotPermitted")], listeners: ["listenerset-without-reference-grant-listener"], ownerKind: "ListenerSet")
        }
    }

    @Test func ListenerSetHTTPRouting() async throws {
        try await conformance("ListenerSetHTTPRouting", manifests: ["listenerset-http-routing.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-with-listener-sets-http-routing")
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, listener: "gateway-listener",
                routes: [nn(infra, "attaches-to-all-listeners"), nn(infra, "gateway-route"), nn(infra, "gateway-section-route")])
            t.gatewayMustHaveAttachedListenerSets(gateway, 2)
            let set1 = nn(infra, "listener-set-http-routing-1")
            t.routesAndListenerSetMustBeAccepted(set1, routes: [nn(infra, "attaches-to-all-listeners"), nn(infra, "listener-set-http-routing-1-route"), nn(infra, "listener-set-http-routing-1-section-route")])
            Self.setMustHaveListeners(t, set1, [("listener-set-http-routing-1-listener-1", 3), ("listener-set-http-routing-1-listener-2", 2)])
            let set2 = nn(infra, "listener-set-http-routing-2")
            t.routesAndListenerSetMustBeAccepted(set2, routes: [nn(infra, "attaches-to-all-listeners"), nn(infra, "listener-set-http-routing-2-route")])
            Self.setMustHaveListeners(t, set2, [("listener-set-http-routing-2-listener-1", 2), ("listener-set-http-routing-2-listener-2", 2)])

            let gatewayHosts = ["gateway-listener-1.com", "gateway-listener-2.com"]
            let set1Hosts = ["listener-set-http-routing-1-listener-1.com", "listener-set-http-routing-1-listener-2.com"]
            let set2Hosts = ["listener-set-http-routing-2-listener-1.com", "listener-set-http-routing-2-listener-2.com"]
            let hosts = gatewayHosts + set1Hosts + set2Hosts
            var cases: [ExpectedResponse] = []
            // Each path, and the hosts it is served on (404 everywhere else).
            let served: [(path: String, backend: String, hosts: [String])] = [
                ("/route", v1, hosts),
                ("/gateway-route", v2, gatewayHosts),
                ("/gateway-section-route", v3, ["gateway-listener-1.com"]),
                ("/listener-set-http-routing-1-route", v2, set1Hosts),
                ("/listener-set-http-routing-1-section-route", v3, ["listener-set-http-routing-1-listener-1.com"]),
                ("/listener-set-http-routing-2-route", v2, set2Hosts),
            ]
            for entry in served {
                for host in hosts {
                    cases.append(entry.hosts.contains(host)
                        ? request(entry.path, host: host, backend: entry.backend, namespace: infra)
                        : request(entry.path, host: host, status: 404))
                }
            }
            await t.expectAll(address, cases)
        }
    }

    @Test func ListenerSetAllowedRoutesNamespaces() async throws {
        try await conformance("ListenerSetAllowedRoutesNamespaces", manifests: ["listenerset-allowed-routes-namespaces.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-with-listener-sets-test-allowed-routes")
            let address = try await t.address(gateway, listener: "gateway-listener")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 2)

            // Same-namespace ListenerSet.
            let set = nn(infra, "listenerset-test-allowed-routes-namespaces")
            let same = nn(infra, "route-in-same-namespace")
            let selected = nn("gateway-api-routes-allowed-ns", "route-in-selected-namespace")
            let notSelected = nn("gateway-api-routes-not-allowed-ns", "route-not-in-selected-namespace")
            t.routesAndListenerSetMustBeAccepted(set, routes: [same, selected, notSelected])
            Self.setMustHaveListeners(t, set, [
                ("listener-set-listener-allowed-routes-all", 3), ("listener-set-listener-allowed-routes-same", 1), ("listener-set-listener-allowed-routes-selector", 1),
            ])
            let all = "listener-set-listener-allowed-routes-all.com"
            let sameHost = "listener-set-listener-allowed-routes-same.com"
            let selector = "listener-set-listener-allowed-routes-selector.com"
            await t.expectAll(address, [
                request("/route-in-same-namespace", host: all, backend: v1, namespace: infra),
                request("/route-in-selected-namespace", host: all, backend: v2, namespace: infra),
                request("/route-not-in-selected-namespace", host: all, backend: v3, namespace: infra),
                request("/route-in-same-namespace", host: sameHost, backend: v1, namespace: infra),
                request("/route-in-selected-namespace", host: sameHost, status: 404),
                request("/route-not-in-selected-namespace", host: sameHost, status: 404),
                request("/route-in-same-namespace", host: selector, status: 404),
                request("/route-in-selected-namespace", host: selector, backend: v2, namespace: infra),
                request("/route-not-in-selected-namespace", host: selector, status: 404),
            ])

            // Cross-namespace ListenerSet: Same means the ListenerSet's namespace.
            let crossNamespace = "gateway-api-ls-cross-ns"
            let crossSet = nn(crossNamespace, "listenerset-test-allowed-routes-cross-ns")
            t.routesAndListenerSetMustBeAccepted(crossSet, routes: [nn(crossNamespace, "route-in-listenerset-namespace")])
            t.routeMustHaveCondition(nn(infra, "route-in-gateway-namespace"), gateway: crossSet, .init("Accepted", "False", "NotAllowedByListeners"), parentKind: "ListenerSet")
            Self.setMustHaveListeners(t, crossSet, [("listener-set-listener-allowed-routes-cross-ns-same", 1)])
            let crossHost = "listener-set-listener-allowed-routes-cross-ns-same.com"
            await t.expectAll(address, [
                request("/route-in-listenerset-namespace", host: crossHost, backend: v1, namespace: infra),
                request("/route-in-gateway-namespace", host: crossHost, status: 404),
            ])
        }
    }

    @Test func ListenerSetDualParentRefIndependence() async throws {
        try await conformance("ListenerSetDualParentRefIndependence", manifests: ["listenerset-dual-parentref-independence.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-dual-parentref")
            let address = try await t.address(gateway, listener: "gw-dual-parentref-listener")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 1)
            let set = nn(infra, "ls-dual-parentref")
            Self.setMustHaveListeners(t, set, [("ls-dual-parentref-listener", 2)])

            // Both parentRefs are Accepted.
            let both = nn(infra, "route-dual-parentref-both")
            t.routeMustHaveCondition(both, gateway: gateway, .init("Accepted", "True"))
            t.routeMustHaveCondition(both, gateway: set, .init("Accepted", "True"), parentKind: "ListenerSet")
            await t.expectAll(address, [
                request("/dualboth", host: "gw-dual.com", backend: v1, namespace: infra),
                request("/dualboth", host: "ls-dual.com", backend: v1, namespace: infra),
            ])

            // One of two parentRefs is Accepted: the Gateway has no listener of the ListenerSet's name.
            let one = nn(infra, "route-dual-parentref-one")
            t.routeMustHaveCondition(one, gateway: gateway, .init("Accepted", "False", "NoMatchingParent"))
            t.routeMustHaveCondition(one, gateway: set, .init("Accepted", "True"), parentKind: "ListenerSet")
            t.routesAndListenerSetMustBeAccepted(set, routes: [one])
            await t.expectAll(address, [
                request("/dualone", host: "ls-dual.com", backend: v2, namespace: infra),
                request("/dualone", host: "gw-dual.com", status: 404),
            ])
        }
    }

    @Test func ListenerSetGatewayParentSectionNameNotFound() async throws {
        try await conformance("ListenerSetGatewayParentSectionNameNotFound", manifests: ["listenerset-gateway-parent-section-name-not-found.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-section-name")
            let address = try await t.address(gateway, listener: "gw-listener")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 1)
            t.routesAndListenerSetMustBeAccepted(nn(infra, "listenerset-section-name"), routes: [nn(infra, "route-via-listenerset")])
            t.routeMustHaveCondition(nn(infra, "route-via-gateway"), gateway: gateway, .init("Accepted", "False", "NoMatchingParent"))
            await t.expect(address, request("/goodsection", host: "ls-section-name.com", backend: v1, namespace: infra))
            await t.expect(address, request("/badsection", host: "gw-section.com", status: 404))
        }
    }

    @Test func ListenerSetRouteStatusScopedToParentRef() async throws {
        try await conformance("ListenerSetRouteStatusScopedToParentRef", manifests: ["listenerset-route-status-scoped-to-parentref.yaml"], generations: true) { t in
            t.namespacesMustBeReady([infra])
            let gateway = nn(infra, "gateway-parentref")
            t.gatewayMustHaveCondition(gateway, .init("Accepted", "True"))
            t.gatewayMustHaveAttachedListenerSets(gateway, 1)
            let set = nn(infra, "listenerset-parentref")
            Self.setMustHaveListeners(t, set, [("listenerset-parentref-listener", 1)])
            // Gateway-only parentRef: its status names the Gateway, and only the Gateway.
            let gatewayOnly = nn(infra, "route-parentref-gwonly")
            t.routeMustHaveCondition(gatewayOnly, gateway: gateway, .init("Accepted", "True"))
            t.routeMustHaveParents(gatewayOnly, [(gateway, nil, [.init("Accepted", "True")])])
            t.routeMustHaveNoParent(gatewayOnly, set, parentKind: "ListenerSet")
            // ListenerSet-only parentRef: its status names the ListenerSet, and only it.
            let setOnly = nn(infra, "route-parentref-lsonly")
            t.routesAndListenerSetMustBeAccepted(set, routes: [setOnly])
            t.routeMustHaveParents(setOnly, [(set, nil, [.init("Accepted", "True")])], parentKind: "ListenerSet")
            t.routeMustHaveNoParent(setOnly, gateway, parentKind: "Gateway")
        }
    }
}
