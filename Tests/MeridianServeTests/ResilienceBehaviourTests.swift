import EnvoyAPI
import Foundation
import Synchronization
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// What Envoy 1.40 does with the resilience IR, counted at the backends: retries, outlier
/// detection, circuit breakers, local rate limits, sticky sessions, consistent hashing and
/// priority failover. One Envoy and its own loopback backends per test, configured over ADS
/// from a hand-built `ProxyConfiguration` (no translation). The backends fail on request
/// (`LoopbackBackend.Header`) and report what reached them.
@Suite("Resilience behaviour through Envoy", .serialized, .timeLimit(.minutes(1)))
struct ResilienceBehaviourTests {
    typealias Header = LoopbackBackend.Header
    static let group = "default/gateway"

    /// The xDS server, the backends and (once `serve` ran) Envoy of one test.
    final class Fixture: Sendable {
        let directory: URL
        let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none))
        let xdsPort: Int
        let listenerPort: Int
        let backends: [String: LoopbackBackend]
        private let envoyBox = Mutex<EnvoyProcess?>(nil)

        init(_ label: String, backends names: [String]) async throws {
            directory = try RepositoryPaths.makeScratchDirectory(label)
            xdsPort = try server.start(address: "127.0.0.1:0")
            listenerPort = try freeListenerPort()
            var backends: [String: LoopbackBackend] = [:]
            for name in names { backends[name] = try await LoopbackBackend(name: name, directory: directory) }
            self.backends = backends
        }

        subscript(_ name: String) -> LoopbackBackend { backends[name]! }

        var envoy: EnvoyProcess { envoyBox.withLock { $0! } }

        func endpoint(_ name: String, priority: UInt32 = 0) -> Endpoint {
            Endpoint(address: "127.0.0.1", port: self[name].port, priority: priority)
        }

        /// One listener and one virtual host with `routes`, then `/ready` to `readyCluster`.
        func configuration(routes: [Route], clusters: [Cluster], readyCluster: String) -> ProxyConfiguration {
            let ready = Route(name: "ready", match: RouteMatch(path: .exact("/ready")), action: .forward([WeightedBackend(clusterName: readyCluster, weight: 1)]))
            return ProxyConfiguration(
                group: ResilienceBehaviourTests.group,
                listeners: [Listener(name: "http", address: "127.0.0.1", port: listenerPort, routeTableName: "routes")],
                routeTables: [RouteTable(name: "routes", virtualHosts: [VirtualHost(name: "any", domains: ["*"], routes: [ready] + routes)])],
                clusters: clusters
            )
        }

        /// Publishes the configuration, starts Envoy, and returns once Envoy ACKed every
        /// type and `/ready` answered 200 through it; then zeroes every backend's counts.
        func serve(_ configuration: ProxyConfiguration) async throws {
            let snapshot = try SampleConfigurations.snapshot(configuration)
            server.cache.setSnapshot(snapshot, for: ResilienceBehaviourTests.group)
            let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: xdsPort, proxyGroup: ResilienceBehaviourTests.group, nodeID: "envoy-resilience", adminPort: 0)
            let envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
            envoyBox.withLock { $0 = envoy }
            let settled = await eventually(timeout: .seconds(15)) {
                guard let proxy = server.proxies.proxies.first else { return false }
                // Every type the snapshot holds (it has no secrets: Envoy never asks for them).
                return snapshot.resources.filter { !$0.value.isEmpty }.keys.allSatisfy { proxy.types[$0]?.acknowledgedVersion == snapshot.version }
                    || proxy.types.values.contains { $0.lastRejection != nil }
            }
            if let rejection = server.proxies.proxies.first?.types.values.compactMap(\.lastRejection).first {
                throw FixtureError("Envoy rejected the configuration: \(rejection.message)")
            }
            guard settled else { throw FixtureError("Envoy did not ACK every type:\n\(envoy.log)") }
            guard await eventually(timeout: .seconds(10), { await HTTPProbe.trySend(port: listenerPort, path: "/ready")?.status == 200 }) else {
                throw FixtureError("/ready did not answer 200 through Envoy:\n\(envoy.log)")
            }
            for backend in backends.values { try await backend.resetStats() }
        }

        func send(_ path: String, headers: [(String, String)] = []) async throws -> HTTPProbe.Response {
            try await HTTPProbe.send(port: listenerPort, path: path, headers: headers)
        }

        /// `count` requests one after another; the answering backend of each (`x-backend`, or "-").
        func backendsAnswering(_ path: String, count: Int, headers: [(String, String)] = []) async throws -> [String] {
            var names: [String] = []
            for _ in 0..<count {
                let response = try await send(path, headers: headers)
                names.append(response.status == 200 ? response.headers["x-backend"] ?? "-" : "-")
            }
            return names
        }

        /// One request through Envoy; after a failure, waits (at most 200 ms) until the outlier
        /// detector has as many ejections as `expectedEjections` says there should now be.
        ///
        /// Envoy counts consecutive 5xx on the worker, which posts the ejection to the main thread,
        /// which posts the new host set back to the worker (DetectorImpl::onConsecutive5xx). A
        /// client that sends its next request at once can race that round trip on a loaded machine
        /// and reach the endpoint once more; waiting for the main thread's ejection closes the race
        /// without changing which requests Envoy sees.
        func sendAwaitingEjection(_ path: String = "/", cluster: String = "service", expectedEjections: () async throws -> Int) async throws -> HTTPProbe.Response {
            let response = try await send(path)
            if response.status != 200 {
                let expected = try await expectedEjections()
                _ = try await eventually(timeout: .milliseconds(200), every: .milliseconds(5)) {
                    try await envoy.stat("cluster.\(cluster).outlier_detection.ejections_active") >= expected
                }
            }
            return response
        }

        func stop() async {
            envoyBox.withLock { $0 }?.stop()
            for backend in backends.values { backend.stop() }
            await server.shutdown(gracePeriod: .seconds(1))
        }
    }

    /// Runs `body` with a fresh fixture and stops Envoy, the backends and the server afterwards, whatever happens.
    static func withFixture(_ label: String, backends: [String], _ body: (Fixture) async throws -> Void) async throws {
        let fixture = try await Fixture(label, backends: backends)
        do {
            try await body(fixture)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    /// A field of the first health check of `cluster` as Envoy applied it (its `/config_dump`).
    static func healthCheckField(_ field: String, cluster name: String, envoy: EnvoyProcess) async throws -> Any? {
        let dump = try await envoy.configDump()
        for config in dump["configs"] as? [[String: Any]] ?? [] where (config["@type"] as? String ?? "").hasSuffix("ClustersConfigDump") {
            for entry in config["dynamic_active_clusters"] as? [[String: Any]] ?? [] {
                guard let cluster = entry["cluster"] as? [String: Any], cluster["name"] as? String == name else { continue }
                return (cluster["health_checks"] as? [[String: Any]])?.first?[field]
            }
        }
        return nil
    }

    static func counts(_ values: [some Hashable]) -> [AnyHashable: Int] {
        values.reduce(into: [:]) { $0[AnyHashable($1), default: 0] += 1 }
    }

    static func route(_ name: String, _ path: String, cluster: String = "service", timeout: Duration? = nil, retry: RetryPolicy? = nil,
                      hashPolicies: [HashPolicy] = [], rateLimit: LocalRateLimit? = nil, session: SessionPersistence? = nil) -> Route {
        Route(name: name, match: RouteMatch(path: path == "/" ? .prefix("/") : .segmentPrefix(path)), action: .forward([WeightedBackend(clusterName: cluster, weight: 1)]),
              timeout: timeout, retry: retry, hashPolicies: hashPolicies, rateLimit: rateLimit, sessionPersistence: session)
    }

    // MARK: - Retries

    @Test("retries: 5xx and resets are retried up to numRetries, a 404 is not, a per-try timeout is, retriable-status-codes retries 409 only; exact attempts at the backend")
    func retries() async throws {
        try await Self.withFixture("resilience-retries", backends: ["a"]) { fixture in
            try await fixture.serve(fixture.configuration(routes: [
                Self.route("5xx", "/5xx", retry: RetryPolicy(retryOn: ["5xx"], numRetries: 2)),
                Self.route("reset", "/reset", retry: RetryPolicy(retryOn: ["reset"], numRetries: 2)),
                Self.route("per-try", "/per-try", timeout: .seconds(5), retry: RetryPolicy(retryOn: ["5xx"], numRetries: 2, perTryTimeout: .milliseconds(200))),
                Self.route("codes", "/codes", retry: RetryPolicy(retryOn: ["retriable-status-codes"], numRetries: 2, retriableStatusCodes: [409])),
            ], clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a")]))], readyCluster: "service"))
            let backend = fixture["a"]

            func attempt(_ path: String, key: String, _ headers: [(String, String)]) async throws -> (status: Int, attempts: Int) {
                let response = try await fixture.send(path, headers: [(Header.requestKey, key)] + headers)
                return (response.status, try await backend.attempts(key: key))
            }

            // retry_on 5xx, num_retries 2: three attempts in all.
            let twoFailures = try await attempt("/5xx", key: "two-503", [(Header.failAttempts, "2")])
            #expect(twoFailures == (200, 3), "fails twice, the second retry answers")
            let threeFailures = try await attempt("/5xx", key: "three-503", [(Header.failAttempts, "3")])
            #expect(threeFailures == (503, 3), "retries exhausted: the upstream's last 503 goes back")
            let notFound = try await attempt("/5xx", key: "one-404", [(Header.failAttempts, "1"), (Header.failStatus, "404")])
            #expect(notFound == (404, 1), "404 is not a 5xx: tried once")
            let resetUnder5xx = try await attempt("/5xx", key: "reset-under-5xx", [(Header.failAttempts, "1"), (Header.failMode, "reset")])
            #expect(resetUnder5xx == (200, 2), "5xx includes a connection reset before any answer")

            // retry_on reset: a reset is retried, a 503 answer is not.
            let resets = try await attempt("/reset", key: "two-resets", [(Header.failAttempts, "2"), (Header.failMode, "reset")])
            #expect(resets == (200, 3))
            let answered503 = try await attempt("/reset", key: "503-under-reset", [(Header.failAttempts, "1")])
            #expect(answered503 == (503, 1), "a 503 is an answer, not a reset")

            // per_try_timeout 200 ms: the first attempt sleeps 1 s, the retry answers at once.
            let started = ContinuousClock.now
            let slowFirst = try await attempt("/per-try", key: "slow-first", [(Header.delayMilliseconds, "1000"), (Header.delayAttempts, "1")])
            let elapsed = ContinuousClock.now - started
            #expect(slowFirst == (200, 2), "the per-try timeout is retried under 5xx")
            let perTryTimeouts = try await fixture.envoy.stat("cluster.service.upstream_rq_per_try_timeout")
            let upstreamStats = try await fixture.envoy.stats(matching: "^cluster\\.service\\.upstream_(rq|cx)_")
            #expect(perTryTimeouts == 1, "the one retry here was the per-try timeout: \(upstreamStats)")
            #expect(elapsed >= .milliseconds(200) && elapsed < .milliseconds(900), "answered by the retry, not the slow first attempt: \(elapsed) \(upstreamStats)")

            // retriable-status-codes [409]: 409 is retried, 503 is not (5xx is not in retry_on).
            let conflicts = try await attempt("/codes", key: "two-409", [(Header.failAttempts, "2"), (Header.failStatus, "409")])
            #expect(conflicts == (200, 3))
            let conflictsExhausted = try await attempt("/codes", key: "three-409", [(Header.failAttempts, "3"), (Header.failStatus, "409")])
            #expect(conflictsExhausted == (409, 3))
            let unavailable = try await attempt("/codes", key: "one-503", [(Header.failAttempts, "1")])
            #expect(unavailable == (503, 1))

            #expect(try await fixture.envoy.stat("cluster.service.upstream_rq_retry") == 2 + 2 + 1 + 2 + 1 + 2 + 2, "every retry above, counted by Envoy")
        }
    }

    // MARK: - Outlier detection

    @Test("outlier detection: an endpoint answering 503 is ejected after 3 consecutive 5xx; everything after reaches the healthy one")
    func outlierDetectionEjects() async throws {
        try await Self.withFixture("resilience-outlier", backends: ["a", "b"]) { fixture in
            let detection = OutlierDetection(consecutive5xx: 3, interval: .seconds(1), baseEjectionTime: .seconds(30), maxEjectionPercent: 100)
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("all", "/")],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a"), fixture.endpoint("b")]), outlierDetection: detection)],
                readyCluster: "service"
            ))
            try await fixture["a"].setFailStatus(503)

            // Round robin alternates a and b; a's third 503 in a row ejects it (consecutive 5xx
            // ejections are immediate, not at the next `interval`).
            var answers: [String] = []
            while answers.count < 20, try await fixture.envoy.stat("cluster.service.outlier_detection.ejections_active") == 0 {
                let response = try await fixture.sendAwaitingEjection { try await fixture["a"].stats().requests >= 3 ? 1 : 0 }
                answers.append("\(response.status) \(response.headers["x-backend"] ?? "-")")
            }
            #expect(answers.filter { $0 != "200 b" } == Array(repeating: "503 a", count: 3), "exactly three 503s from a, then it is ejected: \(answers)")

            // After the ejection: the next 100 requests all reach b.
            var after: [String] = []
            for _ in 0..<100 {
                let response = try await fixture.send("/")
                after.append("\(response.status) \(response.headers["x-backend"] ?? "-")")
            }
            #expect(after == Array(repeating: "200 b", count: 100), "\(Self.counts(after))")
            #expect(try await fixture["a"].stats().requests == 3, "nothing reached a once it was ejected")
            let flags = try await fixture.envoy.hostHealthFlags(cluster: "service")
            #expect(flags[fixture["a"].port]?.contains("/failed_outlier_check") == true, "\(flags)")
            #expect(flags[fixture["b"].port] == "healthy", "\(flags)")
            #expect(try await fixture.envoy.stat("cluster.service.outlier_detection.ejections_active") == 1)
            #expect(try await fixture.envoy.stat("cluster.service.outlier_detection.ejections_enforced_consecutive_5xx") == 1)
        }
    }

    @Test("outlier detection: with max ejection 50% of two endpoints and both failing, exactly one is ejected")
    func outlierDetectionEjectionCap() async throws {
        try await Self.withFixture("resilience-outlier-cap", backends: ["a", "b"]) { fixture in
            let detection = OutlierDetection(consecutive5xx: 3, interval: .seconds(1), baseEjectionTime: .seconds(30), maxEjectionPercent: 50)
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("all", "/")],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a"), fixture.endpoint("b")]), outlierDetection: detection)],
                readyCluster: "service"
            ))
            try await fixture["a"].setFailStatus(503)
            try await fixture["b"].setFailStatus(503)

            // Whichever backend gets its third 503 first is ejected: that is 50% of the cluster.
            // The other one reaches three 503s in a row too, but ejecting it would make 100%.
            var statuses: [Int] = []
            for _ in 0..<30 {
                let response = try await fixture.sendAwaitingEjection {
                    let first = try await fixture["a"].stats().requests, second = try await fixture["b"].stats().requests
                    return max(first, second) >= 3 ? 1 : 0
                }
                statuses.append(response.status)
            }
            let flags = try await fixture.envoy.hostHealthFlags(cluster: "service")
            let ejected = flags.filter { $0.value.contains("/failed_outlier_check") }
            #expect(ejected.count == 1, "one of two is 50%, the cap: \(flags)")
            #expect(try await fixture.envoy.stat("cluster.service.outlier_detection.ejections_active") == 1)
            #expect(try await fixture.envoy.stat("cluster.service.outlier_detection.ejections_overflow") >= 1, "the other one's ejection was refused")
            // The ejected one got its 3 requests; the other one served the remaining 27.
            let ejectedName = ejected.keys.first == fixture["a"].port ? "a" : "b"
            let remainingName = ejectedName == "a" ? "b" : "a"
            #expect(try await fixture[ejectedName].stats().requests == 3)
            #expect(try await fixture[remainingName].stats().requests == 27)
        }
    }

    // MARK: - Circuit breakers

    @Test("circuit breakers: max 1 connection, 1 pending, 1 request and a slow backend: of 10 concurrent requests 2 pass and 8 get 503 x-envoy-overloaded")
    func circuitBreakers() async throws {
        try await Self.withFixture("resilience-breakers", backends: ["a"]) { fixture in
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("all", "/")],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a")]),
                                   circuitBreakers: CircuitBreakers(maxConnections: 1, maxPendingRequests: 1, maxRequests: 1))],
                readyCluster: "service"
            ))
            // `serve` left one idle HTTP/1.1 connection to a in the pool (from /ready). Envoy's pool
            // (ConnPoolImplBase::newStreamImpl) then takes the burst as: the first request goes out on
            // that ready connection (1 active request = max_requests); the second finds no ready
            // connection, fits the pending queue (max_pending_requests 1) and may not open another
            // connection (max_connections 1); every later one overflows the pending queue at once:
            // 503, x-envoy-overloaded, upstream_rq_pending_overflow. The pending one goes out on the
            // same connection when the first answers, 500 ms later.
            let burst = Array(repeating: HTTPProbe.Request(headers: [(Header.delayMilliseconds, "500")]), count: 10)
            let started = ContinuousClock.now
            let outcomes = try await HTTPProbe.sendConcurrently(port: fixture.listenerPort, burst)
            let elapsed = ContinuousClock.now - started
            let responses = try outcomes.map { try $0.get() }
            let passed = responses.filter { $0.status == 200 }
            let overloaded = responses.filter { $0.status == 503 && $0.headers["x-envoy-overloaded"] == "true" }
            #expect(passed.count == 2 && overloaded.count == 8, "statuses \(responses.map(\.status))")
            #expect(elapsed >= .milliseconds(1_000), "the pending request waited for the first one: \(elapsed)")
            let stats = try await fixture["a"].stats()
            #expect(stats.requests == 2)
            #expect(stats.maxInFlight == 1, "never more than one request at the backend")
            #expect(try await fixture.envoy.stat("cluster.service.upstream_rq_pending_overflow") == 8)
            #expect(try await fixture.envoy.stat("cluster.service.upstream_cx_total") == 1, "one upstream connection ever: the warm one")
            #expect(try await fixture.envoy.stat("cluster.service.upstream_cx_overflow") == 1, "the pending request was refused a second connection, once")
        }
    }

    // MARK: - Local rate limits

    @Test("local rate limit: 5 tokens a second give a burst of 8 exactly 5x200 and 3x429, refill after a second; per-tenant buckets of 2; an unlimited route stays unlimited")
    func localRateLimit() async throws {
        try await Self.withFixture("resilience-ratelimit", backends: ["a"]) { fixture in
            let perSecond = LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 5, tokensPerFill: 5, fillInterval: .seconds(1)))
            let perTenant = LocalRateLimit(descriptors: [RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: TokenBucket(maxTokens: 2, tokensPerFill: 2, fillInterval: .seconds(60)))])
            try await fixture.serve(fixture.configuration(
                routes: [
                    Self.route("limited", "/limited", rateLimit: perSecond),
                    Self.route("tenants", "/tenants", rateLimit: perTenant),
                    Self.route("free", "/free"),
                ],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a")]))],
                readyCluster: "service"
            ))

            /// `count` concurrent requests; the answers and how long the whole burst took.
            func burst(_ path: String, _ count: Int) async throws -> (responses: [HTTPProbe.Response], elapsed: Duration) {
                let started = ContinuousClock.now
                let responses = try await HTTPProbe.sendConcurrently(port: fixture.listenerPort, Array(repeating: HTTPProbe.Request(path: path), count: count)).map { try $0.get() }
                return (responses, ContinuousClock.now - started)
            }
            func isRateLimited(_ response: HTTPProbe.Response) -> Bool {
                response.status == 429 && response.headers["x-envoy-ratelimited"] == "true" && response.headers["x-backend"] == nil
            }
            /// Envoy 1.40's local rate limit bucket refills continuously (AtomicTokenBucket; the
            /// timer-based bucket is gone): 5 tokens per second is one token every 200 ms, not 5 at
            /// each second. A burst shorter than 200 ms therefore gets exactly the 5 tokens in the
            /// bucket; a slower one (a loaded machine) may fairly get one more per 200 ms it took.
            func expectFiveOfEight(_ burst: (responses: [HTTPProbe.Response], elapsed: Duration), _ comment: String) {
                let passed = burst.responses.filter { $0.status == 200 }.count
                let limited = burst.responses.filter(isRateLimited).count
                let refilled = Int(burst.elapsed / .milliseconds(200))
                if refilled == 0 {
                    #expect(passed == 5 && limited == 3, "\(comment): \(burst.responses.map(\.status)) in \(burst.elapsed)")
                } else {
                    #expect((5...min(8, 5 + refilled)).contains(passed) && passed + limited == 8, "\(comment): \(burst.responses.map(\.status)) in \(burst.elapsed)")
                }
            }

            let first = try await burst("/limited", 8)
            expectFiveOfEight(first, "a full bucket")
            #expect(try await fixture["a"].stats().requests == first.responses.filter { $0.status == 200 }.count, "limited requests never reach the backend")
            let free = try await burst("/free", 20)
            #expect(free.responses.map(\.status) == Array(repeating: 200, count: 20), "a route without a limit is never limited, even beside a drained one")

            try await Task.sleep(for: .milliseconds(1_100))
            let refilled = try await burst("/limited", 8)
            expectFiveOfEight(refilled, "refilled to the 5-token maximum, not beyond")

            func tenant(_ id: String?, _ count: Int) async throws -> [Int] {
                var statuses: [Int] = []
                for _ in 0..<count { statuses.append(try await fixture.send("/tenants", headers: id.map { [("x-tenant-id", $0)] } ?? []).status) }
                return statuses
            }
            #expect(try await tenant("a", 3) == [200, 200, 429])
            #expect(try await tenant("b", 3) == [200, 200, 429], "b has a bucket of its own")
            #expect(try await tenant("a", 1) == [429], "a stays drained")
            #expect(try await tenant(nil, 10) == Array(repeating: 200, count: 10), "no tenant header: no descriptor, no limit")
        }
    }

    // MARK: - Session persistence

    @Test("session persistence by cookie: each backend's cookie pins 50 requests to it; without the cookie requests are round-robined")
    func sessionCookie() async throws {
        try await Self.withFixture("resilience-cookie", backends: ["a", "b", "c"]) { fixture in
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("sticky", "/sticky", session: SessionPersistence(.cookie(name: "sid", ttl: nil, path: "/")))],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a"), fixture.endpoint("b"), fixture.endpoint("c")]))],
                readyCluster: "service"
            ))

            // Round robin gives three cookie-less requests three different backends, each setting its cookie.
            var cookies: [String: String] = [:]
            for _ in 0..<3 {
                let response = try await fixture.send("/sticky")
                let cookie = try #require(response.headers["set-cookie"], "no Set-Cookie")
                #expect(cookie.hasPrefix("sid="))
                #expect(!cookie.lowercased().contains("max-age"), "no ttl: a session cookie: \(cookie)")
                cookies[try #require(response.headers["x-backend"])] = String(cookie.split(separator: ";")[0])
            }
            #expect(Set(cookies.keys) == ["a", "b", "c"])
            for (backend, cookie) in cookies.sorted(by: { $0.key < $1.key }) {
                let answering = try await fixture.backendsAnswering("/sticky", count: 50, headers: [("cookie", cookie)])
                #expect(answering == Array(repeating: backend, count: 50), "the cookie of \(backend)")
            }
            let unpinned = try await fixture.backendsAnswering("/sticky", count: 30)
            #expect(Self.counts(unpinned) == ["a": 10, "b": 10, "c": 10], "no cookie: round robin")
        }
    }

    @Test("session persistence by header: the header a backend's answer carries pins 50 requests to it; without it requests are round-robined")
    func sessionHeader() async throws {
        try await Self.withFixture("resilience-header", backends: ["a", "b", "c"]) { fixture in
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("sticky", "/sticky", session: SessionPersistence(.header(name: "x-session")))],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a"), fixture.endpoint("b"), fixture.endpoint("c")]))],
                readyCluster: "service"
            ))

            var sessions: [String: String] = [:]
            for _ in 0..<3 {
                let response = try await fixture.send("/sticky")
                let session: String = try #require(response.headers["x-session"], "no x-session in the answer")
                sessions[try #require(response.headers["x-backend"])] = session
            }
            #expect(Set(sessions.keys) == ["a", "b", "c"])
            for (backend, session) in sessions.sorted(by: { $0.key < $1.key }) {
                let answering = try await fixture.backendsAnswering("/sticky", count: 50, headers: [("x-session", session)])
                #expect(answering == Array(repeating: backend, count: 50), "the session of \(backend)")
            }
            let unpinned = try await fixture.backendsAnswering("/sticky", count: 30)
            #expect(Self.counts(unpinned) == ["a": 10, "b": 10, "c": 10], "no header: round robin")
        }
    }

    // MARK: - Consistent hashing

    @Test("ring hash on x-user: each user's 30 requests reach one backend; users spread over the backends")
    func ringHash() async throws {
        try await Self.withFixture("resilience-ringhash", backends: ["a", "b", "c"]) { fixture in
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("hashed", "/", hashPolicies: [HashPolicy(.header("x-user"))])],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a"), fixture.endpoint("b"), fixture.endpoint("c")]),
                                   loadBalancer: .ringHash(minimumRingSize: nil, maximumRingSize: nil))],
                readyCluster: "service"
            ))

            var home: [String: String] = [:]
            for user in 0..<5 {
                let answering = try await fixture.backendsAnswering("/", count: 30, headers: [("x-user", "user-\(user)")])
                #expect(Set(answering).count == 1 && answering[0] != "-", "user-\(user): \(Self.counts(answering))")
                home["user-\(user)"] = answering[0]
            }
            for user in 5..<30 {
                home["user-\(user)"] = try await fixture.backendsAnswering("/", count: 1, headers: [("x-user", "user-\(user)")])[0]
            }
            #expect(Set(home.values).count >= 2, "30 users hashed onto one backend of three is not hashing: \(Self.counts(Array(home.values)))")
            for user in 0..<5 {
                #expect(try await fixture.backendsAnswering("/", count: 1, headers: [("x-user", "user-\(user)")]) == [home["user-\(user)"]!], "stable later too")
            }
        }
    }

    // MARK: - Priority failover

    @Test("priority failover by outlier detection: priority 0 takes all traffic; once it answers 503 and is ejected, priority 1 takes it")
    func failoverOnOutlier() async throws {
        try await Self.withFixture("resilience-failover-outlier", backends: ["a", "b"]) { fixture in
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("all", "/")],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a", priority: 0), fixture.endpoint("b", priority: 1)]),
                                   outlierDetection: OutlierDetection(consecutive5xx: 3, interval: .seconds(1), baseEjectionTime: .seconds(30), maxEjectionPercent: 100))],
                readyCluster: "service"
            ))
            #expect(try await fixture.backendsAnswering("/", count: 20) == Array(repeating: "a", count: 20), "priority 0 takes everything")

            try await fixture["a"].setFailStatus(503)
            var answers: [String] = []
            for _ in 0..<20 {
                let response = try await fixture.sendAwaitingEjection { try await fixture["a"].stats().requests >= 3 ? 1 : 0 }
                answers.append("\(response.status) \(response.headers["x-backend"] ?? "-")")
            }
            #expect(answers == Array(repeating: "503 a", count: 3) + Array(repeating: "200 b", count: 17), "three 503s eject a, then b serves")
            #expect(try await fixture.envoy.hostHealthFlags(cluster: "service")[fixture["a"].port]?.contains("/failed_outlier_check") == true)
        }
    }

    @Test("priority failover by active health check: priority 1 serves while priority 0 fails its checks, priority 0 takes traffic back once it passes, and again when it is stopped")
    func failoverOnHealthCheck() async throws {
        try await Self.withFixture("resilience-failover-hc", backends: ["a", "b"]) { fixture in
            let check = HealthCheck(probe: .http(path: "/healthz", host: nil, expectedStatuses: []), timeout: .milliseconds(500),
                                    interval: .milliseconds(100), unhealthyThreshold: 1, healthyThreshold: 1)
            try await fixture.serve(fixture.configuration(
                routes: [Self.route("all", "/")],
                clusters: [Cluster(name: "service", discovery: .endpoints([fixture.endpoint("a", priority: 0), fixture.endpoint("b", priority: 1)]), healthChecks: [check])],
                readyCluster: "service"
            ))
            /// Waits for Envoy's workers to route to `backend` (a health change is made on the main
            /// thread, then posted to the workers), then sends 20 requests.
            func settledOn(_ backend: String) async throws -> [String] {
                _ = try await eventually(timeout: .seconds(5)) { try await fixture.backendsAnswering("/", count: 1) == [backend] }
                return try await fixture.backendsAnswering("/", count: 20)
            }
            func flags() async throws -> String? { try await fixture.envoy.hostHealthFlags(cluster: "service")[fixture["a"].port] }

            let initial = try await settledOn("a")
            #expect(initial == Array(repeating: "a", count: 20), "a healthy priority 0 takes everything: \(initial)")

            // Envoy times each check from the end of the previous one, and while the cluster has
            // never opened a connection it waits `no_traffic_interval` (default 60 s), not
            // `interval` (HealthCheckerImplBase::interval; envoyproxy/envoy#16724). The encoder sets
            // it to the interval; without it the second check would come a minute after start.
            #expect(try await Self.healthCheckField("no_traffic_interval", cluster: "service", envoy: fixture.envoy) != nil)

            // The health check (GET /healthz) gets 503 too: a fails it and b takes over.
            try await fixture["a"].setFailStatus(503)
            let changed1 = try await eventually(timeout: .seconds(5)) { try await flags()?.contains("/failed_active_hc") == true }
            let flags1 = try await flags() ?? "-"
            #expect(changed1, "a: \(flags1)")
            let failedOver = try await settledOn("b")
            #expect(failedOver == Array(repeating: "b", count: 20), "priority 1 serves: \(failedOver)")

            try await fixture["a"].setFailStatus(nil)
            let changed2 = try await eventually(timeout: .seconds(5)) { try await flags() == "healthy" }
            let flags2 = try await flags() ?? "-"
            #expect(changed2, "a: \(flags2)")
            let recovered = try await settledOn("a")
            #expect(recovered == Array(repeating: "a", count: 20), "back on priority 0: \(recovered)")

            fixture["a"].stop()
            let changed3 = try await eventually(timeout: .seconds(5)) { try await flags()?.contains("/failed_active_hc") == true }
            let flags3 = try await flags() ?? "-"
            #expect(changed3, "a: \(flags3)")
            let stopped = try await settledOn("b")
            #expect(stopped == Array(repeating: "b", count: 20), "a stopped: priority 1 serves: \(stopped)")
        }
    }
}
