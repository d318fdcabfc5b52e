import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

/// Retries, outlier detection, circuit breakers and precedence, from YAML through
/// `meridian serve` to a real Envoy, against backends told to fail per request.
@Suite("Resilience policies through meridian serve and Envoy", .serialized, .timeLimit(.minutes(3)))
struct ResiliencePolicyServeTests {
    typealias Header = LoopbackBackend.Header

    /// One request through Envoy whose first `failing` attempts fail with `status`; returns
    /// Envoy's answer and how many attempts the backend saw.
    static func attempt(_ fixture: ServeFixture, _ backend: LoopbackBackend, path: String, key: String, failing: Int, status: Int = 503, extra: [(String, String)] = []) async throws -> (status: Int, attempts: Int) {
        let headers = [(Header.requestKey, key), (Header.failAttempts, String(failing)), (Header.failStatus, String(status))] + extra
        let response = try await HTTPProbe.send(port: fixture.listenerPort, path: path, headers: headers, timeout: 10)
        return (response.status, try await backend.attempts(key: key))
    }

    @Test("retries in all three families: N < attempts succeeds, N ≥ attempts fails, the backend counts exactly attempts + 1 tries")
    func retriesInEveryFamily() async throws {
        let routes = PolicyServeTests.route("seed", path: "/seed", backend: "a", rule: "filters: [{type: ExtensionRef, extensionRef: {group: kgateway.dev, kind: RetryPolicy, name: retries}}]")
            + PolicyServeTests.route("targeted", path: "/targeted", backend: "a")
            + PolicyServeTests.route("filtered", path: "/filtered", backend: "a", rule: "filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: by-filter}}]")
            + PolicyServeTests.route("gatewayapi", path: "/gatewayapi", backend: "a", rule: "retry: {codes: [503], attempts: 2, backoff: 10ms}")
            + """

            ---
            apiVersion: kgateway.dev/v1alpha1
            kind: RetryPolicy
            metadata: {name: retries, namespace: ns}
            spec: {numRetries: 2, retryOn: ["5xx"], retryBackOff: {baseInterval: 10ms, maxInterval: 20ms}}
            ---
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: targeted, namespace: ns}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: targeted}]
              retry: {attempts: 2, retryOn: [5xx], backoffBaseInterval: 10ms}
            ---
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: by-filter, namespace: ns}
            spec:
              retry: {attempts: 2, retryOn: [5xx], backoffBaseInterval: 10ms}
            """
        let fixture = try await ServeFixture("retries", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        let backend = try #require(fixture.backends["a"])
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/gatewayapi")?.status == 200 }, "\(fixture.meridianLog)")

        for path in ["/seed", "/targeted", "/filtered", "/gatewayapi"] {
            let recovered = try await Self.attempt(fixture, backend, path: path, key: "\(path)-2", failing: 2)
            #expect(recovered.status == 200 && recovered.attempts == 3, "\(path): 2 failures, 2 retries: \(recovered)")
            let exhausted = try await Self.attempt(fixture, backend, path: path, key: "\(path)-3", failing: 3)
            #expect(exhausted.status == 503 && exhausted.attempts == 3, "\(path): 3 failures outlast 2 retries: \(exhausted)")
        }
    }

    @Test("a status not in retryOn is tried once; a per-try timeout triggers a retry")
    func retryConditions() async throws {
        let routes = PolicyServeTests.route("r", path: "/", backend: "a") + """

        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: retries, namespace: ns}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
          timeouts: {request: 5s}
          retry: {attempts: 2, retryOn: [5xx], perTryTimeout: 300ms, backoffBaseInterval: 10ms}
        """
        let fixture = try await ServeFixture("retry-conditions", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        let backend = try #require(fixture.backends["a"])
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 }, "\(fixture.meridianLog)")

        let notRetried = try await Self.attempt(fixture, backend, path: "/", key: "404", failing: 1, status: 404)
        #expect(notRetried.status == 404 && notRetried.attempts == 1, "404 is not 5xx: \(notRetried)")
        let slow = try await Self.attempt(fixture, backend, path: "/", key: "slow", failing: 0, extra: [(Header.delayMilliseconds, "1500"), (Header.delayAttempts, "1")])
        #expect(slow.status == 200 && slow.attempts == 2, "the first try timed out after 300ms and the retry answered: \(slow)")
    }

