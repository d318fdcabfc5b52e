import EnvoyAPI

/// Make-before-break, per proxy and in both directions.
///
/// Envoy applies an ADS stream's responses in order, but a new cluster only serves once it
/// has warmed (its ClusterLoadAssignment, and any secret it names, arrived); a route that
/// names it before then answers 503. And a route table the proxy rejected stays in force,
/// with the clusters it names. So:
/// - **Additions before references.** A listener or route table that names a cluster goes
///   out (in its new form) only once the proxy ACKed that cluster as the snapshot has it,
///   and ACKed each assignment and secret the cluster names (when it subscribes to those
///   types). Until then the proxy is sent the form it already holds, and the response's
///   version says `-partial`.
/// - **Removals after references.** A cluster the snapshot dropped stays in CDS while any
///   listener or route table the proxy may hold names it: the one it ACKed, one in flight,
///   or one it rejected (Envoy may have applied part of a rejected RDS response). Scopes
///   (route tables split by host) the snapshot dropped stay until the proxy ACKed the
///   listeners and route tables as the snapshot has them.
/// - **After a NACK** the proxy keeps its last ACKed content; the rejected content is not
///   sent again as it is. It is retried only when the content changes (a new snapshot that
///   differs for that type), or on a new stream (a restarted proxy starts from nothing).
extension DiscoveryStreamState {
    /// Every response the current state calls for, in push order.
    mutating func plan() -> [Response] {
        guard let snapshot else { return [] }
        var responses: [Response] = []
        // Clusters sent changed or new: Envoy re-warms each and waits for its assignment again.
        var rewarming: Set<String> = []
        for type in types.keys.sorted() {
            guard var state = types[type] else { continue }
            let force = state.force || (type == .endpoint && !rewarming.isDisjoint(with: state.subscribedNames))
            state.force = false
            types[type] = state
            // Nothing subscribed (every name unsubscribed, or none asked yet): nothing to send.
            if !state.wildcard, state.subscribedNames.isEmpty { continue }
            let target = target(type, state: state, in: snapshot)
            let desired = gated(type, target: target, state: state, snapshot: snapshot)
            if !type.isFullState, desired.isEmpty { continue }
            if desired == state.rejected { continue }
            let whole = desired == target
            let version = whole ? snapshot.version : snapshot.version + Self.partialVersionSuffix
            if let sent = state.sent {
                // After a NACK the proxy holds its last good content under an older version: a
                // snapshot that returns to that content is sent (under the new version), so the
                // proxy ACKs it and stops showing the rejection.
                if desired == sent, !(force || state.rejected != nil) || state.lastVersion == version { continue }
                // A named type that only lost names (an unsubscribe): the proxy needs nothing.
                if !type.isFullState, !force, desired.isSubset(of: sent) {
                    types[type]?.sent = desired
                    continue
                }
            }
            if type == .cluster {
                for (name, held) in desired.entries where state.sent?[name] != held {
                    rewarming.formUnion(held.resource.references.filter { $0.type == .endpoint }.map(\.name))
                }
            }
            let nonce = nextNonce()
            types[type]?.lastNonce = nonce
            types[type]?.answered = false
            types[type]?.lastVersion = version
            types[type]?.sent = desired
            responses.append(Response(
                type: type, version: version, nonce: nonce, resources: desired.resources,
                sharing: whole ? Response.Sharing(wildcard: state.wildcard) : nil
            ))
        }
        return responses
    }

