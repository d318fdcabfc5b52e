import EnvoyAPI
import GRPCCoreTransport
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// The xDS protocol as Envoy's protocol document states it, driven by a scripted
/// client over real gRPC (no Envoy), so each rule is checked on its own.
@Suite("ADS protocol with a scripted client", .timeLimit(.minutes(2)))
struct ADSProtocolTests {
    let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none))
    let port: Int

    init() throws {
        port = try server.start(address: "127.0.0.1:0")
    }

    static let group = "ns/a"
    static let node = Node(id: "proxy-1", cluster: group)

    static func configuration(endpointPort: Int = 8080, clusters: [String] = ["backend"], listenerPort: Int = 10_000) -> ProxyConfiguration {
        var configuration = SampleConfigurations.singleBackend(group: group, listenerPort: listenerPort, cluster: clusters[0], endpoints: [Endpoint(address: "127.0.0.1", port: endpointPort)])
        for extra in clusters.dropFirst() {
            configuration.clusters.append(Cluster(name: extra, discovery: .endpoints([Endpoint(address: "127.0.0.1", port: endpointPort + 1)])))
        }
        return configuration
    }

    func publish(_ configuration: ProxyConfiguration, group: String = group) throws -> Snapshot {
        let snapshot = try SampleConfigurations.snapshot(configuration)
        server.cache.setSnapshot(snapshot, for: group)
        return snapshot
    }

    func proxyStatus(_ type: ResourceType) -> ProxyStatusRegistry.TypeStatus? {
        server.proxies.proxies.first?.types[type]
    }

    @Test("first request gets the current version; an ACK gets nothing more and is recorded")
    func firstRequestAndACK() async throws {
        let snapshot = try publish(Self.configuration())
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: Self.node, typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        #expect(response.typeURL == ResourceType.cluster.typeURL)
        #expect(response.versionInfo == snapshot.version)
        #expect(response.resources == snapshot.resources[.cluster]!.map(\.message))
        #expect(!response.nonce.isEmpty)

        try await client.send(DiscoveryRequest(versionInfo: response.versionInfo, typeURL: ResourceType.cluster.typeURL, responseNonce: response.nonce))
        #expect(await client.drain().isEmpty, "an ACK is not answered")
        #expect(await eventually { proxyStatus(.cluster)?.acknowledgedVersion == snapshot.version })
        await client.close()
        await server.shutdown()
    }

    @Test("a NACK is recorded with its error text; the rejected content is never sent again")
    func nack() async throws {
        let first = try publish(Self.configuration())
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: Self.node, typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        try await client.send(DiscoveryRequest(
            versionInfo: "", typeURL: ResourceType.cluster.typeURL, responseNonce: response.nonce,
            errorDetail: .init(code: 3, message: "cluster backend: bad connect timeout")
        ))
        #expect(await eventually { proxyStatus(.cluster)?.lastRejection?.message == "cluster backend: bad connect timeout" })
        #expect(proxyStatus(.cluster)?.lastRejection?.version == first.version)
        #expect(server.proxies.rejections.count == 1)

        // The same snapshot again, and one that changes only the listener: clusters are what was rejected.
        _ = try publish(Self.configuration())
        _ = try publish(Self.configuration(listenerPort: 10_001))
        #expect(await client.drain().isEmpty, "the rejected cluster content is not resent")

        let fixed = try publish(Self.configuration(endpointPort: 8080, clusters: ["backend", "other"]))
        let next = try #require(await client.next())
        #expect(next.versionInfo == fixed.version)
        #expect(next.resources.count == 2)
        await client.close()
        await server.shutdown()
    }

    @Test("a request answering an older nonce is ignored, even if it changes names")
    func staleNonce() async throws {
        _ = try publish(Self.configuration())
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: Self.node, resourceNames: ["backend"], typeURL: ResourceType.endpoint.typeURL))
        let first = try #require(await client.next())
        let second = try publish(Self.configuration(endpointPort: 9090))
        let update = try #require(await client.next())
        #expect(update.versionInfo == second.version)

        // ACK of the first response, after the second was sent, asking for a new name: stale.
        try await client.send(DiscoveryRequest(versionInfo: first.versionInfo, resourceNames: ["backend", "ghost"], typeURL: ResourceType.endpoint.typeURL, responseNonce: first.nonce))
        #expect(await client.drain().isEmpty)
        #expect(proxyStatus(.endpoint)?.acknowledgedVersion == nil, "a stale ACK is not recorded")

        try await client.send(DiscoveryRequest(versionInfo: update.versionInfo, resourceNames: ["backend"], typeURL: ResourceType.endpoint.typeURL, responseNonce: update.nonce))
        #expect(await eventually { proxyStatus(.endpoint)?.acknowledgedVersion == second.version })
        await client.close()
        await server.shutdown()
    }

    @Test("a newly requested name gets a response with every subscribed name; RDS/EDS carry only names asked for")
    func addedSubscription() async throws {
        let snapshot = try publish(Self.configuration(clusters: ["backend", "other", "unrequested"]))
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: Self.node, resourceNames: ["backend"], typeURL: ResourceType.endpoint.typeURL))
        let first = try #require(await client.next())
        #expect(first.resources == [snapshot.resource(.endpoint, named: "backend")!.message])

        try await client.send(DiscoveryRequest(versionInfo: first.versionInfo, resourceNames: ["backend", "other"], typeURL: ResourceType.endpoint.typeURL, responseNonce: first.nonce))
        let second = try #require(await client.next())
        #expect(second.versionInfo == snapshot.version)
        #expect(second.resources == ["backend", "other"].map { snapshot.resource(.endpoint, named: $0)!.message })

        // Listeners and clusters are full state: all of them, whatever the names.
        try await client.send(DiscoveryRequest(typeURL: ResourceType.cluster.typeURL))
        #expect(try #require(await client.next()).resources.count == 3)
        await client.close()
        await server.shutdown()
    }

    @Test("a reconnect presenting the current version gets no resend; an older version gets the current one")
    func reconnect() async throws {
        let snapshot = try publish(Self.configuration())
        let current = try await XDSTestClient(port: port)
        try await current.send(DiscoveryRequest(versionInfo: snapshot.version, node: Self.node, typeURL: ResourceType.listener.typeURL))
        #expect(await current.drain().isEmpty)
        #expect(await eventually { proxyStatus(.listener)?.acknowledgedVersion == snapshot.version })

        let changed = try publish(Self.configuration(listenerPort: 10_002))
        #expect(try #require(await current.next()).versionInfo == changed.version, "content changes still arrive")
        await current.close()

        let stale = try await XDSTestClient(port: port)
        try await stale.send(DiscoveryRequest(versionInfo: snapshot.version, node: Self.node, typeURL: ResourceType.listener.typeURL))
        #expect(try #require(await stale.next()).versionInfo == changed.version)
        await stale.close()
        await server.shutdown()
    }

    @Test("streams of different proxy groups get their own snapshots")
    func groups() async throws {
        let a = try publish(Self.configuration(), group: "ns/a")
        var configurationB = Self.configuration(clusters: ["b-only"])
        configurationB.group = "ns/b"
        let b = try publish(configurationB, group: "ns/b")
        let clientA = try await XDSTestClient(port: port)
        let clientB = try await XDSTestClient(port: port)
        try await clientA.send(DiscoveryRequest(node: Node(id: "pa", cluster: "ns/a"), typeURL: ResourceType.cluster.typeURL))
        try await clientB.send(DiscoveryRequest(node: Node(id: "pb", cluster: "ns/b"), typeURL: ResourceType.cluster.typeURL))
        let responseA = try #require(await clientA.next())
        let responseB = try #require(await clientB.next())
        #expect(responseA.versionInfo == a.version)
        #expect(responseB.versionInfo == b.version)
        #expect(responseA.resources == a.resources[.cluster]!.map(\.message))
        #expect(responseB.resources == b.resources[.cluster]!.map(\.message))
        #expect(a.version != b.version)

        _ = try publish(Self.configuration(endpointPort: 7000, clusters: ["backend", "more"]), group: "ns/a")
        #expect(await clientA.next() != nil)
        #expect(await clientB.drain().isEmpty, "a change to one group does not touch another")
        await clientA.close()
        await clientB.close()
        await server.shutdown()
    }

    @Test("a change to every type is pushed make-before-break: clusters, endpoints, listeners, routes")
    func pushOrder() async throws {
        _ = try publish(Self.configuration())
        let client = try await XDSTestClient(port: port)
        let subscriptions: [(ResourceType, [String])] = [(.listener, []), (.route, ["routes"]), (.cluster, []), (.endpoint, ["backend"])]
        for (index, (type, names)) in subscriptions.enumerated() {
            try await client.send(DiscoveryRequest(node: index == 0 ? Self.node : nil, resourceNames: names, typeURL: type.typeURL))
            let response = try #require(await client.next())
            try await client.send(DiscoveryRequest(versionInfo: response.versionInfo, resourceNames: names, typeURL: type.typeURL, responseNonce: response.nonce))
        }
        var changed = SampleConfigurations.singleBackend(group: Self.group, listenerPort: 10_005, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 9999)], connectTimeout: .seconds(2))
        changed.routeTables[0].virtualHosts[0].domains = ["example.com"]
        let snapshot = try publish(changed)
        var order: [String] = []
        let names = Dictionary(uniqueKeysWithValues: subscriptions.map { ($0.0.typeURL, $0.1) })
        for _ in 0..<4 {
            let response = try #require(await client.next())
            #expect(response.versionInfo == snapshot.version)
            order.append(response.typeURL)
            // The route table names the changed cluster: it goes out once the cluster and its assignment are ACKed.
            try await client.send(DiscoveryRequest(versionInfo: response.versionInfo, resourceNames: names[response.typeURL] ?? [], typeURL: response.typeURL, responseNonce: response.nonce))
        }
        #expect(order == [ResourceType.cluster, .endpoint, .listener, .route].map(\.typeURL))
        await client.close()
        await server.shutdown()
    }

    @Test("a changed cluster is followed by its unchanged load assignment, which Envoy needs to finish warming")
    func clusterChangeRepushesEndpoints() async throws {
        _ = try publish(Self.configuration(clusters: ["backend", "steady"]))
        let client = try await XDSTestClient(port: port)
        for (index, (type, names)) in [(ResourceType.cluster, [String]()), (.endpoint, ["backend", "steady"])].enumerated() {
            try await client.send(DiscoveryRequest(node: index == 0 ? Self.node : nil, resourceNames: names, typeURL: type.typeURL))
            let response = try #require(await client.next())
            try await client.send(DiscoveryRequest(versionInfo: response.versionInfo, resourceNames: names, typeURL: type.typeURL, responseNonce: response.nonce))
        }
        #expect(await client.drain().isEmpty)

        // Only the clusters' connect timeout changes; endpoints are byte-for-byte the same.
        var changed = Self.configuration(clusters: ["backend", "steady"])
        changed.clusters = changed.clusters.map { var cluster = $0; cluster.connectTimeout = .seconds(1); return cluster }
        let snapshot = try publish(changed)
        let clusters = try #require(await client.next())
        let endpoints = try #require(await client.next())
        #expect(clusters.typeURL == ResourceType.cluster.typeURL)
        #expect(endpoints.typeURL == ResourceType.endpoint.typeURL)
        #expect(endpoints.versionInfo == snapshot.version)
        #expect(endpoints.resources == ["backend", "steady"].map { snapshot.resource(.endpoint, named: $0)!.message })
        await client.close()
        await server.shutdown()
    }

    @Test("a stream whose first request has no node is ended with INVALID_ARGUMENT")
    func nodeRequired() async throws {
        _ = try publish(Self.configuration())
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(typeURL: ResourceType.cluster.typeURL))
        let status = await client.status()
        #expect(status.code == .invalidArgument)
        #expect(status.message.contains("node"))
        await client.close()
        await server.shutdown()
    }
}
