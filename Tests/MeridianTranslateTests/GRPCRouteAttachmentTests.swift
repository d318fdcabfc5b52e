import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

@Suite("GRPCRoute attachment, cross serving, backend protocols and policies")
struct GRPCRouteAttachmentTests {
    @Test("HTTP listeners take HTTPRoutes and GRPCRoutes by default and say so in supportedKinds; allowedRoutes.kinds narrows them")
    func supportedKinds() throws {
        let translation = translate(gateway(listeners: """
              - {name: both, protocol: HTTP, port: 8080, hostname: both.example.com}
              - {name: grpc-only, protocol: HTTP, port: 8080, hostname: grpc.example.com, allowedRoutes: {kinds: [{kind: GRPCRoute}]}}
              - {name: http-only, protocol: HTTP, port: 8080, hostname: web.example.com, allowedRoutes: {kinds: [{kind: HTTPRoute}]}}
              - {name: mixed, protocol: HTTP, port: 8080, hostname: tcp.example.com, allowedRoutes: {kinds: [{kind: GRPCRoute}, {kind: TCPRoute}]}}
              - {name: raw, protocol: TCP, port: 9000}
        """) + service("a") + grpcRoute(parentRefs: "[{name: gw, sectionName: grpc-only}, {name: gw, sectionName: http-only}, {name: gw, sectionName: both}]", """
        rules: [{backendRefs: [{name: a, port: 80}]}]
        """))
        let listeners = try #require(translation.status("Gateway", "ns/gw")?.listeners)
        #expect(listeners.map { $0.supportedKinds.map(\.kind) } == [["HTTPRoute", "GRPCRoute"], ["GRPCRoute"], ["HTTPRoute"], ["GRPCRoute"], []])
        #expect(listeners.map(\.attachedRoutes) == [1, 1, 0, 0, 0])
        #expect(listeners[3].conditions.first { $0.type == .resolvedRefs }?.description
            == "ResolvedRefs=False InvalidRouteKinds: gateway.networking.k8s.io/TCPRoute: Meridian supports HTTPRoute and GRPCRoute")
        let parents = try #require(translation.status("GRPCRoute", "ns/g")?.parents)
        #expect(parents.map { $0.conditions[0].description } == [
            "Accepted=True Accepted: attached to grpc-only",
            "Accepted=False NotAllowedByListeners: listener http-only does not allow GRPCRoute",
            "Accepted=True Accepted: attached to both",
        ])
        // Listener isolation: each listener host name of the shared port has a virtual host, empty without routes.
        let virtualHosts = try #require(translation.proxy("ns/gw")?.routeTables[0].virtualHosts)
        #expect(virtualHosts.map(\.name) == ["both.example.com", "grpc.example.com", "tcp.example.com", "web.example.com"])
        #expect(virtualHosts.map(\.routes.count) == [1, 1, 0, 0])
    }

    @Test("cross serving: where an HTTPRoute and a GRPCRoute share a host name on a listener, the older keeps it and the other is not accepted there")
    func crossServing() throws {
        let yaml = gateway(listeners: """
              - {name: web, protocol: HTTP, port: 8080}
              - {name: api, protocol: HTTP, port: 9090, hostname: api.example.com}
        """) + service("a") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: ns, creationTimestamp: "2024-01-01T00:00:00Z"}
        spec:
          parentRefs: [{name: gw, sectionName: web}]
          rules: [{backendRefs: [{name: a, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: www, namespace: ns, creationTimestamp: "2024-03-01T00:00:00Z"}
        spec:
          parentRefs: [{name: gw, sectionName: web}]
          hostnames: [www.example.com]
          rules: [{backendRefs: [{name: a, port: 80}]}]
        """ + grpcRoute(name: "grpc", timestamp: "2024-02-01T00:00:00Z", parentRefs: "[{name: gw}]", """
        hostnames: [grpc.example.com, api.example.com]
        rules: [{backendRefs: [{name: a, port: 80}]}]
        """) + grpcRoute(name: "www-grpc", timestamp: "2024-04-01T00:00:00Z", parentRefs: "[{name: gw, sectionName: web}]", """
        hostnames: ["*.example.com"]
        rules: [{backendRefs: [{name: a, port: 80}]}]
        """)
        let translation = translate(yaml)
        // The HTTPRoute `web` (no host names: every host of listener web) is older than the
        // GRPCRoute `grpc`: `grpc` is refused on web, and attaches on api, where no HTTPRoute is.
        #expect(translation.condition("GRPCRoute", "ns/grpc", "Accepted")?.description
            == "Accepted=True Accepted: attached to api; not attached where listener web already serves HTTPRoute ns/web on grpc.example.com, api.example.com: an HTTPRoute and a GRPCRoute may not share a host name, and the older route keeps it")
        // `www` is younger than `web` but the same kind: both attach.
        #expect(translation.condition("HTTPRoute", "ns/www", "Accepted")?.status == true)
        // `www-grpc` on web only overlaps the older HTTPRoutes everywhere: not accepted.
        #expect(translation.condition("GRPCRoute", "ns/www-grpc", "Accepted")?.description
            == "Accepted=False NotAllowedByListeners: listener web already serves HTTPRoute ns/web on *.example.com and HTTPRoute ns/www on www.example.com: an HTTPRoute and a GRPCRoute may not share a host name, and the older route keeps it")
        let listeners = try #require(translation.status("Gateway", "ns/gw")?.listeners)
        #expect(listeners.map(\.attachedRoutes) == [2, 1])
        let hosts = translation.proxy("ns/gw")?.routeTables.map { $0.virtualHosts.map(\.name) }
        #expect(hosts == [["any-host", "www.example.com"], ["api.example.com"]])
        #expect(translation.proxy("ns/gw")?.routeTables[1].virtualHosts[0].routes.map(\.name) == ["grpc:ns/grpc/rule0/match0"])
    }

    @Test("cross serving without creation timestamps: namespace/name decides")
    func crossServingByName() throws {
        let translation = translate(gateway(listeners: httpListener) + service("svc") + httpRoute("b") + grpcRoute(name: "a", """
        rules: [{backendRefs: [{name: svc, port: 80}]}]
        """))
        #expect(translation.condition("GRPCRoute", "ns/a", "Accepted")?.status == true)
        #expect(translation.condition("HTTPRoute", "ns/b", "Accepted")?.reason == .notAllowedByListeners)
        #expect(translation.routes().map(\.name) == ["grpc:ns/a/rule0/match0"])
    }

    @Test("Service appProtocol: kubernetes.io/h2c speaks HTTP/2, kubernetes.io/ws HTTP/1.1, TLS protocols are UnsupportedProtocol; a port a GRPCRoute uses speaks HTTP/2 for every route")
    func backendProtocols() throws {
        let services = ["h2c": "kubernetes.io/h2c", "ws": "kubernetes.io/ws", "wss": "kubernetes.io/wss", "plain": "http", "shared": nil].map { name, appProtocol in
            """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: \(name), namespace: ns}
            spec: {ports: [{name: p, port: 80\(appProtocol.map { ", appProtocol: \($0)" } ?? "")}]}
            """
        }.joined()
        let translation = translate(gateway(listeners: httpListener) + services + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          hostnames: [web.example.com]
          rules:
            - matches: [{path: {value: /h2c}}]
              backendRefs: [{name: h2c, port: 80}]
            - matches: [{path: {value: /ws}}]
              backendRefs: [{name: ws, port: 80}]
            - matches: [{path: {value: /wss}}]
              backendRefs: [{name: wss, port: 80}]
            - matches: [{path: {value: /plain}}]
              backendRefs: [{name: plain, port: 80}]
            - matches: [{path: {value: /shared}}]
              backendRefs: [{name: shared, port: 80}]
        """ + grpcRoute("""
        hostnames: [grpc.example.com]
        rules:
          - backendRefs: [{name: shared, port: 80}]
          - matches: [{method: {service: ws.Ws}}]
            backendRefs: [{name: ws, port: 80}]
        """))
        let http2 = UpstreamHTTPOptions(http2: HTTP2Options())
        #expect(translation.cluster("ns/h2c:80")?.upstreamHTTP == http2)
        #expect(translation.cluster("ns/ws:80")?.upstreamHTTP == nil)
        #expect(translation.cluster("ns/plain:80")?.upstreamHTTP == nil)
        #expect(translation.cluster("ns/shared:80")?.upstreamHTTP == http2)
        #expect(translation.cluster("ns/wss:80") == nil)
        #expect(translation.condition("HTTPRoute", "ns/web", "ResolvedRefs")?.description
            == "ResolvedRefs=False UnsupportedProtocol: spec.rules[2].backendRefs[0]: Service ns/wss port 80 has appProtocol kubernetes.io/wss: a TLS protocol, and no BackendTLSPolicy targets the port")
        #expect(translation.condition("GRPCRoute", "ns/g", "ResolvedRefs")?.description
            == "ResolvedRefs=False UnsupportedProtocol: spec.rules[1].backendRefs[0]: Service ns/ws port 80 has appProtocol kubernetes.io/ws: a WebSocket backend cannot serve gRPC, which needs HTTP/2")
        #expect(translation.routes().first { $0.name == "grpc:ns/g/rule1/match0" }?.action == .directResponse(status: 503, body: ""))
    }

    @Test("a backend in another namespace needs a ReferenceGrant from GRPCRoutes")
    func referenceGrant() throws {
        let yaml = gateway(listeners: httpListener) + service("svc", namespace: "models") + grpcRoute("""
        rules: [{backendRefs: [{name: svc, namespace: models, port: 80}]}]
        """)
        let grant = { (kind: String) in
            """

            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: allow, namespace: models}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: \(kind), namespace: ns}]
              to: [{group: "", kind: Service}]
            """
        }
        #expect(translate(yaml + grant("HTTPRoute")).condition("GRPCRoute", "ns/g", "ResolvedRefs")?.description
            == "ResolvedRefs=False RefNotPermitted: spec.rules[0].backendRefs[0]: Service models/svc is in another namespace and no ReferenceGrant in models allows GRPCRoutes from ns")
        #expect(translate(yaml + grant("GRPCRoute")).condition("GRPCRoute", "ns/g", "ResolvedRefs")?.status == true)
    }

    @Test("RequestMirror and backendRef header modifiers work as for HTTPRoutes; a filter that cannot be applied on a backendRef makes its share answer 503")
    func filters() throws {
        let translation = translate(gateway(listeners: httpListener) + service("svc") + grpcRoute("""
        rules:
          - filters: [{type: RequestMirror, requestMirror: {backendRef: {name: svc, port: 80}}}]
            backendRefs: [{name: svc, port: 80}]
          - backendRefs:
              - name: svc
                port: 80
                filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-a, value: b}]}}]
          - backendRefs:
              - {name: svc, port: 80, weight: 3}
              - name: svc
                port: 80
                filters: [{type: ExtensionRef, extensionRef: {group: example.com, kind: Thing, name: t}}]
        """))
        let routes = translation.routes()
        #expect(routes.map(\.action) == [
            .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1)]),
            .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1, requestHeaders: HeaderModifications(overwrite: [HeaderValue(name: "x-a", value: "b")]))]),
            .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 3), WeightedBackend(clusterName: "unresolved-backend", weight: 1)]),
        ])
        #expect(routes[0].mirrors == [RequestMirror(clusterName: "ns/svc:80")])
        #expect(routes[2].unresolvedBackendStatus == 503)
        #expect(translation.condition("GRPCRoute", "ns/g", "PartiallyInvalid")?.message
            == "spec.rules[2].backendRefs[1].filters[0]: ExtensionRef example.com/Thing t is not supported on a backendRef (only RequestHeaderModifier and ResponseHeaderModifier are); requests to this backend answer 503")
    }

    @Test("TrafficPolicy on a GRPCRoute, on one of its rules by name, and through an ExtensionRef")
    func trafficPolicy() throws {
        let translation = translate(gateway(listeners: httpListener) + service("svc") + grpcRoute("""
        rules:
          - name: slow
            matches: [{method: {service: a.Slow}}]
            backendRefs: [{name: svc, port: 80}]
          - matches: [{method: {service: a.Fast}}]
            backendRefs: [{name: svc, port: 80}]
          - matches: [{method: {service: a.Other}}]
            filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: by-ref}}]
            backendRefs: [{name: svc, port: 80}]
        """) + policy(kgatewayV2, "TrafficPolicy", "route", spec: """
        targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: g}]
        timeouts: {request: 10s}
        """) + policy(kgatewayV2, "TrafficPolicy", "rule", spec: """
        targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: g, sectionName: slow}]
        timeouts: {request: 60s}
        """) + policy(kgatewayV2, "TrafficPolicy", "by-ref", spec: """
        timeouts: {request: 1s}
        """))
        let routes = Dictionary(uniqueKeysWithValues: translation.routes().map { ($0.name, $0) })
        #expect(routes["grpc:ns/g/rule0/match0"]?.timeout == .seconds(60))
        #expect(routes["grpc:ns/g/rule1/match0"]?.timeout == .seconds(10))
        #expect(routes["grpc:ns/g/rule2/match0"]?.timeout == .seconds(1))
        #expect(routes.values.allSatisfy { !$0.honorsGRPCTimeout }, "a policy's timeout replaces the call's deadline")
        #expect(translation.policyConditions("TrafficPolicy", "ns/route") == [
            "Gateway ns/gw: Accepted=True Merged: in effect: timeouts.request; not in effect: timeouts.request is set by TrafficPolicy ns/by-ref (ExtensionRef); timeouts.request is set by TrafficPolicy ns/rule (rule level)",
        ])
        let missing = translate(gateway(listeners: httpListener) + policy(kgatewayV2, "TrafficPolicy", "p", spec: """
        targetRefs: [{group: gateway.networking.k8s.io, kind: GRPCRoute, name: nope}]
        timeouts: {request: 1s}
        """))
        #expect(missing.policyConditions("TrafficPolicy", "ns/p") == ["GRPCRoute ns/nope: Accepted=False TargetNotFound: GRPCRoute ns/nope is not declared"])
    }
}