    /// What may be sent of `type` now: the target, less what make-before-break holds back.
    /// Kept as the target itself (shared, constant-time to compare) unless something is held.
    private func gated(_ type: ResourceType, target: Content, state: TypeState, snapshot: Snapshot) -> Content {
        switch type {
        case .cluster:
            // Keep removed clusters while anything the proxy may hold still names them.
            if state.sent == nil || state.sent == target, state.acked == nil || state.acked == target { return target }
            var kept: [String: Held] = [:]
            for name in clustersNamedByHeldReferences() where target[name] == nil && (state.wildcard || state.subscribedNames.contains(name)) {
                if let held = state.sent?[name] ?? state.acked?[name] { kept[name] = held }
            }
            guard !kept.isEmpty else { return target }
            return ResourceSet(target.entries.merging(kept) { wanted, _ in wanted })
        case .listener, .route:
            guard let sent = state.sent else { return gatedNew(target, snapshot: snapshot) }
            if sent == target { return target }
            var desired: [String: Held] = [:]
            var heldBack = false
            for resource in target.resources {
                let wanted = target[resource.name]!
                let held = sent[resource.name]
                if held == wanted || clustersReady(resource, snapshot: snapshot) {
                    desired[resource.name] = wanted
                } else {
                    heldBack = true
                    // A new resource whose clusters are not ready yet waits; a changed one stays as held.
                    if let held { desired[resource.name] = held }
                }
            }
            return heldBack ? ResourceSet(desired) : target
        case .scopedRoute:
            // New scopes go at once: Envoy subscribes to a scope's route table when it arrives,
            // and the table waits for its clusters like any other. Scopes leave only once the
            // listeners and their route tables are ACKed as the snapshot has them: a listener
            // leaving scoped routes for one table keeps serving with its scopes until the new
            // one has warmed on its table.
            guard let held = state.sent ?? state.acked, !routingSettled(snapshot) else { return target }
            let kept = held.entries.filter { target[$0.key] == nil }
            guard !kept.isEmpty else { return target }
            return ResourceSet(target.entries.merging(kept) { wanted, _ in wanted })
        case .endpoint, .secret:
            // Nothing in them names another resource: sent as soon as asked.
            return target
        }
    }

    /// The first listeners or route tables of a stream: those whose clusters are not ready wait.
    private func gatedNew(_ target: Content, snapshot: Snapshot) -> Content {
        let ready = target.resources.filter { clustersReady($0, snapshot: snapshot) }
        guard ready.count != target.resources.count else { return target }
        return ResourceSet(Dictionary(uniqueKeysWithValues: ready.map { ($0.name, target[$0.name]!) }))
    }

    /// Whether every cluster `resource` names is ready on the proxy: ACKed as the snapshot
    /// has it, with the assignment and secrets it names ACKed too. A proxy that does not
    /// subscribe to clusters (a client of RDS alone) has nothing to wait for.
    private func clustersReady(_ resource: XDSResource, snapshot: Snapshot) -> Bool {
        guard let clusters = types[.cluster] else { return true }
        // The common case, in constant time: the proxy ACKed every cluster, assignment and
        // secret it subscribes to exactly as this snapshot has them.
        if [ResourceType.cluster, .endpoint, .secret].allSatisfy({ type in
            guard let state = types[type] else { return true }
            return state.acked == target(type, state: state, in: snapshot)
        }) { return true }
        for reference in resource.references where reference.type == .cluster {
            guard let cluster = snapshot.resource(.cluster, named: reference.name),
                  let wanted = snapshot.digests[.cluster]?[reference.name] else { continue }
            guard clusters.acked?[reference.name]?.digest == wanted else { return false }
            for dependency in cluster.references {
                // Envoy asks for a new cluster's assignment before it ACKs the cluster, so a
                // proxy that does EDS has asked by now; one that does not has nothing to wait for.
                guard let dependencyState = types[dependency.type] else { continue }
                guard let needed = snapshot.digests[dependency.type]?[dependency.name],
                      dependencyState.acked?[dependency.name]?.digest == needed else { return false }
            }
        }
        return true
    }

    /// Whether the proxy ACKed its listeners and route tables as the snapshot has them, with
    /// nothing of them in flight.
    private func routingSettled(_ snapshot: Snapshot) -> Bool {
        for type in [ResourceType.listener, .route] {
            guard let state = types[type] else { continue }
            if state.acked != state.sent || state.acked != target(type, state: state, in: snapshot) { return false }
        }
        return true
    }

    /// Every cluster named by a listener or route table the proxy may hold.
    private func clustersNamedByHeldReferences() -> Set<String> {
        var named: Set<String> = []
        for type in [ResourceType.listener, .route] {
            guard let state = types[type] else { continue }
            for content in [state.acked, state.sent, state.rejected] {
                for resource in content?.resources ?? [] {
                    for reference in resource.references where reference.type == .cluster { named.insert(reference.name) }
                }
            }
        }
        return named
    }
}
