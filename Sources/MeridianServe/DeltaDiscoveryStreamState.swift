import ContentDigest
import EnvoyAPI

/// The incremental (delta) xDS protocol for one stream, as a pure state machine.
///
/// It follows the incremental section of Envoy's xDS protocol document. Per type URL it keeps
/// what the proxy subscribes to (names, and the wildcard for LDS and CDS) and what it holds
/// (name → the version it was sent, or presented in `initial_resource_versions`). Each
/// response carries only resources whose version differs from what the proxy holds, and the
/// names it holds that no longer exist (`removed_resources`); each has its own nonce, and the
/// proxy ACKs or NACKs each one. It decides what to send; it never does I/O.
public struct DeltaDiscoveryStreamState: Sendable {
    /// A response the stream must send, in order.
    public struct Response: Sendable, Hashable {
        public var type: ResourceType
        /// The snapshot version (`system_version_info`: for debugging, and for per-proxy status).
        public var version: String
        public var nonce: String
        /// Added or changed resources, each with its version.
        public var resources: [VersionedResource]
        public var removed: [String]

        public var deltaDiscoveryResponse: DeltaDiscoveryResponse {
            DeltaDiscoveryResponse(
                systemVersionInfo: version,
                resources: resources.map { .init(name: $0.resource.name, version: $0.version, message: $0.resource.message) },
                typeURL: type.typeURL, removedResources: removed, nonce: nonce, controlPlaneIdentifier: "meridian"
            )
        }
    }

    /// A resource as a delta response carries it: with its own version.
    public struct VersionedResource: Sendable, Hashable {
        public var resource: XDSResource
        public var version: String
    }

    /// What a request meant: the same outcomes as state of the world, so per-proxy status,
    /// metrics and logs treat both protocols alike. `staleNonce` here is a nonce this stream
    /// never sent or already settled.
    public typealias RequestOutcome = DiscoveryStreamState.RequestOutcome

    private struct TypeState: Sendable {
        /// Names subscribed explicitly.
        var names: Set<String> = []
        /// Every resource of the type: `*`, or the legacy wildcard (LDS/CDS, first request naming nothing).
        var wildcard = false
        /// What the proxy holds: name → version (sent and not refused, or presented).
        var held: [String: String] = [:]
        /// What the proxy certainly holds: name → version it ACKed (or presented on reconnect).
        var acked: [String: String] = [:]
        /// Subscribed names the proxy was told do not exist (sent once in `removed_resources`).
        var toldAbsent: Set<String> = []
        /// Versions the proxy rejected, never sent again as they are.
        var rejected: [String: String] = [:]
        /// Whether any response of this type was sent: the first request is always answered,
        /// even with nothing, so the proxy's initial fetch completes at once.
        var answered = false
        /// The last response was NACKed and nothing was sent since: once the snapshot no longer
        /// wants any refused version, an empty response says the proxy's state is current (so
        /// its status leaves NACKED), even though nothing differs.
        var confirmAfterRejection = false
        /// Names that may need sending or removing: a superset of every name whose held version
        /// differs from the snapshot's (or that is held and gone, or subscribed, absent and not
        /// yet said so). Responses look only at these, so an ACK costs what changed, not every
        /// resource of the type.
        var unsent: Set<String> = []
        /// Names whose ACKed version may differ from the snapshot's (a superset): what
        /// `referencesSettled` looks at.
        var unconfirmed: Set<String> = []

        /// Marks `names` as possibly needing a response and a confirmation.
        mutating func mark<Names: Sequence<String>>(_ names: Names) {
            unsent.formUnion(names)
            unconfirmed.formUnion(names)
        }

        func isWanted(_ name: String, versions: [String: String]) -> Bool {
            names.contains(name) || (wildcard && versions[name] != nil)
        }

        /// Whether `name` still calls for a response: the counterpart of `unsent`.
        func needsResponse(_ name: String, versions: [String: String]) -> Bool {
            guard let version = versions[name] else {
                return held[name] != nil || (names.contains(name) && !toldAbsent.contains(name))
            }
            return isWanted(name, versions: versions) && held[name] != version
        }
    }

    /// A response not yet ACKed or NACKed: what it changed, to undo on a NACK.
    private struct Pending: Sendable {
        var type: ResourceType
        var version: String
        /// Name → (held before, held after); nil is "not held".
        var changes: [String: (before: String?, after: String?)]
    }

