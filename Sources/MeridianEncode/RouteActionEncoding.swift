import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `RouteAction` (clusters or weighted clusters with their own header changes, mirrors,
/// timeouts, retries, hashing, rewrites) and `RedirectAction`.
enum RouteActionEncoding {
    static func routeAction(
        _ arena: ProtobufArena,
        backends: [WeightedBackend],
        route: Route
    ) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RouteAction> {
        arena.make(envoy__config__route__v3__route_action__init) { action in
            // A backend's own header changes need weighted clusters, even for one backend.
            if backends.count == 1, !backends[0].hasHeaderChanges {
                action.cluster_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_CLUSTER
                action.cluster = arena.string(backends[0].clusterName)
            } else {
                let weights = backends.map { clusterWeight(arena, $0) }
                action.cluster_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_WEIGHTED_CLUSTERS
                action.weighted_clusters = arena.make(envoy__config__route__v3__weighted_cluster__init) {
                    $0.n_clusters = weights.count
                    $0.clusters = arena.array(weights)
                }
            }
            // The Gateway API answers an error for the share of traffic whose backend is invalid:
            // 500 for HTTPRoutes, 503 (UNAVAILABLE to a gRPC client) for GRPCRoutes.
            action.cluster_not_found_response_code = switch route.unresolvedBackendStatus {
            case 503: ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_NOT_FOUND_RESPONSE_CODE__SERVICE_UNAVAILABLE
            case 404: ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_NOT_FOUND_RESPONSE_CODE__NOT_FOUND
            default: ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_NOT_FOUND_RESPONSE_CODE__INTERNAL_SERVER_ERROR
            }
            if let timeout = route.timeout { action.timeout = arena.duration(timeout) }
            if route.honorsGRPCTimeout {
                // A zero maximum: the grpc-timeout header's deadline, uncapped.
                action.max_stream_duration = arena.make(envoy__config__route__v3__route_action__max_stream_duration__init) {
                    $0.grpc_timeout_header_max = arena.duration(.zero)
                }
            }
            if let idleTimeout = route.idleTimeout { action.idle_timeout = arena.duration(idleTimeout) }
            if let retry = route.retry { action.retry_policy = RoutePolicyEncoding.retryPolicy(arena, retry) }
            let mirrors = route.mirrors.map { mirrorPolicy(arena, $0) }
            action.n_request_mirror_policies = mirrors.count
            action.request_mirror_policies = arena.array(mirrors)
            let hashPolicies = route.hashPolicies.map { RoutePolicyEncoding.hashPolicy(arena, $0) }
            action.n_hash_policy = hashPolicies.count
            action.hash_policy = arena.array(hashPolicies)
            if let hostname = route.rewrite?.hostname {
                action.host_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HOST_REWRITE_SPECIFIER_HOST_REWRITE_LITERAL
                action.host_rewrite_literal = arena.string(hostname)
            }
            switch route.rewrite?.path {
            case .fullPath(let path)?:
                action.regex_rewrite = regexSubstitution(arena, pattern: "^/.*$", substitution: path)
            case .prefix(let replacement)?:
                switch prefixRewrite(replacement, match: route.match.path) {
                case .literal(let prefix): action.prefix_rewrite = arena.string(prefix)
                case .regex(let pattern, let substitution): action.regex_rewrite = regexSubstitution(arena, pattern: pattern, substitution: substitution)
                }
            case nil:
                break
            }
        }
    }

    private static func clusterWeight(_ arena: ProtobufArena, _ backend: WeightedBackend) -> UnsafeMutablePointer<Envoy__Config__Route__V3__WeightedCluster__ClusterWeight> {
        let requestHeaders = RouteEncoding.headerOptions(arena, backend.requestHeaders)
        let responseHeaders = RouteEncoding.headerOptions(arena, backend.responseHeaders)
        return arena.make(envoy__config__route__v3__weighted_cluster__cluster_weight__init) {
            $0.name = arena.string(backend.clusterName)
            $0.weight = arena.uint32(backend.weight)
            $0.n_request_headers_to_add = requestHeaders.count
            $0.request_headers_to_add = arena.array(requestHeaders)
            $0.n_request_headers_to_remove = backend.requestHeaders.remove.count
            $0.request_headers_to_remove = arena.strings(backend.requestHeaders.remove)
            $0.n_response_headers_to_add = responseHeaders.count
            $0.response_headers_to_add = arena.array(responseHeaders)
            $0.n_response_headers_to_remove = backend.responseHeaders.remove.count
            $0.response_headers_to_remove = arena.strings(backend.responseHeaders.remove)
            if let host = backend.hostRewrite {
                $0.host_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__WEIGHTED_CLUSTER__CLUSTER_WEIGHT__HOST_REWRITE_SPECIFIER_HOST_REWRITE_LITERAL
                $0.host_rewrite_literal = arena.string(host)
            }
        }
    }

    /// A mirror of every request, or of a share: whole percents as a share of a hundred,
    /// anything finer in millionths.
    private static func mirrorPolicy(_ arena: ProtobufArena, _ mirror: RequestMirror) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RouteAction__RequestMirrorPolicy> {
        arena.make(envoy__config__route__v3__route_action__request_mirror_policy__init) { policy in
            policy.cluster = arena.string(mirror.clusterName)
            guard mirror.partsPerMillion < 1_000_000 else { return }
            let percent = arena.make(envoy__type__v3__fractional_percent__init) {
                if mirror.partsPerMillion % 10_000 == 0 {
                    $0.numerator = mirror.partsPerMillion / 10_000
                    $0.denominator = ENVOY__TYPE__V3__FRACTIONAL_PERCENT__DENOMINATOR_TYPE__HUNDRED
                } else {
                    $0.numerator = mirror.partsPerMillion
                    $0.denominator = ENVOY__TYPE__V3__FRACTIONAL_PERCENT__DENOMINATOR_TYPE__MILLION
                }
            }
            policy.runtime_fraction = arena.make(envoy__config__core__v3__runtime_fractional_percent__init) { $0.default_value = percent }
        }
    }

    private enum PrefixRewrite {
        case literal(String)
        case regex(pattern: String, substitution: String)
    }

    /// A literal `prefix_rewrite`, or the regex that also eats the separator (`PrefixReplacement`).
    private static func prefixRewrite(_ replacement: String, match: PathMatch) -> PrefixRewrite {
        let rewrite = PrefixReplacement(replacement, match: match)
        guard rewrite.stripsSeparators else { return .literal(rewrite.replacement) }
        return .regex(pattern: "^" + escapeRegex(rewrite.matched) + "/*", substitution: "/")
    }

    private static func escapeRegex(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\.+*?()|[]{}^$".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    private static func regexSubstitution(_ arena: ProtobufArena, pattern: String, substitution: String) -> UnsafeMutablePointer<Envoy__Type__Matcher__V3__RegexMatchAndSubstitute> {
        arena.make(envoy__type__matcher__v3__regex_match_and_substitute__init) {
            $0.pattern = RouteEncoding.regexMatcher(arena, pattern)
            $0.substitution = arena.string(substitution)
        }
    }

    static func redirectAction(_ arena: ProtobufArena, _ redirect: Redirect, match: PathMatch) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RedirectAction> {
        arena.make(envoy__config__route__v3__redirect_action__init) { action in
            if let scheme = redirect.scheme {
                action.scheme_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__SCHEME_REWRITE_SPECIFIER_SCHEME_REDIRECT
                action.scheme_redirect = arena.string(scheme)
            }
            if let hostname = redirect.hostname { action.host_redirect = arena.string(hostname) }
            // Envoy writes port_redirect into Location as is; without one it drops the port
            // with a new host name and keeps the request's otherwise (the translator decides).
            if let port = redirect.port { action.port_redirect = UInt32(clamping: port) }
            switch redirect.path {
            case .fullPath(let path)?:
                action.path_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__PATH_REWRITE_SPECIFIER_PATH_REDIRECT
                action.path_redirect = arena.string(path)
            case .prefix(let replacement)?:
                switch prefixRewrite(replacement, match: match) {
                case .literal(let prefix):
                    action.path_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__PATH_REWRITE_SPECIFIER_PREFIX_REWRITE
                    action.prefix_rewrite = arena.string(prefix)
                case .regex(let pattern, let substitution):
                    action.path_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__PATH_REWRITE_SPECIFIER_REGEX_REWRITE
                    action.regex_rewrite = regexSubstitution(arena, pattern: pattern, substitution: substitution)
                }
            case nil:
                break
            }
            action.response_code = switch redirect.statusCode {
            case 301: ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__MOVED_PERMANENTLY
            case 303: ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__SEE_OTHER
            case 307: ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__TEMPORARY_REDIRECT
            case 308: ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__PERMANENT_REDIRECT
            default: ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__REDIRECT_RESPONSE_CODE__FOUND
            }
        }
    }
}
