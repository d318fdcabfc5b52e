import MeridianIR
import RegexCheck

/// A request as Envoy's router sees it when it picks a route: pseudo-headers and headers by
/// lowercase name, the path with its query string.
struct RoutedRequest {
    /// Header name (lowercase) → values in order; includes `:method`, `:path`, `:authority`
    /// and `:scheme`.
    let headers: [String: [String]]
    let method: String
    let path: String
    let authority: String
    let scheme: String

    init(_ request: ExplainRequest, scheme: String) {
        var headers: [String: [String]] = [:]
        for header in request.headers { headers[header.name.lowercased(), default: []].append(header.value) }
        // The connection manager sets x-forwarded-proto before routing when the client sent
        // none, so a route matching on it sees the scheme.
        if headers["x-forwarded-proto"] == nil { headers["x-forwarded-proto"] = [scheme] }
        headers[":method"] = [request.method]
        headers[":path"] = [request.path]
        headers[":authority"] = [request.host]
        headers[":scheme"] = [scheme]
        self.headers = headers
        method = request.method
        path = request.path
        authority = request.host
        self.scheme = scheme
    }

    /// Envoy's `getAllOfHeaderAsString`: every value of the header joined with `,`; nil when absent.
    func headerValue(_ name: String) -> String? {
        headers[name.lowercased()].map { $0.joined(separator: ",") }
    }

    /// Envoy's `PathUtil::removeQueryAndFragment`: every path match sees the path up to the
    /// first `?` or `#`.
    var pathWithoutQuery: Substring {
        path.prefix { $0 != "?" && $0 != "#" }
    }

    /// Envoy's `QueryParamsMulti::parseQueryString`, first value per name: everything after
    /// the first `?` split on `&`, each at its first `=` (none: an empty value), not
    /// percent-decoded.
    var queryParameters: [String: String] {
        guard let start = path.firstIndex(of: "?") else { return [:] }
        var parameters: [String: String] = [:]
        for parameter in path[path.index(after: start)...].split(separator: "&", omittingEmptySubsequences: false) where !parameter.isEmpty {
            let name: Substring
            let value: Substring
            if let equals = parameter.firstIndex(of: "=") {
                name = parameter[..<equals]
                value = parameter[parameter.index(after: equals)...]
            } else {
                name = parameter
                value = ""
            }
            if parameters[String(name)] == nil { parameters[String(name)] = String(value) }
        }
        return parameters
    }
}

/// One condition of a route and whether the request meets it.
public struct ConditionCheck: Sendable, Hashable, Codable {
    /// The condition, in the Gateway API's terms where it has them: `path prefix /v1`.
    public var condition: String
    public var matched: Bool
    /// What the request has there, when it did not match: `the path is /v2/x`.
    public var found: String?
}

/// Envoy's route matching (`source/common/router/config_impl.cc`) on Meridian's IR, exactly as
/// the encoder hands it to Envoy: every route match condition must hold; the first route of
/// the virtual host whose conditions all hold serves the request.
enum EnvoyRouteMatching {
    /// Every condition of `match`, each checked, in Envoy's order: headers (the method is the
    /// `:method` header), query parameters, then the path.
    static func check(_ match: RouteMatch, _ request: RoutedRequest) -> [ConditionCheck] {
        var checks: [ConditionCheck] = []
        for header in match.headers {
            checks.append(checkHeader(name: header.name, header.value, request))
        }
        if let method = match.method {
            let matched = request.method.utf8.elementsEqual(method.utf8)
            checks.append(ConditionCheck(condition: "method \(method)", matched: matched, found: matched ? nil : "the method is \(request.method)"))
        }
        if !match.queryParameters.isEmpty {
            let parameters = request.queryParameters
            for parameter in match.queryParameters {
                checks.append(checkQuery(parameter, parameters[parameter.name]))
            }
        }
        checks.append(checkPath(match.path, request))
        return checks
    }

    /// Whether every condition holds.
    static func matches(_ match: RouteMatch, _ request: RoutedRequest) -> Bool {
        check(match, request).allSatisfy(\.matched)
    }

    /// `HeaderDataBaseImpl::matchesHeaders` with a string matcher: an absent header never
    /// matches; several values are matched joined with `,`.
    private static func checkHeader(name: String, _ value: StringMatch, _ request: RoutedRequest) -> ConditionCheck {
        let description = "header \(name) \(describe(value))"
        guard let actual = request.headerValue(name) else {
            return ConditionCheck(condition: description, matched: false, found: "no \(name) header")
        }
        let matched = matches(value, actual)
        return ConditionCheck(condition: description, matched: matched, found: matched ? nil : "\(name) is \(quoted(actual))")
    }

    /// `QueryParameterMatcher::matches`: the first value of the parameter, which must be present.
    private static func checkQuery(_ parameter: QueryParameterMatch, _ actual: String?) -> ConditionCheck {
        let description = "query parameter \(parameter.name) \(describe(parameter.value))"
        guard let actual else {
            return ConditionCheck(condition: description, matched: false, found: "no \(parameter.name) parameter")
        }
        let matched = matches(parameter.value, actual)
        return ConditionCheck(condition: description, matched: matched, found: matched ? nil : "\(parameter.name) is \(quoted(actual))")
    }

    /// The four path matchers Meridian emits, on the path without its query string.
    private static func checkPath(_ path: PathMatch, _ request: RoutedRequest) -> ConditionCheck {
        let actual = request.pathWithoutQuery
        let matched: Bool
        switch path {
        // Bytes, as Envoy compares them (Swift's String equality would also equate
        // canonically equivalent Unicode).
        case .exact(let expected):
            matched = actual.utf8.elementsEqual(expected.utf8)
        case .prefix(let prefix):
            matched = actual.utf8.starts(with: prefix.utf8)
        case .segmentPrefix(let prefix):
            // `path_separated_prefix`: the prefix, then the end of the path or a `/`.
            let bytes = actual.utf8
            matched = bytes.starts(with: prefix.utf8) && (bytes.count == prefix.utf8.count || bytes.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/"))
        case .regularExpression(let pattern):
            matched = RE2Matcher.fullMatch(pattern, String(actual)) ?? false
        }
        return ConditionCheck(condition: describe(path), matched: matched, found: matched ? nil : "the path is \(actual)")
    }

    static func matches(_ match: StringMatch, _ value: String) -> Bool {
        switch match {
        case .exact(let expected): value.utf8.elementsEqual(expected.utf8)
        case .regularExpression(let pattern): RE2Matcher.fullMatch(pattern, value) ?? false
        }
    }

    static func describe(_ path: PathMatch) -> String {
        switch path {
        case .exact(let value): "path exactly \(value)"
        case .prefix("/"): "any path"
        case .prefix(let value): "path starting with \(value)"
        case .segmentPrefix(let value): "path prefix \(value) (whole segments)"
        case .regularExpression(let pattern): "path matching \(pattern)"
        }
    }

    static func describe(_ value: StringMatch) -> String {
        switch value {
        case .exact(let text): "= \(quoted(text))"
        case .regularExpression(let pattern): "~ \(pattern)"
        }
    }

    /// A value as it is shown: quoted when it is empty or has spaces, cut when long.
    static func quoted(_ text: String) -> String {
        let shown = text.count > 100 ? String(text.prefix(100)) + "… (\(text.count) characters)" : text
        return shown.isEmpty || shown.contains(" ") ? "\"\(shown)\"" : shown
    }
}
