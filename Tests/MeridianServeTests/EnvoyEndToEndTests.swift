import EnvoyAPI
import Foundation
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// A real Envoy 1.40, bootstrapped only with Meridian's ADS address, serving
/// real loopback backends with the configuration Meridian pushes.
@Suite("Envoy over ADS", .serialized, .timeLimit(.minutes(3)))
struct EnvoyEndToEndTests {
    static let group = "default/gateway"

    /// Everything one test runs: the xDS server, two backends, Envoy.
    final class Fixture: Sendable {
        let directory: URL
        let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none))
        let xdsPort: Int
        let listenerPort: Int
        let backendA: LoopbackBackend
        let backendB: LoopbackBackend
        let xdsProtocol: XDSProtocol

        init(_ label: String, xdsProtocol: XDSProtocol = .sotw) async throws {
            self.xdsProtocol = xdsProtocol
            directory = try RepositoryPaths.makeScratchDirectory(label)
            xdsPort = try server.start(address: "127.0.0.1:0")
            listenerPort = try freeListenerPort()
            backendA = try await LoopbackBackend(name: "a", directory: directory)
            backendB = try await LoopbackBackend(name: "b", directory: directory)
        }

        func configuration(backend: LoopbackBackend, routeTable: String, extraRoutes: [Route] = [], connectTimeout: Duration = .seconds(5)) -> ProxyConfiguration {
            SampleConfigurations.singleBackend(
                group: EnvoyEndToEndTests.group, listenerPort: listenerPort, routeTable: routeTable,
                cluster: "backend-\(backend.name)", endpoints: [Endpoint(address: "127.0.0.1", port: backend.port)],
                extraRoutes: extraRoutes, connectTimeout: connectTimeout
            )
        }

        func publish(_ configuration: ProxyConfiguration) throws -> Snapshot {
            let snapshot = try SampleConfigurations.snapshot(configuration)
            server.cache.setSnapshot(snapshot, for: EnvoyEndToEndTests.group)
            return snapshot
        }

        func startEnvoy() async throws -> EnvoyProcess {
            let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: xdsPort, proxyGroup: EnvoyEndToEndTests.group, nodeID: "envoy-e2e", adminPort: 0, xdsProtocol: xdsProtocol)
            return try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
        }

        /// Which backend answered a request through Envoy, if any did.
        func backendThroughEnvoy() async -> String? {
            guard let response = await HTTPProbe.trySend(port: listenerPort), response.status == 200 else { return nil }
            return response.headers["x-backend"]
        }

        func acknowledged(_ version: String, types: [ResourceType] = [.cluster, .endpoint, .listener, .route]) -> Bool {
            guard let proxy = server.proxies.proxies.first else { return false }
            return types.allSatisfy { proxy.types[$0]?.acknowledgedVersion == version }
        }

        /// The version Envoy's config dump shows for a route table: the snapshot's in state of the
        /// world, the resource's own in delta.
        func routeVersion(_ name: String, in snapshot: Snapshot) -> String {
            xdsProtocol == .sotw ? snapshot.version : DeltaDiscoveryStreamState.version(of: snapshot.digests[.route]![name]!)
        }

        func stop(_ envoy: EnvoyProcess?) async {
            envoy?.stop()
            backendA.stop()
            backendB.stop()
            await server.shutdown(gracePeriod: .seconds(1))
        }
    }

    @Test("Envoy connects, ACKs all four types, serves traffic, and follows a new snapshot without restarting", arguments: XDSProtocol.allCases)
    func servesAndSwitches(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await Fixture("e2e-switch-\(xdsProtocol)", xdsProtocol: xdsProtocol)
        let first = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes-a"))
        let started = ContinuousClock.now
        let envoy = try await fixture.startEnvoy()
        let envoyProcessID = envoy.processIdentifier
        var stopped = false
        defer { if !stopped { envoy.stop() } }

        let allAcked = await eventually(timeout: .seconds(15)) { fixture.acknowledged(first.version) }
        #expect(allAcked, "Envoy did not ACK every type:\n\(envoy.log)")
        print("figure: Envoy start to ACK of Cluster, ClusterLoadAssignment, Listener, RouteConfiguration: \(ContinuousClock.now - started)")
        #expect(await eventually { await fixture.backendThroughEnvoy() == "a" }, "no 200 from backend a through Envoy:\n\(envoy.log)")

        // Every type changes: a new cluster and its endpoints, a new route table, so the listener changes too.
        let second = try fixture.publish(fixture.configuration(backend: fixture.backendB, routeTable: "routes-b"))
        let switchStarted = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(5)) { await fixture.backendThroughEnvoy() == "b" }, "traffic did not move to backend b")
        print("figure: snapshot set to traffic on the new backend: \(ContinuousClock.now - switchStarted)")
        for _ in 0..<20 { #expect(await fixture.backendThroughEnvoy() == "b") }

        #expect(await eventually { fixture.acknowledged(second.version) })
        let applied = try await envoy.appliedConfiguration()
        if xdsProtocol == .sotw {
            // Delta has no per-type version: Envoy shows each resource's own.
            #expect(applied.listenerVersion == second.version)
            #expect(applied.clusterVersion == second.version)
        }
        #expect(applied.routeVersions["routes-b"] == fixture.routeVersion("routes-b", in: second))
        #expect(applied.endpointPorts["backend-b"] == [fixture.backendB.port])
        #expect(applied.clusterNames == ["backend-b"], "the old cluster is gone: CDS is full state")
        #expect(envoy.processIdentifier == envoyProcessID, "the same Envoy process served both versions")

        stopped = true
        await fixture.stop(envoy)
    }

    @Test("a snapshot Envoy rejects is NACKed with Envoy's error, the old config keeps serving, and it is not resent", arguments: XDSProtocol.allCases)
    func nackKeepsServing(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await Fixture("e2e-nack-\(xdsProtocol)", xdsProtocol: xdsProtocol)
        let good = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes"))
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(15)) { fixture.acknowledged(good.version) }, "\(envoy.log)")
        #expect(await eventually { await fixture.backendThroughEnvoy() == "a" })

        // RE2 refuses an unbalanced parenthesis: Envoy rejects the whole route configuration.
        let invalidRoute = Route(name: "broken", match: RouteMatch(path: .regularExpression("/(unclosed")), action: .forward([WeightedBackend(clusterName: "backend-a", weight: 1)]))
        let bad = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes", extraRoutes: [invalidRoute]))
        #expect(await eventually(timeout: .seconds(5)) { fixture.server.proxies.proxies.first?.types[.route]?.lastRejection != nil })
        let rejection = try #require(fixture.server.proxies.proxies.first?.types[.route]?.lastRejection)
        print("figure: Envoy's NACK text: \(rejection.message)")
        #expect(rejection.version == bad.version)
        #expect(rejection.message.contains("unclosed") || rejection.message.localizedCaseInsensitiveContains("regex"), "Envoy's own error text: \(rejection.message)")
        for _ in 0..<10 { #expect(await fixture.backendThroughEnvoy() == "a", "the last good config keeps serving") }
        #expect(try await envoy.appliedConfiguration().routeVersions["routes"] == fixture.routeVersion("routes", in: good))

        // A new snapshot that changes clusters but keeps the rejected routes: clusters go out, routes do not.
        let clustersOnly = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes", extraRoutes: [invalidRoute], connectTimeout: .seconds(2)))
        #expect(await eventually { fixture.acknowledged(clustersOnly.version, types: [.cluster]) })
        try await Task.sleep(for: .milliseconds(500))
        #expect(fixture.server.proxies.proxies.first?.types[.route]?.sentVersion == bad.version, "the rejected route content was not sent again")
        #expect(fixture.server.proxies.rejections.filter { $0.type == .route }.count == 1, "one NACK only")
        #expect(await fixture.backendThroughEnvoy() == "a")

        // Fixing the routes recovers.
        let fixed = try fixture.publish(fixture.configuration(backend: fixture.backendB, routeTable: "routes"))
        #expect(await eventually(timeout: .seconds(5)) { await fixture.backendThroughEnvoy() == "b" })
        #expect(await eventually { fixture.acknowledged(fixed.version, types: [.route]) })

        stopped = true
        await fixture.stop(envoy)
    }

    @Test("a large snapshot (10,000 routes over 1,000 EDS clusters) is encoded once, pushed, ACKed and served")
    func largeSnapshot() async throws {
        let fixture = try await Fixture("e2e-large")
        let clusterCount = 1_000
        let routeCount = 10_000
        let encodeStarted = ContinuousClock.now
        var configuration = fixture.configuration(backend: fixture.backendA, routeTable: "routes")
        configuration.clusters = (0..<clusterCount).map { index in
            Cluster(name: "backend-\(index)", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: index.isMultiple(of: 2) ? fixture.backendA.port : fixture.backendB.port)]))
        }
        configuration.routeTables[0].virtualHosts[0].routes = (0..<routeCount).map { index in
            Route(name: "route-\(index)", match: RouteMatch(path: .segmentPrefix("/r/\(index)"), headers: [HeaderMatch(name: "x-tenant", value: .exact("t\(index % 97)"))]),
                  action: .forward([WeightedBackend(clusterName: "backend-\(index % clusterCount)", weight: 90), WeightedBackend(clusterName: "backend-\((index + 1) % clusterCount)", weight: 10)]))
        } + [Route(name: "fallback", match: RouteMatch(path: .prefix("/")), action: .forward([WeightedBackend(clusterName: "backend-0", weight: 1)]))]
        let snapshot = try fixture.publish(configuration)
        let encoded = ContinuousClock.now - encodeStarted
        print("figure: large snapshot: \(snapshot.resourceCount) resources, \(snapshot.encodedByteCount) bytes encoded in \(encoded)")

        let started = ContinuousClock.now
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(60)) { fixture.acknowledged(snapshot.version) }, "Envoy did not ACK the large snapshot:\n\(envoy.log)")
        print("figure: large snapshot: Envoy start to ACK of all four types: \(ContinuousClock.now - started)")
        let answer = await HTTPProbe.trySend(port: fixture.listenerPort, path: "/r/9999/x", headers: [("x-tenant", "t\(9999 % 97)")])
        #expect(answer?.status == 200)
        #expect(["a", "b"].contains(answer?.headers["x-backend"] ?? ""))

        stopped = true
        await fixture.stop(envoy)
    }
}