    @Test("CircuitBreakerPolicy outlier detection: the failing endpoint is ejected, then ≤ 5% errors; maxEjectionPercent holds when both fail")
    func outlierDetection() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("outlier-pool")
        let healthy = try await LoopbackBackend(name: "healthy", directory: directory)
        let broken = try await LoopbackBackend(name: "broken", directory: directory, failStatus: 503)
        defer { healthy.stop(); broken.stop() }
        let routes = PolicyServeTests.pooledService("pool", [healthy, broken]) + PolicyServeTests.route("r", path: "/", backend: "pool") + """

        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: CircuitBreakerPolicy
        metadata: {name: breaker, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: pool}]
          consecutiveErrors: 3
          interval: 10s
          maxEjectionPercent: 50
        """
        let fixture = try await ServeFixture("outlier", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 }, "\(fixture.meridianLog)")

        // Until 3 consecutive 503s eject it, the broken endpoint gets its share.
        var sent = 0
        #expect(await eventually(timeout: .seconds(10)) {
            _ = await fixture.request()
            sent += 1
            return (try? await fixture.envoy.hostHealthFlags(cluster: "ns/pool:80"))?[broken.port]?.contains("failed_outlier_check") == true
        }, "never ejected after \(sent) requests")
        var errors = 0
        for _ in 0..<100 where await fixture.request()?.status != 200 { errors += 1 }
        #expect(errors <= 5, "\(errors) errors of 100 after the ejection")

        // Both failing: at most 50% (one of two) may be ejected.
        try await healthy.setFailStatus(503)
        for _ in 0..<30 { _ = await fixture.request() }
        let flags = try await fixture.envoy.hostHealthFlags(cluster: "ns/pool:80")
        #expect(flags.values.filter { $0.contains("failed_outlier_check") }.count == 1, "maxEjectionPercent 50: \(flags)")
    }

    @Test("CircuitBreakerPolicy thresholds: concurrent requests over maxRequests/maxPendingRequests get 503 overflow")
    func circuitBreaker() async throws {
        let routes = PolicyServeTests.route("r", path: "/", backend: "a") + """

        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: CircuitBreakerPolicy
        metadata: {name: breaker, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: a}]
          maxConnections: 1
          maxPendingRequests: 1
          maxRequests: 1
        """
        let fixture = try await ServeFixture("breaker", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        let backend = try #require(fixture.backends["a"])
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request()?.status == 200 }, "\(fixture.meridianLog)")
        try await backend.resetStats()

        let slow = HTTPProbe.Request(headers: [(Header.delayMilliseconds, "500")])
        let outcomes = try await HTTPProbe.sendConcurrently(port: fixture.listenerPort, Array(repeating: slow, count: 10))
        let responses = outcomes.compactMap { try? $0.get() }
        let overflow = responses.filter { $0.status == 503 && $0.headers["x-envoy-overloaded"] == "true" }
        let served = responses.filter { $0.status == 200 }
        #expect(responses.count == 10)
        #expect((1...2).contains(served.count), "one request in flight and at most one pending: \(responses.map(\.status))")
        #expect(overflow.count == 10 - served.count, "the rest overflow: \(responses.map(\.status))")
        #expect(try await backend.stats().maxInFlight == 1)
    }

    @Test("precedence through Envoy: the rule-level timeout beats the route-level one, and the route-level retry still applies")
    func precedence() async throws {
        let routes = """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - name: fast
              matches: [{path: {type: PathPrefix, value: /fast}}]
              backendRefs: [{name: a, port: 80}]
            - name: slow
              matches: [{path: {type: PathPrefix, value: /slow}}]
              backendRefs: [{name: a, port: 80}]
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: route-wide, namespace: ns}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
          timeouts: {request: 5s}
          retry: {attempts: 1, retryOn: [5xx], backoffBaseInterval: 10ms}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: TrafficPolicy
        metadata: {name: fast-rule, namespace: ns}
        spec:
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: fast}]
          timeouts: {request: 300ms}
        """
        let fixture = try await ServeFixture("precedence", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        let backend = try #require(fixture.backends["a"])
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/slow")?.status == 200 }, "\(fixture.meridianLog)")

        let delayed = [(Header.delayMilliseconds, "1000")]
        #expect(try await HTTPProbe.send(port: fixture.listenerPort, path: "/fast", headers: delayed).status == 504, "the rule's 300ms timeout")
        #expect(try await HTTPProbe.send(port: fixture.listenerPort, path: "/slow", headers: delayed, timeout: 10).status == 200, "the route's 5s timeout")
        let merged = try await Self.attempt(fixture, backend, path: "/fast", key: "merged", failing: 1)
        #expect(merged.status == 200 && merged.attempts == 2, "the route-level retry merges into the rule: \(merged)")
    }
}
