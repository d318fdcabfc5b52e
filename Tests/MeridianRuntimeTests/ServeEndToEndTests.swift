import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import Testing

/// `meridian serve` with a real Envoy 1.40 and real loopback backends: traffic
/// flows as the YAML says, and keeps flowing as the YAML changes.
@Suite("meridian serve with Envoy", .serialized, .timeLimit(.minutes(3)))
struct ServeEndToEndTests {
    @Test("an 80/20 split over 1,000 requests lands within ±5%")
    func weightedSplit() async throws {
        let fixture = try await ServeFixture("split", backendNames: ["a", "b"], routes: weightedRoute([("a", 80), ("b", 20)]))
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 }, "Envoy never served:\n\(fixture.meridianLog)\n\(fixture.envoy.log)")
        let seen = await fixture.distribution(count: 1_000)
        print("figure: 80/20 split over 1,000 requests: \(seen)")
        #expect(seen.values.reduce(0, +) == 1_000)
        #expect((750...850).contains(seen["a"] ?? 0), "a got \(seen["a"] ?? 0) of 1,000")
        #expect((150...250).contains(seen["b"] ?? 0), "b got \(seen["b"] ?? 0) of 1,000")
    }

    @Test("header and path routing reach the right backend; an unmatched request gets 404")
    func headerAndPathRouting() async throws {
        let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: models, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /v1/chat/completions}, headers: [{name: x-model-id, value: gpt-4}]}]
              backendRefs: [{name: gpt, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /v1/chat/completions}, headers: [{name: x-model-id, value: claude-3}]}]
              backendRefs: [{name: claude, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /v1/embeddings}}]
              backendRefs: [{name: embeddings, port: 80}]
            - matches: [{path: {type: Exact, value: /health}}]
              backendRefs: [{name: health, port: 80}]
        """
        let fixture = try await ServeFixture("routing", backendNames: ["gpt", "claude", "embeddings", "health"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/health")?.status == 200 }, "\(fixture.meridianLog)")

        let cases: [(String, [(String, String)], Int, String?)] = [
            ("/v1/chat/completions", [("x-model-id", "gpt-4")], 200, "gpt"),
            ("/v1/chat/completions/stream", [("x-model-id", "claude-3")], 200, "claude"),
            ("/v1/embeddings", [], 200, "embeddings"),
            ("/v1/embeddings/batch", [], 200, "embeddings"),
            ("/health", [], 200, "health"),
            ("/health/deep", [], 404, nil),            // Exact means exact
            ("/v1/embeddingsX", [], 404, nil),         // prefixes match whole segments
            ("/v1/chat/completions", [("x-model-id", "llama")], 404, nil),
            ("/v1/chat/completions", [], 404, nil),
            ("/", [], 404, nil),
        ]
        for (path, headers, status, backend) in cases {
            let answer = await fixture.request(path: path, headers: headers)
            #expect(answer?.status == status, "\(path) \(headers)")
            #expect(answer?.backend == backend, "\(path) \(headers)")
        }
    }

    @Test("editing the YAML (80/20 → 0/100) moves all traffic within 2 s, without restarting Envoy")
    func hotReload() async throws {
        let fixture = try await ServeFixture("reload", backendNames: ["a", "b"], routes: weightedRoute([("a", 80), ("b", 20)]))
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 })
        let envoyProcess = fixture.envoy.processIdentifier

        try fixture.writeRoutes(weightedRoute([("a", 0), ("b", 100)]))
        let edited = ContinuousClock.now
        let expected = try #require(fixture.expectedVersion())
        let moved = await eventually(timeout: .seconds(2), every: .milliseconds(5)) {
            await fixture.distribution(count: 16).keys.sorted() == ["b"]
        }
        print("figure: file write to all traffic on b: \(ContinuousClock.now - edited)")
        #expect(moved, "traffic did not move within 2 s:\n\(fixture.meridianLog)")
        #expect(await fixture.distribution(count: 200) == ["b": 200])

        #expect(await eventually { (try? await fixture.envoy.appliedConfiguration().routeVersions["http-\(fixture.listenerPort)"]) == expected },
                "Envoy's config_dump shows the new version \(expected)")
        #expect(fixture.envoy.processIdentifier == envoyProcess)
        #expect(fixture.meridianLog.contains("version=\(expected)"), "Meridian logs the version it serves")
        #expect(fixture.meridianLog.contains("type=RouteConfiguration version=\(expected)") && fixture.meridianLog.contains(" ACK"), "and that the proxy ACKed it")
    }

    @Test("an invalid edit is reported with file and line, and the previous routing keeps serving")
    func invalidEdit() async throws {
        let fixture = try await ServeFixture("invalid", backendNames: ["a", "b"], routes: weightedRoute([("a", 100), ("b", 0)]))
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.backend == "a" })
        let before = fixture.expectedVersion()

        // Line 9 is the second backendRef; its weight value starts at column 39.
        try fixture.writeRoutes(weightedRoute([("a", 0), ("b", 2_000_000)]))
        let reported = await eventually(timeout: .seconds(5)) {
            fixture.meridianLog.contains("routes.yaml:9:39: spec.rules[0].backendRefs[1].weight: must be between 0 and 1000000")
        }
        #expect(reported, "the error names file, line, column, field and reason:\n\(fixture.meridianLog)")
        #expect(fixture.meridianLog.contains("invalid HTTPRoute ns/split: set aside; its last good version is still served"))
        #expect(await fixture.distribution(count: 50) == ["a": 50], "the last good configuration keeps serving")
        #expect(try await fixture.envoy.appliedConfiguration().routeVersions["http-\(fixture.listenerPort)"] == before)

        try fixture.writeRoutes(weightedRoute([("a", 0), ("b", 100)]))
        #expect(await eventually(timeout: .seconds(5)) { await fixture.distribution(count: 16) == ["b": 16] }, "a fixed edit is picked up")
    }

    @Test("serve started with an invalid route stays up, reports it, serves the rest, and serves the route once it is fixed")
    func startsInvalid() async throws {
        let fixture = try await ServeFixture("starts-invalid", backendNames: ["a"], routes: weightedRoute([("a", -5)]))
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(5)) { fixture.meridianLog.contains("spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000") })
        #expect(fixture.meridian.isRunning)
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request()?.status == 404 }, "the Gateway is served; its only route is set aside")
        try fixture.writeRoutes(weightedRoute([("a", 1)]))
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request()?.backend == "a" }, "\(fixture.meridianLog)")
    }

    @Test("filters through Envoy: request and response headers, URL rewrite, redirect")
    func filters() async throws {
        let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: filters, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: /api}}]
              filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier: {set: [{name: x-tier, value: gold}], add: [{name: x-trace, value: added}], remove: [x-debug]}
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {set: [{name: x-served-by, value: meridian}]}
                - type: URLRewrite
                  urlRewrite: {hostname: internal.example, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
              backendRefs: [{name: a, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /strip}}]
              filters:
                - type: URLRewrite
                  urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}
              backendRefs: [{name: a, port: 80}]
            - matches: [{path: {type: PathPrefix, value: /old}}]
              filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https, hostname: new.example.com, statusCode: 301}
            - matches: [{path: {type: PathPrefix, value: /secure}}]
              filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https}
        """
        let fixture = try await ServeFixture("filters", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/api")?.status == 200 }, "\(fixture.meridianLog)")

        let response = try await HTTPProbe.send(port: fixture.listenerPort, path: "/api/users?page=2", headers: [("x-debug", "1"), ("x-trace", "client"), ("x-tier", "bronze")])
        #expect(response.status == 200)
        #expect(response.headers["x-served-by"] == "meridian")
        let echoed = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        let headers = try #require(echoed["headers"] as? [String: String])
        #expect(echoed["path"] as? String == "/v2/users?page=2")
        #expect(echoed["host"] as? String == "internal.example")
        #expect(headers["x-tier"] == "gold", "set replaces the client's value")
        #expect(headers["x-trace"] == "client,added", "add appends")
        #expect(headers["x-debug"] == nil, "remove removes")

        let stripped = try await HTTPProbe.send(port: fixture.listenerPort, path: "/strip/inner/path")
        let strippedBody = try #require(try JSONSerialization.jsonObject(with: Data(stripped.body.utf8)) as? [String: Any])
        #expect(strippedBody["path"] as? String == "/inner/path")

        let redirect = try await HTTPProbe.send(port: fixture.listenerPort, path: "/old/page?x=1")
        #expect(redirect.status == 301)
        #expect(redirect.headers["location"] == "https://new.example.com/old/page?x=1", "no default port in Location")

        // Only the scheme changes: the client's port (the listener's) must not carry over to https.
        let secure = try await HTTPProbe.send(port: fixture.listenerPort, path: "/secure", host: "example.com:\(fixture.listenerPort)")
        #expect(secure.status == 302)
        #expect(secure.headers["location"] == "https://example.com:443/secure")
    }

    @Test("each Gateway is a proxy group; every proxy of a group picks up an edit, others are untouched")
    func proxyGroups() async throws {
        let fixture = try await ServeFixture("groups", backendNames: ["a", "b"], routes: weightedRoute([("a", 1)]))
        defer { fixture.stop() }
        // A second Gateway, with its own listener port and route, in its own file.
        let secondPort = try freeListenerPort()
        try """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw2, namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: \(secondPort)}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: second, namespace: ns}
        spec:
          parentRefs: [{name: gw2}]
          rules: [{backendRefs: [{name: b, port: 80}]}]
        """.write(to: fixture.configDirectory.appendingPathComponent("second.yaml"), atomically: true, encoding: .utf8)
        let groups: [String: String] = await {
            var versions: [String: String] = [:]
            _ = await eventually(timeout: .seconds(5)) {
                let build = ConfigurationPipeline.build(paths: [fixture.configDirectory.path], options: ServeFixture.options)
                versions = build.snapshots.mapValues(\.version)
                return versions.count == 2
            }
            return versions
        }()
        #expect(groups.keys.sorted() == ["ns/gw", "ns/gw2"])

        // A second proxy of ns/gw, and one proxy of ns/gw2.
        func envoy(_ group: String, _ name: String) async throws -> EnvoyProcess {
            // State of the world, as the fixture's: the route versions below are snapshot versions.
            let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: fixture.xdsPort, proxyGroup: group, nodeID: name, adminPort: 0, xdsProtocol: .sotw)
            return try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: try RepositoryPaths.makeScratchDirectory(name))
        }
        let twin = try await envoy("ns/gw", "twin")
        let other = try await envoy("ns/gw2", "other")
        defer { twin.stop(); other.stop() }
        func routeVersion(_ proxy: EnvoyProcess, _ port: Int) async -> String? {
            try? await proxy.appliedConfiguration().routeVersions["http-\(port)"]
        }
        #expect(await eventually(timeout: .seconds(15)) {
            let first = await routeVersion(fixture.envoy, fixture.listenerPort)
            let second = await routeVersion(twin, fixture.listenerPort)
            let third = await routeVersion(other, secondPort)
            return first == groups["ns/gw"] && second == groups["ns/gw"] && third == groups["ns/gw2"]
        }, "\(fixture.meridianLog)")
        #expect(try await other.appliedConfiguration().listenerNames == ["http-\(secondPort)"], "a proxy gets only its own Gateway's listeners")
        let answer = await HTTPProbe.trySend(port: secondPort)
        #expect(answer?.headers["x-backend"] == "b")

        // Edit ns/gw's route: both of its proxies follow; ns/gw2's proxy is not touched.
        try fixture.writeRoutes(weightedRoute([("b", 1)]))
        let edited = ContinuousClock.now
        let expected = try #require(fixture.expectedVersion())
        #expect(await eventually(timeout: .seconds(2), every: .milliseconds(10)) {
            let first = await routeVersion(fixture.envoy, fixture.listenerPort)
            let second = await routeVersion(twin, fixture.listenerPort)
            return first == expected && second == expected
        })
        print("figure: file write to both proxies of the group on the new version: \(ContinuousClock.now - edited)")
        #expect(await routeVersion(other, secondPort) == groups["ns/gw2"])
    }
}
