import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

@Suite("Translating Gateway API to proxy configuration")
struct GatewayTranslatorTests {
    @Test("one Envoy listener per Gateway port, RDS named after it, one proxy group per Gateway")
    func listenersAndGroups() throws {
        let translation = translate(gateway(listeners: """
              - {name: a, protocol: HTTP, port: 8080, hostname: a.example.com}
              - {name: b, protocol: HTTP, port: 8080, hostname: b.example.com}
              - {name: c, protocol: HTTP, port: 9090}
        """))
        let proxy = try #require(translation.proxy("ns/gw"))
        #expect(proxy.listeners.map(\.name) == ["http-8080", "http-9090"])
        #expect(proxy.listeners.flatMap(\.routeTableNames) == ["http-8080", "http-9090"])
        #expect(proxy.listeners.allSatisfy { $0.address == "0.0.0.0" })
        #expect(translation.status("Gateway", "ns/gw")?.conditions.map(\.description) == ["Accepted=True Accepted", "Programmed=True Programmed: proxy group ns/gw", "ResolvedRefs=True ResolvedRefs"])
    }

    @Test("ports below 1024 shift by the privileged port offset; others stay")
    func portOffset() throws {
        var options = TranslationOptions()
        options.privilegedPortOffset = 8000
        options.listenerAddress = "127.0.0.1"
        let translation = translate(gateway(listeners: """
              - {name: web, protocol: HTTP, port: 80}
              - {name: alt, protocol: HTTP, port: 9000}
        """), options: options)
        #expect(translation.proxy("ns/gw")?.listeners.map(\.port) == [8080, 9000])
        #expect(translation.proxy("ns/gw")?.listeners.map(\.address) == ["127.0.0.1", "127.0.0.1"])
    }

    @Test("listeners that share a port need one protocol (identical port/protocol/host name is refused when loading)")
    func conflicts() throws {
        let translation = translate(gateway(listeners: """
              - {name: a, protocol: HTTP, port: 8080}
              - {name: b, protocol: HTTP, port: 8080, hostname: b.example.com}
              - {name: c, protocol: HTTP, port: 9090}
              - {name: d, protocol: HTTPS, port: 9090, tls: {certificateRefs: [{name: cert}]}}
        """))
        let listeners = try #require(translation.status("Gateway", "ns/gw")?.listeners)
        func conflicted(_ name: String) -> String? {
            listeners.first { $0.name == name }?.conditions.first { $0.type == .conflicted }.map { "\($0.status) \($0.reason.rawValue)" }
        }
        #expect(conflicted("a") == "false NoConflicts")
        #expect(conflicted("b") == "false NoConflicts")
        #expect(conflicted("c") == "true ProtocolConflict")
        #expect(conflicted("d") == "true ProtocolConflict")
        #expect(translation.proxy("ns/gw")?.listeners.map(\.port) == [8080])
    }

