import MeridianExplain
import MeridianTranslate
import Testing

/// `meridian explain` on the bundled example, the user guide's inference gateway
/// (`deploy/examples/inference-gateway`): model routing on `x-model-id`, path routing with an
/// Exact `/health`, and the 90/10 gpt-4 canary.
@Suite("explain on the inference gateway example")
struct InferenceExampleExplainTests {
    static let routes = ExplainFixture.inferenceExample + "/routes.yaml"

    @Test("header routing: x-model-id chooses the rule, named with its file:line, and the rule's retry policy is shown")
    func headerRouting() throws {
        let fixture = try ExplainFixture.inference()
        let claude = try fixture.explain("/v1/chat/completions", method: "POST", headers: [("x-model-id", "claude-3")])
        #expect(claude.outcome.kind == .forwarded && claude.outcome.served)
        let route = try #require(claude.route)
        #expect(route.name == "ai-gateway/model-routing/rule1/match0")
        #expect(route.kind == "HTTPRoute" && route.object == "ai-gateway/model-routing" && route.rule == 1 && route.match == 0)
        #expect(route.source == (try ExplainFixture.position(ofItem: 1, startingWith: "- matches:", in: Self.routes)))
        #expect(route.conditions.map(\.condition) == ["header x-model-id = claude-3", "path prefix /v1/chat/completions (whole segments)"])
        #expect(claude.backends.map(\.cluster) == ["ai-gateway/vllm-claude3:8000"])
        #expect(claude.backends.first?.endpoints.map { "\($0.address):\($0.port)" } == ["127.0.0.1:18103"])
        #expect(claude.policies.contains(PolicyLine(name: "retry", value: "3 retries on 5xx,reset,connect-failure; 30s per try; back-off from 25ms up to 250ms")))

        let mixtral = try fixture.explain("/v1/chat/completions", method: "POST", headers: [("x-model-id", "mixtral-8x7b")])
        #expect(mixtral.route?.name == "ai-gateway/model-routing/rule2/match0")
        #expect(mixtral.backends.map(\.target) == ["Service ai-gateway/tgi-mixtral port 8080"])
        #expect(mixtral.policies.contains(PolicyLine(name: "timeout", value: "2m")))
        // The header value is matched exactly, case included.
        let upper = try fixture.explain("/v1/chat/completions", headers: [("x-model-id", "Claude-3")])
        #expect(upper.outcome.status == 404)
    }

    @Test("path precedence: Exact first, then longer prefixes; prefixes match whole segments")
    func pathPrecedence() throws {
        let fixture = try ExplainFixture.inference()
        let health = try fixture.explain("/health")
        #expect(health.route?.name == "ai-gateway/path-routing/rule2/match0")
        #expect(health.route?.position == 1)
        #expect(health.virtualHost?.routeCount == 6)

        let completions = try fixture.explain("/v1/completions")
        #expect(completions.route?.name == "ai-gateway/path-routing/rule1/match0")
        #expect(completions.backends.map(\.cluster) == ["ai-gateway/completion-service:8000"])
        // Model routing's prefix is longer, so it comes first: positions 2-4, then /v1/completions, then /v1/embeddings.
        #expect(completions.route?.position == 5)
        let embeddings = try fixture.explain("/v1/embeddings/batch?model=x")
        #expect(embeddings.route?.name == "ai-gateway/path-routing/rule0/match0")
        #expect(embeddings.route?.position == 6)

        // /v1/completionsX is not the segment /v1/completions; /health/ is not exactly /health.
        let notSegment = try fixture.explain("/v1/completionsX")
        #expect(notSegment.outcome.status == 404)
        let candidate = try #require(notSegment.candidates.first { $0.route == "ai-gateway/path-routing/rule1/match0" })
        #expect(candidate.reason == "path prefix /v1/completions (whole segments): the path is /v1/completionsX")
        let healthSlash = try fixture.explain("/health/")
        #expect(healthSlash.outcome.status == 404)
        #expect(healthSlash.candidates.first?.reason == "path exactly /health: the path is /health/")
    }

