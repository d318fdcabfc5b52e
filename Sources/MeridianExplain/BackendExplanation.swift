import MeridianIR
import MeridianLoad
import MeridianTranslate

/// The backends of a forwarded request: each weighted cluster with the backendRef it came
/// from, its endpoints, and the status a share answers when it cannot reach one.
struct BackendExplanation {
    let diagnosis: BackendDiagnosis
    let clusters: [String: Cluster]
    let loaded: LoadedConfiguration

    /// The cluster name the translator gives the share of unresolvable backendRefs; Envoy has
    /// no such cluster and answers the route's `cluster_not_found_response_code`.
    static let unresolvedCluster = "unresolved-backend"

    /// The summaries of `backends` (the route's weighted clusters, in order), with notes on
    /// backendRefs that get nothing.
    func summaries(_ backends: [WeightedBackend], route: Route, origin: RouteOrigin?) -> (backends: [BackendSummary], notes: [String]) {
        let total = backends.reduce(0.0) { $0 + Double($1.weight) }
        let references = referenceVerdicts(origin)
        var notes: [String] = []
        for (reference, _) in references where reference.weight == 0 {
            notes.append("\(describe(reference.reference, namespace: origin?.namespace)) at \(RouteOrigins.describe(reference.source.location)) has weight 0: it gets no requests")
        }
        let summaries = backends.map { backend in
            var summary = BackendSummary(
                cluster: backend.clusterName, weight: backend.weight, percent: total > 0 ? Double(backend.weight) * 100 / total : 0,
                target: backend.clusterName, source: nil, discovery: nil, endpoints: [], errorStatus: nil, reason: nil,
                changes: Self.changes(backend), settings: []
            )
            if backend.clusterName == Self.unresolvedCluster {
                explainUnresolved(&summary, route: route, origin: origin, references: references)
            } else if let cluster = clusters[backend.clusterName] {
                let matching = references.filter { $0.verdict == .resolved(clusterName: backend.clusterName) }.map(\.reference)
                if let first = matching.first {
                    summary.target = describe(first.reference, namespace: origin?.namespace)
                    summary.source = RouteOrigins.describe(first.source.location)
                }
                explainCluster(&summary, cluster)
            } else {
                summary.errorStatus = route.unresolvedBackendStatus
                summary.reason = "Envoy has no cluster \(backend.clusterName)"
            }
            return summary
        }
        return (summaries, notes)
    }

    /// Each backendRef of the rule with what became of it.
    private func referenceVerdicts(_ origin: RouteOrigin?) -> [(reference: HTTPBackendReference, verdict: BackendDiagnosis.Verdict?)] {
        guard let origin else { return [] }
        return origin.backendRefs.map { reference in
            (reference, diagnosis.verdict(on: reference.reference, routeKind: origin.kind, routeNamespace: origin.namespace))
        }
    }

    /// The share whose backendRefs could not be used: which ones, and why, from the
    /// translator's own resolution and the route's status.
    private func explainUnresolved(
        _ summary: inout BackendSummary,
        route: Route,
        origin: RouteOrigin?,
        references: [(reference: HTTPBackendReference, verdict: BackendDiagnosis.Verdict?)]
    ) {
        summary.errorStatus = route.unresolvedBackendStatus
        var targets: [String] = []
        var reasons: [String] = []
        for (index, entry) in references.enumerated() where entry.reference.weight > 0 {
            let target = describe(entry.reference.reference, namespace: origin?.namespace)
            switch entry.verdict {
            case .unresolved(let reason, let message)?:
                targets.append(target)
                reasons.append("\(reason.rawValue): \(message)")
                if summary.source == nil { summary.source = RouteOrigins.describe(entry.reference.source.location) }
            case .resolved?, nil:
                // Resolved, yet in the unusable share: a filter on it was refused.
                let refused = origin?.problems.filter { $0.contains(".backendRefs[\(index)].filters") } ?? []
                if !refused.isEmpty {
                    targets.append(target)
                    reasons += refused
                    if summary.source == nil { summary.source = RouteOrigins.describe(entry.reference.source.location) }
                }
            }
        }
        summary.target = targets.isEmpty ? "backendRefs that could not be resolved" : targets.joined(separator: ", ")
        summary.reason = reasons.isEmpty ? "no backend this share could be sent to" : reasons.joined(separator: "; ")
    }

