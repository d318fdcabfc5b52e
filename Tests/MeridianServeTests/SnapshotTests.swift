import EnvoyAPI
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

@Suite("Snapshots")
struct SnapshotTests {
    @Test("a listener whose route table is missing, or an EDS cluster without endpoints, is refused")
    func consistency() throws {
        let configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)])
        let resources = EnvoyResourceEncoder.encode(configuration)

        let withoutRoutes = resources.filter { $0.type != .route }
        #expect(throws: SnapshotError(code: .missingReference, message: "Listener \"http\" refers to RouteConfiguration \"routes\", which the snapshot does not contain")) {
            try Snapshot(resources: withoutRoutes)
        }
        let withoutEndpoints = resources.filter { $0.type != .endpoint }
        #expect(throws: SnapshotError(code: .missingReference, message: "Cluster \"backend\" refers to ClusterLoadAssignment \"backend\", which the snapshot does not contain")) {
            try Snapshot(resources: withoutEndpoints)
        }
        #expect(throws: SnapshotError(code: .duplicateResource, message: "Cluster \"backend\" appears more than once")) {
            try Snapshot(resources: resources + resources.filter { $0.type == .cluster })
        }
        #expect(try Snapshot(resources: resources).resourceCount == 4)
    }

    @Test("the version is a SHA-256 of the content: order does not matter, any byte does")
    func contentVersion() throws {
        let configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)])
        let resources = EnvoyResourceEncoder.encode(configuration)
        let first = try Snapshot(resources: resources)
        let reordered = try Snapshot(resources: resources.reversed())
        #expect(first.version == reordered.version)
        #expect(first.version.count == 64)

        var changed = configuration
        changed.clusters[0].discovery = .endpoints([Endpoint(address: "127.0.0.1", port: 8081)])
        #expect(try SampleConfigurations.snapshot(changed).version != first.version)
        #expect(try SampleConfigurations.snapshot(configuration).version == first.version, "encoding is deterministic")
    }

    @Test("setting a snapshot wakes every watcher of that group, and only those")
    func cacheWakesWatchers() async throws {
        let cache = SnapshotCache(unmatchedProxyPolicy: .none)
        let a = try SampleConfigurations.snapshot(SampleConfigurations.singleBackend(group: "ns/a", listenerPort: 1, cluster: "a", endpoints: []))
        let b = try SampleConfigurations.snapshot(SampleConfigurations.singleBackend(group: "ns/b", listenerPort: 2, cluster: "b", endpoints: []))
        var watchA1 = cache.watch(proxyGroup: "ns/a").makeAsyncIterator()
        var watchA2 = cache.watch(proxyGroup: "ns/a").makeAsyncIterator()
        var watchB = cache.watch(proxyGroup: "ns/b").makeAsyncIterator()
        cache.setSnapshot(a, for: "ns/a")
        cache.setSnapshot(b, for: "ns/b")
        #expect(await watchA1.next()?.version == a.version)
        #expect(await watchA2.next()?.version == a.version)
        #expect(await watchB.next()?.version == b.version)
        #expect(cache.snapshot(forProxyGroup: "ns/unknown") == nil as Snapshot?)

        let soleGroup = SnapshotCache(unmatchedProxyPolicy: .soleGroup)
        soleGroup.setSnapshot(a, for: "ns/a")
        #expect(soleGroup.snapshot(forProxyGroup: "anything")?.version == a.version, "with one group, every proxy gets it")
    }
}
