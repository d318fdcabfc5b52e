import MeridianIR
import MeridianLoad

/// A route rule's compiled action and everything the rule itself sets on its Envoy routes.
struct CompiledRule {
    var action: RouteAction
    /// The rule's own `timeouts`, `retry` and `sessionPersistence`: they outrank every policy.
    var ownSettings = RouteSettings()
    /// Policies named by the rule's ExtensionRef filters (indexes into the policy pass).
    var extensionPolicies: [Int] = []
    var requestHeaders = HeaderModifications()
    var responseHeaders = HeaderModifications()
    var rewrite: URLRewrite?
    /// Each cluster the rule sends to, with the Service port or Backend it was made from.
    var clusters: [(backend: BackendKey, cluster: Cluster)] = []
    /// Each cluster the rule mirrors to (`RequestMirror` filters), likewise.
    var mirrorClusters: [(backend: BackendKey, cluster: Cluster)] = []
    var mirrors: [RequestMirror] = []
    var cors: CORSPolicy?
}

/// What rule compilation found worth reporting in the route's status.
struct RuleProblems {
    var unresolvedBackends: [BackendProblem] = []
    var unsupported: [String] = []
}

/// The rule pass: filters, timeouts and backends of each HTTPRoute or GRPCRoute rule,
/// compiled once and placed later on every host the route serves.
enum RuleCompilation {
    /// The status a GRPCRoute rule answers when it has no usable backend, and for the share of
    /// an invalid backend: 503, which Envoy turns into gRPC's UNAVAILABLE, as the API asks.
    /// An HTTPRoute rule answers 500.
    static func unusableBackendStatus(_ kind: RouteKind) -> Int {
        kind == .grpc ? 503 : 500
    }

    static func compile(
        _ rule: RuleSource,
        ruleIndex: Int,
        kind: RouteKind,
        namespace: String,
        context: TranslationContext,
        policies: PolicyAttachment,
        problems: inout RuleProblems
    ) -> CompiledRule {
        let rulePath = "spec.rules[\(ruleIndex)]"
        let ownSettings = rule.httpRule.map { RuleOwnSettings.settings($0, rulePath: rulePath, unsupported: &problems.unsupported) } ?? RouteSettings()
        var extensionPolicies: [Int] = []
        var requestHeaders = HeaderModifications()
        var responseHeaders = HeaderModifications()
        var rewrite: URLRewrite?
        var hostRewrite: String?
        var redirect: Redirect?
        var mirrors: [RequestMirror] = []
        var mirrorClusters: [(BackendKey, Cluster)] = []
        var cors: CORSPolicy?
        var refusedFilters: [String] = []
        for (index, filter) in rule.filters.enumerated() {
            switch filter {
            case .requestHeaderModifier(let modifier):
                // `set: Host` is a host rewrite: Envoy refuses `host` in request_headers_to_add.
                hostRewrite = modifier.hostRewrite ?? hostRewrite
                requestHeaders.merge(modifier)
            case .responseHeaderModifier(let modifier):
                responseHeaders.merge(modifier)
            case .urlRewrite(let filter):
                rewrite = URLRewrite(hostname: filter.hostname, path: filter.path.map(pathRewrite))
            case .requestRedirect(let filter):
                redirect = Redirect(scheme: filter.scheme, hostname: filter.hostname, port: filter.port, path: filter.path.map(pathRewrite), statusCode: filter.statusCode)
            case .extensionRef(let reference):
                let prefix = "\(rulePath).filters[\(index)]: \(describe(filter))"
                switch policies.extensionPolicy(reference, namespace: namespace) {
                case .policy(let policy): extensionPolicies.append(policy)
                case .invalid(let why): refusedFilters.append("\(prefix) is invalid (\(why)); the rule answers 500")
                case .notFound: refusedFilters.append("\(prefix) is not declared in namespace \(namespace); the rule answers 500")
                case .notAPolicy: refusedFilters.append("\(prefix) is not a kind Meridian implements; the rule answers 500")
                }
            case .requestMirror(let mirror):
                // An unresolvable mirror is dropped (the Gateway API's rule); the rule still serves.
                switch BackendResolution.resolve(mirror.backendRef, routeKind: kind, routeNamespace: namespace, context: context) {
                case .success(let resolved):
                    mirrorClusters.append((resolved.backend, resolved.cluster))
                    mirrors.append(RequestMirror(clusterName: resolved.cluster.name, partsPerMillion: partsPerMillion(mirror)))
                case .failure(let problem):
                    let path = "\(rulePath).filters[\(index)].requestMirror.backendRef"
                    problems.unresolvedBackends.append(BackendProblem(reason: problem.reason, message: "\(path): \(problem.message); not mirrored"))
                }
            case .cors(let filter):
                cors = CORSCompilation.policy(filter)
            }
        }
        if let hostRewrite, rewrite?.hostname == nil {
            // The loader refuses a rule that also has a URLRewrite hostname.
            rewrite = URLRewrite(hostname: hostRewrite, path: rewrite?.path)
        }
        func compiled(_ action: RouteAction, clusters: [(BackendKey, Cluster)] = []) -> CompiledRule {
            CompiledRule(
                action: action, ownSettings: ownSettings, extensionPolicies: extensionPolicies,
                requestHeaders: requestHeaders, responseHeaders: responseHeaders, rewrite: rewrite, clusters: clusters,
                mirrorClusters: mirrorClusters, mirrors: mirrors, cors: cors
            )
        }
        if !refusedFilters.isEmpty {
            // A filter that cannot be applied must not be skipped: the Gateway API asks for an error instead.
            problems.unsupported.append(contentsOf: refusedFilters)
            return compiled(.directResponse(status: 500, body: ""))
        }
        if let redirect {
            return compiled(.redirect(redirect))
        }
        let unusable = unusableBackendStatus(kind)
        guard !rule.backendRefs.isEmpty else {
            return compiled(.directResponse(status: unusable, body: ""))
        }
        var backends: [WeightedBackend] = []
        var clusters: [(BackendKey, Cluster)] = []
        var unresolvedWeight: UInt32 = 0
        for (index, backendRef) in rule.backendRefs.enumerated() {
            let weight = UInt32(clamping: backendRef.weight)
            let path = "\(rulePath).backendRefs[\(index)]"
            let filters = backendFilters(backendRef.filters, path: path)
            switch BackendResolution.resolve(backendRef.reference, routeKind: kind, routeNamespace: namespace, context: context) {
            case .success where !filters.refused.isEmpty:
                // A filter that cannot be applied must not be skipped: this backend's share answers
                // as an invalid backend's does.
                problems.unsupported.append(contentsOf: filters.refused.map { $0 + "; requests to this backend answer \(unusable)" })
                unresolvedWeight += weight
            case .success(let resolved):
                let cluster = resolved.cluster
                clusters.append((resolved.backend, cluster))
                if weight > 0 {
                    backends.append(WeightedBackend(
                        clusterName: cluster.name, weight: weight, requestHeaders: filters.request, responseHeaders: filters.response, hostRewrite: filters.hostRewrite
                    ))
                }
            case .failure(let problem):
                problems.unresolvedBackends.append(BackendProblem(reason: problem.reason, message: "\(path): \(problem.message)"))
                unresolvedWeight += weight
            }
        }
        let action: RouteAction
        if backends.isEmpty {
            action = .directResponse(status: unusable, body: "")
        } else if unresolvedWeight > 0 {
            // Envoy answers a missing cluster with the route's cluster_not_found code (`unresolvedBackendStatus`).
            action = .forward(backends + [WeightedBackend(clusterName: "unresolved-backend", weight: unresolvedWeight)])
        } else {
            action = .forward(backends)
        }
        return compiled(action, clusters: clusters)
    }

