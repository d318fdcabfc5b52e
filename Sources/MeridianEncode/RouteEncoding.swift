import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `RouteConfiguration`: virtual hosts and their ordered routes.
enum RouteEncoding {
    static func encode(_ table: RouteTable) -> [UInt8] {
        let arena = ProtobufArena()
        let hosts = table.virtualHosts.map { virtualHost(arena, $0) }
        let message = arena.make(envoy__config__route__v3__route_configuration__init) {
            $0.name = arena.string(table.name)
            $0.n_virtual_hosts = hosts.count
            $0.virtual_hosts = arena.array(hosts)
            // The Gateway API matches host names without the port.
            $0.ignore_port_in_host_matching = 1
        }
        return ProtobufWire.pack(message)
    }

    private static func virtualHost(_ arena: ProtobufArena, _ host: VirtualHost) -> UnsafeMutablePointer<Envoy__Config__Route__V3__VirtualHost> {
        let routes = host.routes.map { route(arena, $0) }
        return arena.make(envoy__config__route__v3__virtual_host__init) {
            $0.name = arena.string(host.name)
            $0.n_domains = host.domains.count
            $0.domains = arena.strings(host.domains)
            $0.n_routes = routes.count
            $0.routes = arena.array(routes)
        }
    }

    private static func route(_ arena: ProtobufArena, _ route: Route) -> UnsafeMutablePointer<Envoy__Config__Route__V3__Route> {
        let match = routeMatch(arena, route.match)
        let requestHeaders = headerOptions(arena, route.requestHeaders)
        let responseHeaders = headerOptions(arena, route.responseHeaders)
        let filterConfigs = RoutePolicyEncoding.perFilterConfigs(arena, route)
        return arena.make(envoy__config__route__v3__route__init) { message in
            message.name = arena.string(route.name)
            message.match = match
            message.n_request_headers_to_add = requestHeaders.count
            message.request_headers_to_add = arena.array(requestHeaders)
            message.n_request_headers_to_remove = route.requestHeaders.remove.count
            message.request_headers_to_remove = arena.strings(route.requestHeaders.remove)
            message.n_response_headers_to_add = responseHeaders.count
            message.response_headers_to_add = arena.array(responseHeaders)
            message.n_response_headers_to_remove = route.responseHeaders.remove.count
            message.response_headers_to_remove = arena.strings(route.responseHeaders.remove)
            message.n_typed_per_filter_config = filterConfigs.count
            message.typed_per_filter_config = arena.array(filterConfigs)
            switch route.action {
            case .forward(let backends):
                message.action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_ROUTE
                message.route = routeAction(arena, backends: backends, route: route)
            case .redirect(let redirect):
                message.action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_REDIRECT
                message.redirect = redirectAction(arena, redirect, match: route.match.path)
            case .directResponse(let status, let body):
                message.action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_DIRECT_RESPONSE
                message.direct_response = arena.make(envoy__config__route__v3__direct_response_action__init) { action in
                    action.status = UInt32(clamping: status)
                    if !body.isEmpty {
                        action.body = arena.make(envoy__config__core__v3__data_source__init) {
                            $0.specifier_case = ENVOY__CONFIG__CORE__V3__DATA_SOURCE__SPECIFIER_INLINE_STRING
                            $0.inline_string = arena.string(body)
                        }
                    }
                }
            }
        }
    }

    private static func routeMatch(_ arena: ProtobufArena, _ match: RouteMatch) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RouteMatch> {
        var headers = match.headers.map { header in
            arena.make(envoy__config__route__v3__header_matcher__init) {
                $0.name = arena.string(header.name)
                $0.header_match_specifier_case = ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_STRING_MATCH
                $0.string_match = stringMatcher(arena, header.value)
            }
        }
        if let method = match.method {
            headers.append(arena.make(envoy__config__route__v3__header_matcher__init) {
                $0.name = arena.string(":method")
                $0.header_match_specifier_case = ENVOY__CONFIG__ROUTE__V3__HEADER_MATCHER__HEADER_MATCH_SPECIFIER_STRING_MATCH
                $0.string_match = stringMatcher(arena, .exact(method))
            })
        }
        let parameters = match.queryParameters.map { parameter in
            arena.make(envoy__config__route__v3__query_parameter_matcher__init) {
                $0.name = arena.string(parameter.name)
                $0.query_parameter_match_specifier_case = ENVOY__CONFIG__ROUTE__V3__QUERY_PARAMETER_MATCHER__QUERY_PARAMETER_MATCH_SPECIFIER_STRING_MATCH
                $0.string_match = stringMatcher(arena, parameter.value)
            }
        }
        return arena.make(envoy__config__route__v3__route_match__init) { message in
            switch match.path {
            case .exact(let path):
                message.path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH
                message.path = arena.string(path)
            case .prefix(let prefix):
                message.path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PREFIX
                message.prefix = arena.string(prefix)
            case .segmentPrefix(let prefix):
                message.path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_PATH_SEPARATED_PREFIX
                message.path_separated_prefix = arena.string(prefix)
            case .regularExpression(let pattern):
                message.path_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_MATCH__PATH_SPECIFIER_SAFE_REGEX
                message.safe_regex = regexMatcher(arena, pattern)
            }
            message.n_headers = headers.count
            message.headers = arena.array(headers)
            message.n_query_parameters = parameters.count
            message.query_parameters = arena.array(parameters)
        }
    }