    private var types: [ResourceType: TypeState] = [:]
    private var pending: [String: Pending] = [:]
    private var snapshot: Snapshot?
    private var nonceCounter = 0
    /// Tests only: consider every name on every response (as before names were tracked), so a
    /// test can compare the tracked sets with a full scan.
    private let scansEveryName: Bool

    /// How many unanswered responses are remembered (for undoing a NACK); the oldest go first.
    static let pendingLimit = 256

    public init() { scansEveryName = false }

    /// A state that looks at every name of a type on every response instead of the names that
    /// changed: slower, the same responses; for tests comparing the two.
    package init(scanningEveryName: Bool) { scansEveryName = scanningEveryName }

    /// The per-resource version string: the first 16 hex digits of the resource's SHA-256,
    /// derived from content alone, so it is the same after a restart and on every replica
    /// (a reconnecting proxy's `initial_resource_versions` then match).
    public static func version(of digest: ResourceDigest) -> String {
        Snapshot.resourceVersion(of: digest)
    }

    /// Handles one request; returns what it meant and the responses to send.
    public mutating func receive(_ request: DeltaDiscoveryRequest) -> (outcome: RequestOutcome, responses: [Response]) {
        guard let type = ResourceType(rawValue: request.typeURL) else {
            return (.unsupportedType(request.typeURL), [])
        }
        let isFirst = types[type] == nil
        var state = types[type] ?? TypeState()
        let wasWildcard = state.wildcard
        if isFirst {
            state.held = request.initialResourceVersions
            state.acked = request.initialResourceVersions
            state.mark(request.initialResourceVersions.keys)
            // A proxy presenting what it holds is reconnecting, past its initial fetch: when
            // nothing differs it is sent nothing at all, not even an empty response.
            state.answered = !request.initialResourceVersions.isEmpty
            // Legacy wildcard: the protocol document treats a first LDS/CDS request naming nothing as `*`.
            state.wildcard = type.isFullState && request.resourceNamesSubscribe.isEmpty
        }
        for name in request.resourceNamesSubscribe {
            if name == "*" {
                // RDS, EDS and SDS are by name only: `*` is not a name Meridian has, and is ignored.
                if type.isFullState { state.wildcard = true }
                continue
            }
            // A name subscribed again after the first request is sent again, whatever we think the proxy holds.
            if !isFirst, !state.names.contains(name) { state.held[name] = nil }
            state.names.insert(name)
            state.toldAbsent.remove(name)
            state.mark(CollectionOfOne(name))
        }
        if state.wildcard, !wasWildcard, let versions = snapshot?.resourceVersions[type] { state.mark(versions.keys) }
        var unsubscribed = false
        for name in request.resourceNamesUnsubscribe {
            unsubscribed = true
            if name == "*" { state.wildcard = false } else { state.names.remove(name) }
        }
        // Only names the proxy holds can leave it; a NACK undoes nothing for a name dropped here
        // (it undoes only what is still held as sent), so filtering after an unsubscription is enough.
        if !state.wildcard, isFirst || unsubscribed {
            // The proxy drops what it no longer subscribes to; so do we.
            state.held = state.held.filter { state.names.contains($0.key) }
            state.acked = state.acked.filter { state.names.contains($0.key) }
            state.toldAbsent.formIntersection(state.names)
        }

        var outcome = RequestOutcome.subscribed(type, names: request.resourceNamesSubscribe, presentedVersion: "")
        if !request.responseNonce.isEmpty {
            if let answered = pending[request.responseNonce], answered.type == type {
                pending[request.responseNonce] = nil
                if let error = request.errorDetail {
                    outcome = .rejected(type, version: answered.version, keptVersion: "", message: error.message)
                    state.confirmAfterRejection = true
                    // The proxy keeps what it held before; the refused versions are not sent again as they are.
                    // A refused removal is not undone: the resource is gone either way, and undoing it would resend it.
                    for (name, change) in answered.changes where change.after != nil && state.held[name] == change.after {
                        state.held[name] = change.before
                        if let after = change.after { state.rejected[name] = after }
                        state.mark(CollectionOfOne(name))
                    }
                } else {
                    outcome = .acknowledged(type, version: answered.version)
                    // No name needs marking: one ACKed at the snapshot's version is settled, and one
                    // ACKed at an older version was marked when the snapshot moved on.
                    for (name, change) in answered.changes { state.acked[name] = change.after }
                }
            } else {
                outcome = .staleNonce(type, nonce: request.responseNonce)
            }
        }
        types[type] = state
        guard snapshot != nil else { return (outcome, []) }
        // An ACK may let a held-back route table go, or a removal wait no more: every type is re-planned.
        let responses = plan(confirmsRejection: false)
        if responses.isEmpty, isFirst, case .subscribed = outcome, let snapshot {
            // It holds exactly what is served: recorded as the version it presented, as in state of the world.
            outcome = .subscribed(type, names: request.resourceNamesSubscribe, presentedVersion: snapshot.version)
        }
        return (outcome, responses)
    }

