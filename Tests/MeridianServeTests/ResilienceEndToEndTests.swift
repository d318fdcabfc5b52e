import EnvoyAPI
import Foundation
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// Route policies through a real Envoy 1.40 over ADS: the filters every listener carries do
/// nothing until a route configures them, and then limit and stick as the IR says.
@Suite("Resilience policies through Envoy", .serialized, .timeLimit(.minutes(2)))
struct ResilienceEndToEndTests {
    typealias Fixture = EnvoyEndToEndTests.Fixture

    /// One listener, a round-robin cluster over both backends, two clusters with priorities
    /// (b first and a as fallback; a not ready first and b as fallback), and routes that
    /// get policies only when `withPolicies` is set.
    static func configuration(_ fixture: Fixture, withPolicies: Bool) -> ProxyConfiguration {
        let backends: RouteAction = .forward([WeightedBackend(clusterName: "both", weight: 1)])
        func route(_ name: String, _ prefix: String, rateLimit: LocalRateLimit? = nil, session: SessionPersistence? = nil) -> Route {
            Route(name: name, match: RouteMatch(path: .segmentPrefix(prefix)), action: backends,
                  rateLimit: withPolicies ? rateLimit : nil, sessionPersistence: withPolicies ? session : nil)
        }
        return ProxyConfiguration(
            group: EnvoyEndToEndTests.group,
            listeners: [Listener(name: "http", address: "127.0.0.1", port: fixture.listenerPort, routeTableName: "routes")],
            routeTables: [RouteTable(name: "routes", virtualHosts: [VirtualHost(name: "any", domains: ["*"], routes: [
                route("limited", "/limited", rateLimit: LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 3, tokensPerFill: 3, fillInterval: .seconds(60)))),
                route("tenant", "/tenant", rateLimit: LocalRateLimit(descriptors: [
                    RateLimitDescriptor(headers: ["x-tenant-id"], tokenBucket: TokenBucket(maxTokens: 2, tokensPerFill: 2, fillInterval: .seconds(60))),
                ])),
                route("sticky", "/sticky", session: SessionPersistence(.cookie(name: "meridian-session", ttl: nil, path: "/"))),
                Route(name: "primary", match: RouteMatch(path: .segmentPrefix("/primary")), action: .forward([WeightedBackend(clusterName: "primary", weight: 1)])),
                Route(name: "failover", match: RouteMatch(path: .segmentPrefix("/failover")), action: .forward([WeightedBackend(clusterName: "failover", weight: 1)])),
                Route(name: "rest", match: RouteMatch(path: .prefix("/")), action: backends),
            ])])],
            clusters: [
                Cluster(name: "both", discovery: .endpoints([
                    Endpoint(address: "127.0.0.1", port: fixture.backendA.port), Endpoint(address: "127.0.0.1", port: fixture.backendB.port),
                ])),
                Cluster(name: "primary", discovery: .endpoints([
                    Endpoint(address: "127.0.0.1", port: fixture.backendA.port, priority: 1),
                    Endpoint(address: "127.0.0.1", port: fixture.backendB.port),
                ])),
                Cluster(name: "failover", discovery: .endpoints([
                    Endpoint(address: "127.0.0.1", port: fixture.backendA.port, ready: false),
                    Endpoint(address: "127.0.0.1", port: fixture.backendB.port, priority: 1),
                ])),
            ]
        )
    }

    static func statuses(_ fixture: Fixture, _ path: String, count: Int, headers: [(String, String)] = []) async throws -> [Int] {
        var statuses: [Int] = []
        for _ in 0..<count { statuses.append(try await HTTPProbe.send(port: fixture.listenerPort, path: path, headers: headers).status) }
        return statuses
    }

    @Test("no-op filters limit and stick nothing; route policies then limit (per tenant too) and stick, changing only the RouteConfiguration")
    func policiesThroughEnvoy() async throws {
        let fixture = try await Fixture("e2e-resilience")
        let bare = try fixture.publish(Self.configuration(fixture, withPolicies: false))
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(15)) { fixture.acknowledged(bare.version) }, "\(envoy.log)")
        #expect(await eventually { await HTTPProbe.trySend(port: fixture.listenerPort)?.status == 200 })

        // The always-installed filters, unconfigured: nothing is limited, nothing sticks.
        #expect(try await Self.statuses(fixture, "/limited", count: 10) == Array(repeating: 200, count: 10))
        #expect(try await Self.statuses(fixture, "/tenant", count: 10, headers: [("x-tenant-id", "a")]) == Array(repeating: 200, count: 10))
        var seen: Set<String> = []
        for _ in 0..<10 {
            let response = try await HTTPProbe.send(port: fixture.listenerPort, path: "/sticky")
            #expect(response.status == 200 && response.headers["set-cookie"] == nil && response.headers["x-envoy-ratelimited"] == nil)
            seen.insert(response.headers["x-backend"] ?? "")
        }
        #expect(seen == ["a", "b"], "round robin, not sticky")
        for _ in 0..<6 {
            #expect(try await HTTPProbe.send(port: fixture.listenerPort, path: "/primary").headers["x-backend"] == "b", "a healthy priority 0 takes all traffic")
            #expect(try await HTTPProbe.send(port: fixture.listenerPort, path: "/failover").headers["x-backend"] == "b", "priority 0 is unhealthy: priority 1 serves")
        }

        // Policies on: only the RouteConfiguration changes, so the Listener is never resent (no drain).
        let policed = try fixture.publish(Self.configuration(fixture, withPolicies: true))
        #expect(policed.resource(.listener, named: "http")?.message.bytes == bare.resource(.listener, named: "http")?.message.bytes)
        #expect(await eventually(timeout: .seconds(5)) { fixture.acknowledged(policed.version, types: [.route]) }, "\(envoy.log)")
        #expect(try await envoy.appliedConfiguration().listenerVersion == bare.version, "Envoy still runs the first Listener")

        // A 3-token bucket refilled once a minute: exactly three requests pass.
        var answers: [HTTPProbe.Response] = []
        for _ in 0..<5 { answers.append(try await HTTPProbe.send(port: fixture.listenerPort, path: "/limited")) }
        #expect(answers.map(\.status) == [200, 200, 200, 429, 429])
        #expect(answers[3].headers["x-envoy-ratelimited"] == "true")
        #expect(answers[0].headers["x-envoy-ratelimited"] == nil)

        // Descriptors on x-tenant-id: each tenant its own 2-token bucket; no header, no limit.
        #expect(try await Self.statuses(fixture, "/tenant", count: 3, headers: [("x-tenant-id", "a")]) == [200, 200, 429])
        #expect(try await Self.statuses(fixture, "/tenant", count: 3, headers: [("x-tenant-id", "b")]) == [200, 200, 429], "b has its own bucket")
        #expect(try await Self.statuses(fixture, "/tenant", count: 1, headers: [("x-tenant-id", "a")]) == [429], "a stays drained")
        #expect(try await Self.statuses(fixture, "/tenant", count: 5) == Array(repeating: 200, count: 5))

        // The session cookie pins later requests to the backend that answered first.
        let first = try await HTTPProbe.send(port: fixture.listenerPort, path: "/sticky")
        let cookie = try #require(first.headers["set-cookie"]?.split(separator: ";").first.map(String.init), "no session cookie")
        #expect(cookie.hasPrefix("meridian-session="))
        for _ in 0..<10 {
            let response = try await HTTPProbe.send(port: fixture.listenerPort, path: "/sticky", headers: [("cookie", cookie)])
            #expect(response.headers["x-backend"] == first.headers["x-backend"])
        }
        #expect(try await Self.statuses(fixture, "/other", count: 6) == Array(repeating: 200, count: 6), "routes without policies stay unlimited")

        stopped = true
        await fixture.stop(envoy)
    }
}