    private static func routeAction(
        _ arena: ProtobufArena,
        backends: [WeightedBackend],
        route: Route
    ) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RouteAction> {
        arena.make(envoy__config__route__v3__route_action__init) { action in
            if backends.count == 1 {
                action.cluster_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__CLUSTER_SPECIFIER_CLUSTER
                action.cluster = arena.string(backends[0].clusterName)
            } else {
                let weights = backends.map { backend in
                    arena.make(envoy__config__route__v3__weighted_cluster__cluster_weight__init) {
                        $0.name = arena.string(backend.clusterName)
                        $0.weight = arena.uint32(backend.weight)
                    }
                }
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

    private enum PrefixRewrite {
        case literal(String)
        case regex(pattern: String, substitution: String)
    }

    /// Envoy's `prefix_rewrite` replaces the matched prefix verbatim, so "/foo" → "/"
    /// would turn "/foo/bar" into "//bar"; replacing with "/" needs a regex that
    /// also eats the separator.
    private static func prefixRewrite(_ replacement: String, match: PathMatch) -> PrefixRewrite {
        let matched: String
        switch match {
        case .segmentPrefix(let prefix), .prefix(let prefix), .exact(let prefix): matched = prefix
        case .regularExpression: matched = "/"
        }
        var trimmed = replacement
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard trimmed == "/", matched != "/" else { return .literal(trimmed) }
        return .regex(pattern: "^" + escapeRegex(matched) + "/*", substitution: "/")
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
            $0.pattern = regexMatcher(arena, pattern)
            $0.substitution = arena.string(substitution)
        }
    }

    private static func redirectAction(_ arena: ProtobufArena, _ redirect: Redirect, match: PathMatch) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RedirectAction> {
        arena.make(envoy__config__route__v3__redirect_action__init) { action in
            if let scheme = redirect.scheme {
                action.scheme_rewrite_specifier_case = ENVOY__CONFIG__ROUTE__V3__REDIRECT_ACTION__SCHEME_REWRITE_SPECIFIER_SCHEME_REDIRECT
                action.scheme_redirect = arena.string(scheme)
            }
            if let hostname = redirect.hostname { action.host_redirect = arena.string(hostname) }
            // The Gateway API: with a scheme and no port, the scheme's well-known port.
            // With a new host name Envoy drops the client's port by itself, giving a
            // Location without the default port; with only a new scheme it would keep
            // the client's port (say :8080), so the well-known port is set explicitly.
            if let port = redirect.port {
                action.port_redirect = UInt32(clamping: port)
            } else if redirect.hostname == nil, let scheme = redirect.scheme, let wellKnown = ["http": 80, "https": 443][scheme] {
                action.port_redirect = UInt32(wellKnown)
            }
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

    private static func headerOptions(_ arena: ProtobufArena, _ modifications: HeaderModifications) -> [UnsafeMutablePointer<Envoy__Config__Core__V3__HeaderValueOption>] {
        func option(_ header: HeaderValue, _ action: Envoy__Config__Core__V3__HeaderValueOption__HeaderAppendAction) -> UnsafeMutablePointer<Envoy__Config__Core__V3__HeaderValueOption> {
            let value = arena.make(envoy__config__core__v3__header_value__init) {
                $0.key = arena.string(header.name)
                $0.value = arena.string(formatLiteral(header.value))
            }
            return arena.make(envoy__config__core__v3__header_value_option__init) {
                $0.header = value
                $0.append_action = action
            }
        }
        return modifications.overwrite.map { option($0, ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__OVERWRITE_IF_EXISTS_OR_ADD) }
            + modifications.append.map { option($0, ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__APPEND_IF_EXISTS_OR_ADD) }
    }

    /// Envoy reads header values to add as substitution formats (`%REQ(:path)%`, and a lone
    /// `%` is an error); the Gateway API's are literal text, so every `%` is written `%%`.
    static func formatLiteral(_ value: String) -> String {
        value.contains("%") ? value.replacing("%", with: "%%") : value
    }

    private static func stringMatcher(_ arena: ProtobufArena, _ match: StringMatch) -> UnsafeMutablePointer<Envoy__Type__Matcher__V3__StringMatcher> {
        arena.make(envoy__type__matcher__v3__string_matcher__init) { matcher in
            switch match {
            case .exact(let value):
                matcher.match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_EXACT
                matcher.exact = arena.string(value)
            case .regularExpression(let pattern):
                matcher.match_pattern_case = ENVOY__TYPE__MATCHER__V3__STRING_MATCHER__MATCH_PATTERN_SAFE_REGEX
                matcher.safe_regex = regexMatcher(arena, pattern)
            }
        }
    }

    private static func regexMatcher(_ arena: ProtobufArena, _ pattern: String) -> UnsafeMutablePointer<Envoy__Type__Matcher__V3__RegexMatcher> {
        arena.make(envoy__type__matcher__v3__regex_matcher__init) { $0.regex = arena.string(pattern) }
    }
}