    /// Takes a new snapshot; returns responses for every subscribed type whose content changed,
    /// in make-before-break order (see `plan`).
    public mutating func update(_ snapshot: Snapshot) -> [Response] {
        let changed = snapshot.changedNames(since: self.snapshot)
        self.snapshot = snapshot
        for (type, var state) in types {
            state.mark(changed[type] ?? [])
            types[type] = state
        }
        return plan(confirmsRejection: true)
    }

    /// Every response the state calls for, make-before-break, as in state of the world
    /// (`MakeBeforeBreakPlan`): clusters, endpoints, secrets, listeners, routes; a listener or
    /// route table that names a cluster goes out (in its new version) only once the proxy ACKed
    /// that cluster's version and its assignment's; and clusters, endpoints and secrets leave
    /// only once the proxy ACKed listeners and route tables exactly as the snapshot has them
    /// (so none it holds, or kept after a NACK, names what leaves).
    ///
    /// A changed cluster is re-warmed by Envoy until its ClusterLoadAssignment arrives again,
    /// changed or not; so a cluster push also re-sends the load assignments it refers to.
    private mutating func plan(confirmsRejection: Bool) -> [Response] {
        guard let snapshot else { return [] }
        var responses: [Response] = []
        var rewarming: Set<String> = []
        let ordered = types.keys.sorted()
        for type in ordered {
            let part: Part = Self.removedLast.contains(type) ? .additions : .all
            guard let response = respond(type, snapshot: snapshot, forceEndpoints: type == .endpoint ? rewarming : [], part: part, confirmsRejection: confirmsRejection) else { continue }
            if type == .cluster {
                for entry in response.resources {
                    rewarming.formUnion(entry.resource.references.filter { $0.type == .endpoint }.map(\.name))
                }
            }
            responses.append(response)
        }
        if referencesSettled(snapshot) {
            for type in ordered where Self.removedLast.contains(type) {
                if let removal = respond(type, snapshot: snapshot, forceEndpoints: [], part: .removals) { responses.append(removal) }
            }
        }
        return responses
    }

    /// Whether the proxy ACKed every listener and route table exactly as the snapshot has them,
    /// with nothing in flight: only then can nothing it holds name a cluster that leaves.
    private mutating func referencesSettled(_ snapshot: Snapshot) -> Bool {
        for type in [ResourceType.listener, .route] {
            guard var state = types[type] else { continue }
            if pending.values.contains(where: { $0.type == type }) { return false }
            let versions = snapshot.resourceVersions[type] ?? [:]
            let candidates = scansEveryName ? state.names.union(state.wildcard ? Set(versions.keys) : []) : state.unconfirmed
            for name in candidates {
                if state.isWanted(name, versions: versions), state.acked[name] != versions[name] {
                    types[type] = state
                    return false
                }
                state.unconfirmed.remove(name)
            }
            types[type] = state
        }
        return true
    }

    /// Whether every cluster `resource` names is ready on the proxy: its version ACKed as the
    /// snapshot has it, and so the assignment and secrets it names (for types the proxy asks for).
    private func clustersReady(_ resource: XDSResource, snapshot: Snapshot) -> Bool {
        guard let clusters = types[.cluster] else { return true }
        for reference in resource.references where reference.type == .cluster {
            guard let cluster = snapshot.resource(.cluster, named: reference.name),
                  let version = snapshot.resourceVersions[.cluster]?[reference.name] else { continue }
            guard clusters.acked[reference.name] == version else { return false }
            for dependency in cluster.references {
                guard let dependencyState = types[dependency.type] else { continue }
                guard let needed = snapshot.resourceVersions[dependency.type]?[dependency.name],
                      dependencyState.acked[dependency.name] == needed else { return false }
            }
        }
        return true
    }

