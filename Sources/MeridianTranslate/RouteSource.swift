import MeridianIR
import MeridianLoad

/// The route kinds Meridian serves on HTTP listeners.
enum RouteKind: String, CaseIterable, Comparable {
    case grpc = "GRPCRoute"
    case http = "HTTPRoute"

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The kind a listener's `allowedRoutes.kinds` entry names, when Meridian serves it.
    init?(_ kind: RouteGroupKind) {
        guard kind.group == GatewayTranslator.gatewayGroup, let known = RouteKind(rawValue: kind.kind) else { return nil }
        self = known
    }
}

/// An HTTPRoute or a GRPCRoute as the attachment, rule and placement passes see it: parents,
/// host names, and rules whose matches are already Envoy route matches with their precedence.
struct RouteSource {
    var kind: RouteKind
    var apiVersion: String
    var metadata: ObjectMeta
    var location: SourceLocation
    var parentRefs: [ParentReference]
    var hostnames: [String]
    var rules: [RuleSource]

    var namespace: String { metadata.namespace ?? "default" }
    var qualifiedName: String { "\(namespace)/\(metadata.name)" }
    /// `HTTPRoute ns/name`: how policies name the route as a target.
    var target: String { "\(kind.rawValue) \(qualifiedName)" }

    /// Routes attach and take precedence oldest first, then by namespace/name (and kind, for
    /// an HTTPRoute and a GRPCRoute of the same name).
    var age: (String, String, RouteKind) { (metadata.creationTimestamp ?? "~", qualifiedName, kind) }
}

/// One rule of either kind.
struct RuleSource {
    var name: String?
    /// Each match as an Envoy route match, with how specific it is (larger first; see `RoutePrecedence`).
    var matches: [(match: RouteMatch, specificity: [Int])]
    var filters: [HTTPRouteFilter]
    var backendRefs: [HTTPBackendReference]
    /// The HTTPRoute rule itself, for its own `timeouts`, `retry` and `sessionPersistence`.
    var httpRule: HTTPRouteRule?
}

extension RouteSource {
    init(_ route: HTTPRoute) {
        self.init(
            kind: .http, apiVersion: route.apiVersion, metadata: route.metadata, location: route.location,
            parentRefs: route.spec.parentRefs, hostnames: route.spec.hostnames,
            rules: route.spec.rules.map { rule in
                let matches = rule.matches.isEmpty ? [HTTPRouteMatch.matchEverything] : rule.matches
                return RuleSource(
                    name: rule.name,
                    matches: matches.map { (RuleCompilation.irMatch($0), RoutePrecedence.specificity($0)) },
                    filters: rule.filters, backendRefs: rule.backendRefs, httpRule: rule
                )
            }
        )
    }

    init(_ route: GRPCRoute) {
        self.init(
            kind: .grpc, apiVersion: route.apiVersion, metadata: route.metadata, location: route.location,
            parentRefs: route.spec.parentRefs, hostnames: route.spec.hostnames,
            rules: route.spec.rules.map { rule in
                let matches = rule.matches.isEmpty ? [GRPCRouteMatch.matchEverything] : rule.matches
                return RuleSource(
                    name: rule.name,
                    matches: matches.map { (GRPCMatching.irMatch($0), GRPCMatching.specificity($0)) },
                    filters: rule.filters, backendRefs: rule.backendRefs, httpRule: nil
                )
            }
        )
    }
}

/// GRPCRoute matches as Envoy route matches on the `/service/method` path.
enum GRPCMatching {
    /// Service and method Exact → the exact path; service only → the prefix `/service/`;
    /// method only, or RegularExpression → a regular expression over the whole path, in which
    /// an omitted service or method is any segment.
    static func irMatch(_ match: GRPCRouteMatch) -> RouteMatch {
        let path: PathMatch
        // The CRD allows an exact service to be written fully qualified, `.pkg.Service`; on the
        // wire it is `/pkg.Service/Method`.
        let exactService = match.method?.type == .exact ? match.method?.service.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 } : match.method?.service
        switch (match.method?.type, exactService, match.method?.method) {
        case (nil, _, _), (_, nil, nil):
            path = .prefix("/")
        case (.exact?, let service?, let method?):
            path = .exact("/\(service)/\(method)")
        case (.exact?, let service?, nil):
            path = .prefix("/\(service)/")
        case (.exact?, nil, let method?):
            path = .regularExpression("/[^/]+/\(method)")
        case (.regularExpression?, let service, let method):
            path = .regularExpression("/\(group(service))/\(group(method))")
        }
        return RouteMatch(
            path: path,
            headers: match.headers.map { HeaderMatch(name: $0.name.lowercased(), value: $0.type == .exact ? .exact($0.value) : .regularExpression($0.value)) }
        )
    }

    /// One path segment matching `pattern`, or any segment.
    private static func group(_ pattern: String?) -> String {
        pattern.map { "(?:\($0))" } ?? "[^/]+"
    }

    /// The GRPCRoute precedence: more characters in the service, then in the method, then
    /// more header matches. (Host name length is Envoy's virtual host choice.) A regular
    /// expression counts no characters, so exact matches come first, as exact paths do for
    /// HTTPRoutes; on a tie, a regular expression comes before no method match at all.
    static func specificity(_ match: GRPCRouteMatch) -> [Int] {
        let exact = match.method?.type == .exact
        return [
            exact ? match.method?.service?.utf8.count ?? 0 : 0,
            exact ? match.method?.method?.utf8.count ?? 0 : 0,
            match.headers.count,
            match.method?.type == .regularExpression ? 1 : 0,
        ]
    }
}
