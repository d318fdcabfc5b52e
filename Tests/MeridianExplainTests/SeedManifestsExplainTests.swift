import MeridianExplain
import MeridianTestSupport
import Testing

/// `explain` on the user's seed manifests as they are (`Tests/Fixtures/seed-manifests`):
/// many routes competing for the same paths, Services never declared, routes that do not
/// attach, duplicate objects set aside. The answers must say which of the competing rules
/// wins, and why it still cannot serve.
@Suite("explain on the seed manifests")
struct SeedManifestsExplainTests {
    static let directory = RepositoryPaths.seedManifests.path

    @Test("x-model-id gpt-4: the canary rule wins its path, and answers 500 because neither Service of its 90/10 split is declared")
    func canaryWithoutServices() throws {
        let fixture = ExplainFixture(paths: [Self.directory])
        let explanation = try fixture.explain("/v1/chat/completions", method: "POST", headers: [("x-model-id", "gpt-4")])
        let route = try #require(explanation.route)
        #expect(route.name == "ai-gateway/canary-deployment/rule0/match0")
        #expect(route.source == "\(Self.directory)/08-httproute-canary.yaml:14:7")
        #expect(explanation.outcome.kind == .backendError && explanation.outcome.status == 500 && !explanation.outcome.served)
        #expect(explanation.outcome.reasons == [
            "BackendNotFound: Service ai-gateway/vllm-gpt4-stable is not declared (\(Self.directory)/08-httproute-canary.yaml:23:11)",
            "BackendNotFound: Service ai-gateway/vllm-gpt4-canary is not declared (\(Self.directory)/08-httproute-canary.yaml:27:11)",
            "an HTTPRoute rule without a usable backend answers 500",
        ])
        // What else is going on: the duplicate GatewayClass set aside, routes not attached.
        #expect(explanation.notes.contains { $0.hasSuffix("20-unified-gateway.yaml:5: GatewayClass kgateway was set aside: metadata.name: duplicate GatewayClass \"kgateway\" (first defined at \(Self.directory)/01-gatewayclass.yaml:4:9); the first one is used; serve leaves it out") })
        #expect(explanation.notes.contains { $0.contains("HTTPRoute ai-gateway/model-header-routing is not attached to Gateway ai-gateway/ai-inference-gateway section https: NotAllowedByListeners") })
    }
}