    /// The types whose removals wait until listeners and routes stop naming them.
    /// Types whose removals wait until listeners and route tables are ACKed as the snapshot has
    /// them: what those may still name (clusters and theirs), and scopes, which a listener that
    /// leaves scoped routes serves with until its new route table has warmed.
    private static let removedLast: [ResourceType] = [.cluster, .endpoint, .secret, .scopedRoute]

    /// Which part of a difference a response carries.
    private enum Part {
        case all, additions, removals
    }

    /// A response for `type` carrying what differs between the snapshot and what the proxy
    /// holds (and, for `forceEndpoints`, those assignments even if unchanged); nil when nothing
    /// differs and the type was already answered once.
    ///
    /// `confirmsRejection` only on a new snapshot, never in answer to a request: a client that
    /// NACKs every response would otherwise get an endless exchange of empty ones.
    private mutating func respond(_ type: ResourceType, snapshot: Snapshot, forceEndpoints: Set<String>, part: Part, confirmsRejection: Bool = false) -> Response? {
        guard var state = types[type] else { return nil }
        let versions = snapshot.resourceVersions[type] ?? [:]
        var candidates = scansEveryName ? state.names.union(state.held.keys).union(state.wildcard ? Set(versions.keys) : []) : state.unsent
        candidates.formUnion(forceEndpoints)
        var changes: [String: (before: String?, after: String?)] = [:]
        var sent: [VersionedResource] = []
        var removed: [String] = []
        var keptRejected = false
        var unsent: Set<String> = []
        // Sorted, so responses list resources by name whatever the order of the changes.
        for name in candidates.sorted() {
            defer { if state.needsResponse(name, versions: versions) { unsent.insert(name) } }
            guard let version = versions[name] else {
                // Held but gone: the protocol document has the server say so in
                // `removed_resources` rather than leave the proxy holding it.
                if state.held[name] != nil {
                    guard part != .additions else { continue }
                    changes[name] = (state.held[name], nil)
                    state.held[name] = nil
                    removed.append(name)
                }
                // A subscribed name that does not exist is said at once (rather than leaving the
                // proxy to wait for its initial-fetch timeout), not held back like a removal.
                if part != .removals, state.names.contains(name), !state.toldAbsent.contains(name) {
                    state.toldAbsent.insert(name)
                    if removed.last != name { removed.append(name) }
                }
                continue
            }
            guard part != .removals, state.isWanted(name, versions: versions), let resource = snapshot.resource(type, named: name) else { continue }
            let forced = forceEndpoints.contains(name) && state.held[name] == version
            if state.rejected[name] == version, state.held[name] != version {
                keptRejected = true
                continue
            }
            guard state.held[name] != version || forced else { continue }
            // Make-before-break: a listener or route table waits for the clusters it names.
            if type == .listener || type == .route, !clustersReady(resource, snapshot: snapshot) { continue }
            changes[name] = (state.held[name], version)
            state.held[name] = version
            state.toldAbsent.remove(name)
            sent.append(VersionedResource(resource: resource, version: version))
        }
        state.unsent = unsent
        let confirm = part != .removals && (!state.answered || (confirmsRejection && state.confirmAfterRejection && !keptRejected))
        guard !sent.isEmpty || !removed.isEmpty || confirm else {
            // Nothing held or told changed; only what is left to send was narrowed.
            types[type] = state
            return nil
        }
        state.answered = true
        state.confirmAfterRejection = false
        types[type] = state
        nonceCounter += 1
        let nonce = String(nonceCounter)
        pending[nonce] = Pending(type: type, version: snapshot.version, changes: changes)
        // A proxy answers every response; one that does not cannot make this grow without bound.
        if pending.count > Self.pendingLimit, let oldest = pending.keys.min(by: { Int($0) ?? 0 < Int($1) ?? 0 }) { pending[oldest] = nil }
        return Response(type: type, version: snapshot.version, nonce: nonce, resources: sent, removed: removed)
    }
}
