import EnvoyAPI
import Foundation
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// What delta xDS saves, with a real Envoy 1.40: a one-route edit sends one RouteConfiguration
/// and nothing else, and a reconnect resends nothing unchanged. The state-of-the-world run of
/// the same edit is the comparison the README quotes.
@Suite("Envoy over delta ADS", .serialized, .timeLimit(.minutes(3)))
struct DeltaEnvoyEndToEndTests {
    typealias Fixture = EnvoyEndToEndTests.Fixture
    static let tables = 10
    static let routesPerTable = 100

    /// 1,000 routes: `tables` listeners, each with its own route table of `routesPerTable`
    /// routes over 10 clusters; `edited` moves route 0 of table 0 to the path `/edited`.
    static func configuration(_ fixture: Fixture, ports: [Int], edited: Bool) -> ProxyConfiguration {
        var configuration = fixture.configuration(backend: fixture.backendA, routeTable: "routes-0")
        configuration.listeners = ports.enumerated().map { index, port in
            Listener(name: "http-\(index)", address: "127.0.0.1", port: port, routeTableName: "routes-\(index)")
        }
        configuration.clusters = (0..<10).map { Cluster(name: "backend-\($0)", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: fixture.backendA.port)])) }
        configuration.routeTables = (0..<tables).map { table in
            RouteTable(name: "routes-\(table)", virtualHosts: [VirtualHost(name: "any", domains: ["*"], routes: (0..<routesPerTable).map { index in
                let path = edited && table == 0 && index == 0 ? "/edited" : "/r/\(table)/\(index)"
                return Route(name: "route-\(table)-\(index)", match: RouteMatch(path: .segmentPrefix(path)), action: .forward([WeightedBackend(clusterName: "backend-\(index % 10)", weight: 1)]))
            })])
        }
        return configuration
    }

    /// Envoy's update counters: CDS, LDS, and RDS per route table.
    static func updateCounters(_ envoy: EnvoyProcess) async throws -> [String: Int] {
        var counters: [String: Int] = [:]
        counters["cds"] = try await envoy.stat("cluster_manager.cds.update_success")
        counters["lds"] = try await envoy.stat("listener_manager.lds.update_success")
        for (name, value) in try await envoy.stats(matching: "rds\\.routes-[0-9]+\\.update_success$") {
            let table = name.components(separatedBy: ".rds.").last?.components(separatedBy: ".").first ?? name
            counters["rds " + table] = value
        }
        return counters
    }

    static func sent(_ fixture: Fixture) -> [ResourceType: (responses: Int, bytes: Int, resources: Int)] {
        (fixture.server.proxies.proxies.first?.types ?? [:]).mapValues { ($0.responsesSent, $0.bytesSent, $0.resourcesSent) }
    }

    @Test("a one-route edit at 1,000 routes: delta sends exactly one RouteConfiguration; the same edit over state of the world, measured", arguments: XDSProtocol.allCases)
    func oneRouteEdit(_ xdsProtocol: XDSProtocol) async throws {
        let fixture = try await Fixture("e2e-edit-\(xdsProtocol)", xdsProtocol: xdsProtocol)
        let ports = try (0..<Self.tables).map { _ in try freeListenerPort() }
        let first = try fixture.publish(Self.configuration(fixture, ports: ports, edited: false))
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(30)) { fixture.acknowledged(first.version) }, "\(envoy.log)")
        #expect(await eventually { await HTTPProbe.trySend(port: ports[0], path: "/r/0/1")?.status == 200 })
        // Let Envoy settle (late ACKs), then read both sides' counters.
        try await Task.sleep(for: .milliseconds(500))
        let sentBefore = Self.sent(fixture)
        let countersBefore = try await Self.updateCounters(envoy)

        let edited = try fixture.publish(Self.configuration(fixture, ports: ports, edited: true))
        let started = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(10), every: .milliseconds(5)) { await HTTPProbe.trySend(port: ports[0], path: "/edited")?.status == 200 })
        let served = ContinuousClock.now - started
        #expect(await eventually { fixture.acknowledged(edited.version, types: [.route]) })
        let acknowledged = ContinuousClock.now - started
        try await Task.sleep(for: .milliseconds(500))
        let sentAfter = Self.sent(fixture)
        let countersAfter = try await Self.updateCounters(envoy)

        let difference = ResourceType.allCases.sorted().map { type in
            let before = sentBefore[type] ?? (0, 0, 0)
            let after = sentAfter[type] ?? (0, 0, 0)
            return (type, after.responses - before.responses, after.bytes - before.bytes, after.resources - before.resources)
        }
        let bytes = difference.reduce(0) { $0 + $1.2 }
        let changedCounters = countersAfter.filter { countersBefore[$0.key] != $0.value }.keys.sorted()
        print("figure: one-route edit at 1,000 routes over \(xdsProtocol): \(bytes) bytes in \(difference.filter { $0.1 > 0 }.map { "\($0.1) \($0.0) response(s) with \($0.3) resource(s)" }.joined(separator: ", ")); edit served by Envoy in \(served), ACKed in \(acknowledged); Envoy counters that moved: \(changedCounters)")
        if xdsProtocol == .delta {
            #expect(difference.filter { $0.1 > 0 }.map(\.0) == [.route], "only RDS sent anything")
            #expect(difference.first { $0.0 == .route }.map { ($0.1, $0.3) } ?? (0, 0) == (1, 1), "one response carrying one RouteConfiguration")
            #expect(changedCounters == ["rds routes-0"], "Envoy applied one route table, no CDS or LDS update")
        }
        stopped = true
        await fixture.stop(envoy)
    }

    @Test("a restarted Meridian with the same configuration: Envoy reconnects over delta and nothing unchanged is resent")
    func reconnectResendsNothing() async throws {
        let fixture = try await Fixture("e2e-delta-reconnect", xdsProtocol: .delta)
        let snapshot = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes"))
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(15)) { fixture.acknowledged(snapshot.version) }, "\(envoy.log)")
        let counters = try await Self.updateCounters(envoy)

        // Meridian restarts on the same port with the same configuration.
        await fixture.server.shutdown(gracePeriod: .milliseconds(100))
        let restarted = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none))
        restarted.cache.setSnapshot(snapshot, for: EnvoyEndToEndTests.group)
        try restarted.start(address: "127.0.0.1:\(fixture.xdsPort)")
        let reconnected = await eventually(timeout: .seconds(30)) {
            guard let proxy = restarted.proxies.proxies.first else { return false }
            // Nothing differs, so nothing is sent: each type counts the version its initial_resource_versions match.
            return [ResourceType.cluster, .endpoint, .listener, .route].allSatisfy { proxy.types[$0]?.acknowledgedVersion == snapshot.version }
        }
        #expect(reconnected, "Envoy did not reconnect and ACK every type:\n\(envoy.log)")
        try await Task.sleep(for: .milliseconds(500))
        let types = restarted.proxies.proxies.first?.types ?? [:]
        for type in [ResourceType.cluster, .endpoint, .listener, .route] {
            #expect(types[type]?.responsesSent == 0, "\(type): nothing sent, Envoy's initial_resource_versions matched")
        }
        print("figure: delta reconnect to a restarted Meridian: \(types.values.reduce(0) { $0 + $1.responsesSent }) responses, \(types.values.reduce(0) { $0 + $1.bytesSent }) bytes, \(types.values.reduce(0) { $0 + $1.resourcesSent }) resources")
        let after = try await Self.updateCounters(envoy)
        #expect(after == counters, "Envoy applied no update at all: \(counters) → \(after)")
        #expect(await fixture.backendThroughEnvoy() == "a")

        stopped = true
        envoy.stop()
        fixture.backendA.stop()
        fixture.backendB.stop()
        await restarted.shutdown(gracePeriod: .seconds(1))
    }

    @Test("delta: a listener Envoy refuses is NACKed; once the snapshot drops it, an empty response confirms and the proxy is SYNCED again")
    func nackedListenerDropped() async throws {
        let fixture = try await Fixture("e2e-delta-nack-listener", xdsProtocol: .delta)
        let good = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes"))
        let envoy = try await fixture.startEnvoy()
        var stopped = false
        defer { if !stopped { envoy.stop() } }
        #expect(await eventually(timeout: .seconds(15)) { fixture.acknowledged(good.version) }, "\(envoy.log)")

        // A second listener on the port backend a already holds: Envoy cannot bind it and NACKs.
        var busy = fixture.configuration(backend: fixture.backendA, routeTable: "routes")
        busy.listeners.append(Listener(name: "busy", address: "127.0.0.1", port: fixture.backendA.port, routeTableName: "routes"))
        let bad = try fixture.publish(busy)
        let listenerStatus = { fixture.server.proxies.proxies.first?.types[.listener] }
        #expect(await eventually(timeout: .seconds(10)) { listenerStatus()?.lastRejection?.version == bad.version }, "\(envoy.log)")
        #expect(ProxySyncState(listenerStatus()) == .nacked)
        #expect(await fixture.backendThroughEnvoy() == "a", "the listener Envoy kept still serves")

        // The refused listener is gone from the snapshot: nothing differs from what Envoy holds.
        _ = try fixture.publish(fixture.configuration(backend: fixture.backendA, routeTable: "routes"))
        #expect(await eventually(timeout: .seconds(10)) { ProxySyncState(listenerStatus()) == .synced }, "\(String(describing: listenerStatus()))")
        #expect(listenerStatus()?.acknowledgedVersion == good.version)
        #expect(listenerStatus()?.sentResourceCount == 0 && listenerStatus()?.sentRemovedCount == 0, "the confirmation carries nothing")
        #expect(await fixture.backendThroughEnvoy() == "a")

        stopped = true
        await fixture.stop(envoy)
    }
}
