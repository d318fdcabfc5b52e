import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

/// Policies, from YAML through `meridian serve` to a real Envoy, proven by traffic.
@Suite("Policies through meridian serve and Envoy", .serialized, .timeLimit(.minutes(3)))
struct PolicyServeTests {
    /// A Service `name` in `ns` whose endpoints are the given backends (one EndpointSlice each,
    /// since every loopback backend listens on 127.0.0.1 on a port of its own).
    static func pooledService(_ name: String, _ backends: [LoopbackBackend]) -> String {
        var yaml = """

        ---
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: ns}
        spec: {ports: [{name: http, port: 80}]}

        """
        for backend in backends {
            yaml += """
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: {name: \(name)-\(backend.name), namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
            addressType: IPv4
            ports: [{name: http, port: \(backend.port)}]
            endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}}]

            """
        }
        return yaml
    }

    static func route(_ name: String, path: String, backend: String, rule extra: String = "") -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: \(path)}}]
              backendRefs: [{name: \(backend), port: 80}]
        \(extra.split(separator: "\n", omittingEmptySubsequences: false).map { "      " + $0 }.joined(separator: "\n"))

        """
    }

    /// Statuses of `count` requests sent one after another.
    static func statuses(_ fixture: ServeFixture, count: Int, path: String, headers: [(String, String)] = []) async -> [Int] {
        var statuses: [Int] = []
        for _ in 0..<count {
            statuses.append(await HTTPProbe.trySend(port: fixture.listenerPort, path: path, headers: headers)?.status ?? 0)
        }
        return statuses
    }

    @Test("RateLimitPolicy: a burst over the bucket gets exactly the expected 429s, refills, tenants have their own buckets, other routes are not limited")
    func rateLimitPolicy() async throws {
        // Envoy refills continuously (tokensPerFill spread over fillInterval): the burst bucket
        // refills one token a minute, so a slow burst cannot gain one; the refill bucket is quick.
        let routes = Self.route("burst", path: "/burst", backend: "a") + Self.route("refill", path: "/refill", backend: "a")
            + Self.route("tenants", path: "/tenants", backend: "a") + Self.route("free", path: "/free", backend: "a") + """

        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: burst, namespace: ns}
        spec:
          targetRefs: [{kind: HTTPRoute, name: burst}]
          local: {tokenBucket: {maxTokens: 5, tokensPerFill: 1, fillInterval: 60s}}
        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: refill, namespace: ns}
        spec:
          targetRefs: [{kind: HTTPRoute, name: refill}]
          local: {tokenBucket: {maxTokens: 2, tokensPerFill: 2, fillInterval: 1s}}
        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: tenants, namespace: ns}
        spec:
          targetRefs: [{kind: HTTPRoute, name: tenants}]
          descriptors:
            - entries: [{key: x-tenant-id}]
              limit: {requestsPerUnit: 2, unit: MINUTE}
        """
        let fixture = try await ServeFixture("ratelimit", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/free")?.status == 200 }, "\(fixture.meridianLog)")

        let burst = await Self.statuses(fixture, count: 8, path: "/burst")
        #expect(burst.filter { $0 == 200 }.count == 5, "\(burst)")
        #expect(burst.filter { $0 == 429 }.count == 3, "\(burst)")
        let limited = try await HTTPProbe.send(port: fixture.listenerPort, path: "/burst")
        #expect(limited.status == 429)
        #expect(limited.headers["x-envoy-ratelimited"] == "true")
        let drained = await Self.statuses(fixture, count: 4, path: "/refill")
        #expect(drained.filter { $0 == 429 }.count >= 1, "\(drained)")
        try await Task.sleep(for: .milliseconds(1_200))
        let refilled = await Self.statuses(fixture, count: 2, path: "/refill")
        #expect(refilled == [200, 200], "after one fill interval the bucket is full again: \(refilled)")

        let tenantA = await Self.statuses(fixture, count: 3, path: "/tenants", headers: [("x-tenant-id", "a")])
        let tenantB = await Self.statuses(fixture, count: 3, path: "/tenants", headers: [("x-tenant-id", "b")])
        #expect(tenantA == [200, 200, 429])
        #expect(tenantB == [200, 200, 429], "tenant b has a bucket of its own")
        let free = await Self.statuses(fixture, count: 20, path: "/free")
        #expect(free.allSatisfy { $0 == 200 }, "a route no policy targets is never limited: \(free)")
    }

    @Test("session persistence: Gateway API cookie and header sessions, and BackendLBPolicy, stick for 50 requests; new clients spread")
    func sessionPersistence() async throws {
        let pool = try await (0..<3).asyncMap { try await LoopbackBackend(name: "p\($0)", directory: RepositoryPaths.makeScratchDirectory("session-\($0)")) }
        defer { pool.forEach { $0.stop() } }
        let routes = Self.pooledService("pool", pool) + Self.pooledService("lbpool", pool)
            + Self.route("cookie", path: "/cookie", backend: "pool", rule: "sessionPersistence: {sessionName: sid, type: Cookie}")
            + Self.route("header", path: "/header", backend: "pool", rule: "sessionPersistence: {sessionName: x-session, type: Header}")
            + Self.route("lb", path: "/lb", backend: "lbpool") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: sticky, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: lbpool}]
          sessionPersistence: {sessionName: lb-session, type: Cookie}
        """
        let fixture = try await ServeFixture("session", backendNames: ["a"], routes: routes)
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/cookie")?.status == 200 }, "\(fixture.meridianLog)")

        for (path, cookie) in [("/cookie", "sid"), ("/lb", "lb-session")] {
            let first = try await HTTPProbe.send(port: fixture.listenerPort, path: path)
            let setCookie = try #require(first.headers["set-cookie"], "\(path): no Set-Cookie in \(first.headers)")
            #expect(setCookie.hasPrefix("\(cookie)="))
            let value = String(setCookie.split(separator: ";")[0])
            var seen: Set<String> = []
            for _ in 0..<50 {
                seen.insert(try await HTTPProbe.send(port: fixture.listenerPort, path: path, headers: [("cookie", value)]).headers["x-backend"] ?? "none")
            }
            #expect(seen == [first.headers["x-backend"] ?? "?"], "\(path): 50 requests with the cookie stayed on one endpoint")
            var fresh: Set<String> = []
            for _ in 0..<30 { fresh.insert(try await HTTPProbe.send(port: fixture.listenerPort, path: path).headers["x-backend"] ?? "none") }
            #expect(fresh.count >= 2, "\(path): new clients spread: \(fresh)")
        }

        let first = try await HTTPProbe.send(port: fixture.listenerPort, path: "/header")
        let session = try #require(first.headers["x-session"], "no x-session header in \(first.headers)")
        var seen: Set<String> = []
        for _ in 0..<50 {
            seen.insert(try await HTTPProbe.send(port: fixture.listenerPort, path: "/header", headers: [("x-session", session)]).headers["x-backend"] ?? "none")
        }
        #expect(seen == [first.headers["x-backend"] ?? "?"])
    }

    @Test("an invalid policy at start-up is set aside and the rest is served; a broken edit keeps the policy's last good version while other edits apply")
    func invalidPolicyIsolation() async throws {
        func routes(limit: String, otherBackend: String) -> String {
            Self.route("limited", path: "/limited", backend: "a") + Self.route("other", path: "/other", backend: otherBackend) + """

            ---
            apiVersion: gateway.kgateway.dev/v1alpha1
            kind: TrafficPolicy
            metadata: {name: limit, namespace: ns}
            spec:
              targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: limited}]
              rateLimit: {local: {tokenBucket: {maxTokens: 2, tokensPerFill: 2, fillInterval: \(limit)}}}
            """
        }
        // Starts with the policy broken: everything else is served, and the policy is reported.
        let fixture = try await ServeFixture("isolation", backendNames: ["a", "b"], routes: routes(limit: "10ms", otherBackend: "a"))
        defer { fixture.stop() }
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/other")?.backend == "a" }, "\(fixture.meridianLog)")
        #expect(fixture.meridianLog.contains("invalid TrafficPolicy ns/limit"))
        #expect(fixture.meridianLog.contains("routes.yaml:"), "the log names file and line")
        #expect(await Self.statuses(fixture, count: 4, path: "/limited") == [200, 200, 200, 200], "a broken policy never applied limits nothing")

        // Fixed: the limit applies.
        try fixture.writeRoutes(routes(limit: "60s", otherBackend: "a"))
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request(path: "/limited")?.status == 429 })

        // Broken again, with another route's edit in the same change: the edit applies, the limit stays.
        try fixture.writeRoutes(routes(limit: "10ms", otherBackend: "b"))
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request(path: "/other")?.backend == "b" })
        // Envoy starts a route's buckets afresh when its RouteConfiguration changes: at most 2 pass.
        let after = await Self.statuses(fixture, count: 3, path: "/limited")
        #expect(after.last == 429 && after.filter { $0 == 200 }.count <= 2, "the policy's last good version is still served: \(after)")
        #expect(fixture.meridianLog.contains("its last good version is still served"))
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