    private func explainCluster(_ summary: inout BackendSummary, _ cluster: Cluster) {
        let endpoints: [MeridianIR.Endpoint]
        switch cluster.discovery {
        case .endpoints(let list):
            summary.discovery = "eds"
            endpoints = list
        case .dns(let list):
            summary.discovery = "dns"
            endpoints = list
        }
        summary.endpoints = endpoints.map { EndpointSummary(address: $0.address, port: $0.port, ready: $0.ready, priority: $0.priority) }
        summary.settings = PolicyDescription.clusterLines(cluster)
        if endpoints.isEmpty {
            summary.errorStatus = 503
            summary.reason = noEndpointsReason(cluster)
        } else if summary.discovery == "dns" {
            summary.settings.insert("endpoints resolved by Envoy through DNS (STRICT_DNS); if the name does not resolve, this share answers 503", at: 0)
        } else if !endpoints.contains(where: { $0.ready && $0.priority == 0 }) {
            summary.settings.insert("no ready endpoint at priority 0: Envoy sends to a ready fallback (priority 1) if there is one, else, below its 50% panic threshold, to the unready endpoints anyway", at: 0)
        }
    }

    /// Why an EDS cluster has no endpoints, from the Service's EndpointSlices.
    private func noEndpointsReason(_ cluster: Cluster) -> String {
        guard let service = Self.service(ofCluster: cluster.name) else { return "the cluster \(cluster.name) has no endpoints: Envoy answers 503 (no healthy upstream)" }
        let slices = loaded.endpointSlices.filter { ($0.metadata.namespace ?? "default") == service.namespace && $0.serviceName == service.name }
        let withEndpoints = slices.filter { !$0.endpoints.isEmpty }
        let why = if slices.isEmpty {
            "no EndpointSlice names Service \(service.namespace)/\(service.name)"
        } else if withEndpoints.isEmpty {
            "its \(slices.count == 1 ? "EndpointSlice lists" : "\(slices.count) EndpointSlices list") no endpoints"
        } else {
            "none of its EndpointSlices' endpoints serves port \(service.port), or they are withheld because a BackendTLSPolicy or the Gateway's client certificate for it is unusable (meridian validate says which)"
        }
        return "no endpoints: \(why); Envoy answers 503 (no healthy upstream)"
    }

    /// `namespace/name` and port of a Service cluster (`namespace/name:port`).
    static func service(ofCluster name: String) -> (namespace: String, name: String, port: Int)? {
        guard !name.hasPrefix("backend:"), let colon = name.lastIndex(of: ":"), let port = Int(name[name.index(after: colon)...]) else { return nil }
        let qualified = name[..<colon].split(separator: "/", maxSplits: 1)
        guard qualified.count == 2 else { return nil }
        return (String(qualified[0]), String(qualified[1]), port)
    }

    func describe(_ reference: BackendObjectReference, namespace: String?) -> String {
        let qualified = "\(reference.namespace ?? namespace ?? "default")/\(reference.name)"
        let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
        return "\(kind == "Service" ? "Service" : kind) \(qualified)\(reference.port.map { " port \($0)" } ?? "")"
    }

    /// Header changes a backendRef's own filters make.
    static func changes(_ backend: WeightedBackend) -> [String] {
        var lines = PolicyDescription.headerChanges(backend.requestHeaders).map { "on requests to it: \($0)" }
            + PolicyDescription.headerChanges(backend.responseHeaders).map { "on its responses: \($0)" }
        if let host = backend.hostRewrite { lines.append("Host rewritten to \(host)") }
        return lines
    }
}
