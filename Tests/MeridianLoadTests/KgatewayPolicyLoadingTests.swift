import Testing
import MeridianLoad

private func duration(_ text: String) -> GatewayAPIDuration? {
    GatewayAPIDuration(text)
}

@Suite("Loading kgateway's TrafficPolicy, BackendConfigPolicy, Backend and DirectResponse")
struct KgatewayPolicyLoadingTests {
    @Test func trafficPolicyEveryField() throws {
        let loaded = load("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: tp, namespace: ai}
        spec:
          targetRefs:
            - {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: http}
            - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}
          targetSelectors:
            - group: gateway.networking.k8s.io
              kind: HTTPRoute
              matchLabels: {app: models, tier: "1"}
              sectionName: rule-a
          timeouts: {request: 30s, streamIdle: 5m}
          retry:
            retryOn: [5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, retriable-4xx,
                      refused-stream, retriable-status-codes, http3-post-connect-failure, cancelled, deadline-exceeded,
                      internal, resource-exhausted, unavailable]
            attempts: 3
            perTryTimeout: 10s
            statusCodes: [503, 429]
            backoffBaseInterval: 25ms
          rateLimit:
            local:
              tokenBucket: {maxTokens: 10, tokensPerFill: 2, fillInterval: 1s}
        """)
        #expect(loaded.errors.map(\.description) == [])
        let policy = try #require(loaded.policies.trafficPolicies.first)
        #expect(policy.qualifiedName == "ai/tp")
        #expect(policy.spec == TrafficPolicySpec(
            targetRefs: [
                PolicyTargetReference(group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "http"),
                PolicyTargetReference(group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "route"),
            ],
            targetSelectors: [PolicyTargetSelector(group: "gateway.networking.k8s.io", kind: "HTTPRoute", matchLabels: ["app": "models", "tier": "1"], sectionName: "rule-a")],
            timeouts: .init(request: duration("30s"), streamIdle: duration("5m")),
            retry: .init(
                retryOn: RetryOnCondition.allCases, attempts: 3, perTryTimeout: duration("10s"),
                statusCodes: [503, 429], backoffBaseInterval: duration("25ms")
            ),
            rateLimit: .init(local: .init(tokenBucket: RateLimitTokenBucket(maxTokens: 10, tokensPerFill: 2, fillInterval: duration("1s")!)))
        ))
    }

    @Test func backendConfigPolicyEveryField() throws {
        let loaded = load("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: BackendConfigPolicy
        metadata: {name: bcp}
        spec:
          targetRefs: [{group: "", kind: Service, name: vllm}, {group: gateway.kgateway.dev, kind: Backend, name: static}]
          targetSelectors: [{group: "", kind: Service, matchLabels: {app: vllm}}]
          connectTimeout: 5s
          perConnectionBufferLimitBytes: 32768
          commonHttpProtocolOptions: {idleTimeout: 1h, maxConnectionDuration: 10m, maxHeadersCount: 200, maxRequestsPerConnection: 100}
          http2ProtocolOptions: {initialStreamWindowSize: 64Ki, initialConnectionWindowSize: 1048576, maxConcurrentStreams: 100}
          circuitBreakers: {maxConnections: 1000, maxPendingRequests: 100, maxRequests: 2000, maxRetries: 3}
          outlierDetection: {consecutive5xx: 5, interval: 10s, baseEjectionTime: 30s, maxEjectionPercent: 50}
          healthCheck:
            timeout: 1s
            interval: 10s
            unhealthyThreshold: 3
            healthyThreshold: 2
            http: {host: health.local, path: /healthz, method: HEAD}
          loadBalancer:
            ringHash:
              minimumRingSize: 1024
              maximumRingSize: 8192
              hashPolicies:
                - header: {name: x-session}
                  terminal: true
                - cookie: {name: session, path: /, ttl: 1h}
                - sourceIP: {}
        """)
        #expect(loaded.errors.map(\.description) == [])
        let policy = try #require(loaded.policies.backendConfigPolicies.first)
        #expect(policy.qualifiedName == "default/bcp")
        #expect(policy.spec == BackendConfigPolicySpec(
            targetRefs: [
                PolicyTargetReference(group: "", kind: "Service", name: "vllm"),
                PolicyTargetReference(group: "gateway.kgateway.dev", kind: "Backend", name: "static"),
            ],
            targetSelectors: [PolicyTargetSelector(group: "", kind: "Service", matchLabels: ["app": "vllm"])],
            connectTimeout: duration("5s"),
            perConnectionBufferLimitBytes: 32768,
            commonHttpProtocolOptions: .init(idleTimeout: duration("1h"), maxConnectionDuration: duration("10m"), maxHeadersCount: 200, maxRequestsPerConnection: 100),
            http2ProtocolOptions: .init(initialStreamWindowSize: KubernetesQuantity("64Ki"), initialConnectionWindowSize: KubernetesQuantity("1048576"), maxConcurrentStreams: 100),
            loadBalancer: .init(ringHash: .init(minimumRingSize: 1024, maximumRingSize: 8192, hashPolicies: [
                .init(header: .init(name: "x-session"), terminal: true),
                .init(cookie: .init(name: "session", path: "/", ttl: duration("1h"))),
                .init(sourceIP: .init()),
            ])),
            healthCheck: .init(
                timeout: duration("1s")!, interval: duration("10s")!, unhealthyThreshold: 3, healthyThreshold: 2,
                http: .init(host: "health.local", path: "/healthz", method: .head)
            ),
            outlierDetection: .init(consecutive5xx: 5, interval: duration("10s"), baseEjectionTime: duration("30s"), maxEjectionPercent: 50),
            circuitBreakers: .init(maxConnections: 1000, maxPendingRequests: 100, maxRequests: 2000, maxRetries: 3)
        ))
        #expect(policy.spec.http2ProtocolOptions?.initialStreamWindowSize?.integerValue == 65536)
    }

    @Test func otherLoadBalancersAndGRPCHealthCheck() throws {
        let yaml = { (loadBalancer: String) in """
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: BackendConfigPolicy
            metadata: {name: bcp}
            spec:
              loadBalancer: \(loadBalancer)
              healthCheck: {timeout: 1s, interval: 5s, unhealthyThreshold: 2, healthyThreshold: 1, grpc: {serviceName: inference, authority: models}}
            """
        }
        let expected: [(String, BackendConfigPolicySpec.LoadBalancer)] = [
            ("{roundRobin: {}}", .init(roundRobin: .init())),
            ("{random: {}}", .init(random: .init())),
            ("{leastRequest: {choiceCount: 3}}", .init(leastRequest: .init(choiceCount: 3))),
            ("{leastRequest: {}}", .init(leastRequest: .init())),
            ("{maglev: {}}", .init(maglev: .init())),
            ("{maglev: {hashPolicies: [{sourceIP: {}}]}}", .init(maglev: .init(hashPolicies: [.init(sourceIP: .init())]))),
        ]
        for (text, loadBalancer) in expected {
            let loaded = load(yaml(text))
            #expect(loaded.errors.map(\.description) == [], "\(text)")
            let spec = try #require(loaded.policies.backendConfigPolicies.first?.spec, "\(text)")
            #expect(spec.loadBalancer == loadBalancer)
            #expect(spec.healthCheck?.grpc == .init(serviceName: "inference", authority: "models"))
            #expect(spec.healthCheck?.http == nil)
        }
    }

    @Test func staticBackend() throws {
        let loaded = load("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: Backend
        metadata: {name: external, namespace: ai}
        spec:
          type: Static
          static:
            hosts: [{host: api.example.com, port: 443}, {host: 10.0.0.7, port: 8000}]
            appProtocol: http2
        """)
        #expect(loaded.errors.map(\.description) == [])
        let backend = try #require(loaded.policies.backends.first)
        #expect(backend.qualifiedName == "ai/external")
        #expect(backend.spec == BackendSpec(type: .static, static: .init(
            hosts: [.init(host: "api.example.com", port: 443), .init(host: "10.0.0.7", port: 8000)],
            appProtocol: .http2
        )))
    }

    @Test func directResponse() throws {
        let loaded = load("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: maintenance}
        spec: {status: 503, body: "down for maintenance"}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: empty}
        spec: {status: 204}
        """)
        #expect(loaded.errors.map(\.description) == [])
        #expect(loaded.policies.directResponses.map(\.spec) == [
            DirectResponseSpec(status: 503, body: "down for maintenance"),
            DirectResponseSpec(status: 204),
        ])
    }

    @Test func policiesAreDuplicatesOnlyWithinTheirKind() {
        let loaded = load("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: same}
        spec: {status: 503}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: Backend
        metadata: {name: same}
        spec: {static: {hosts: [{host: a, port: 80}]}}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: same}
        spec: {status: 504}
        """)
        #expect(loaded.policies.directResponses.count == 1)
        #expect(loaded.policies.backends.count == 1)
        #expect(loaded.errors.map(\.description) == [
            "test.yaml:13:18: metadata.name: duplicate DirectResponse \"default/same\" (first defined at test.yaml:3:18); the first one is used",
        ])
    }
}