    @Test("the canary split: 90/10 by weight, each share a Service with its endpoint and the stable pool's circuit breakers")
    func canary() throws {
        let fixture = try ExplainFixture.inference()
        let gpt4 = try fixture.explain("/v1/chat/completions", method: "POST", headers: [("x-model-id", "gpt-4")])
        #expect(gpt4.route?.name == "ai-gateway/model-routing/rule0/match0")
        #expect(gpt4.route?.source == (try ExplainFixture.position(ofItem: 0, startingWith: "- matches:", in: Self.routes)))
        #expect(gpt4.backends.map(\.cluster) == ["ai-gateway/vllm-gpt4-stable:8000", "ai-gateway/vllm-gpt4-canary:8000"])
        #expect(gpt4.backends.map(\.weight) == [90, 10])
        #expect(gpt4.backends.map(\.percent) == [90, 10])
        #expect(gpt4.backends.map(\.source) == [
            try ExplainFixture.position(ofItem: 0, startingWith: "- name: vllm-gpt4-stable", in: Self.routes),
            try ExplainFixture.position(ofItem: 0, startingWith: "- name: vllm-gpt4-canary", in: Self.routes),
        ])
        #expect(gpt4.outcome.summary == "forwarded: 90% to Service ai-gateway/vllm-gpt4-stable port 8000, 10% to Service ai-gateway/vllm-gpt4-canary port 8000")
        #expect(gpt4.backends[0].settings.contains("circuit breakers: at most 1000 connections, 100 pending, 1000 requests at once; beyond, 503"))
        #expect(gpt4.backends[1].settings.isEmpty)
    }

    @Test("404: an unknown model, with the nearest rules and the header each wanted")
    func unknownModel() throws {
        let fixture = try ExplainFixture.inference()
        let llama = try fixture.explain("/v1/chat/completions", method: "POST", headers: [("x-model-id", "llama-3")])
        #expect(llama.outcome.kind == .notFound && llama.outcome.status == 404 && !llama.outcome.served)
        #expect(llama.route == nil)
        #expect(llama.outcome.summary == "404: none of the 6 routes of virtual host inference.example.com matches")
        // The three model rules are nearest: each fails on the header only.
        #expect(llama.candidates.prefix(3).map(\.route) == (0..<3).map { "ai-gateway/model-routing/rule\($0)/match0" })
        #expect(llama.candidates.prefix(3).map(\.reason) == ["gpt-4", "claude-3", "mixtral-8x7b"].map { "header x-model-id = \($0): x-model-id is llama-3" })
        let missing = try fixture.explain("/v1/chat/completions")
        #expect(missing.candidates.first?.reason == "header x-model-id = gpt-4: no x-model-id header")

        // Another host has no virtual host at all: the listener's hostname is inference.example.com.
        let otherHost = try fixture.explain("/health", host: "api.example.com")
        #expect(otherHost.outcome.summary == "404: no virtual host of http-80 takes host api.example.com")
        #expect(otherHost.candidates.map(\.route) == ["ai-gateway/path-routing/rule2/match0"])
        #expect(otherHost.candidates.first?.reason == "matches, but serves only host inference.example.com")
    }

    @Test("500: a rule whose Service is not declared, and one in another namespace without a ReferenceGrant, with their reasons")
    func unresolvableBackends() throws {
        let fixture = try ExplainFixture.inference(adding: """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: images, namespace: ai-gateway}
            spec:
              parentRefs: [{name: ai-inference-gateway}]
              hostnames: [inference.example.com]
              rules:
                - matches: [{path: {type: PathPrefix, value: /v1/images}}]
                  backendRefs: [{name: image-service, port: 8000}]
                - matches: [{path: {type: PathPrefix, value: /v1/audio}}]
                  backendRefs: [{name: audio-service, namespace: media, port: 8000}]
                - matches: [{path: {type: PathPrefix, value: /v1/moderations}}]
                  backendRefs:
                    - {name: completion-service, port: 8000, weight: 3}
                    - {name: moderation-service, port: 8000, weight: 1}
            """)
        let images = try fixture.explain("/v1/images/generations", method: "POST")
        #expect(images.outcome.kind == .backendError && images.outcome.status == 500 && !images.outcome.served)
        #expect(images.outcome.reasons.first?.hasPrefix("BackendNotFound: Service ai-gateway/image-service is not declared (") == true)
        #expect(images.route?.source?.hasSuffix("extra.yaml:8:7") == true)

        let audio = try fixture.explain("/v1/audio/speech", method: "POST")
        #expect(audio.outcome.status == 500)
        #expect(audio.outcome.reasons.first?.hasPrefix("RefNotPermitted: Service media/audio-service is in another namespace and no ReferenceGrant in media allows HTTPRoutes from ai-gateway") == true)

        // A quarter unresolvable: still served, and the failing share is named.
        let moderation = try fixture.explain("/v1/moderations")
        #expect(moderation.outcome.kind == .forwarded && moderation.outcome.served)
        #expect(moderation.backends.map(\.cluster) == ["ai-gateway/completion-service:8000", "unresolved-backend"])
        #expect(moderation.backends.map(\.percent) == [75, 25])
        #expect(moderation.backends[1].errorStatus == 500)
        #expect(moderation.backends[1].target == "Service ai-gateway/moderation-service port 8000")
        #expect(moderation.backends[1].reason == "BackendNotFound: Service ai-gateway/moderation-service is not declared")
        #expect(moderation.outcome.summary == "forwarded: 75% to Service ai-gateway/completion-service port 8000, 25% answer 500")
    }

    @Test("--privileged-port-offset: the Gateway's port 80 and Envoy's 8080 name the same listener")
    func ports() throws {
        var options = TranslationOptions()
        options.privilegedPortOffset = 8000
        let fixture = try ExplainFixture.inference(options: options)
        for port in [80, 8080, nil] {
            let health = try fixture.explain("/health", port: port)
            #expect(health.listener?.envoyListener == "http-8080" && health.listener?.port == 8080 && health.listener?.gatewayPort == 80)
            #expect(health.route?.name == "ai-gateway/path-routing/rule2/match0")
        }
        let elsewhere = try fixture.explain("/health", port: 9090)
        #expect(elsewhere.outcome.kind == .connectionRefused && !elsewhere.outcome.served)
        #expect(elsewhere.outcome.reasons == ["its Envoy listeners: 80 (Envoy 8080, http-8080)"])
    }

    @Test("what cannot be explained is an error naming what can: no such Gateway, a request no client sends")
    func usageErrors() throws {
        let fixture = try ExplainFixture.inference()
        #expect(throws: ExplainError.gatewayNotFound("ai-gateway/missing", loaded: ["ai-gateway/ai-inference-gateway"])) {
            try fixture.explain("/", gateway: "ai-gateway/missing")
        }
        #expect(throws: ExplainError.invalidRequest(.pathWithoutSlash("health"))) { try fixture.explain("health") }
        #expect(throws: ExplainError.invalidRequest(.reservedHeader("host"))) { try fixture.explain("/", headers: [("Host", "x")]) }
        #expect(throws: ExplainError.invalidRequest(.controlCharacter(field: "--header x-a"))) { try fixture.explain("/", headers: [("x-a", "1\r\n2")]) }
    }
}