    /// A backendRef's own filters: header changes made only on requests sent to it (and their
    /// answers), `set: Host` as its host rewrite; the other filter types are refused on a backendRef.
    private static func backendFilters(_ filters: [HTTPRouteFilter], path: String) -> (request: HeaderModifications, response: HeaderModifications, hostRewrite: String?, refused: [String]) {
        var request = HeaderModifications()
        var response = HeaderModifications()
        var hostRewrite: String?
        var refused: [String] = []
        for (index, filter) in filters.enumerated() {
            switch filter {
            case .requestHeaderModifier(let modifier):
                hostRewrite = modifier.hostRewrite ?? hostRewrite
                request.merge(modifier)
            case .responseHeaderModifier(let modifier):
                response.merge(modifier)
            default:
                refused.append("\(path).filters[\(index)]: \(describe(filter)) is not supported on a backendRef (only RequestHeaderModifier and ResponseHeaderModifier are)")
            }
        }
        return (request, response, hostRewrite, refused)
    }

    /// The share of requests a mirror copies: `percent`, `fraction`, or all of them.
    private static func partsPerMillion(_ mirror: HTTPRequestMirrorFilter) -> UInt32 {
        if let percent = mirror.percent { return UInt32(clamping: percent * 10_000) }
        if let fraction = mirror.fraction, fraction.denominator > 0 {
            let numerator = Int64(fraction.numerator) * 1_000_000
            return UInt32(clamping: (numerator + Int64(fraction.denominator) / 2) / Int64(fraction.denominator))
        }
        return 1_000_000
    }

    private static func pathRewrite(_ modifier: HTTPPathModifier) -> PathRewrite {
        switch modifier {
        case .replaceFullPath(let path): .fullPath(path)
        case .replacePrefixMatch(let prefix): .prefix(prefix)
        }
    }

    private static func describe(_ filter: HTTPRouteFilter) -> String {
        switch filter {
        case .extensionRef(let reference):
            "ExtensionRef \(reference.group)/\(reference.kind) \(reference.name)"
        default:
            "filter \(filter.type.rawValue)"
        }
    }

    static func irMatch(_ match: HTTPRouteMatch) -> RouteMatch {
        let path: PathMatch
        switch match.path.type {
        case .exact:
            path = .exact(match.path.value)
        case .regularExpression:
            path = .regularExpression(match.path.value)
        case .pathPrefix:
            var prefix = match.path.value
            while prefix.count > 1, prefix.hasSuffix("/") { prefix.removeLast() }
            path = prefix == "/" ? .prefix("/") : .segmentPrefix(prefix)
        }
        return RouteMatch(
            path: path,
            headers: match.headers.map { HeaderMatch(name: $0.name.lowercased(), value: $0.type == .exact ? .exact($0.value) : .regularExpression($0.value)) },
            queryParameters: match.queryParams.map { QueryParameterMatch(name: $0.name, value: $0.type == .exact ? .exact($0.value) : .regularExpression($0.value)) },
            method: match.method?.rawValue
        )
    }
}

extension HeaderModifications {
    /// Adds a Gateway API header filter; header names are case-insensitive, so they are lowercased.
    /// A `set` of Host is left out: it is the rule's host rewrite (`HTTPHeaderFilter.hostRewrite`).
    mutating func merge(_ filter: HTTPHeaderFilter) {
        overwrite += filter.set.filter { $0.name.lowercased() != "host" }.map { HeaderValue(name: $0.name.lowercased(), value: $0.value) }
        append += filter.add.map { HeaderValue(name: $0.name.lowercased(), value: $0.value) }
        remove += filter.remove.map { $0.lowercased() }
    }
}
