import Foundation
import Testing
import MeridianLoad

/// Copies of the user's seed manifests, kept in the repository at `Tests/Fixtures/seed-manifests`.
private let seedDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/seed-manifests")
    .standardized
    .path

private let seedFiles: [String] = {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: seedDirectory)) ?? []
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
}()

/// What each seed file contains: counts per supported kind and the kinds ignored, in document order.
private struct SeedContents: Sendable {
    var gatewayClasses = 0
    var gateways = 0
    var httpRoutes = 0
    var referenceGrants = 0
    /// Objects of the policy kinds (GatewayClassConfig, BackendLBPolicy, RetryPolicy, ...).
    var policies = 0
    var ignoredKinds: [String] = []
}

/// How many objects of the policy kinds a load produced.
private func policyCount(_ loaded: LoadedConfiguration) -> Int {
    loaded.policies.retryPolicies.count + loaded.policies.circuitBreakerPolicies.count + loaded.policies.rateLimitPolicies.count
        + loaded.policies.connectionPoolSettings.count + loaded.policies.gatewayClassConfigs.count + loaded.policies.trafficPolicies.count
        + loaded.policies.backendConfigPolicies.count + loaded.policies.backends.count + loaded.policies.directResponses.count + loaded.policies.backendLBPolicies.count
}

private let expectedSeedContents: [String: SeedContents] = [
    "01-gatewayclass.yaml": SeedContents(gatewayClasses: 1, policies: 1),
    "02-gateway.yaml": SeedContents(gateways: 1),
    "03-httproute-header-routing.yaml": SeedContents(httpRoutes: 1),
    "04-httproute-path-routing.yaml": SeedContents(httpRoutes: 1),
    "05-httproute-composite-routing.yaml": SeedContents(httpRoutes: 1),
    "06-httproute-weighted.yaml": SeedContents(httpRoutes: 1),
    "07-httproute-ab-test.yaml": SeedContents(httpRoutes: 1),
    "08-httproute-canary.yaml": SeedContents(httpRoutes: 1),
    "09-httproute-fallback-backendlbpolicy.yaml": SeedContents(httpRoutes: 1, policies: 1),
    "10-httproute-timeouts.yaml": SeedContents(httpRoutes: 1),
    "11-httproute-retry-extensionref.yaml": SeedContents(httpRoutes: 1, policies: 1),
    "12-circuitbreakerpolicy.yaml": SeedContents(policies: 1),
    "15-connectionpoolsettings.yaml": SeedContents(policies: 1),
    "16-ratelimitpolicy.yaml": SeedContents(policies: 1),
    "20-unified-gateway.yaml": SeedContents(gatewayClasses: 1, gateways: 1, referenceGrants: 2, policies: 1),
    "21-unified-routes.yaml": SeedContents(httpRoutes: 4),
]

@Suite struct SeedManifestTests {
    private func loadSeed(_ name: String) -> LoadedConfiguration {
        ConfigurationLoader.load(paths: [seedDirectory + "/" + name])
    }

