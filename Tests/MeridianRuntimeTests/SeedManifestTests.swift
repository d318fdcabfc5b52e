import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

/// Every manifest in the user's documents (`shared/seeds/manifests`) loads, and
/// translates, or is refused with a precise reason; everything translated
/// passes `envoy --mode validate`.
@Suite("The user's seed manifests", .timeLimit(.minutes(3)))
struct SeedManifestTests {
    static func seedFiles() throws -> [String] {
        let directory = RepositoryPaths.seedManifests.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw FixtureError("the seed manifests are missing at \(directory)")
        }
        let files = names.filter { $0.hasSuffix(".yaml") }.sorted().map { "\(directory)/\($0)" }
        guard files.count >= 16 else { throw FixtureError("expected the 16 seed manifests in \(directory), found \(files.count)") }
        return files
    }

    /// Builds, then runs Envoy's own validation on every proxy group's resources.
    static func buildAndValidate(_ paths: [String], label: String) throws -> ConfigurationBuild {
        let build = ConfigurationPipeline.build(paths: paths, options: TranslationOptions())
        let directory = try RepositoryPaths.makeScratchDirectory("seeds-\(label)")
        for (group, snapshot) in build.snapshots {
            let bootstrap = try StaticBootstrap.embedding(snapshot)
            let result = try StaticBootstrap.validate(bootstrap, directory: directory)
            #expect(result.valid, "\(label): proxy group \(group) fails envoy --mode validate: \(result.output)")
        }
        return build
    }

    @Test("each seed manifest alone loads without errors, and what it translates to Envoy accepts")
    func eachFileAlone() throws {
        for file in try Self.seedFiles() {
            let name = URL(fileURLWithPath: file).lastPathComponent
            let build = try Self.buildAndValidate([file], label: name)
            #expect(build.loaded.errors.isEmpty, "\(name): \(build.loaded.errors.map(\.description))")
            #expect(build.isValid, "\(name)")
            let refusals = StatusReport.problemLines(build)
            print("seed \(name): \(build.snapshots.count) proxy groups, \(build.loaded.httpRoutes.count) routes, \(build.loaded.ignored.count) ignored, \(refusals.count) refusals")
            for line in refusals { print("  \(line)") }
            // Nothing is dropped silently: every HTTPRoute and Gateway has a status, every unknown kind a reason.
            #expect(build.translation.statuses.filter { $0.kind == "HTTPRoute" }.count == build.loaded.httpRoutes.count)
            #expect(build.translation.statuses.filter { $0.kind == "Gateway" }.count == build.loaded.gateways.count)
            #expect(build.loaded.ignored.allSatisfy { $0.reason.contains("is not supported yet") })
        }
    }

    @Test("the guide's gateway with its routes: port 80 served, TLS listeners refused: the seeds hold no Secrets")
    func guideSet() throws {
        let files = try Self.seedFiles().filter { !$0.hasSuffix("20-unified-gateway.yaml") && !$0.hasSuffix("21-unified-routes.yaml") }
        let build = try Self.buildAndValidate(files, label: "guide")
        #expect(build.isValid)
        let proxy = try #require(build.translation.proxies.first { $0.group == "ai-gateway/ai-inference-gateway" })
        #expect(proxy.listeners.map(\.port) == [80])
        let hosts = proxy.routeTables.first?.virtualHosts.map(\.domains) ?? []
        #expect(hosts == [["inference.example.com"]], "every route is attached through the http listener's host name")
        let gateway = try #require(build.translation.statuses.first { $0.kind == "Gateway" })
        #expect(gateway.listeners.map(\.name) == ["https", "http", "grpc"])
        #expect(gateway.listeners[0].conditions.contains { $0.reason == .invalidCertificateRef })
        // The gRPC listener takes GRPCRoutes only, and is refused like the other TLS listener.
        #expect(gateway.listeners[2].supportedKinds.map(\.kind) == ["GRPCRoute"])
        #expect(gateway.listeners[2].conditions.contains { $0.reason == .invalidCertificateRef })
        #expect(gateway.listeners[0].supportedKinds.map(\.kind) == ["HTTPRoute", "GRPCRoute"])
        #expect(gateway.listeners[1].conditions.contains { $0.type == .programmed && $0.status })
        let header = try #require(build.translation.statuses.first { $0.qualifiedName == "ai-gateway/model-header-routing" })
        #expect(header.parents[0].conditions[0].reason == .notAllowedByListeners, "sectionName https selects namespaces by label")

        // Every policy document is read, and each has a precise status; none is ignored.
        #expect(build.loaded.ignored.isEmpty, "\(build.loaded.ignored.map(\.kind))")
        func policy(_ kind: String, _ name: String) -> [String] {
            build.translation.statuses.first { $0.kind == kind && $0.qualifiedName == name }?.parents.flatMap { $0.conditions.map(\.description) } ?? ["no status"]
        }
        #expect(policy("RetryPolicy", "ai-gateway/inference-retry-policy") == ["Accepted=True Attached: in effect: retry, retry.perTryTimeout"])
        #expect(policy("CircuitBreakerPolicy", "ai-gateway/inference-circuit-breaker") == ["Accepted=False TargetNotFound: Service ai-gateway/vllm-gpt4-service is not declared"])
        #expect(policy("ConnectionPoolSettings", "default/inference-connection-pool") == ["Accepted=False TargetNotFound: Service default/vllm-service is not declared"])
        #expect(policy("RateLimitPolicy", "default/inference-rate-limit") == ["Accepted=False TargetNotFound: HTTPRoute default/model-routing is not declared"])
        #expect(policy("BackendLBPolicy", "ai-gateway/gpt4-fallback-policy") == ["Accepted=False Invalid: spec.default.backendRef: Service ai-gateway/vllm-gpt4-fallback is not declared"])
        #expect(policy("GatewayClassConfig", "kgateway-config") == [
            "Accepted=True Accepted: not in effect: no backend of a Gateway of GatewayClass kgateway is resolved (spec.proxy has no effect: Meridian configures the Envoys it is given and does not deploy or size them)",
        ])
        // The retry rule now forwards (to an undeclared Service: 500 by BackendNotFound, not by the filter).
        let retry = try #require(build.translation.statuses.first { $0.qualifiedName == "ai-gateway/retry-policy" })
        #expect(!retry.parents[0].conditions.contains { $0.type == .partiallyInvalid })
    }

    @Test("the guide's gateway with the Secrets it names, made at test time: the HTTPS listener is programmed and Envoy validates it")
    func guideWithSecrets() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("seeds-tls")
        let secrets = directory.appendingPathComponent("secrets.yaml")
        try (TestCertificates.secretYAML(name: "inference-tls-cert", namespace: "ai-gateway", try TestCertificates.make(["inference.example.com"]))
            + TestCertificates.secretYAML(name: "inference-grpc-tls-cert", namespace: "ai-gateway", try TestCertificates.make(["inference-grpc.example.com"], key: .rsa(bits: 2048))))
            .write(to: secrets, atomically: true, encoding: .utf8)
        let files = try Self.seedFiles().filter { !$0.hasSuffix("20-unified-gateway.yaml") && !$0.hasSuffix("21-unified-routes.yaml") } + [secrets.path]
        let build = try Self.buildAndValidate(files, label: "guide-tls")
        #expect(build.isValid)
        let proxy = try #require(build.translation.proxies.first { $0.group == "ai-gateway/ai-inference-gateway" })
        #expect(proxy.listeners.map(\.name) == ["http-80", "https-443", "https-8443"])
        #expect(proxy.listeners[1].filterChains.map(\.serverNames) == [["inference.example.com"]])
        #expect(proxy.listeners[2].filterChains.map(\.serverNames) == [["inference-grpc.example.com"]], "the GRPCRoute listener, over TLS")
        #expect(proxy.secrets.map(\.name) == ["ai-gateway/inference-grpc-tls-cert", "ai-gateway/inference-tls-cert"])
        let gateway = try #require(build.translation.statuses.first { $0.kind == "Gateway" })
        #expect(gateway.listeners[0].conditions.map(\.description).prefix(2) == [
            "Accepted=True Accepted",
            "ResolvedRefs=True ResolvedRefs: " + (gateway.listeners[0].conditions[1].message),
        ])
        #expect(gateway.listeners[0].conditions[1].message.hasPrefix("certificates: Secret ai-gateway/inference-tls-cert (ECDSA P-256 for inference.example.com;"))
        #expect(gateway.listeners[0].conditions.contains { $0.type == .programmed && $0.status })
    }

    @Test("the unified gateway: ReferenceGrants open ai-inference and observability; ai-external has none")
    func unifiedSet() throws {
        let files = try Self.seedFiles().filter { $0.hasSuffix("20-unified-gateway.yaml") || $0.hasSuffix("21-unified-routes.yaml") }
        let build = try Self.buildAndValidate(files, label: "unified")
        #expect(build.isValid)
        #expect(build.loaded.referenceGrants.count == 2)
        #expect(build.translation.proxies.map(\.group) == ["ai-gateway/unified-gateway"])
        let bifrost = try #require(build.translation.statuses.first { $0.qualifiedName == "ai-gateway/bifrost-route" })
        #expect(bifrost.parents[0].conditions.contains { $0.reason == .refNotPermitted })
        let vllm = try #require(build.translation.statuses.first { $0.qualifiedName == "ai-inference/vllm-route" })
        #expect(vllm.parents[0].conditions.contains { $0.reason == .backendNotFound }, "granted, but the Service is not declared")
    }

    @Test("the whole directory at once is refused precisely: two files declare GatewayClass kgateway and GatewayClassConfig kgateway-config")
    func wholeDirectory() throws {
        let build = ConfigurationPipeline.build(paths: [RepositoryPaths.seedManifests.path], options: TranslationOptions())
        #expect(build.loaded.errors.map(\.description) == [
            "\(RepositoryPaths.seedManifests.path)/20-unified-gateway.yaml:5:9: metadata.name: duplicate GatewayClass \"kgateway\" (first defined at \(RepositoryPaths.seedManifests.path)/01-gatewayclass.yaml:4:9); the first one is used",
            "\(RepositoryPaths.seedManifests.path)/20-unified-gateway.yaml:17:9: metadata.name: duplicate GatewayClassConfig \"kgateway-config\" (first defined at \(RepositoryPaths.seedManifests.path)/01-gatewayclass.yaml:16:9); the first one is used",
        ])
    }
}
