import EnvoyAPI

/// The state-of-the-world xDS protocol for one ADS stream, as a pure state machine.
///
/// It follows Envoy's xDS protocol document: per type URL it remembers the
/// version and nonce last sent, the names subscribed and what the proxy
/// ACKed or NACKed. It decides what to send; it never does I/O.
public struct DiscoveryStreamState: Sendable {
    /// A response the stream must send, in order.
    public struct Response: Sendable, Hashable {
        public var type: ResourceType
        public var version: String
        public var nonce: String
        public var resources: [XDSResource]

        public var discoveryResponse: DiscoveryResponse {
            DiscoveryResponse(versionInfo: version, resources: resources.map(\.message), typeURL: type.typeURL, nonce: nonce, controlPlaneIdentifier: "meridian")
        }
    }

    /// What a request meant, for logs and per-proxy status.
    public enum RequestOutcome: Sendable, Hashable {
        /// The first request for a type (or a reconnect presenting `version`).
        case subscribed(ResourceType, names: [String], presentedVersion: String)
        /// The proxy applied the response it names.
        case acknowledged(ResourceType, version: String)
        /// The proxy rejected the response it names, and keeps `keptVersion`.
        case rejected(ResourceType, version: String, keptVersion: String, message: String)
        /// The request answered an older response than the last one sent: ignored.
        case staleNonce(ResourceType, nonce: String)
        /// A type URL Meridian does not serve: ignored.
        case unsupportedType(String)
    }

    private struct TypeState: Sendable {
        var subscribedNames: Set<String> = []
        var wildcard = false
        /// The legacy wildcard of LDS and CDS: the first request named nothing. It lasts while
        /// requests keep naming nothing; once the proxy names resources, an empty list means
        /// none (the xDS protocol's "unsubscribe from all"), and only `*` means every one.
        var legacyWildcard = false
        /// The version the proxy presented in its first request on this stream (a reconnect):
        /// what it holds, for a type whose content the version alone determines.
        var presentedVersion: String?
        var lastNonce: String?
        var lastVersion: String?
        /// What the proxy holds for this type after our last response (name → bytes).
        var sent: [String: ResourceDigest]?
        /// The content of the last rejected response, never to be sent again.
        var rejected: [String: ResourceDigest]?
    }

    private var types: [ResourceType: TypeState] = [:]
    private var snapshot: Snapshot?
    private var nonceCounter = 0

    public init() {}

    /// Handles one request; returns what it meant and the responses to send.
    public mutating func receive(_ request: DiscoveryRequest) -> (outcome: RequestOutcome, responses: [Response]) {
        guard let type = ResourceType(rawValue: request.typeURL) else {
            return (.unsupportedType(request.typeURL), [])
        }
        var state = types[type] ?? TypeState()
        let outcome: RequestOutcome
        let isFirst = types[type] == nil

        if !request.responseNonce.isEmpty, let lastNonce = state.lastNonce, request.responseNonce != lastNonce {
            // Answers a response that a newer one has superseded; the proxy will answer that one too.
            return (.staleNonce(type, nonce: request.responseNonce), [])
        }
        let answersOurResponse = !request.responseNonce.isEmpty && state.lastNonce != nil
        if answersOurResponse, let error = request.errorDetail {
            outcome = .rejected(type, version: state.lastVersion ?? "", keptVersion: request.versionInfo, message: error.message)
            state.rejected = state.sent
            state.sent = nil  // unknown: what the proxy kept is not what we sent
        } else if answersOurResponse {
            outcome = .acknowledged(type, version: state.lastVersion ?? request.versionInfo)
        } else {
            outcome = .subscribed(type, names: request.resourceNames, presentedVersion: request.versionInfo)
        }

        let previousNames = state.subscribedNames
        let wasWildcard = state.wildcard
        if isFirst {
            state.legacyWildcard = type.isFullState && request.resourceNames.isEmpty
            state.presentedVersion = request.versionInfo.isEmpty ? nil : request.versionInfo
        } else if !request.resourceNames.isEmpty {
            state.legacyWildcard = false
        }
        state.wildcard = type.isFullState && (request.resourceNames.contains("*") || (request.resourceNames.isEmpty && state.legacyWildcard))
        state.subscribedNames = Set(request.resourceNames.filter { $0 != "*" })
        let newlyRequested = !state.subscribedNames.subtracting(previousNames).isEmpty || (state.wildcard && !wasWildcard)
        types[type] = state
        if let snapshot { adoptPresentedVersion(type, snapshot: snapshot) }
        state = types[type]!

        guard let snapshot, isFirst || newlyRequested, let response = respond(type, snapshot: snapshot, force: true) else {
            return (outcome, [])
        }
        return (outcome, [response])
    }

