import MeridianLoad

/// Gateway API route precedence within one host, most specific first.
///
/// First how specific the match is, which depends on the route kind: for an HTTPRoute,
/// exact paths before prefixes, longer prefixes first (regular expressions, whose order the
/// API leaves to implementations, after both), then a method match, then more header
/// matches, then more query matches; for a GRPCRoute, see `GRPCMatching.specificity`.
/// Then the older route; then namespace/name; then rule and match order.
struct RoutePrecedence: Comparable {
    /// Compared element by element, larger first.
    var specificity: [Int]
    var creationTimestamp: String
    var qualifiedName: String
    var kind: RouteKind
    var ruleIndex: Int
    var matchIndex: Int

    init(specificity: [Int], route: RouteSource, ruleIndex: Int, matchIndex: Int) {
        self.specificity = specificity
        // RFC 3339 timestamps in UTC sort as strings; a route without one sorts last.
        creationTimestamp = route.metadata.creationTimestamp ?? "~"
        qualifiedName = route.qualifiedName
        kind = route.kind
        self.ruleIndex = ruleIndex
        self.matchIndex = matchIndex
    }

    /// An HTTPRoute match's specificity.
    static func specificity(_ match: HTTPRouteMatch) -> [Int] {
        let pathRank = switch match.path.type {
        case .exact: 2
        case .pathPrefix: 1
        case .regularExpression: 0
        }
        return [
            pathRank,
            match.path.type == .regularExpression ? 0 : match.path.value.utf8.count,
            match.method != nil ? 1 : 0,
            match.headers.count,
            match.queryParams.count,
        ]
    }

    static func < (lhs: RoutePrecedence, rhs: RoutePrecedence) -> Bool {
        if lhs.specificity != rhs.specificity { return lhs.specificity.lexicographicallyPrecedes(rhs.specificity, by: >) }
        if lhs.creationTimestamp != rhs.creationTimestamp { return lhs.creationTimestamp < rhs.creationTimestamp }
        if lhs.qualifiedName != rhs.qualifiedName { return lhs.qualifiedName < rhs.qualifiedName }
        if lhs.kind != rhs.kind { return lhs.kind < rhs.kind }
        if lhs.ruleIndex != rhs.ruleIndex { return lhs.ruleIndex < rhs.ruleIndex }
        return lhs.matchIndex < rhs.matchIndex
    }
}
