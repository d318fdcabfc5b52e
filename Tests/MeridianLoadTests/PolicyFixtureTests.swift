import Foundation
import Testing
import MeridianLoad

/// Copies of the seed manifests that use the policy kinds (from `shared/seeds/manifests`, unchanged).
private let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Fixtures/seed-manifests").standardized.path

private func loadFixture(_ name: String) -> LoadedConfiguration {
    ConfigurationLoader.load(paths: [fixtureDirectory + "/" + name])
}

private func duration(_ text: String) -> GatewayAPIDuration? {
    GatewayAPIDuration(text)
}

private let policyFixtures = [
    "01-gatewayclass.yaml", "09-httproute-fallback-backendlbpolicy.yaml", "11-httproute-retry-extensionref.yaml",
    "12-circuitbreakerpolicy.yaml", "15-connectionpoolsettings.yaml", "16-ratelimitpolicy.yaml", "20-unified-gateway.yaml",
]

@Suite("The seed manifests' policies load into typed objects")
struct PolicyFixtureTests {
    @Test(arguments: policyFixtures)
    func loadsWithoutErrorsOrIgnoredDocuments(_ name: String) {
        let loaded = loadFixture(name)
        #expect(loaded.errors.map(\.description) == [])
        #expect(loaded.ignored.map(\.kind) == [])
    }

    @Test func gatewayClassConfig() throws {
        for name in ["01-gatewayclass.yaml", "20-unified-gateway.yaml"] {
            let config = try #require(loadFixture(name).policies.gatewayClassConfigs.first)
            #expect(config.apiVersion == "kgateway.dev/v1alpha1")
            #expect(config.metadata == ObjectMeta(name: "kgateway-config"))
            #expect(config.qualifiedName == "kgateway-config")
            #expect(config.spec == GatewayClassConfigSpec(
                proxy: .init(replicas: 3, resources: .init(
                    requests: ["cpu": KubernetesQuantity("1")!, "memory": KubernetesQuantity("2Gi")!],
                    limits: ["cpu": KubernetesQuantity("2")!, "memory": KubernetesQuantity("4Gi")!]
                )),
                connectionSettings: .init(maxConnections: 10000, connectTimeout: duration("10s"), idleTimeout: duration("60s"))
            ))
            #expect(config.spec.proxy?.resources?.requests?["memory"]?.integerValue == 2 * 1024 * 1024 * 1024)
        }
    }

    @Test func backendLBPolicyWithFallback() throws {
        let loaded = loadFixture("09-httproute-fallback-backendlbpolicy.yaml")
        #expect(loaded.httpRoutes.map(\.qualifiedName) == ["ai-gateway/fallback-routing"])
        let policy = try #require(loaded.policies.backendLBPolicies.first)
        #expect(policy.apiVersion == "gateway.networking.k8s.io/v1alpha2")
        #expect(policy.qualifiedName == "ai-gateway/gpt4-fallback-policy")
        #expect(policy.location == SourceLocation(file: fixtureDirectory + "/09-httproute-fallback-backendlbpolicy.yaml", line: 25, column: 1))
        #expect(policy.documentIndex == 1)
        #expect(policy.spec == BackendLBPolicySpec(
            targetRefs: [PolicyTargetReference(group: "", kind: "Service", name: "vllm-gpt4-primary")],
            sessionPersistence: GatewayAPISessionPersistence(sessionName: "model-session", type: .cookie),
            fallback: .init(backendRef: .init(name: "vllm-gpt4-fallback", port: 8000))
        ))
    }

    @Test func retryPolicy() throws {
        let loaded = loadFixture("11-httproute-retry-extensionref.yaml")
        let policy = try #require(loaded.policies.retryPolicies.first)
        #expect(policy.qualifiedName == "ai-gateway/inference-retry-policy")
        #expect(policy.spec == RetryPolicySpec(
            numRetries: 3,
            retryOn: [.fiveXX, .reset, .connectFailure, .retriable4xx],
            perTryTimeout: duration("30s"),
            retryBackOff: .init(baseInterval: duration("100ms"), maxInterval: duration("1s"))
        ))
        #expect(policy.spec.retryOn?.map(\.rawValue) == ["5xx", "reset", "connect-failure", "retriable-4xx"])
        // The route's ExtensionRef filter names the policy.
        let filter = try #require(loaded.httpRoutes.first?.spec.rules.first?.filters.first)
        #expect(filter == .extensionRef(LocalObjectReference(group: "kgateway.dev", kind: "RetryPolicy", name: "inference-retry-policy")))
    }

    @Test func circuitBreakerPolicy() throws {
        let policy = try #require(loadFixture("12-circuitbreakerpolicy.yaml").policies.circuitBreakerPolicies.first)
        #expect(policy.qualifiedName == "ai-gateway/inference-circuit-breaker")
        #expect(policy.spec == CircuitBreakerPolicySpec(
            targetRefs: [PolicyTargetReference(group: "", kind: "Service", name: "vllm-gpt4-service")],
            maxConnections: 1000, maxPendingRequests: 100, maxRequests: 1000,
            consecutiveErrors: 5, interval: duration("10s"), maxEjectionPercent: 50
        ))
    }

    @Test func connectionPoolSettings() throws {
        let settings = try #require(loadFixture("15-connectionpoolsettings.yaml").policies.connectionPoolSettings.first)
        #expect(settings.qualifiedName == "default/inference-connection-pool")
        #expect(settings.spec == ConnectionPoolSettingsSpec(
            targetRefs: [PolicyTargetReference(group: "", kind: "Service", name: "vllm-service")],
            tcp: .init(maxConnections: 1000, connectTimeout: duration("10s")),
            http: .init(h2UpgradePolicy: .upgrade, maxRequestsPerConnection: 100, maxRetries: 3)
        ))
    }

    @Test func rateLimitPolicy() throws {
        let policy = try #require(loadFixture("16-ratelimitpolicy.yaml").policies.rateLimitPolicies.first)
        #expect(policy.qualifiedName == "default/inference-rate-limit")
        #expect(policy.spec == RateLimitPolicySpec(
            targetRefs: [PolicyTargetReference(group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "model-routing")],
            local: .init(tokenBucket: RateLimitTokenBucket(maxTokens: 1000, tokensPerFill: 100, fillInterval: duration("1s")!)),
            descriptors: [.init(entries: [.init(key: "x-tenant-id")], limit: .init(requestsPerUnit: 100, unit: .minute))]
        ))
    }

    @Test func unifiedGatewayKeepsEverythingElse() {
        let loaded = loadFixture("20-unified-gateway.yaml")
        #expect(loaded.gatewayClasses.map(\.qualifiedName) == ["kgateway"])
        #expect(loaded.gateways.map(\.qualifiedName) == ["ai-gateway/unified-gateway"])
        #expect(loaded.referenceGrants.count == 2)
        #expect(loaded.policies.gatewayClassConfigs.count == 1)
    }
}