    @Test("unsupported protocols and TLS naming a missing Secret are refused with the reason, not dropped silently")
    func refusedListeners() throws {
        let translation = translate(gateway(listeners: """
              - {name: web, protocol: HTTP, port: 8080}
              - {name: raw, protocol: TCP, port: 9000}
              - {name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: cert}]}}
        """))
        let listeners = try #require(translation.status("Gateway", "ns/gw")?.listeners)
        #expect(listeners[1].conditions.first?.description == "Accepted=False UnsupportedProtocol: protocol TCP is not supported; Meridian serves HTTP and HTTPS listeners")
        #expect(listeners[2].conditions.contains { $0.description == "ResolvedRefs=False InvalidCertificateRef: Secret ns/cert does not exist" })
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.reason == .listenersNotValid)
        #expect(translation.proxy("ns/gw")?.listeners.map(\.port) == [8080])
    }

    @Test("virtual hosts come from listener ∩ route host names, wildcards included")
    func hostnames() throws {
        let yaml = gateway(listeners: """
              - {name: wild, protocol: HTTP, port: 8080, hostname: "*.example.com"}
              - {name: other, protocol: HTTP, port: 8080, hostname: other.org}
        """) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: ["api.example.com", "*.dev.example.com", "example.com", "unrelated.net"]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: nowhere, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: ["nothing.net"]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        """
        let translation = translate(yaml)
        let virtualHosts = try #require(translation.proxy("ns/gw")?.routeTables.first?.virtualHosts)
        // Two listeners share the port: each listener's host name has a virtual host of its own,
        // empty here (a request for them matches no route: 404), so that no request for
        // other.org or x.example.com reaches another listener's routes.
        #expect(virtualHosts.map(\.domains) == [["*.dev.example.com"], ["*.example.com"], ["api.example.com"], ["other.org"]])
        #expect(virtualHosts.map(\.routes.count) == [1, 0, 1, 0])
        #expect(translation.condition("HTTPRoute", "ns/r", "Accepted")?.status == true)
        let refused = try #require(translation.condition("HTTPRoute", "ns/nowhere", "Accepted"))
        #expect(refused.reason == .noMatchingListenerHostname)
        #expect(refused.message.contains("nothing.net"))
    }

    @Test("routes are ordered by Gateway API precedence within a host")
    func precedence() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: b-newer, namespace: ns, creationTimestamp: "2025-02-01T00:00:00Z"}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /v1}}]
              backendRefs: [{name: svc, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /v1}, headers: [{name: x-a, value: "1"}, {name: x-b, value: "2"}]}]
              backendRefs: [{name: svc, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /v1}, method: POST}]
              backendRefs: [{name: svc, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: a-older, namespace: ns, creationTimestamp: "2025-01-01T00:00:00Z"}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /v1/chat/}}, {path: {type: Exact, value: /v1}}, {path: {type: RegularExpression, value: "/v[0-9]+/x"}}]
              backendRefs: [{name: svc, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /v1}, headers: [{name: x-a, value: "1"}]}, {path: {type: PathPrefix, value: /v1}}]
              backendRefs: [{name: svc, port: 80}]
        """
        let translation = translate(yaml)
        let routes = try #require(translation.proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes)
        #expect(routes.map(\.name) == [
            "ns/a-older/rule0/match1",   // Exact /v1
            "ns/a-older/rule0/match0",   // PathPrefix /v1/chat (longest prefix)
            "ns/b-newer/rule2/match0",   // /v1 + method
            "ns/b-newer/rule1/match0",   // /v1 + 2 headers
            "ns/a-older/rule1/match0",   // /v1 + 1 header
            "ns/a-older/rule1/match1",   // /v1, older route
            "ns/b-newer/rule0/match0",   // /v1, newer route
            "ns/a-older/rule0/match2",   // regular expression last
        ])
        #expect(routes[1].match.path == .segmentPrefix("/v1/chat"), "trailing slash dropped; whole segments match")
        #expect(routes[2].match.method == "POST")
    }

    @Test("weights: several backends split, zero gets nothing, all zero or no backends answer 500")
    func weights() throws {
        let yaml = gateway(listeners: httpListener) + service("a") + service("b") + service("c") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {value: /split}}]
              backendRefs: [{name: a, port: 80, weight: 80}, {name: b, port: 80, weight: 20}, {name: c, port: 80, weight: 0}]
            - matches: [{path: {value: /zero}}]
              backendRefs: [{name: a, port: 80, weight: 0}]
            - matches: [{path: {value: /none}}]
        """
        let routes = try #require(translate(yaml).proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes)
        let byPath = Dictionary(uniqueKeysWithValues: routes.map { ("\($0.match.path)", $0.action) })
        #expect(byPath["segmentPrefix(\"/split\")"] == .forward([WeightedBackend(clusterName: "ns/a:80", weight: 80), WeightedBackend(clusterName: "ns/b:80", weight: 20)]))
        #expect(byPath["segmentPrefix(\"/zero\")"] == .directResponse(status: 500, body: ""))
        #expect(byPath["segmentPrefix(\"/none\")"] == .directResponse(status: 500, body: ""))
    }

    @Test("an undeclared Service gets 500 for its share; the reasons name it")
    func unresolvedBackends() throws {
        let yaml = gateway(listeners: httpListener) + service("a") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs:
                - {name: a, port: 80, weight: 3}
                - {name: ghost, port: 80, weight: 1}
                - {name: a, port: 81, weight: 1}
                - {group: example.com, kind: Bucket, name: b, weight: 1}
                - {name: elsewhere, namespace: other, port: 80, weight: 1}
        """
        let translation = translate(yaml)
        let route = try #require(translation.proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes.first)
        #expect(route.action == .forward([WeightedBackend(clusterName: "ns/a:80", weight: 3), WeightedBackend(clusterName: "unresolved-backend", weight: 4)]))
        let resolved = try #require(translation.condition("HTTPRoute", "ns/r", "ResolvedRefs"))
        #expect(!resolved.status)
        #expect(resolved.reason == .backendNotFound)
        #expect(resolved.message == [
            "spec.rules[0].backendRefs[1]: Service ns/ghost is not declared",
            "spec.rules[0].backendRefs[2]: Service ns/a has no port 81; it has 80",
            "spec.rules[0].backendRefs[3]: backend kind example.com/Bucket is not supported; only Service and gateway.kgateway.dev/Backend",
            "spec.rules[0].backendRefs[4]: Service other/elsewhere is in another namespace and no ReferenceGrant in other allows HTTPRoutes from ns",
        ].joined(separator: "; "))
    }

    @Test("a ReferenceGrant in the target namespace permits a cross-namespace backend")
    func referenceGrant() throws {
        let yaml = gateway(listeners: httpListener) + service("svc", namespace: "models")
        let loaded = ConfigurationLoader.load(yaml: yaml + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules: [{backendRefs: [{name: svc, namespace: models, port: 80}]}]
        """, fileName: "test.yaml")
        var input = TranslationInput(loaded)
        #expect(GatewayTranslator.translate(input).condition("HTTPRoute", "ns/r", "ResolvedRefs")?.reason == .refNotPermitted)
        input.referenceGrants = [ReferenceGrant(
            apiVersion: "gateway.networking.k8s.io/v1beta1",
            metadata: ObjectMeta(name: "allow", namespace: "models"),
            spec: ReferenceGrantSpec(from: [ReferenceGrantFrom(group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "ns")], to: [ReferenceGrantTo(group: "", kind: "Service", name: nil)]),
            location: loaded.gateways[0].location,
            documentIndex: 0
        )]
        let granted = GatewayTranslator.translate(input)
        #expect(granted.condition("HTTPRoute", "ns/r", "ResolvedRefs")?.status == true)
        #expect(granted.proxy("ns/gw")?.clusters.map(\.name) == ["models/svc:80"])
    }

    @Test("parents: missing Gateway, missing section, namespace not allowed, route kind not allowed")
    func parentRefusals() throws {
        let yaml = gateway(listeners: """
              - {name: web, protocol: HTTP, port: 8080}
              - {name: grpc-only, protocol: HTTP, port: 9090, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}
        """) + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: elsewhere}
        spec:
          parentRefs:
            - {name: missing}
            - {name: gw, namespace: ns, sectionName: nope}
            - {name: gw, namespace: ns, sectionName: web}
            - {name: gw, namespace: ns, sectionName: grpc-only}
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        """
        let translation = translate(yaml)
        let parents = try #require(translation.status("HTTPRoute", "elsewhere/r")?.parents)
        #expect(parents.map { $0.conditions[0].description } == [
            "Accepted=False NoMatchingParent: Gateway elsewhere/missing is not declared",
            "Accepted=False NoMatchingParent: Gateway ns/gw has no listener named \"nope\"",
            "Accepted=False NotAllowedByListeners: listener web allows routes from namespace ns only, not elsewhere",
            "Accepted=False NotAllowedByListeners: listener grpc-only does not allow HTTPRoute",
        ])
    }

    @Test("EndpointSlices become EDS endpoints for the referenced port; a Service without slices is resolved by DNS")
    func endpoints() throws {
        var options = TranslationOptions()
        options.clusterDomain = "corp.internal"
        let yaml = gateway(listeners: httpListener) + service("eds", addresses: ["10.0.0.2", "10.0.0.1"], targetPort: 9443) + """

        ---
        apiVersion: v1
        kind: Service
        metadata: {name: dns, namespace: ns}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: eds, port: 80}, {name: dns, port: 80}]
        """
        let clusters = try #require(translate(yaml, options: options).proxy("ns/gw")?.clusters)
        #expect(clusters.map(\.name) == ["ns/dns:80", "ns/eds:80"])
        #expect(clusters[0].discovery == .dns([Endpoint(address: "dns.ns.svc.corp.internal", port: 80)]))
        #expect(clusters[1].discovery == .endpoints([Endpoint(address: "10.0.0.1", port: 9443), Endpoint(address: "10.0.0.2", port: 9443)]))
    }

    @Test("unsupported filters make the rule answer 500 and are reported as PartiallyInvalid")
    func unsupportedFilters() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - filters: [{type: ExtensionRef, extensionRef: {group: kgateway.dev, kind: RetryPolicy, name: retries}}]
              backendRefs: [{name: svc, port: 80}]
        """
        let translation = translate(yaml)
        #expect(translation.proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes.first?.action == .directResponse(status: 500, body: ""))
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid")?.message == "spec.rules[0].filters[0]: ExtensionRef kgateway.dev/RetryPolicy retries is not declared in namespace ns; the rule answers 500")
    }

    @Test("header modifiers, URL rewrite and redirect filters become route settings, in rule order")
    func filters() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /api}}]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: X-Tier, value: gold}], add: [{name: x-trace, value: "1"}], remove: [X-Debug]}
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {set: [{name: x-served-by, value: meridian}]}
                - type: URLRewrite
                  urlRewrite: {hostname: internal.svc, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
              backendRefs: [{name: svc, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /old}}]
              filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https, hostname: new.example.com, statusCode: 301}
        """
        let translation = translate(yaml)
        let routes = try #require(translation.proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes)
        let api = try #require(routes.first { $0.match.path == .segmentPrefix("/api") })
        #expect(api.requestHeaders == HeaderModifications(overwrite: [HeaderValue(name: "x-tier", value: "gold")], append: [HeaderValue(name: "x-trace", value: "1")], remove: ["x-debug"]))
        #expect(api.responseHeaders.overwrite == [HeaderValue(name: "x-served-by", value: "meridian")])
        #expect(api.rewrite == URLRewrite(hostname: "internal.svc", path: .prefix("/v2")))
        #expect(api.action == .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1)]))
        let old = try #require(routes.first { $0.match.path == .segmentPrefix("/old") })
        #expect(old.action == .redirect(Redirect(scheme: "https", hostname: "new.example.com", statusCode: 301)))
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid") == nil)
    }

    @Test("timeouts: request becomes the route timeout, backendRequest the per-try timeout")
    func timeouts() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: svc, port: 80}]
              timeouts: {request: 2m, backendRequest: 30s}
        """
        let route = try #require(translate(yaml).proxy("ns/gw")?.routeTables.first?.virtualHosts.first?.routes.first)
        #expect(route.timeout == .seconds(120))
        #expect(route.retry?.perTryTimeout == .seconds(30))
    }

    @Test("translation is deterministic")
    func deterministic() {
        let yaml = gateway(listeners: httpListener) + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        """
        #expect(translate(yaml).proxies == translate(yaml).proxies)
    }
}
