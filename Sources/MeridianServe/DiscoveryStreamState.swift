import EnvoyAPI

/// The state-of-the-world xDS protocol for one ADS stream, as a pure state machine.
///
/// It follows Envoy's xDS protocol document: per type URL it remembers the
/// version and nonce last sent, the names subscribed, and what the proxy
/// ACKed or NACKed. It decides what to send; it never does I/O.
///
/// Every input (a request, a snapshot) re-plans every type, in make-before-break order
/// (see `plan()`): a resource that needs a cluster goes out only once the proxy ACKed that
/// cluster and its assignment, and a cluster leaves only once nothing the proxy may hold
/// names it.
public struct DiscoveryStreamState: Sendable {
    /// A response the stream must send, in order.
    public struct Response: Sendable, Hashable {
        public var type: ResourceType
        /// The snapshot version, or `<version>-partial` while make-before-break holds back
        /// part of it (the proxy then does not hold that version's content for this type).
        public var version: String
        public var nonce: String
        public var resources: [XDSResource]
        /// Set when the content is exactly the snapshot's for the names subscribed, so every
        /// stream sending this type, version and names sends the same bytes (encoded once).
        public var sharing: Sharing?

        public struct Sharing: Sendable, Hashable {
            /// Every resource of the type (a wildcard subscription), not a set of names.
            public var wildcard: Bool
        }

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

    /// Each type's content digest for a recent snapshot version, or nil for a version not
    /// known: lets a reconnecting proxy keep a wildcard type that has not changed since the
    /// version it presents (see `SnapshotCache.typeDigests(ofVersion:)`).
    public typealias Recall = @Sendable (String) -> [ResourceType: ResourceDigest]?

    /// The suffix of a response version whose content is not yet the snapshot's.
    public static let partialVersionSuffix = "-partial"

    typealias Held = ResourceSet.Held
    typealias Content = ResourceSet

    struct TypeState: Sendable {
        var subscribedNames: Set<String> = []
        var wildcard = false
        /// The legacy wildcard of LDS and CDS: the first request named nothing. It lasts while
        /// requests keep naming nothing; once the proxy names resources, an empty list means
        /// none (the xDS protocol's "unsubscribe from all"), and only `*` means every one.
        var legacyWildcard = false
        /// The version the proxy presented in its first request on this stream (a reconnect).
        var presentedVersion: String?
        var lastNonce: String?
        var lastVersion: String?
        /// Whether the proxy answered (ACK or NACK) the response `lastNonce` names.
        var answered = false
        /// What our last response carried: in flight until answered, then what the proxy holds.
        var sent: Content?
        /// What the proxy ACKed last: what it certainly holds.
        var acked: Content?
        /// The content of the last rejected response: never sent again as it is.
        var rejected: Content?
        /// Respond even when the content is unchanged, unless this version was already sent:
        /// a first request, names newly requested, a cluster that re-warms.
        var force = false
    }

    var types: [ResourceType: TypeState] = [:]
    var snapshot: Snapshot?
    private var nonceCounter = 0
    private let recall: Recall

    public init(recall: @escaping Recall = { _ in nil }) {
        self.recall = recall
    }

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
        // Envoy repeats the last nonce on later requests of the type (a change of names): only
        // the first answer to a response ACKs or NACKs it; a repeated NACK is reported again.
        let answersOurResponse = !request.responseNonce.isEmpty && state.lastNonce != nil
        let firstAnswer = answersOurResponse && !state.answered
        if answersOurResponse, let error = request.errorDetail {
            outcome = .rejected(type, version: state.lastVersion ?? "", keptVersion: request.versionInfo, message: error.message)
            if firstAnswer {
                state.rejected = state.sent
                // The proxy keeps what it ACKed before (Envoy's "last good" config).
                state.sent = state.acked
            }
        } else if firstAnswer {
            outcome = .acknowledged(type, version: state.lastVersion ?? request.versionInfo)
            state.acked = state.sent
            // What it rejected before no longer stands: neither held nor barred from a retry.
            state.rejected = nil
        } else {
            outcome = .subscribed(type, names: request.resourceNames, presentedVersion: request.versionInfo)
        }
        if answersOurResponse { state.answered = true }

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
        if isFirst || newlyRequested { state.force = true }
        types[type] = state
        if let snapshot { adoptPresentedVersion(type, snapshot: snapshot) }
        return (outcome, plan())
    }

    /// Takes a new snapshot; returns the responses it calls for, in make-before-break order.
    public mutating func update(_ snapshot: Snapshot) -> [Response] {
        self.snapshot = snapshot
        for type in types.keys { adoptPresentedVersion(type, snapshot: snapshot) }
        return plan()
    }

    /// A reconnecting proxy that presents a version whose content for a wildcard type (LDS,
    /// CDS: the version determines the whole content) is the content served now already
    /// holds it: nothing is resent, whether the snapshot was there when it connected or
    /// arrives later (a restart on invalid files, fixed to the same content), and whether it
    /// presents the current version or a recent one in which this type was the same. For
    /// types requested by name (RDS, EDS, SDS) the version does not say which names the proxy
    /// holds (it may have just asked for one more), so they are sent.
    private mutating func adoptPresentedVersion(_ type: ResourceType, snapshot: Snapshot) {
        guard var state = types[type], state.lastNonce == nil, state.sent == nil, state.wildcard,
              let presented = state.presentedVersion else { return }
        let holdsThisContent = presented == snapshot.version
            || (recall(presented)?[type]).map { $0 == snapshot.typeDigests[type] } == true
        guard holdsThisContent else { return }
        let content = target(type, state: state, in: snapshot)
        state.sent = content
        state.acked = content
        state.lastVersion = snapshot.version
        state.force = false
        types[type] = state
    }

    mutating func nextNonce() -> String {
        nonceCounter += 1
        return String(nonceCounter)
    }

    /// What the proxy should hold of `type` at `snapshot`: the resources it subscribes to.
    func target(_ type: ResourceType, state: TypeState, in snapshot: Snapshot) -> Content {
        ResourceSet(snapshot, type, names: state.wildcard ? nil : state.subscribedNames)
    }
}
