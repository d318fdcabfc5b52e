import MeridianIR

/// A proxy group that uses every resilience field of the IR at least once: each load
/// balancer kind, both health check probes, both session carriers, rate limit
/// descriptors (with and without a route bucket), endpoint priorities over EDS and DNS,
/// several DNS endpoints, and HTTP/1.1 and HTTP/2 upstream options.
enum ResilienceConfiguration {
    static let perMinute3 = TokenBucket(maxTokens: 3, tokensPerFill: 3, fillInterval: .seconds(60))
    static let tenantBucket = TokenBucket(maxTokens: 2, tokensPerFill: 2, fillInterval: .seconds(60))

    static let limitedRoute = Route(
        name: "limited",
        match: RouteMatch(path: .segmentPrefix("/limited")),
        action: .forward([WeightedBackend(clusterName: "ring-hash", weight: 1)]),
        timeout: .seconds(30),
        retry: RetryPolicy(retryOn: ["5xx", "retriable-status-codes"], numRetries: 2, perTryTimeout: .seconds(2),
                           backOffBase: .milliseconds(100), backOffMax: .seconds(1), retriableStatusCodes: [503, 429]),
        idleTimeout: .seconds(300),
        hashPolicies: [
            HashPolicy(.header("x-user"), terminal: true),
            HashPolicy(.cookie(name: "affinity", ttl: .seconds(3600), path: "/")),
            HashPolicy(.sourceIP),
        ],
        rateLimit: LocalRateLimit(tokenBucket: perMinute3, descriptors: [
            RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: tenantBucket),
            RateLimitDescriptor(headers: ["x-tenant-id", "x-user"], tokenBucket: TokenBucket(maxTokens: 1, tokensPerFill: 1, fillInterval: .milliseconds(500))),
        ]),
        sessionPersistence: SessionPersistence(.cookie(name: "session", ttl: nil, path: "/"))
    )

    static let headerSessionRoute = Route(
        name: "header-session",
        match: RouteMatch(path: .segmentPrefix("/maglev")),
        action: .forward([WeightedBackend(clusterName: "maglev", weight: 1)]),
        hashPolicies: [HashPolicy(.cookie(name: "lb", ttl: nil, path: nil))],
        rateLimit: LocalRateLimit(descriptors: [RateLimitDescriptor(headers: ["x-api-key"], tokenBucket: tenantBucket)]),
        sessionPersistence: SessionPersistence(.header(name: "x-session"))
    )

    static let timedCookieRoute = Route(
        name: "timed-cookie",
        match: RouteMatch(path: .segmentPrefix("/grpc")),
        action: .forward([WeightedBackend(clusterName: "grpc-default-http2", weight: 1)]),
        sessionPersistence: SessionPersistence(.cookie(name: "pinned", ttl: .seconds(120), path: "/grpc"))
    )

    static let plainRoute = Route(
        name: "plain",
        match: RouteMatch(path: .prefix("/")),
        action: .forward([
            WeightedBackend(clusterName: "round-robin", weight: 40), WeightedBackend(clusterName: "least-request", weight: 30),
            WeightedBackend(clusterName: "random-dns", weight: 20), WeightedBackend(clusterName: "least-request-default", weight: 10),
        ])
    )

    static let clusters: [Cluster] = [
        Cluster(
            name: "round-robin",
            discovery: .endpoints([
                Endpoint(address: "127.0.0.3", port: 9002, priority: 1),
                Endpoint(address: "127.0.0.1", port: 9000),
                Endpoint(address: "127.0.0.2", port: 9001, ready: false),
            ]),
            loadBalancer: .roundRobin,
            circuitBreakers: CircuitBreakers(maxConnections: 100, maxPendingRequests: 50, maxRequests: 200, maxRetries: 4),
            outlierDetection: OutlierDetection(consecutive5xx: 5, consecutiveGatewayFailure: 3, interval: .seconds(10),
                                               baseEjectionTime: .seconds(30), maxEjectionPercent: 50),
            healthChecks: [HealthCheck(probe: .http(path: "/healthz", host: "health.internal", expectedStatuses: [200..<300, 404..<405]),
                                       timeout: .seconds(1), interval: .seconds(5), unhealthyThreshold: 3, healthyThreshold: 2)],
            upstreamHTTP: UpstreamHTTPOptions(maxRequestsPerConnection: 100, idleTimeout: .seconds(60), maxConnectionDuration: .seconds(600), maxHeadersCount: 80)
        ),
        Cluster(
            name: "least-request",
            discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9010)]),
            loadBalancer: .leastRequest(choiceCount: 3),
            healthChecks: [HealthCheck(probe: .grpc(serviceName: "inference.v1.Model", authority: "model.internal"),
                                       timeout: .milliseconds(500), interval: .seconds(10), unhealthyThreshold: 2, healthyThreshold: 1)],
            upstreamHTTP: UpstreamHTTPOptions(http2: HTTP2Options(maxConcurrentStreams: 100, initialStreamWindowSize: 65_536, initialConnectionWindowSize: 1_048_576))
        ),
        Cluster(name: "least-request-default", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9011)]), loadBalancer: .leastRequest(choiceCount: nil)),
        Cluster(
            name: "random-dns",
            discovery: .dns([
                Endpoint(address: "primary-a.ai-gateway.svc.cluster.local", port: 8080),
                Endpoint(address: "fallback.ai-gateway.svc.cluster.local", port: 8080, priority: 1),
                Endpoint(address: "primary-b.ai-gateway.svc.cluster.local", port: 8080),
            ]),
            loadBalancer: .random
        ),
        Cluster(name: "ring-hash", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9020)]), loadBalancer: .ringHash(minimumRingSize: 1024, maximumRingSize: 8_388_608)),
        Cluster(name: "ring-hash-default", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9021)]), loadBalancer: .ringHash(minimumRingSize: nil, maximumRingSize: nil)),
        Cluster(name: "maglev", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9030)]), loadBalancer: .maglev(tableSize: 65_537)),
        Cluster(name: "maglev-default", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9031)]), loadBalancer: .maglev(tableSize: nil)),
        // gRPC health checking with no upstream options at all: the encoder must turn HTTP/2 on.
        Cluster(name: "grpc-default-http2", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9040)]),
                healthChecks: [HealthCheck(probe: .grpc(serviceName: nil, authority: nil), timeout: .seconds(1), interval: .seconds(5), unhealthyThreshold: 2, healthyThreshold: 2)]),
    ]

    static let configuration = ProxyConfiguration(
        group: "ai-gateway/resilient",
        listeners: [
            Listener(name: "policy-8080", address: "127.0.0.1", port: 8080, routeTableName: "policy-8080",
                     localRateLimit: LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 100, tokensPerFill: 10, fillInterval: .seconds(1)),
                                                    descriptors: [RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: TokenBucket(maxTokens: 5, tokensPerFill: 5, fillInterval: .seconds(1)))])),
            Listener(name: "descriptors-8081", address: "127.0.0.1", port: 8081, routeTableName: "plain-8081",
                     localRateLimit: LocalRateLimit(descriptors: [RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: tenantBucket)])),
            Listener(name: "plain-8082", address: "127.0.0.1", port: 8082, routeTableName: "plain-8081"),
        ],
        routeTables: [
            RouteTable(name: "policy-8080", virtualHosts: [
                VirtualHost(name: "inference", domains: ["*"], routes: [limitedRoute, headerSessionRoute, timedCookieRoute, plainRoute]),
            ]),
            RouteTable(name: "plain-8081", virtualHosts: [VirtualHost(name: "any", domains: ["*"], routes: [plainRoute])]),
        ],
        clusters: clusters
    )
}
