import EnvoyAPI
import GRPCCoreTransport
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// Incremental ADS and the per-type services over real gRPC, with a scripted client (no
/// Envoy): `*`, unsubscribe, `removed_resources`, NACK, and a per-type stream's one type.
@Suite("delta ADS and per-type services with a scripted client", .timeLimit(.minutes(2)))
struct DeltaADSProtocolTests {
    let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none))
    let port: Int

    init() throws {
        port = try server.start(address: "127.0.0.1:0")
    }

    static let node = Node(id: "proxy-1", cluster: ADSProtocolTests.group)

    func publish(_ configuration: ProxyConfiguration) throws -> Snapshot {
        let snapshot = try SampleConfigurations.snapshot(configuration)
        server.cache.setSnapshot(snapshot, for: ADSProtocolTests.group)
        return snapshot
    }

    @Test("* subscribes to every cluster, unsubscribing * leaves the named one, a removed cluster is in removed_resources, a NACK is recorded and not resent")
    func wildcardUnsubscribeRemovedNack() async throws {
        let first = try publish(ADSProtocolTests.configuration(clusters: ["backend", "spare"]))
        let client = try await DeltaXDSTestClient(port: port)
        let cds = ResourceType.cluster.typeURL
        try await client.send(DeltaDiscoveryRequest(node: Self.node, typeURL: cds, resourceNamesSubscribe: ["*", "backend"]))
        let all = try #require(await client.next())
        #expect(all.resources.map(\.name) == ["backend", "spare"])
        #expect(all.systemVersionInfo == first.version && all.removedResources.isEmpty)
        try await client.send(DeltaDiscoveryRequest(typeURL: cds, responseNonce: all.nonce))
        #expect(await client.drain().isEmpty, "an ACK is not answered")
        #expect(await eventually { server.proxies.proxies.first?.types[.cluster]?.acknowledgedVersion == first.version })
        #expect(server.proxies.proxies.first?.xdsProtocol == .delta)

        // `spare` goes away while the wildcard holds: removed_resources names it, nothing else is sent.
        let second = try publish(ADSProtocolTests.configuration(clusters: ["backend"]))
        let removal = try #require(await client.next())
        #expect(removal.resources.isEmpty && removal.removedResources == ["spare"] && removal.systemVersionInfo == second.version)

        // Unsubscribing `*` keeps `backend`: a new cluster is not sent, a change to `backend` is.
        // The unsubscribe rides on the ACK, whose record says the server has read it before the
        // next snapshot is published (requests and snapshots are independent sources).
        try await client.send(DeltaDiscoveryRequest(typeURL: cds, resourceNamesUnsubscribe: ["*"], responseNonce: removal.nonce))
        #expect(await eventually { server.proxies.proxies.first?.types[.cluster]?.acknowledgedVersion == second.version })
        _ = try publish(ADSProtocolTests.configuration(clusters: ["backend", "new"]))
        #expect(await client.drain().isEmpty, "not subscribed to `new`")
        let bad = try publish(ADSProtocolTests.configuration(endpointPort: 9000, clusters: ["backend", "new"]).withConnectTimeout(.seconds(9)))
        let change = try #require(await client.next())
        #expect(change.resources.map(\.name) == ["backend"])

        // NACK: recorded with the text; the same content is not sent again on a later snapshot.
        try await client.send(DeltaDiscoveryRequest(typeURL: cds, responseNonce: change.nonce, errorDetail: .init(code: 3, message: "bad\u{1b}[31m cluster")))
        #expect(await eventually { server.proxies.proxies.first?.types[.cluster]?.lastRejection?.version == bad.version })
        #expect(server.proxies.proxies.first.map { ProxySyncState($0.types[.cluster]) } == .nacked)
        _ = try publish(ADSProtocolTests.configuration(endpointPort: 9000, clusters: ["backend", "new", "more"]).withConnectTimeout(.seconds(9)))
        let after = await client.drain()
        #expect(after.isEmpty, "the rejected cluster is not resent as is: \(after.map { ($0.resources.map(\.name), $0.removedResources, $0.systemVersionInfo.prefix(8)) })")
        await client.close()
        await server.shutdown()
    }

    @Test("a name that does not exist is answered in removed_resources, not left to time out")
    func doesNotExist() async throws {
        _ = try publish(ADSProtocolTests.configuration())
        let client = try await DeltaXDSTestClient(port: port)
        try await client.send(DeltaDiscoveryRequest(node: Self.node, typeURL: ResourceType.route.typeURL, resourceNamesSubscribe: ["routes", "nope"]))
        let response = try #require(await client.next())
        #expect(response.resources.map(\.name) == ["routes"] && response.removedResources == ["nope"])
        await client.close()
        await server.shutdown()
    }

    @Test("a per-type stream serves its type; another type ends it with INVALID_ARGUMENT", arguments: [false, true])
    func perTypeService(delta: Bool) async throws {
        let snapshot = try publish(ADSProtocolTests.configuration())
        if delta {
            let client = try await DeltaXDSTestClient(port: port, method: "/envoy.service.cluster.v3.ClusterDiscoveryService/DeltaClusters")
            try await client.send(DeltaDiscoveryRequest(node: Self.node, typeURL: ResourceType.cluster.typeURL))
            #expect(await client.next()?.resources.map(\.name) == ["backend"])
            try await client.send(DeltaDiscoveryRequest(typeURL: ResourceType.listener.typeURL))
            #expect(await client.status().code == .invalidArgument)
            await client.close()
        } else {
            let client = try await XDSTestClient(port: port, method: "/envoy.service.cluster.v3.ClusterDiscoveryService/StreamClusters")
            try await client.send(DiscoveryRequest(node: Self.node, typeURL: ResourceType.cluster.typeURL))
            #expect(await client.next()?.versionInfo == snapshot.version)
            try await client.send(DiscoveryRequest(typeURL: ResourceType.listener.typeURL))
            #expect(await client.status().code == .invalidArgument)
            await client.close()
        }
        await server.shutdown()
    }
}

extension ProxyConfiguration {
    /// The same configuration with every cluster's connect timeout set to `timeout`.
    func withConnectTimeout(_ timeout: Duration) -> ProxyConfiguration {
        var copy = self
        for index in copy.clusters.indices { copy.clusters[index].connectTimeout = timeout }
        return copy
    }
}
