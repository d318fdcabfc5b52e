import EnvoyAPI
import MeridianServe

/// Envoy's side of one ADS stream, as far as make-before-break is concerned, driving a
/// `DiscoveryStreamState` with no network.
///
/// It applies responses in order as Envoy does: a CDS response updates its EDS subscription
/// (that request goes out before the CDS ACK, as Envoy's paused EDS mux resumes at the end
/// of the CDS update), LDS updates the RDS subscription, and every response is ACKed, or
/// NACKed for a type told to reject. A new cluster is warm only once an assignment arrived
/// after it; a changed cluster stays warm (Envoy keeps the old one serving while the new
/// one warms). After every step it checks what a request would meet: every cluster a held
/// route table names must exist and be warm, else that route answers 503 or 500.
struct SimulatedProxy {
    var state: DiscoveryStreamState
    private(set) var clusters: [String: XDSResource] = [:]
    private(set) var warm: Set<String> = []
    private(set) var routes: [String: XDSResource] = [:]
    private(set) var listeners: [String: XDSResource] = [:]
    private(set) var scopes: [String: XDSResource] = [:]
    /// Types whose every response this proxy rejects.
    var rejecting: Set<ResourceType> = []
    /// Each broken moment: a held route naming a missing or cold cluster.
    private(set) var violations: [String] = []
    /// Every response received, in order: type, resource names, version.
    private(set) var received: [(type: ResourceType, names: [String], version: String)] = []
    private var names: [ResourceType: [String]] = [.cluster: [], .listener: []]
    private var lastNonce: [ResourceType: String] = [:]
    private var lastAccepted: [ResourceType: String] = [:]
    static let node = Node(id: "simulated", cluster: "default/gateway")

    /// Connects and subscribes to every type as Envoy does at start-up, then runs to quiet.
    init(_ snapshot: Snapshot) {
        state = DiscoveryStreamState()
        _ = state.update(snapshot)
        let (_, responses) = state.receive(DiscoveryRequest(node: Self.node, typeURL: ResourceType.cluster.typeURL))
        run(responses)
        let (_, more) = state.receive(DiscoveryRequest(typeURL: ResourceType.listener.typeURL))
        run(more)
    }

    /// Subscribes to every resource of `type` (as Envoy does to scopes when a listener with
    /// scoped routes arrives) and runs to quiet.
    mutating func subscribe(_ type: ResourceType) {
        names[type] = []
        run(send(type, version: "", nonce: ""))
    }

    /// Delivers a new snapshot and runs every exchange it causes.
    mutating func push(_ snapshot: Snapshot) {
        run(state.update(snapshot))
    }

    private mutating func run(_ initial: [DiscoveryStreamState.Response]) {
        var queue = initial
        var steps = 0
        while !queue.isEmpty, steps < 1_000 {
            steps += 1
            let response = queue.removeFirst()
            received.append((response.type, response.resources.map(\.name), response.version))
            lastNonce[response.type] = response.nonce
            if rejecting.contains(response.type) {
                queue += send(response.type, version: lastAccepted[response.type] ?? "", nonce: response.nonce, error: "rejected by the test")
                continue
            }
            queue += apply(response)
            lastAccepted[response.type] = response.version
            queue += send(response.type, version: response.version, nonce: response.nonce)
            check(after: response)
        }
    }

    private mutating func apply(_ response: DiscoveryStreamState.Response) -> [DiscoveryStreamState.Response] {
        let byName = Dictionary(uniqueKeysWithValues: response.resources.map { ($0.name, $0) })
        switch response.type {
        case .cluster:
            for (name, cluster) in byName where clusters[name] == nil {
                // A new cluster warms until its assignment arrives; one without EDS is warm at once.
                if cluster.references.contains(where: { $0.type == .endpoint }) { warm.remove(name) } else { warm.insert(name) }
            }
            clusters = byName
            warm.formIntersection(byName.keys)
            return follow(.endpoint, Set(byName.values.flatMap { $0.references.filter { $0.type == .endpoint }.map(\.name) }))
        case .endpoint:
            for name in byName.keys where clusters[name] != nil { warm.insert(name) }
            return []
        case .listener:
            listeners = byName
            return follow(.route, routeNamesHeld)
        case .scopedRoute:
            // Scopes name route tables as listeners do: Envoy subscribes to them on arrival.
            scopes = byName
            return follow(.route, routeNamesHeld)
        case .route:
            routes.merge(byName) { _, new in new }
            return []
        case .secret:
            return []
        }
    }

    /// The route tables the listeners and scopes held name.
    private var routeNamesHeld: Set<String> {
        Set((Array(listeners.values) + Array(scopes.values)).flatMap { $0.references.filter { $0.type == .route }.map(\.name) })
    }

    /// A subscription change, sent (like Envoy) with the last accepted version and last nonce.
    private mutating func follow(_ type: ResourceType, _ wanted: Set<String>) -> [DiscoveryStreamState.Response] {
        let sorted = wanted.sorted()
        guard names[type] != sorted else { return [] }
        names[type] = sorted
        if type == .route { routes = routes.filter { wanted.contains($0.key) } }
        return send(type, version: lastAccepted[type] ?? "", nonce: lastNonce[type] ?? "")
    }

    private mutating func send(_ type: ResourceType, version: String, nonce: String, error: String? = nil) -> [DiscoveryStreamState.Response] {
        let request = DiscoveryRequest(
            versionInfo: version, resourceNames: names[type] ?? [], typeURL: type.typeURL, responseNonce: nonce,
            errorDetail: error.map { .init(code: 13, message: $0) }
        )
        return state.receive(request).responses
    }

    private mutating func check(after response: DiscoveryStreamState.Response) {
        for (name, route) in routes {
            for reference in route.references where reference.type == .cluster {
                if clusters[reference.name] == nil {
                    violations.append("after \(response.type) \(response.version.prefix(8)): route table \(name) names cluster \(reference.name), which the proxy does not have (500/503)")
                } else if !warm.contains(reference.name) {
                    violations.append("after \(response.type) \(response.version.prefix(8)): route table \(name) names cluster \(reference.name), still warming (503)")
                }
            }
        }
    }

    /// The clusters each held route table names.
    var routedClusters: [String: [String]] {
        routes.mapValues { $0.references.filter { $0.type == .cluster }.map(\.name).sorted() }
    }
}
