import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// A route `ns/r` on `ns/gw` with the given rules YAML (indented as `rules:` items).
private func route(rules: String, hostnames: String = "[]", parentRefs: String = "[{name: gw}]") -> String {
    """

    ---
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: r, namespace: ns}
    spec:
      parentRefs: \(parentRefs)
      hostnames: \(hostnames)
      rules:
    \(rules)
    """
}

@Suite("Translating HTTPRoute filters: backendRef filters, mirrors, CORS, redirect ports")
struct HTTPFilterTranslationTests {
    @Test("backendRef header modifiers belong to their backend's share (set: Host is its host rewrite); other filter types on a backendRef answer 500 for that share")
    func backendFilters() throws {
        let yaml = gateway(listeners: httpListener) + service("a") + service("b") + service("c") + route(rules: """
            - backendRefs:
                - name: a
                  port: 80
                  weight: 3
                  filters:
                    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Backend, value: a}], remove: [X-Drop]}}
                    - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X-From, value: a}]}}
                - name: b
                  port: 80
                  weight: 1
                  filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Host, value: b.internal}]}}]
                - name: c
                  port: 80
                  filters: [{type: URLRewrite, urlRewrite: {hostname: c.example}}]
        """)
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.action == .forward([
            WeightedBackend(clusterName: "ns/a:80", weight: 3,
                            requestHeaders: HeaderModifications(overwrite: [HeaderValue(name: "backend", value: "a")], remove: ["x-drop"]),
                            responseHeaders: HeaderModifications(append: [HeaderValue(name: "x-from", value: "a")])),
            WeightedBackend(clusterName: "ns/b:80", weight: 1, hostRewrite: "b.internal"),
            WeightedBackend(clusterName: "unresolved-backend", weight: 1),
        ]))
        #expect(route.requestHeaders.isEmpty, "a backend's changes are not the route's")
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid")?.message
            == "spec.rules[0].backendRefs[2].filters[0]: filter URLRewrite is not supported on a backendRef (only RequestHeaderModifier and ResponseHeaderModifier are); requests to this backend answer 500")
        #expect(translation.cluster("ns/c:80") == nil)
    }

    @Test("RequestMirror: several per rule, percent and fraction as millionths, resolved like backendRefs; an unresolvable mirror is left out")
    func mirrors() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + service("shadow") + service("other", namespace: "elsewhere") + route(rules: """
            - filters:
                - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}
                - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}, percent: 20}}
                - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}, fraction: {numerator: 1, denominator: 3}}}
                - {type: RequestMirror, requestMirror: {backendRef: {name: other, namespace: elsewhere, port: 80}}}
                - {type: RequestMirror, requestMirror: {backendRef: {name: missing, port: 80}}}
              backendRefs: [{name: svc, port: 80}]
        """)
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.action == .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1)]), "mirrors never change the answer")
        #expect(route.mirrors == [
            RequestMirror(clusterName: "ns/shadow:80"),
            RequestMirror(clusterName: "ns/shadow:80", partsPerMillion: 200_000),
            RequestMirror(clusterName: "ns/shadow:80", partsPerMillion: 333_333),
        ])
        #expect(translation.cluster("ns/shadow:80")?.discovery == .endpoints([Endpoint(address: "10.0.0.1", port: 9000)]))
        #expect(translation.cluster("elsewhere/other:80") == nil)
        let resolved = try #require(translation.condition("HTTPRoute", "ns/r", "ResolvedRefs"))
        #expect(resolved.status == false && resolved.reason == .refNotPermitted)
        #expect(resolved.message == "spec.rules[0].filters[3].requestMirror.backendRef: Service elsewhere/other is in another namespace and no ReferenceGrant in elsewhere allows HTTPRoutes from ns; not mirrored; "
            + "spec.rules[0].filters[4].requestMirror.backendRef: Service ns/missing is not declared; not mirrored")
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid") == nil)
    }

    @Test("CORS: origins exact, with a wildcard host as a regex, or all; methods, headers, max age and credentials as written")
    func cors() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + route(rules: """
            - matches: [{path: {type: PathPrefix, value: /one}}]
              filters:
                - type: CORS
                  cors:
                    allowOrigins: ["https://www.foo.com", "https://*.bar.com", "http://*:8080"]
                    allowMethods: [GET, OPTIONS]
                    allowHeaders: [x-header-1]
                    exposeHeaders: [x-header-3]
                    allowCredentials: true
                    maxAge: 3600
              backendRefs: [{name: svc, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /two}}]
              filters:
                - {type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"], exposeHeaders: ["*"], allowCredentials: true}}
              backendRefs: [{name: svc, port: 80}]
        """)
        let translation = translate(yaml)
        #expect(translation.route("ns/r")?.cors == CORSPolicy(
            allowOrigins: [.exact("https://www.foo.com"), .regularExpression(#"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.bar\.com$"#),
                           .regularExpression(#"^http://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*:8080$"#)],
            allowMethods: ["GET", "OPTIONS"], allowHeaders: ["x-header-1"], exposeHeaders: ["x-header-3"], maxAgeSeconds: 3600, allowCredentials: true
        ))
        #expect(translation.route("ns/r", rule: 1)?.cors == CORSPolicy(
            allowOrigins: [.regularExpression(".*")], allowMethods: ["*"], exposeHeaders: [], maxAgeSeconds: 5, allowCredentials: true
        ), "maxAge defaults to 5; a * in exposeHeaders cannot be sent with credentials")
    }

    @Test("RequestRedirect ports: the filter's, the scheme's well-known one, or the listener's; none in Location when it is the scheme's default")
    func redirectPorts() throws {
        // (listener port, filter) → the port_redirect that gives the Location the Gateway API asks for.
        let cases: [(listener: Int, filter: String, port: Int?)] = [
            (80, "{hostname: example.org}", nil),                      // listener port 80: http's default
            (8080, "{hostname: example.org}", 8080),                   // listener port
            (8080, "{}", 8080),
            (80, "{scheme: https}", nil),                             // clients on :80 send no port; Envoy drops :80 on the scheme change
            (8080, "{scheme: https}", 443),                           // replaces the client's :8080 (Envoy writes :443)
            (8080, "{scheme: https, hostname: example.org}", nil),    // a new host name carries no port
            (80, "{port: 80}", nil),
            (8080, "{port: 80, hostname: example.org}", nil),
            (80, "{port: 8443, scheme: https}", 8443),
            (80, "{scheme: https, port: 443}", nil),
            (8080, "{scheme: http}", 80),
        ]
        for (listener, filter, port) in cases {
            let yaml = gateway(listeners: "  - {name: http, protocol: HTTP, port: \(listener)}") + route(rules: """
                - filters: [{type: RequestRedirect, requestRedirect: \(filter)}]
            """)
            guard case .redirect(let redirect)? = translate(yaml).route("ns/r")?.action else {
                Issue.record("no redirect for \(filter) on port \(listener)")
                continue
            }
            #expect(redirect.port == port, "\(filter) on a listener on port \(listener)")
        }
    }

    @Test("a redirect to the default port that keeps the host names an exact host itself, so Envoy writes no port")
    func redirectOnExactHost() throws {
        let yaml = gateway(listeners: httpListener) + route(rules: """
            - filters: [{type: RequestRedirect, requestRedirect: {scheme: https}}]
        """, hostnames: #"["foo.example.com", "*.example.com"]"#)
        let hosts = try #require(translate(yaml).proxy("ns/gw")?.routeTables.first?.virtualHosts)
        #expect(hosts.map(\.domains) == [["*.example.com"], ["foo.example.com"]])
        #expect(hosts.map { $0.routes.first?.action } == [
            .redirect(Redirect(scheme: "https", port: 443)),        // any host: the only way to replace the request's :8080
            .redirect(Redirect(scheme: "https", hostname: "foo.example.com")),
        ])
    }

    @Test("listener isolation: each host name of a port's listeners has a virtual host with that listener's routes only; broader route host names follow narrower ones")
    func listenerIsolation() throws {
        let yaml = gateway(listeners: """
              - {name: any, protocol: HTTP, port: 8080, allowedRoutes: {namespaces: {from: All}}}
              - {name: wild, protocol: HTTP, port: 8080, hostname: "*.example.com"}
              - {name: exact, protocol: HTTP, port: 8080, hostname: abc.example.com}
        """) + service("svc") + route(rules: """
            - matches: [{path: {type: PathPrefix, value: /any}}]
              backendRefs: [{name: svc, port: 80}]
        """, hostnames: #"["bar.com", "*.example.com", "abc.example.com"]"#, parentRefs: "[{name: gw, sectionName: any}]") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: wild, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: wild}]
          rules: [{matches: [{path: {type: PathPrefix, value: /wild}}], backendRefs: [{name: svc, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: foo, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: wild}]
          hostnames: [foo.example.com]
          rules: [{matches: [{path: {type: PathPrefix, value: /foo}}], backendRefs: [{name: svc, port: 80}]}]
        """
        let hosts = try #require(translate(yaml).proxy("ns/gw")?.routeTables.first?.virtualHosts)
        let served = hosts.map { "\($0.domains[0]): " + $0.routes.map { $0.name.split(separator: "/")[1] }.joined(separator: ",") }
        #expect(served == [
            "*: ",                          // the listener without a host name: r has host names, none of them here
            "*.example.com: wild",          // not r's *.example.com: the wild listener is more specific
            "abc.example.com: ",            // the exact listener, no route attached: 404
            "bar.com: r",
            "foo.example.com: foo,wild",    // the exact host name's route first, then the wildcard's
        ])
    }

    @Test("a listener protocol the CRD admits but Meridian does not serve is a listener condition, with no supported kinds")
    func unsupportedProtocol() throws {
        let translation = translate(gateway(listeners: """
              - {name: http, protocol: HTTP, port: 8080}
              - {name: invalid, protocol: INVALID, port: 1111}
        """))
        let status = try #require(translation.status("Gateway", "ns/gw"))
        #expect(status.conditions.first?.description == "Accepted=True ListenersNotValid: not programmed: invalid (protocol INVALID is not supported; Meridian serves HTTP and HTTPS listeners)")
        #expect(status.listeners[1].supportedKinds.isEmpty)
        #expect(status.listeners[1].conditions.first?.description == "Accepted=False UnsupportedProtocol: protocol INVALID is not supported; Meridian serves HTTP and HTTPS listeners")
        #expect(status.listeners[0].supportedKinds.map(\.kind) == ["HTTPRoute", "GRPCRoute"])
    }

    @Test("a Gateway infrastructure parametersRef is refused: Meridian takes no per-Gateway parameters")
    func gatewayParameters() throws {
        let yaml = gateway(listeners: httpListener) + """

          infrastructure:
            labels: {team: a}
            parametersRef: {group: invalid.io, kind: InvalidParameters, name: invalid}
        """
        let translation = translate(yaml)
        #expect(translation.status("Gateway", "ns/gw")?.conditions.map(\.description) == [
            "Accepted=False InvalidParameters: spec.infrastructure.parametersRef invalid.io/InvalidParameters invalid: Meridian takes no per-Gateway parameters (GatewayClass parameters are a kgateway.dev GatewayClassConfig)",
            "Programmed=False Invalid: the Gateway is not accepted",
        ])
        #expect(translation.proxies.isEmpty)
    }
}
