import EnvoyAPI
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// The state-of-the-world rules of Envoy's xDS protocol document, one per row, on the pure
/// state machine (no network): subscriptions, wildcards, unsubscribing, reconnects.
@Suite("xDS state of the world, rule by rule")
struct DiscoveryStreamStateTests {
    static let node = Node(id: "proxy", cluster: "default/gateway")

    /// Clusters `backend` and `other`, their assignments, one listener and route table;
    /// `changed` changes every cluster (its connect timeout) and every assignment (its port).
    static func snapshot(changed: Bool = false) throws -> Snapshot {
        let port = changed ? 9090 : 8080
        let timeout: Duration = changed ? .seconds(7) : .seconds(5)
        var configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: port)], connectTimeout: timeout)
        configuration.clusters.append(Cluster(name: "other", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: port + 1)]), connectTimeout: timeout))
        return try SampleConfigurations.snapshot(configuration)
    }

    static func request(_ type: ResourceType, _ names: [String] = [], version: String = "", nonce: String = "", first: Bool = false) -> DiscoveryRequest {
        DiscoveryRequest(versionInfo: version, node: first ? node : nil, resourceNames: names, typeURL: type.typeURL, responseNonce: nonce)
    }

    /// Subscribes and ACKs; returns the names each response carried.
    static func subscribe(_ state: inout DiscoveryStreamState, _ type: ResourceType, _ names: [String] = [], version: String = "") -> [[String]] {
        let (_, responses) = state.receive(request(type, names, version: version, first: true))
        for response in responses {
            _ = state.receive(request(type, names, version: response.version, nonce: response.nonce))
        }
        return responses.map { $0.resources.map(\.name) }
    }

    struct Reconnect: Sendable, CustomTestStringConvertible {
        var type: ResourceType
        var names: [String]
        /// Whether the version presented is the one served.
        var presentsCurrent: Bool
        /// The names the response carries; nil for no response.
        var expected: [String]?
        var rule: String
        var testDescription: String { rule }
    }

    @Test("a reconnecting proxy: what it is sent depends on the version it presents and the type", arguments: [
        Reconnect(type: .listener, names: [], presentsCurrent: true, expected: nil, rule: "LDS wildcard at the current version: it holds exactly this content, nothing is resent"),
        Reconnect(type: .cluster, names: [], presentsCurrent: true, expected: nil, rule: "CDS wildcard at the current version: nothing is resent"),
        Reconnect(type: .cluster, names: [], presentsCurrent: false, expected: ["backend", "other"], rule: "CDS at an older version: every cluster"),
        Reconnect(type: .endpoint, names: ["backend"], presentsCurrent: true, expected: ["backend"], rule: "EDS by name at the current version: which names it holds is unknown, so they are sent"),
        Reconnect(type: .endpoint, names: ["backend", "other"], presentsCurrent: true, expected: ["backend", "other"], rule: "EDS asking a new name at the current version: every name asked (the shortcut once hid this)"),
        Reconnect(type: .route, names: ["routes"], presentsCurrent: true, expected: ["routes"], rule: "RDS by name at the current version: sent"),
    ])
    func reconnect(_ row: Reconnect) throws {
        let snapshot = try Self.snapshot()
        var state = DiscoveryStreamState()
        _ = state.update(snapshot)
        let responses = Self.subscribe(&state, row.type, row.names, version: row.presentsCurrent ? snapshot.version : "an-older-version")
        #expect(responses.first == row.expected, "\(row.rule)")
        #expect(responses.count <= 1)
    }

    @Test("restarted on files that did not load, then fixed to the content the proxy holds: LDS and CDS are not resent, named types are")
    func restartOnInvalidFiles() throws {
        let snapshot = try Self.snapshot()
        var state = DiscoveryStreamState()
        for (type, names) in [(ResourceType.cluster, [String]()), (.endpoint, ["backend", "other"]), (.listener, []), (.route, ["routes"])] {
            let (_, responses) = state.receive(Self.request(type, names, version: snapshot.version, first: type == .cluster))
            #expect(responses.isEmpty, "no snapshot yet")
        }
        let responses = state.update(snapshot)
        #expect(responses.map(\.type) == [.endpoint], "routes wait until the proxy ACKs the assignments of the clusters they name")
        let eds = try #require(responses.first)
        let (_, afterACK) = state.receive(Self.request(.endpoint, ["backend", "other"], version: eds.version, nonce: eds.nonce))
        #expect(afterACK.map(\.type) == [.route])
        #expect(afterACK.first?.version == snapshot.version)
    }

    @Test("a reconnecting proxy that presents a recent version keeps every wildcard type unchanged since (per-type content digests)")
    func recentVersionRecalled() throws {
        let old = try Self.snapshot()
        // Only the route table changes: the clusters and listeners are the same content.
        var configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)])
        configuration.clusters.append(Cluster(name: "other", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 8081)])))
        configuration.routeTables[0].virtualHosts[0].routes[0].timeout = .seconds(9)
        let current = try SampleConfigurations.snapshot(configuration)
        #expect(old.version != current.version)
        #expect(old.typeDigests[.listener] == current.typeDigests[.listener] && old.typeDigests[.route] != current.typeDigests[.route])
        let recall: DiscoveryStreamState.Recall = { $0 == old.version ? old.typeDigests : nil }
        for (type, expectResend) in [(ResourceType.listener, false), (.cluster, false)] {
            var state = DiscoveryStreamState(recall: recall)
            _ = state.update(current)
            let (_, responses) = state.receive(Self.request(type, version: old.version, first: true))
            #expect(responses.isEmpty != expectResend, "\(type) unchanged since the presented version")
            var forgetful = DiscoveryStreamState()
            _ = forgetful.update(current)
            #expect(forgetful.receive(Self.request(type, version: old.version, first: true)).responses.count == 1, "an unknown version: everything is sent")
        }
    }

    struct Subscription: Sendable, CustomTestStringConvertible {
        var type: ResourceType
        /// Each later request's names (after an ACKed first request).
        var requests: [[String]]
        var first: [String]
        /// Whether a change to every resource is then pushed.
        var pushedAfterChange: Bool
        var rule: String
        var testDescription: String { rule }
    }

    @Test("wildcards and unsubscribing: an empty list is the legacy wildcard only until names are given", arguments: [
        Subscription(type: .cluster, requests: [[]], first: [], pushedAfterChange: true, rule: "CDS: empty, then empty again (ACKs): still the legacy wildcard"),
        Subscription(type: .cluster, requests: [["backend"], []], first: [], pushedAfterChange: false, rule: "CDS: empty, then a name, then empty: unsubscribed from all"),
        Subscription(type: .cluster, requests: [["backend"], ["*"]], first: [], pushedAfterChange: true, rule: "CDS: a name, then *: wildcard again"),
        Subscription(type: .cluster, requests: [], first: ["*", "backend"], pushedAfterChange: true, rule: "CDS: * with a name is a wildcard"),
        Subscription(type: .endpoint, requests: [[]], first: ["backend"], pushedAfterChange: false, rule: "EDS: names, then empty: unsubscribed, nothing more is pushed"),
        Subscription(type: .endpoint, requests: [], first: [], pushedAfterChange: false, rule: "EDS: no wildcard; an empty first request subscribes to nothing"),
    ])
    func subscriptions(_ row: Subscription) throws {
        var state = DiscoveryStreamState()
        _ = state.update(try Self.snapshot())
        _ = Self.subscribe(&state, row.type, row.first)
        for names in row.requests {
            // A later request on the same stream (no nonce: a change of subscription).
            let (_, responses) = state.receive(Self.request(row.type, names))
            for response in responses {
                _ = state.receive(Self.request(row.type, names, version: response.version, nonce: response.nonce))
            }
        }
        let pushed = state.update(try Self.snapshot(changed: true)).filter { $0.type == row.type }
        #expect(!pushed.isEmpty == row.pushedAfterChange, "\(row.rule): \(pushed.map { $0.resources.map(\.name) })")
    }
}
