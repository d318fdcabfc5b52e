import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// kgateway's kinds (`gateway.kgateway.dev/v1alpha1`), field by field.
@Suite("Translating kgateway policies")
struct KgatewayPolicyTranslationTests {
    static let trafficSpec = """
    timeouts: {request: 15s, streamIdle: 5m}
    retry:
      attempts: 4
      retryOn: [gateway-error, reset]
      perTryTimeout: 2s
      statusCodes: [503, 409]
      backoffBaseInterval: 50ms
    rateLimit: {local: {tokenBucket: {maxTokens: 10, tokensPerFill: 2, fillInterval: 100ms}}}
    """

    static let expectedRetry = RetryPolicy(
        retryOn: ["gateway-error", "reset", "retriable-status-codes"], numRetries: 4, perTryTimeout: .seconds(2),
        backOffBase: .milliseconds(50), retriableStatusCodes: [503, 409]
    )

    @Test("TrafficPolicy on an HTTPRoute: request and idle timeouts, retry, local rate limit")
    func trafficPolicyFields() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute()
            + policy(kgatewayV2, "TrafficPolicy", "traffic", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]\n" + Self.trafficSpec)
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.timeout == .seconds(15))
        #expect(route.idleTimeout == .seconds(300))
        #expect(route.retry == Self.expectedRetry)
        #expect(route.rateLimit == LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 10, tokensPerFill: 2, fillInterval: .milliseconds(100))))
        #expect(translation.policyConditions("TrafficPolicy", "ns/traffic") == [
            "Gateway ns/gw: Accepted=True Attached: in effect: rateLimit, retry, retry.perTryTimeout, timeouts.idle, timeouts.request",
        ])
    }

    @Test("TrafficPolicy attaches to a Gateway, a listener, a route, a rule (sectionName), by label, and by ExtensionRef")
    func trafficPolicyAttachment() throws {
        let yaml = gateway(listeners: """
              - {name: http, protocol: HTTP, port: 8080}
              - {name: other, protocol: HTTP, port: 9090}
        """) + service("svc")
            + httpRoute("plain", path: "/plain")
            + httpRoute("labelled", path: "/labelled", labels: "{tier: gold}")
            + httpRoute("named", path: "/named", ruleName: "slow")
            + httpRoute("extended", path: "/extended", rule: "filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: by-filter}}]")
            + policy(kgatewayV2, "TrafficPolicy", "gateway-wide", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\ntimeouts: {request: 1s}")
            + policy(kgatewayV2, "TrafficPolicy", "listener", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: other}]\ntimeouts: {request: 2s}")
            + policy(kgatewayV2, "TrafficPolicy", "by-label", spec: "targetSelectors: [{group: gateway.networking.k8s.io, kind: HTTPRoute, matchLabels: {tier: gold}}]\ntimeouts: {request: 3s}")
            + policy(kgatewayV2, "TrafficPolicy", "by-rule", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: named, sectionName: slow}]\ntimeouts: {request: 4s}")
            + policy(kgatewayV2, "TrafficPolicy", "by-filter", spec: "timeouts: {request: 5s}")
        let translation = translate(yaml)
        func timeouts(_ name: String) -> [Duration?] {
            translation.routes().filter { $0.name.hasPrefix("ns/\(name)/") }.map(\.timeout)
        }
        // Each route is served on both ports; the listener policy applies on port 9090 only.
        #expect(timeouts("plain") == [.seconds(1), .seconds(2)])
        #expect(timeouts("labelled") == [.seconds(3), .seconds(3)])
        #expect(timeouts("named") == [.seconds(4), .seconds(4)])
        #expect(timeouts("extended") == [.seconds(5), .seconds(5)])
        #expect(translation.policyConditions("TrafficPolicy", "ns/by-filter") == [
            "Gateway ns/gw: Accepted=True Merged: in effect: timeouts.request; merged with TrafficPolicy ns/gateway-wide, TrafficPolicy ns/listener",
        ])
        #expect(translation.policyConditions("TrafficPolicy", "ns/gateway-wide") == [
            "Gateway ns/gw: Accepted=True Merged: in effect: timeouts.request; not in effect: "
                + "timeouts.request is set by TrafficPolicy ns/by-filter (ExtensionRef); timeouts.request is set by TrafficPolicy ns/by-label (route level); "
                + "timeouts.request is set by TrafficPolicy ns/by-rule (rule level); timeouts.request is set by TrafficPolicy ns/listener (listener level)",
        ])
    }

    @Test("DirectResponse through an ExtensionRef: the proxy answers with its status and body")
    func directResponse() throws {
        let yaml = gateway(listeners: httpListener) + service("svc")
            + httpRoute(rule: "filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: DirectResponse, name: teapot}}]")
            + policy(kgatewayV2, "DirectResponse", "teapot", spec: "status: 418\nbody: short and stout")
        let route = try #require(translate(yaml).route("ns/r"))
        #expect(route.action == .directResponse(status: 418, body: "short and stout"))
    }

    @Test("Backend (Static) as a backendRef: a DNS cluster over its hosts; appProtocol http2 speaks HTTP/2; a BackendConfigPolicy on it")
    func staticBackend() throws {
        let yaml = gateway(listeners: httpListener) + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{group: gateway.kgateway.dev, kind: Backend, name: llm}]
        """ + policy(kgatewayV2, "Backend", "llm", spec: """
        type: Static
        static:
          hosts: [{host: api.example.com, port: 443}, {host: 10.0.0.9, port: 8443}]
          appProtocol: http2
        """)
            + policy(kgatewayV2, "BackendConfigPolicy", "llm-tuning", spec: "targetRefs: [{group: gateway.kgateway.dev, kind: Backend, name: llm}]\nconnectTimeout: 7s")
        let translation = translate(yaml)
        let cluster = try #require(translation.cluster("backend:ns/llm"))
        #expect(cluster.connectTimeout == .seconds(7), "a BackendConfigPolicy may target a Backend")
        #expect(cluster.discovery == .dns([Endpoint(address: "api.example.com", port: 443), Endpoint(address: "10.0.0.9", port: 8443)]))
        #expect(cluster.upstreamHTTP == UpstreamHTTPOptions(http2: HTTP2Options()))
        #expect(translation.route("ns/r")?.action == .forward([WeightedBackend(clusterName: "backend:ns/llm", weight: 1)]))
    }

    @Test("BackendConfigPolicy on a Service: every field, and its hash policies on the routes that send to it")
    func backendConfigPolicy() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute() + policy(kgatewayV2, "BackendConfigPolicy", "backend", spec: """
        targetRefs: [{group: "", kind: Service, name: svc}]
        connectTimeout: 3s
        commonHttpProtocolOptions: {idleTimeout: 30s, maxConnectionDuration: 10m, maxHeadersCount: 50, maxRequestsPerConnection: 7}
        http2ProtocolOptions: {maxConcurrentStreams: 64, initialStreamWindowSize: 64Ki, initialConnectionWindowSize: 1Mi}
        circuitBreakers: {maxConnections: 11, maxPendingRequests: 12, maxRequests: 13, maxRetries: 14}
        outlierDetection: {consecutive5xx: 3, interval: 2s, baseEjectionTime: 20s, maxEjectionPercent: 40}
        healthCheck: {timeout: 1s, interval: 5s, unhealthyThreshold: 2, healthyThreshold: 3, http: {path: /healthz, host: svc.local}}
        loadBalancer:
          ringHash:
            minimumRingSize: 1024
            maximumRingSize: 4096
            hashPolicies:
              - {header: {name: X-User}, terminal: true}
              - {cookie: {name: session, ttl: 1h, path: /}}
              - {sourceIP: {}}
        """)
        let translation = translate(yaml)
        let cluster = try #require(translation.cluster("ns/svc:80"))
        #expect(cluster.connectTimeout == .seconds(3))
        #expect(cluster.circuitBreakers == CircuitBreakers(maxConnections: 11, maxPendingRequests: 12, maxRequests: 13, maxRetries: 14))
        #expect(cluster.outlierDetection == OutlierDetection(consecutive5xx: 3, interval: .seconds(2), baseEjectionTime: .seconds(20), maxEjectionPercent: 40))
        #expect(cluster.healthChecks == [HealthCheck(probe: .http(path: "/healthz", host: "svc.local", expectedStatuses: []), timeout: .seconds(1), interval: .seconds(5), unhealthyThreshold: 2, healthyThreshold: 3)])
        #expect(cluster.loadBalancer == .ringHash(minimumRingSize: 1024, maximumRingSize: 4096))
        #expect(cluster.upstreamHTTP == UpstreamHTTPOptions(
            maxRequestsPerConnection: 7, idleTimeout: .seconds(30), maxConnectionDuration: .seconds(600), maxHeadersCount: 50,
            http2: HTTP2Options(maxConcurrentStreams: 64, initialStreamWindowSize: 65_536, initialConnectionWindowSize: 1_048_576)
        ))
        #expect(translation.route("ns/r")?.hashPolicies == [
            HashPolicy(.header("x-user"), terminal: true),
            HashPolicy(.cookie(name: "session", ttl: .seconds(3600), path: "/")),
            HashPolicy(.sourceIP),
        ])
    }

    @Test("BackendConfigPolicy load balancers: least request, random, Maglev; gRPC health checks")
    func loadBalancers() throws {
        func cluster(_ balancer: String, health: String = "") throws -> Cluster {
            let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute()
                + policy(kgatewayV2, "BackendConfigPolicy", "backend", spec: "targetRefs: [{kind: Service, name: svc}]\nloadBalancer: \(balancer)\(health)")
            return try #require(translate(yaml).cluster("ns/svc:80"))
        }
        #expect(try cluster("{leastRequest: {choiceCount: 3}}").loadBalancer == .leastRequest(choiceCount: 3))
        #expect(try cluster("{random: {}}").loadBalancer == .random)
        #expect(try cluster("{maglev: {}}").loadBalancer == .maglev(tableSize: nil))
        let grpc = try cluster("{roundRobin: {}}", health: "\nhealthCheck: {timeout: 1s, interval: 2s, unhealthyThreshold: 1, healthyThreshold: 1, grpc: {serviceName: echo, authority: echo.local}}")
        #expect(grpc.healthChecks.first?.probe == .grpc(serviceName: "echo", authority: "echo.local"))
    }
}

/// Where a rate limit's bucket lives depends on where the policy attaches.
@Suite("Rate limit placement")
struct RateLimitPlacementTests {
    @Test("a Gateway-level rate limit is one bucket per Envoy listener; a route-level one replaces it on its routes")
    func gatewayLevelRateLimit() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute("a", path: "/a") + httpRoute("b", path: "/b")
            + policy(kgatewayV2, "TrafficPolicy", "gateway", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\nrateLimit: {local: {tokenBucket: {maxTokens: 100, tokensPerFill: 100, fillInterval: 1s}}}")
            + policy(kgatewayV2, "TrafficPolicy", "route", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: b}]\nrateLimit: {local: {tokenBucket: {maxTokens: 5, tokensPerFill: 5, fillInterval: 1s}}}")
        let translation = translate(yaml)
        let listener = try #require(translation.proxy("ns/gw")?.listeners.first)
        #expect(listener.localRateLimit == LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 100, tokensPerFill: 100, fillInterval: .seconds(1))))
        #expect(translation.route("ns/a")?.rateLimit == nil, "the listener's shared bucket applies")
        #expect(translation.route("ns/b")?.rateLimit == LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 5, tokensPerFill: 5, fillInterval: .seconds(1))))
    }
}