    /// Takes a new snapshot; returns responses for every subscribed type whose content changed,
    /// in make-before-break order (clusters, endpoints, secrets, listeners, routes).
    ///
    /// Envoy re-warms every cluster it receives a change for and finishes warming
    /// only when that cluster's ClusterLoadAssignment arrives again, changed or
    /// not; so a cluster push also re-sends the load assignments it refers to.
    ///
    /// Clusters the snapshot removes leave last: the first CDS response keeps them (added and
    /// changed clusters go out at once), and a second one, after the listeners and route
    /// tables that stop naming them, removes them. Envoy applies an ADS stream's responses in
    /// order, so no route points at a missing cluster in between (a 503 otherwise).
    public mutating func update(_ snapshot: Snapshot) -> [Response] {
        let previousSnapshot = self.snapshot
        self.snapshot = snapshot
        var responses: [Response] = []
        var rewarming: Set<String> = []
        var removedClusters: [XDSResource] = []
        for type in types.keys.sorted() {
            adoptPresentedVersion(type, snapshot: snapshot)
            let previous = types[type]?.sent ?? [:]
            let force = !rewarming.isEmpty && type == .endpoint && !rewarming.isDisjoint(with: types[type]?.subscribedNames ?? [])
            guard var response = respond(type, snapshot: snapshot, force: force) else { continue }
            if type == .cluster {
                for resource in response.resources where previous[resource.name] != snapshot.digests[.cluster]?[resource.name] {
                    rewarming.formUnion(resource.references.filter { $0.type == .endpoint }.map(\.name))
                }
                if let previousSnapshot {
                    let kept = Set(response.resources.map(\.name))
                    removedClusters = previous.keys.filter { !kept.contains($0) }.sorted().compactMap { previousSnapshot.resource(.cluster, named: $0) }
                    response.resources = (response.resources + removedClusters).sorted { $0.name < $1.name }
                }
            }
            responses.append(response)
        }
        if !removedClusters.isEmpty, responses.count > 1 {
            // The removal itself: the exact new state, after everything that stopped using them.
            nonceCounter += 1
            let nonce = String(nonceCounter)
            types[.cluster]?.lastNonce = nonce
            let resources = responses[0].resources.filter { resource in !removedClusters.contains { $0.name == resource.name } }
            responses.append(Response(type: .cluster, version: snapshot.version, nonce: nonce, resources: resources))
        } else if !removedClusters.isEmpty {
            // Nothing else changed: nothing referred to them; one response removes them.
            responses[0].resources.removeAll { resource in removedClusters.contains { $0.name == resource.name } }
        }
        return responses
    }

    /// A reconnecting proxy that presented the version now served, for a wildcard type (LDS,
    /// CDS: the version alone determines the content), already holds it: nothing is resent,
    /// whether the snapshot was there when it connected or arrives later (a restart on
    /// invalid files, fixed to the same content). For types requested by name (RDS, EDS, SDS)
    /// the presented version does not say which names the proxy holds, so they are sent.
    private mutating func adoptPresentedVersion(_ type: ResourceType, snapshot: Snapshot) {
        guard var state = types[type], state.lastNonce == nil, state.sent == nil, state.wildcard,
              let presented = state.presentedVersion, presented == snapshot.version else { return }
        state.sent = content(of: type, state: state, in: snapshot)
        state.lastVersion = snapshot.version
        types[type] = state
    }

    /// What the proxy should hold for `type`: the digests of the resources it subscribes to.
    private func content(of type: ResourceType, state: TypeState, in snapshot: Snapshot) -> [String: ResourceDigest] {
        let all = snapshot.digests[type] ?? [:]
        return state.wildcard ? all : all.filter { state.subscribedNames.contains($0.key) }
    }

    /// A response for `type` when its content differs from what the proxy holds, or,
    /// with `force` (a first request, newly requested names), when the proxy has not
    /// seen this version; never one that repeats exactly what the proxy rejected.
    private mutating func respond(_ type: ResourceType, snapshot: Snapshot, force: Bool) -> Response? {
        guard var state = types[type] else { return nil }
        // Nothing subscribed (every name unsubscribed, or none asked yet): nothing to send.
        if !state.wildcard, state.subscribedNames.isEmpty { return nil }
        let content = content(of: type, state: state, in: snapshot)
        if !type.isFullState, content.isEmpty { return nil }
        if content == state.rejected { return nil }
        if content == state.sent, !force || state.lastVersion == snapshot.version { return nil }
        nonceCounter += 1
        let nonce = String(nonceCounter)
        state.lastNonce = nonce
        state.lastVersion = snapshot.version
        state.sent = content
        types[type] = state
        let resources = content.keys.sorted().compactMap { snapshot.resource(type, named: $0) }
        return Response(type: type, version: snapshot.version, nonce: nonce, resources: resources)
    }
}
