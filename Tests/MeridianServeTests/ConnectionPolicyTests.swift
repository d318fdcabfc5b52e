import EnvoyAPI
import Foundation
import GRPCCoreTransport
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// Keepalive drops proxies that stopped answering; a maximum connection age sends proxies
/// away (GOAWAY) so a fleet spreads over replicas, and they come back in sync.
@Suite("Keepalive and maximum connection age", .serialized, .timeLimit(.minutes(3)))
struct ConnectionPolicyTests {
    static let group = "default/gateway"

    static func server(_ policy: GRPCServer.ConnectionPolicy) throws -> (XDSServer, Int) {
        var configuration = GRPCServer.Configuration()
        configuration.connections = policy
        let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none), configuration: configuration)
        return (server, try server.start(address: "127.0.0.1:0"))
    }

    static func publish(_ server: XDSServer, listenerPort: Int = 10_000) throws -> Snapshot {
        let snapshot = try SampleConfigurations.snapshot(SampleConfigurations.singleBackend(
            group: group, listenerPort: listenerPort, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)]))
        server.cache.setSnapshot(snapshot, for: group)
        return snapshot
    }

    /// Whether the newest stream holds `version` of every type: ACKed after a push, or presented
    /// on reconnecting (then nothing is resent and the registry records the presented version).
    static func synced(_ server: XDSServer, _ version: String) -> Bool {
        guard let proxy = server.proxies.proxies.last else { return false }
        return [ResourceType.cluster, .endpoint, .listener, .route].allSatisfy { proxy.types[$0]?.acknowledgedVersion == version }
    }

    @Test("an Envoy that stops answering (SIGSTOP) leaves the registry within keepalive time + timeout; resumed, it reconnects and is SYNCED")
    func keepaliveDropsAFrozenProxy() async throws {
        var policy = GRPCServer.ConnectionPolicy()
        policy.keepaliveTime = .seconds(1)
        policy.keepaliveTimeout = .seconds(1)
        let (server, port) = try Self.server(policy)
        let snapshot = try Self.publish(server, listenerPort: try freeListenerPort())
        let directory = try RepositoryPaths.makeScratchDirectory("keepalive")
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: port, proxyGroup: Self.group, nodeID: "envoy-frozen", adminPort: 0)
        let envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
        defer { envoy.stop() }
        #expect(await eventually(timeout: .seconds(20)) { Self.synced(server, snapshot.version) }, "Envoy never synced:\n\(envoy.log)")
        let firstStream = try #require(server.proxies.proxies.first?.streamID)

        // Stopped, Envoy's kernel still acknowledges TCP, but nothing answers the server's PINGs:
        // what a hung proxy, or a peer behind a silently dropping network, looks like.
        kill(envoy.processIdentifier, SIGSTOP)
        let frozen = ContinuousClock.now
        let dropped = await eventually(timeout: .seconds(10)) { server.proxies.proxies.isEmpty }
        let elapsed = ContinuousClock.now - frozen
        kill(envoy.processIdentifier, SIGCONT)
        print("figure: keepalive 1 s + timeout 1 s: a frozen Envoy left the registry after \(elapsed)")
        #expect(dropped, "the frozen Envoy is still registered")
        #expect(elapsed < .seconds(4), "dropped after \(elapsed), keepalive time + timeout is 2 s")

        #expect(await eventually(timeout: .seconds(20)) {
            Self.synced(server, snapshot.version) && server.proxies.proxies.first?.streamID != firstStream
        }, "the resumed Envoy did not reconnect and sync:\n\(envoy.log)")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("past the maximum connection age a stream ends with UNAVAILABLE, and a reconnecting client syncs")
    func maxAgeEndsStreams() async throws {
        var policy = GRPCServer.ConnectionPolicy()
        policy.maxConnectionAge = .seconds(1)
        policy.maxConnectionAgeGrace = .seconds(1)
        let (server, port) = try Self.server(policy)
        let snapshot = try Self.publish(server)
        let node = Node(id: "proxy-aging", cluster: Self.group)

        let started = ContinuousClock.now
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: node, typeURL: ResourceType.cluster.typeURL))
        #expect(await client.next()?.versionInfo == snapshot.version)
        let status = await client.status()
        let lifetime = ContinuousClock.now - started
        print("figure: max age 1 s (±10% jitter) + grace 1 s: the stream ended after \(lifetime) with \(status)")
        #expect(status.code == .unavailable, "ended with \(status)")
        #expect(lifetime >= .milliseconds(900) && lifetime < .seconds(5), "ended after \(lifetime)")
        await client.close()
        #expect(await eventually { server.proxies.proxies.isEmpty })

        let again = try await XDSTestClient(port: port)
        try await again.send(DiscoveryRequest(node: node, typeURL: ResourceType.cluster.typeURL))
        // The default wait (20 s), as for every scripted client: in the whole suite on two cores
        // other tests' synchronous work has starved the pool that reads responses past 2 s.
        #expect(await again.next()?.versionInfo == snapshot.version, "the reconnecting client did not sync")
        await again.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("a real Envoy sent away by the maximum connection age reconnects each time and stays SYNCED")
    func envoyFollowsMaxAge() async throws {
        var policy = GRPCServer.ConnectionPolicy()
        policy.maxConnectionAge = .seconds(2)
        policy.maxConnectionAgeGrace = .seconds(1)
        let (server, port) = try Self.server(policy)
        let snapshot = try Self.publish(server, listenerPort: try freeListenerPort())
        let directory = try RepositoryPaths.makeScratchDirectory("max-age")
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: port, proxyGroup: Self.group, nodeID: "envoy-aging", adminPort: 0)
        let envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
        defer { envoy.stop() }

        var streams = Set<Int>()
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while streams.count < 3, ContinuousClock.now < deadline {
            if Self.synced(server, snapshot.version), let id = server.proxies.proxies.last?.streamID { streams.insert(id) }
            try await Task.sleep(for: .milliseconds(20))
        }
        print("figure: max age 2 s + grace 1 s: Envoy synced on \(streams.count) successive streams")
        #expect(streams.count >= 3, "Envoy synced on \(streams.count) streams only:\n\(envoy.log)")
        #expect(await eventually(timeout: .seconds(10)) { Self.synced(server, snapshot.version) })
        await server.shutdown(gracePeriod: .seconds(1))
    }
}
