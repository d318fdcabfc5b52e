import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `RouteConfiguration`: virtual hosts and their ordered routes.
enum RouteEncoding {
    /// The message is assembled from its virtual hosts' bytes (a repeated message field is its
    /// elements' fields one after another), so an unchanged virtual host is not encoded again.
    /// Fields go in field-number order, as protobuf-c packs them: `name` (1), `virtual_hosts`
    /// (2), `ignore_port_in_host_matching` (14). `RouteTableSplicingTests` checks the bytes
    /// against protobuf-c's own.
    static func encode(_ table: RouteTable, memo: inout EncodingMemo) -> [UInt8] {
        let hosts = table.virtualHosts.map { memo.value($0, in: \.virtualHosts, encode: encode(virtualHost:)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(table.name.utf8.count + hosts.reduce(16) { $0 + $1.count + 6 })
        if !table.name.isEmpty { ProtobufWire.appendLengthDelimitedField(1, table.name.utf8, to: &bytes) }
        for host in hosts {
            ProtobufWire.appendLengthDelimitedField(2, host, to: &bytes)
        }
        // The Gateway API matches host names without the port.
        bytes += [14 << 3 | 0, 1]
        return bytes
    }

    static func encode(virtualHost host: VirtualHost) -> [UInt8] {
        let arena = ProtobufArena()
        return ProtobufWire.pack(virtualHost(arena, host))
    }

    /// The whole message through protobuf-c, the reference the spliced bytes are checked against.
    static func encodeWhole(_ table: RouteTable) -> [UInt8] {
        let arena = ProtobufArena()
        let hosts = table.virtualHosts.map { virtualHost(arena, $0) }
        let message = arena.make(envoy__config__route__v3__route_configuration__init) {
            $0.name = arena.string(table.name)
            $0.n_virtual_hosts = hosts.count
            $0.virtual_hosts = arena.array(hosts)
            $0.ignore_port_in_host_matching = 1
        }
        return ProtobufWire.pack(message)
    }

    private static func virtualHost(_ arena: ProtobufArena, _ host: VirtualHost) -> UnsafeMutablePointer<Envoy__Config__Route__V3__VirtualHost> {
        let routes = host.routes.map { route(arena, $0) }
        return arena.make(envoy__config__route__v3__virtual_host__init) {
            // Envoy labels per-route statistics with the virtual host's name (see EnvoyStatNames).
            $0.name = arena.string(EnvoyStatNames.sanitized(host.name))
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
            if let statPrefix = route.statPrefix {
                message.stat_prefix = arena.string(EnvoyStatNames.sanitized(statPrefix))
            }
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
                message.route = RouteActionEncoding.routeAction(arena, backends: backends, route: route)
            case .redirect(let redirect):
                message.action_case = ENVOY__CONFIG__ROUTE__V3__ROUTE__ACTION_REDIRECT
                message.redirect = RouteActionEncoding.redirectAction(arena, redirect, match: route.match.path)
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

    static func headerOptions(_ arena: ProtobufArena, _ modifications: HeaderModifications) -> [UnsafeMutablePointer<Envoy__Config__Core__V3__HeaderValueOption>] {
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

    static func stringMatcher(_ arena: ProtobufArena, _ match: StringMatch) -> UnsafeMutablePointer<Envoy__Type__Matcher__V3__StringMatcher> {
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

    static func regexMatcher(_ arena: ProtobufArena, _ pattern: String) -> UnsafeMutablePointer<Envoy__Type__Matcher__V3__RegexMatcher> {
        arena.make(envoy__type__matcher__v3__regex_matcher__init) { $0.regex = arena.string(pattern) }
    }
}
