import EnvoyAPI
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// The incremental (delta) rules of Envoy's xDS protocol document, one per test or row, on the
/// pure state machine (no network): wildcards, subscribe and unsubscribe, reconnects with
/// `initial_resource_versions`, `removed_resources`, per-response ACK and NACK.
@Suite("xDS delta, rule by rule")
struct DeltaDiscoveryStreamStateTests {
    typealias State = DeltaDiscoveryStreamState
    static let node = Node(id: "proxy", cluster: "default/gateway")

    /// Clusters `backend` and `other`, their assignments, one listener and route table `routes`.
    static func snapshot(changed: Bool = false, clusters: [String] = ["backend", "other"], routePrefix: String = "/") throws -> Snapshot {
        let port = changed ? 9090 : 8080
        let timeout: Duration = changed ? .seconds(7) : .seconds(5)
        var configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: port)], connectTimeout: timeout)
        configuration.routeTables[0].virtualHosts[0].routes[0].match = RouteMatch(path: .prefix(routePrefix))
        for name in clusters where name != "backend" {
            configuration.clusters.append(Cluster(name: name, discovery: .endpoints([Endpoint(address: "127.0.0.1", port: port + 1)]), connectTimeout: timeout))
        }
        return try SampleConfigurations.snapshot(configuration)
    }

    static func request(_ type: ResourceType, subscribe: [String] = [], unsubscribe: [String] = [], initial: [String: String] = [:], nonce: String = "", error: String? = nil) -> DeltaDiscoveryRequest {
        DeltaDiscoveryRequest(
            node: node, typeURL: type.typeURL, resourceNamesSubscribe: subscribe, resourceNamesUnsubscribe: unsubscribe,
            initialResourceVersions: initial, responseNonce: nonce, errorDetail: error.map { .init(code: 3, message: $0) }
        )
    }

    /// Sends `request`, ACKs every response; returns the responses.
    @discardableResult
    static func send(_ state: inout State, _ request: DeltaDiscoveryRequest) -> [State.Response] {
        let (_, responses) = state.receive(request)
        for response in responses { _ = state.receive(Self.request(response.type, nonce: response.nonce)) }
        return responses
    }

    static func names(_ response: State.Response?) -> [String]? { response?.resources.map(\.resource.name) }

    struct Subscription: Sendable, CustomTestStringConvertible {
        var type: ResourceType
        /// Each request's subscribe and unsubscribe lists, in order.
        var requests: [(subscribe: [String], unsubscribe: [String])]
        /// The names a change to every resource then pushes (nil: no response).
        var pushedAfterChange: [String]?
        var rule: String
        var testDescription: String { rule }
    }

    @Test("wildcards, subscribe and unsubscribe", arguments: [
        Subscription(type: .cluster, requests: [([], [])], pushedAfterChange: ["backend", "other"], rule: "CDS: a first request naming nothing is the legacy wildcard"),
        Subscription(type: .cluster, requests: [(["backend"], [])], pushedAfterChange: ["backend"], rule: "CDS: a first request naming a cluster is not a wildcard"),
        Subscription(type: .cluster, requests: [(["backend"], []), (["*"], [])], pushedAfterChange: ["backend", "other"], rule: "CDS: * subscribes to every cluster"),
        Subscription(type: .cluster, requests: [([], []), ([], ["*"])], pushedAfterChange: nil, rule: "CDS: unsubscribing * ends the legacy wildcard"),
        Subscription(type: .cluster, requests: [(["*", "backend"], []), ([], ["*"])], pushedAfterChange: ["backend"], rule: "CDS: * and a name, then * unsubscribed: the name stays"),
        Subscription(type: .cluster, requests: [([], []), (["backend"], [])], pushedAfterChange: ["backend", "other"], rule: "CDS: legacy wildcard, then a name: still every cluster"),
        Subscription(type: .endpoint, requests: [(["backend", "other"], []), ([], ["other"])], pushedAfterChange: ["backend"], rule: "EDS: an unsubscribed name is no longer pushed"),
        Subscription(type: .endpoint, requests: [([], [])], pushedAfterChange: nil, rule: "EDS: no wildcard; a first request naming nothing subscribes to nothing"),
        Subscription(type: .endpoint, requests: [(["*"], [])], pushedAfterChange: nil, rule: "EDS: by name only, * is not a wildcard"),
    ])
    func subscriptions(_ row: Subscription) throws {
        var state = State()
        _ = state.update(try Self.snapshot())
        for (subscribe, unsubscribe) in row.requests { Self.send(&state, Self.request(row.type, subscribe: subscribe, unsubscribe: unsubscribe)) }
        let pushed = state.update(try Self.snapshot(changed: true)).filter { $0.type == row.type }
        #expect(pushed.count <= 1)
        #expect(Self.names(pushed.first) == row.pushedAfterChange, "\(row.rule)")
    }

    @Test("each response carries only what changed, each resource with its own version")
    func onlyChanges() throws {
        var state = State()
        let first = try Self.snapshot()
        _ = state.update(first)
        let initial = Self.send(&state, Self.request(.route, subscribe: ["routes"]))
        #expect(Self.names(initial.first) == ["routes"])
        #expect(initial.first?.resources.first?.version == State.version(of: first.digests[.route]!["routes"]!))
        Self.send(&state, Self.request(.cluster))
        // Only the route table changes: one RouteConfiguration, nothing else.
        let responses = state.update(try Self.snapshot(routePrefix: "/api"))
        #expect(responses.map(\.type) == [.route])
        #expect(Self.names(responses.first) == ["routes"] && responses.first?.removed == [])
        #expect(state.update(try Self.snapshot(routePrefix: "/api")).isEmpty, "the same content again: nothing")
    }

    @Test("a reconnect with initial_resource_versions: nothing unchanged is resent, a held name that is gone is removed")
    func reconnect() throws {
        let snapshot = try Self.snapshot()
        let versions = snapshot.digests[.cluster]!.mapValues(State.version(of:))
        var state = State()
        _ = state.update(snapshot)
        var held = versions
        held["backend"] = "an-older-version"
        held["gone"] = "whatever"
        let responses = Self.send(&state, Self.request(.cluster, initial: held))
        // Additions and removals go in two responses (removals last, make-before-break).
        #expect(responses.count == 2)
        #expect(Self.names(responses.first) == ["backend"], "only the cluster whose version differs")
        #expect(responses.last?.resources.isEmpty == true && responses.last?.removed == ["gone"])

        // Holding exactly what is served: nothing at all is sent, and the proxy counts as holding this version.
        var current = State()
        _ = current.update(snapshot)
        let (outcome, unchanged) = current.receive(Self.request(.cluster, initial: versions))
        #expect(unchanged.isEmpty)
        #expect(outcome == .subscribed(.cluster, names: [], presentedVersion: snapshot.version))
        // A proxy presenting nothing (a first connect) is always answered, even with nothing, so its initial fetch ends.
        var fresh = State()
        _ = fresh.update(try Self.snapshot(clusters: ["backend"]))
        #expect(Self.send(&fresh, Self.request(.secret, subscribe: [])).count == 1)
    }

    @Test("after a NACK, a snapshot that no longer has the refused content confirms the proxy's state with an empty response")
    func nackThenFixedByRemoval() throws {
        var state = State()
        _ = state.update(try Self.snapshot())
        Self.send(&state, Self.request(.cluster))
        let added = state.update(try Self.snapshot(clusters: ["backend", "other", "bad"]))
        #expect(Self.names(added.first) == ["bad"])
        let (outcome, none) = state.receive(Self.request(.cluster, nonce: added[0].nonce, error: "refused"))
        #expect(none.isEmpty, "a NACK is not answered, whatever it is")
        guard case .rejected = outcome else { Issue.record("\(outcome)"); return }
        let confirmed = state.update(try Self.snapshot())
        #expect(confirmed.count == 1 && confirmed.first?.resources.isEmpty == true && confirmed.first?.removed == [], "the proxy never had `bad`: nothing to remove")
    }

    @Test("a name that does not exist is named in removed_resources once; when it appears, it is sent")
    func doesNotExist() throws {
        var state = State()
        _ = state.update(try Self.snapshot(clusters: ["backend"]))
        let responses = Self.send(&state, Self.request(.endpoint, subscribe: ["backend", "missing"]))
        #expect(Self.names(responses.first) == ["backend"] && responses.first?.removed == ["missing"])
        #expect(state.update(try Self.snapshot(changed: true, clusters: ["backend"])).allSatisfy { $0.removed.isEmpty }, "said once")
        let appeared = state.update(try Self.snapshot(changed: true, clusters: ["backend", "missing"])).filter { $0.type == .endpoint }
        #expect(Self.names(appeared.first) == ["missing"])
    }

    @Test("a NACKed version is not resent as is; the proxy keeps its previous version, and a later change is sent")
    func nack() throws {
        var state = State()
        _ = state.update(try Self.snapshot())
        Self.send(&state, Self.request(.route, subscribe: ["routes"]))
        let bad = state.update(try Self.snapshot(routePrefix: "/bad"))
        let (outcome, more) = state.receive(Self.request(.route, nonce: bad[0].nonce, error: "rejected"))
        #expect(outcome == .rejected(.route, version: bad[0].version, keptVersion: "", message: "rejected") && more.isEmpty)
        // Clusters change; the rejected routes stay as they are: no RouteConfiguration.
        #expect(state.update(try Self.snapshot(changed: true, routePrefix: "/bad")).allSatisfy { $0.type != .route })
        // Back to the content the proxy kept: no RouteConfiguration, one empty response confirming it; a new route table: sent.
        let back = state.update(try Self.snapshot(changed: true)).filter { $0.type == .route }
        #expect(back.count == 1 && back.first?.resources.isEmpty == true && back.first?.removed == [])
        #expect(state.update(try Self.snapshot(changed: true, clusters: ["backend"])).allSatisfy { $0.type != .route }, "confirmed once")
        #expect(Self.names(state.update(try Self.snapshot(changed: true, routePrefix: "/fixed")).first) == ["routes"])
    }

    @Test("each response has its own nonce and is ACKed by it; an unknown nonce is stale")
    func noncePerResponse() throws {
        var state = State()
        _ = state.update(try Self.snapshot())
        let (_, first) = state.receive(Self.request(.cluster))
        let second = state.update(try Self.snapshot(changed: true))
        #expect(first[0].nonce != second[0].nonce)
        // Both in flight: each is ACKed on its own, in any order.
        #expect(state.receive(Self.request(.cluster, nonce: second[0].nonce)).outcome == .acknowledged(.cluster, version: second[0].version))
        #expect(state.receive(Self.request(.cluster, nonce: first[0].nonce)).outcome == .acknowledged(.cluster, version: first[0].version))
        #expect(state.receive(Self.request(.cluster, nonce: first[0].nonce)).outcome == .staleNonce(.cluster, nonce: first[0].nonce))
    }

    @Test("make-before-break: new clusters first, routes next, removed clusters last; a changed cluster's assignment is resent")
    func removalsLast() throws {
        func snapshot(target: String) throws -> Snapshot {
            try SampleConfigurations.snapshot(SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: target, endpoints: [Endpoint(address: "127.0.0.1", port: 8080)]))
        }
        var state = State()
        _ = state.update(try snapshot(target: "a"))
        Self.send(&state, Self.request(.cluster))
        Self.send(&state, Self.request(.endpoint, subscribe: ["a"]))
        Self.send(&state, Self.request(.listener))
        Self.send(&state, Self.request(.route, subscribe: ["routes"]))
        // Make-before-break, ACK-gated as Envoy drives it: the new cluster first; Envoy asks for
        // its assignment before it ACKs the cluster; the route table once both are ACKed; the
        // removals once the route table that stopped naming `a` is ACKed.
        let clusters = state.update(try snapshot(target: "b"))
        #expect(clusters.map(\.type) == [.cluster])
        #expect(Self.names(clusters.first) == ["b"] && clusters.first?.removed.isEmpty == true)
        let endpoints = state.receive(Self.request(.endpoint, subscribe: ["b"])).responses
        #expect(endpoints.map(\.type) == [.endpoint] && Self.names(endpoints.first) == ["b"])
        #expect(state.receive(Self.request(.cluster, nonce: clusters[0].nonce)).responses.isEmpty, "the route table waits for b's assignment")
        let routes = state.receive(Self.request(.endpoint, nonce: endpoints[0].nonce)).responses
        #expect(routes.map(\.type) == [.route])
        let removals = state.receive(Self.request(.route, nonce: routes[0].nonce)).responses
        #expect(removals.map(\.type) == [.cluster, .endpoint])
        #expect(removals.first?.resources.isEmpty == true && removals.first?.removed == ["a"])
        #expect(removals.last?.removed == ["a"], "the subscribed assignment that no longer exists")
        #expect(Set((clusters + endpoints + routes + removals).map(\.nonce)).count == 5)

        // A changed cluster: its (unchanged) assignment goes again, so Envoy finishes warming it.
        var changed = State()
        _ = changed.update(try Self.snapshot())
        Self.send(&changed, Self.request(.cluster))
        Self.send(&changed, Self.request(.endpoint, subscribe: ["backend"]))
        var configuration = SampleConfigurations.singleBackend(listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)], connectTimeout: .seconds(3))
        configuration.clusters.append(Cluster(name: "other", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 8081)])))
        let rewarm = changed.update(try SampleConfigurations.snapshot(configuration))
        #expect(rewarm.map(\.type) == [.cluster, .endpoint])
        #expect(Self.names(rewarm.last) == ["backend"])
    }

    @Test("a type Meridian does not serve is ignored")
    func unsupported() {
        var state = State()
        let (outcome, responses) = state.receive(DeltaDiscoveryRequest(node: Self.node, typeURL: "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"))
        #expect(outcome == .unsupportedType("type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig") && responses.isEmpty)
    }
}
