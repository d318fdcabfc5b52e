import EnvoyAPI
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// Make-before-break, both ways and per proxy, on the pure state machine driven by a
/// simulated Envoy (`SimulatedProxy`): no route table a proxy holds ever names a cluster it
/// lacks or that is still warming, whatever the change and whatever the proxy rejects.
@Suite("xDS state of the world: make-before-break")
struct MakeBeforeBreakTests {
    /// Route table `routes` sends everything to `target`; the clusters listed exist (EDS),
    /// with `timeout` as their connect timeout.
    static func snapshot(target: String, clusters: [String], timeout: Duration = .seconds(5)) throws -> Snapshot {
        var configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: target, endpoints: [Endpoint(address: "127.0.0.1", port: 8080)], connectTimeout: timeout)
        // Each cluster's endpoint depends on its name only, so a switch changes no assignment.
        let ports = ["a": 8080, "b": 8081, "c": 8082, "spare": 8083]
        configuration.clusters[0].discovery = .endpoints([Endpoint(address: "127.0.0.1", port: ports[target] ?? 8089)])
        for name in clusters where name != target {
            configuration.clusters.append(Cluster(name: name, discovery: .endpoints([Endpoint(address: "127.0.0.1", port: ports[name] ?? 8089)]), connectTimeout: timeout))
        }
        if !clusters.contains(target) { configuration.clusters.removeAll { $0.name == target } }
        return try SampleConfigurations.snapshot(configuration)
    }

    struct Change: Sendable, CustomTestStringConvertible {
        var rule: String
        var before: (target: String, clusters: [String])
        var after: (target: String, clusters: [String], timeout: Duration)
        /// Types the proxy rejects after its first sync.
        var rejecting: Set<ResourceType> = []
        /// The types received after the push, in order (ACKs and subscriptions included).
        var sequence: [ResourceType]
        /// The clusters the proxy holds at the end, and what its route table names.
        var clustersAtEnd: [String]
        var routedAtEnd: [String]
        var testDescription: String { rule }
    }

    @Test("no route a proxy holds ever names a missing or warming cluster", arguments: [
        Change(
            rule: "switch to a new cluster and delete the old: add b, its assignment, then the route, then remove a",
            before: ("a", ["a"]), after: ("b", ["b"], .seconds(5)),
            sequence: [.cluster, .endpoint, .route, .cluster], clustersAtEnd: ["b"], routedAtEnd: ["b"]
        ),
        Change(
            rule: "switch to a new cluster and keep the old: nothing is removed",
            before: ("a", ["a"]), after: ("b", ["a", "b"], .seconds(5)),
            sequence: [.cluster, .endpoint, .route], clustersAtEnd: ["a", "b"], routedAtEnd: ["b"]
        ),
        Change(
            rule: "switch back to an existing cluster and delete the other: the route first, then the removal",
            before: ("b", ["a", "b"]), after: ("a", ["a"], .seconds(5)),
            sequence: [.route, .cluster], clustersAtEnd: ["a"], routedAtEnd: ["a"]
        ),
        Change(
            rule: "a cluster nothing names is removed at once",
            before: ("a", ["a", "spare"]), after: ("a", ["a"], .seconds(5)),
            sequence: [.cluster], clustersAtEnd: ["a"], routedAtEnd: ["a"]
        ),
        Change(
            rule: "every cluster changes (re-warm): assignments resent after CDS, routes unchanged",
            before: ("a", ["a", "b"]), after: ("a", ["a", "b"], .seconds(7)),
            sequence: [.cluster, .endpoint], clustersAtEnd: ["a", "b"], routedAtEnd: ["a"]
        ),
        Change(
            rule: "the proxy rejects the route table that switches to b: a stays, its kept routes still name it",
            before: ("a", ["a"]), after: ("b", ["b"], .seconds(5)), rejecting: [.route],
            sequence: [.cluster, .endpoint, .route], clustersAtEnd: ["a", "b"], routedAtEnd: ["a"]
        ),
        Change(
            rule: "the proxy rejects the clusters: the route never switches to b, and a stays",
            before: ("a", ["a"]), after: ("b", ["b"], .seconds(5)), rejecting: [.cluster],
            sequence: [.cluster], clustersAtEnd: ["a"], routedAtEnd: ["a"]
        ),
    ])
    func change(_ row: Change) throws {
        var proxy = SimulatedProxy(try Self.snapshot(target: row.before.target, clusters: row.before.clusters))
        #expect(proxy.violations.isEmpty, "start-up: \(proxy.violations)")
        let synced = proxy.received.count
        proxy.rejecting = row.rejecting
        let after = try Self.snapshot(target: row.after.target, clusters: row.after.clusters, timeout: row.after.timeout)
        proxy.push(after)
        #expect(proxy.violations.isEmpty, "\(row.rule): \(proxy.violations)")
        #expect(proxy.received.dropFirst(synced).map(\.type) == row.sequence, "\(row.rule): \(proxy.received.dropFirst(synced).map { "\($0.type) \($0.names)" })")
        #expect(proxy.clusters.keys.sorted() == row.clustersAtEnd, "\(row.rule)")
        #expect(proxy.routedClusters["routes"] == row.routedAtEnd, "\(row.rule)")
        if row.rejecting.isEmpty {
            #expect(proxy.received.last?.version == after.version, "converged on the snapshot's own version")
        }
    }

    @Test("a response held back in part says so in its version; the final one carries the snapshot's")
    func partialVersion() throws {
        var proxy = SimulatedProxy(try Self.snapshot(target: "a", clusters: ["a"]))
        let synced = proxy.received.count
        let after = try Self.snapshot(target: "b", clusters: ["b"])
        proxy.push(after)
        let versions = proxy.received.dropFirst(synced).map { "\($0.type)=\($0.version == after.version ? "v" : $0.version.hasSuffix(DiscoveryStreamState.partialVersionSuffix) ? "partial" : $0.version)" }
        #expect(versions == ["Cluster=partial", "ClusterLoadAssignment=v", "RouteConfiguration=v", "Cluster=v"])
    }

    @Test("rejected content is retried only when it changes")
    func retryAfterChange() throws {
        var proxy = SimulatedProxy(try Self.snapshot(target: "a", clusters: ["a"]))
        proxy.rejecting = [.route]
        proxy.push(try Self.snapshot(target: "b", clusters: ["b"]))
        let afterReject = proxy.received.count
        proxy.push(try Self.snapshot(target: "b", clusters: ["b"]))
        #expect(proxy.received.count == afterReject, "the same content is not sent again")
        proxy.rejecting = []
        proxy.push(try Self.snapshot(target: "c", clusters: ["c"]))
        #expect(proxy.violations.isEmpty, "\(proxy.violations)")
        #expect(proxy.routedClusters["routes"] == ["c"])
        #expect(proxy.clusters.keys.sorted() == ["c"], "a and b leave once the accepted route table names neither")
    }

    /// One listener on port 8080 whose route table has virtual hosts a.example.com and
    /// b.example.com, split by host (scoped routes) or not.
    static func hostSnapshot(split: Bool) throws -> Snapshot {
        var configuration = SampleConfigurations.singleBackend(listenerPort: 8080, routeTable: "http-8080", cluster: "a", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)])
        let route = configuration.routeTables[0].virtualHosts[0].routes[0]
        configuration.routeTables[0] = RouteTable(name: "http-8080", virtualHosts: ["a.example.com", "b.example.com"].map {
            VirtualHost(name: $0, domains: [$0], routes: [route])
        }, splitByHost: split)
        return try SampleConfigurations.snapshot(configuration)
    }

    @Test("scopes a listener leaves go only after the proxy ACKed the listener and its new route table")
    func scopesLeaveLast() throws {
        var proxy = SimulatedProxy(try Self.hostSnapshot(split: true))
        proxy.subscribe(.scopedRoute)
        #expect(proxy.scopes.keys.sorted() == ["http-8080/a.example.com", "http-8080/b.example.com"])
        #expect(proxy.routes.keys.sorted() == ["http-8080/a.example.com", "http-8080/b.example.com"])
        let synced = proxy.received.count
        proxy.push(try Self.hostSnapshot(split: false))
        // The old listener serves with its scopes until the new one has its table: the scopes'
        // removal is the last response, after the listener and the route table it names.
        #expect(proxy.received.dropFirst(synced).map(\.type) == [.listener, .route, .scopedRoute], "\(proxy.received.dropFirst(synced).map { "\($0.type) \($0.names)" })")
        #expect(proxy.scopes.isEmpty)
        #expect(proxy.routes["http-8080"] != nil)
        #expect(proxy.violations.isEmpty)
    }
}
