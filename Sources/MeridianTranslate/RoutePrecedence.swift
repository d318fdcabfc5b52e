import MeridianLoad

/// Gateway API route precedence within one host, most specific first.
///
/// Exact paths before prefixes, longer prefixes first (regular expressions,
/// whose order the API leaves to implementations, after both); then a method
/// match; then more header matches; then more query matches; then the older
/// route; then namespace/name; then rule and match order.
struct RoutePrecedence: Comparable {
    var pathRank: Int
    var pathLength: Int
    var hasMethod: Bool
    var headerCount: Int
    var queryCount: Int
    var creationTimestamp: String
    var qualifiedName: String
    var ruleIndex: Int
    var matchIndex: Int

    init(match: HTTPRouteMatch, route: HTTPRoute, ruleIndex: Int, matchIndex: Int) {
        switch match.path.type {
        case .exact: pathRank = 0
        case .pathPrefix: pathRank = 1
        case .regularExpression: pathRank = 2
        }
        pathLength = match.path.type == .regularExpression ? 0 : match.path.value.utf8.count
        hasMethod = match.method != nil
        headerCount = match.headers.count
        queryCount = match.queryParams.count
        // RFC 3339 timestamps in UTC sort as strings; a route without one sorts last.
        creationTimestamp = route.metadata.creationTimestamp ?? "~"
        qualifiedName = route.qualifiedName
        self.ruleIndex = ruleIndex
        self.matchIndex = matchIndex
    }

    static func < (lhs: RoutePrecedence, rhs: RoutePrecedence) -> Bool {
        if lhs.pathRank != rhs.pathRank { return lhs.pathRank < rhs.pathRank }
        if lhs.pathLength != rhs.pathLength { return lhs.pathLength > rhs.pathLength }
        if lhs.hasMethod != rhs.hasMethod { return lhs.hasMethod }
        if lhs.headerCount != rhs.headerCount { return lhs.headerCount > rhs.headerCount }
        if lhs.queryCount != rhs.queryCount { return lhs.queryCount > rhs.queryCount }
        if lhs.creationTimestamp != rhs.creationTimestamp { return lhs.creationTimestamp < rhs.creationTimestamp }
        if lhs.qualifiedName != rhs.qualifiedName { return lhs.qualifiedName < rhs.qualifiedName }
        if lhs.ruleIndex != rhs.ruleIndex { return lhs.ruleIndex < rhs.ruleIndex }
        return lhs.matchIndex < rhs.matchIndex
    }
}
