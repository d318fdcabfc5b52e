import Foundation
import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// The seed documents' policy kinds (`kgateway.dev/v1alpha1`), field by field.
@Suite("Translating the seed documents' policies")
struct SeedPolicyTranslationTests {
    @Test("RetryPolicy through an ExtensionRef: retry_on, num_retries, per-try timeout, backoff")
    func retryPolicy() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(rule: """
        filters: [{type: ExtensionRef, extensionRef: {group: kgateway.dev, kind: RetryPolicy, name: retries}}]
        """) + policy(seedGroup, "RetryPolicy", "retries", spec: """
        numRetries: 3
        retryOn: ["5xx", "reset", "connect-failure", "retriable-4xx"]
        perTryTimeout: 30s
        retryBackOff: {baseInterval: 100ms, maxInterval: 1s}
        """)
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.retry == RetryPolicy(
            retryOn: ["5xx", "reset", "connect-failure", "retriable-4xx"], numRetries: 3, perTryTimeout: .seconds(30),
            backOffBase: .milliseconds(100), backOffMax: .seconds(1)
        ))
        #expect(route.action == .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1)]))
        #expect(translation.policyConditions("RetryPolicy", "ns/retries") == ["Gateway ns/gw: Accepted=True Attached: in effect: retry, retry.perTryTimeout"])
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid") == nil)
    }

    @Test("a RetryPolicy no filter names is accepted and said to be not in effect")
    func unreferencedRetryPolicy() {
        let translation = translate(gateway(listeners: httpListener) + policy(seedGroup, "RetryPolicy", "retries", spec: "numRetries: 2"))
        #expect(translation.policyConditions("RetryPolicy", "ns/retries") == [
            "RetryPolicy ns/retries: Accepted=True Accepted: not in effect: no HTTPRoute ExtensionRef filter names it",
        ])
    }

    @Test("CircuitBreakerPolicy on a Service: circuit breaker thresholds and outlier detection")
    func circuitBreakerPolicy() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute() + policy(seedGroup, "CircuitBreakerPolicy", "breaker", spec: """
        targetRefs: [{group: "", kind: Service, name: svc}]
        maxConnections: 1000
        maxPendingRequests: 100
        maxRequests: 1000
        consecutiveErrors: 5
        interval: 10s
        maxEjectionPercent: 50
        """)
        let translation = translate(yaml)
        let cluster = try #require(translation.cluster("ns/svc:80"))
        #expect(cluster.circuitBreakers == CircuitBreakers(maxConnections: 1000, maxPendingRequests: 100, maxRequests: 1000))
        #expect(cluster.outlierDetection == OutlierDetection(consecutive5xx: 5, interval: .seconds(10), baseEjectionTime: .seconds(10), maxEjectionPercent: 50))
        #expect(translation.policyConditions("CircuitBreakerPolicy", "ns/breaker") == [
            "Gateway ns/gw: Accepted=True Attached: in effect: circuitBreakers.maxConnections, circuitBreakers.maxPendingRequests, circuitBreakers.maxRequests, outlierDetection",
        ])
    }

    @Test("RateLimitPolicy on an HTTPRoute: a token bucket and one bucket per tenant header value")
    func rateLimitPolicy() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute("model-routing") + httpRoute("other", path: "/other")
            + policy(seedGroup, "RateLimitPolicy", "limit", spec: """
            targetRefs: [{kind: HTTPRoute, name: model-routing}]
            local: {tokenBucket: {maxTokens: 1000, tokensPerFill: 100, fillInterval: 1s}}
            descriptors:
              - entries: [{key: X-Tenant-ID}]
                limit: {requestsPerUnit: 100, unit: MINUTE}
            """)
        let translation = translate(yaml)
        let limited = try #require(translation.route("ns/model-routing"))
        #expect(limited.rateLimit == LocalRateLimit(
            tokenBucket: TokenBucket(maxTokens: 1000, tokensPerFill: 100, fillInterval: .seconds(1)),
            descriptors: [RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: TokenBucket(maxTokens: 100, tokensPerFill: 100, fillInterval: .seconds(60)))]
        ))
        #expect(translation.route("ns/other")?.rateLimit == nil, "a route the policy does not target is not limited")
    }

    @Test("ConnectionPoolSettings on a Service: max connections, connect timeout, requests per connection, retries, HTTP/2")
    func connectionPoolSettings() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute() + policy(seedGroup, "ConnectionPoolSettings", "pool", spec: """
        targetRefs: [{kind: Service, name: svc}]
        tcp: {maxConnections: 1000, connectTimeout: 10s}
        http: {h2UpgradePolicy: UPGRADE, maxRequestsPerConnection: 100, maxRetries: 3}
        """)
        let cluster = try #require(translate(yaml).cluster("ns/svc:80"))
        #expect(cluster.connectTimeout == .seconds(10))
        #expect(cluster.circuitBreakers == CircuitBreakers(maxConnections: 1000, maxRetries: 3))
        #expect(cluster.upstreamHTTP == UpstreamHTTPOptions(maxRequestsPerConnection: 100, http2: HTTP2Options()))
    }

    @Test("GatewayClassConfig: connection defaults for every backend, overridden per Service; proxy sizing is said to have no effect")
    func gatewayClassConfig() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec:
          controllerName: meridian.dev/gateway-controller
          parametersRef: {group: kgateway.dev, kind: GatewayClassConfig, name: defaults}
        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: GatewayClassConfig
        metadata: {name: defaults}
        spec:
          proxy: {replicas: 3}
          connectionSettings: {maxConnections: 10000, connectTimeout: 10s, idleTimeout: 60s}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: 8080}]
        """ + service("svc") + service("other") + httpRoute() + httpRoute("r2", path: "/two").replacingOccurrences(of: "name: svc", with: "name: other")
            + policy(seedGroup, "ConnectionPoolSettings", "pool", spec: """
            targetRefs: [{kind: Service, name: other}]
            tcp: {connectTimeout: 2s}
            """)
        let translation = translate(yaml)
        let defaults = try #require(translation.cluster("ns/svc:80"))
        #expect(defaults.connectTimeout == .seconds(10))
        #expect(defaults.circuitBreakers == CircuitBreakers(maxConnections: 10000))
        #expect(defaults.upstreamHTTP == UpstreamHTTPOptions(idleTimeout: .seconds(60)))
        let other = try #require(translation.cluster("ns/other:80"))
        #expect(other.connectTimeout == .seconds(2), "the Service's own policy outranks the class defaults")
        #expect(other.circuitBreakers == CircuitBreakers(maxConnections: 10000), "different fields merge")
        #expect(translation.status("GatewayClass", "meridian")?.conditions.first?.status == true)
        let conditions = translation.policyConditions("GatewayClassConfig", "defaults")
        #expect(conditions.count == 1)
        #expect(conditions.first?.hasPrefix("Gateway ns/gw: Accepted=True Merged: in effect: circuitBreakers.maxConnections, connectTimeout, http.idleTimeout; not in effect: connectTimeout is set by ConnectionPoolSettings ns/pool (backend level)") == true)
        #expect(conditions.first?.hasSuffix("(spec.proxy has no effect: Meridian configures the Envoys it is given and does not deploy or size them)") == true)
    }

    @Test("a GatewayClass whose parametersRef names nothing is not accepted, nor are its Gateways (InvalidParameters)")
    func missingParameters() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec:
          controllerName: meridian.dev/gateway-controller
          parametersRef: {group: kgateway.dev, kind: GatewayClassConfig, name: missing}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: 8080}]
        """
        let translation = translate(yaml)
        #expect(translation.status("GatewayClass", "meridian")?.conditions.map(\.description) == [
            "Accepted=False InvalidParameters: parametersRef kgateway.dev/GatewayClassConfig missing is not declared",
        ])
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.description == "Accepted=False InvalidParameters: GatewayClass \"meridian\": parametersRef kgateway.dev/GatewayClassConfig missing is not declared")
        #expect(translation.proxies.isEmpty)
    }
}