    @Test func seedDirectoryExists() {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: seedDirectory, isDirectory: &isDirectory)
        #expect(exists && isDirectory.boolValue, "seed manifests not found at \(seedDirectory)")
        #expect(!seedFiles.isEmpty, "no seed manifests in \(seedDirectory)")
        #expect(Set(expectedSeedContents.keys).isSubset(of: Set(seedFiles)), "some expected seed files are missing")
    }

    @Test(arguments: seedFiles)
    func seedLoadsWithoutErrors(_ name: String) throws {
        let result = loadSeed(name)
        #expect(result.errors.map(\.description) == [])
        let expected = try #require(expectedSeedContents[name], "no expectations recorded for seed \(name)")
        #expect(result.gatewayClasses.count == expected.gatewayClasses)
        #expect(result.gateways.count == expected.gateways)
        #expect(result.httpRoutes.count == expected.httpRoutes)
        #expect(result.referenceGrants.count == expected.referenceGrants)
        #expect(policyCount(result) == expected.policies)
        #expect(result.services.isEmpty && result.endpointSlices.isEmpty)
        #expect(result.ignored.map(\.kind) == expected.ignoredKinds)
        #expect(result.ignored.allSatisfy { $0.reason == "kind \($0.kind) is not supported yet" })
    }

    @Test func gatewaySeedKeepsListenerDetails() throws {
        let gateway = try #require(loadSeed("02-gateway.yaml").gateways.first)
        #expect(gateway.qualifiedName == "ai-gateway/ai-inference-gateway")
        #expect(gateway.metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-type"] == "external")
        let listeners = gateway.spec.listeners
        #expect(listeners.map(\.name) == ["https", "http", "grpc"])
        #expect(listeners.map(\.port) == [443, 80, 8443])
        #expect(listeners.map(\.protocol) == [.https, .http, .https])
        #expect(listeners[0].tls?.certificateRefs == [SecretObjectReference(name: "inference-tls-cert")])
        #expect(listeners[0].allowedRoutes.namespaces.from == .selector)
        #expect(listeners[0].allowedRoutes.namespaces.selector?.matchLabels == ["gateway-access": "true"])
        #expect(listeners[1].allowedRoutes.namespaces.from == .same)
        #expect(listeners[2].allowedRoutes.kinds == [RouteGroupKind(kind: "GRPCRoute")])
    }

    @Test func routeSeedsKeepWeightsTimeoutsAndFilters() throws {
        let weighted = try #require(loadSeed("06-httproute-weighted.yaml").httpRoutes.first)
        #expect(weighted.spec.rules.first?.backendRefs.map(\.weight) == [80, 20])
        #expect(weighted.spec.rules.first?.matches.first?.headers == [HTTPHeaderMatch(name: "x-model-id", value: "gpt-4")])

        let timeouts = try #require(loadSeed("10-httproute-timeouts.yaml").httpRoutes.first?.spec.rules.first?.timeouts)
        #expect(timeouts.request?.duration == .seconds(120))
        #expect(timeouts.backendRequest?.duration == .seconds(60))

        let retry = try #require(loadSeed("11-httproute-retry-extensionref.yaml").httpRoutes.first)
        #expect(retry.spec.rules.first?.filters == [
            .extensionRef(LocalObjectReference(group: "kgateway.dev", kind: "RetryPolicy", name: "inference-retry-policy")),
        ])

        let unified = loadSeed("21-unified-routes.yaml").httpRoutes
        #expect(unified.map(\.qualifiedName) == [
            "ai-inference/vllm-route", "ai-gateway/bifrost-route", "observability/langfuse-route", "observability/langfuse-otel-route",
        ])
        #expect(unified[1].spec.rules.first?.backendRefs.first?.reference.namespace == "ai-external")
        #expect(unified[2].spec.rules.count == 5)
        #expect(unified[2].spec.rules.first?.filters == [.urlRewrite(HTTPURLRewriteFilter(path: .replacePrefixMatch("/")))])
    }

    @Test func wholeSeedDirectoryLoadsWithCrossFileDuplicates() {
        // 01-gatewayclass.yaml and 20-unified-gateway.yaml both define GatewayClass "kgateway" and
        // GatewayClassConfig "kgateway-config"; each file is valid alone, but loaded together the
        // second definitions are duplicates.
        let result = ConfigurationLoader.load(paths: [seedDirectory])
        #expect(result.errors.map(\.code) == [.duplicateResource, .duplicateResource])
        #expect(result.errors.map(\.message) == [
            "duplicate GatewayClass \"kgateway\" (first defined at \(seedDirectory)/01-gatewayclass.yaml:4:9); the first one is used",
            "duplicate GatewayClassConfig \"kgateway-config\" (first defined at \(seedDirectory)/01-gatewayclass.yaml:16:9); the first one is used",
        ])
        #expect(result.errors.allSatisfy { $0.location.file.hasSuffix("20-unified-gateway.yaml") })
        #expect(result.gatewayClasses.count == 1)
        #expect(result.policies.gatewayClassConfigs.count == 1)
        #expect(result.gateways.count == 2)
        #expect(result.httpRoutes.count == 13)
        #expect(result.referenceGrants.count == 2)
        #expect(policyCount(result) == 6)
        #expect(result.ignored.count == 0)
    }
}
