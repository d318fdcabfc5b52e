import Foundation
import Testing
@testable import MeridianLoad

/// Copies of the seed manifests (from `shared/seeds/manifests`) that use the policy kinds.
private let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

private func loadFixture(_ name: String) -> LoadedConfiguration {
    ConfigurationLoader.load(paths: [fixtureDirectory + "/" + name])
}

@Suite struct PolicyFixtureTests {
    @Test func smoke() {
        for name in ["01-gatewayclass.yaml", "09-httproute-fallback-backendlbpolicy.yaml", "11-httproute-retry-extensionref.yaml", "12-circuitbreakerpolicy.yaml", "15-connectionpoolsettings.yaml", "16-ratelimitpolicy.yaml", "20-unified-gateway.yaml"] {
            let loaded = loadFixture(name)
            print(name, loaded.errors.map(\.description), loaded.ignored.map(\.kind))
            print(loaded.retryPolicies, loaded.circuitBreakerPolicies, loaded.rateLimitPolicies, loaded.connectionPoolSettings, loaded.gatewayClassConfigs, loaded.backendLBPolicies)
        }
    }
}
