import MeridianLoad
import MeridianTranslate

/// Where an Envoy route came from: the HTTPRoute or GRPCRoute rule, found by the route's
/// name (`namespace/name/ruleN/matchM`, `grpc:` first for a GRPCRoute), with the rule's
/// position in its file and the problems the route's status reports for that rule.
struct RouteOrigin {
    var kind: String
    var namespace: String
    var name: String
    var ruleIndex: Int
    var matchIndex: Int
    var ruleName: String?
    /// The route object's labels (policies may select it by them).
    var labels: [String: String]
    var ruleSource: FieldSource
    var backendRefs: [HTTPBackendReference]
    var filters: [HTTPRouteFilter]
    /// The status messages about this rule (`spec.rules[N]...`), from conditions that are not healthy.
    var problems: [String]

    var object: String { "\(namespace)/\(name)" }
    var ruleLocation: String { RouteOrigins.describe(ruleSource.location) }
}

/// Finds the origin of Envoy routes in the loaded objects.
struct RouteOrigins {
    private let httpRoutes: [String: HTTPRoute]
    private let grpcRoutes: [String: GRPCRoute]
    private let statuses: [String: ResourceStatus]

    init(loaded: LoadedConfiguration, statuses: [ResourceStatus]) {
        // The first declaration wins, as the loader keeps it.
        httpRoutes = Dictionary(loaded.httpRoutes.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        grpcRoutes = Dictionary(loaded.grpcRoutes.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        self.statuses = Dictionary(statuses.map { ("\($0.kind) \($0.qualifiedName)", $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The parts of an Envoy route name; nil for a name Meridian did not derive from a rule.
    static func parse(_ routeName: String) -> (kind: String, namespace: String, name: String, rule: Int, match: Int)? {
        var text = Substring(routeName)
        var kind = "HTTPRoute"
        if text.hasPrefix("grpc:") {
            kind = "GRPCRoute"
            text = text.dropFirst("grpc:".count)
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[2].hasPrefix("rule"), parts[3].hasPrefix("match"),
              let rule = Int(parts[2].dropFirst("rule".count)), let match = Int(parts[3].dropFirst("match".count))
        else { return nil }
        return (kind, String(parts[0]), String(parts[1]), rule, match)
    }

    func origin(of routeName: String) -> RouteOrigin? {
        guard let parsed = Self.parse(routeName) else { return nil }
        let key = "\(parsed.namespace)/\(parsed.name)"
        let ruleName: String?
        let labels: [String: String]
        let source: FieldSource
        let backendRefs: [HTTPBackendReference]
        let filters: [HTTPRouteFilter]
        if parsed.kind == "GRPCRoute" {
            guard let route = grpcRoutes[key], route.spec.rules.indices.contains(parsed.rule) else { return nil }
            let rule = route.spec.rules[parsed.rule]
            (ruleName, source, backendRefs, filters) = (rule.name, rule.source, rule.backendRefs, rule.filters)
            labels = route.metadata.labels
        } else {
            guard let route = httpRoutes[key], route.spec.rules.indices.contains(parsed.rule) else { return nil }
            let rule = route.spec.rules[parsed.rule]
            (ruleName, source, backendRefs, filters) = (rule.name, rule.source, rule.backendRefs, rule.filters)
            labels = route.metadata.labels
        }
        return RouteOrigin(
            kind: parsed.kind, namespace: parsed.namespace, name: parsed.name, ruleIndex: parsed.rule, matchIndex: parsed.match,
            ruleName: ruleName, labels: labels, ruleSource: source, backendRefs: backendRefs, filters: filters,
            problems: problems(kind: parsed.kind, object: key, rule: parsed.rule)
        )
    }

    /// The route's status messages about rule `rule`: each condition message lists its
    /// problems as `spec.rules[N]...: what`, joined with `; `.
    private func problems(kind: String, object: String, rule: Int) -> [String] {
        guard let status = statuses["\(kind) \(object)"] else { return [] }
        let prefix = "spec.rules[\(rule)]."
        var found: [String] = []
        for parent in status.parents {
            for condition in parent.conditions where condition.type.isAbnormalityWhenTrue ? condition.status : !condition.status {
                for part in Self.split(condition.message) where part.hasPrefix(prefix) {
                    let line = "\(condition.reason.rawValue): \(part)"
                    if !found.contains(line) { found.append(line) }
                }
            }
        }
        return found
    }

    /// A condition message cut at each `; spec.` that starts the next problem (a problem's own
    /// text may contain `; `).
    static func split(_ message: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(message)
        while let range = rest.firstRange(of: "; spec.") {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[rest.index(range.lowerBound, offsetBy: 2)...]
        }
        parts.append(String(rest))
        return parts
    }

    /// `file:line:column`.
    static func describe(_ location: SourceLocation) -> String {
        "\(location.file):\(location.line):\(location.column)"
    }

    /// The status of a route object, for routes that name a Gateway but are not on it.
    func status(kind: String, object: String) -> ResourceStatus? {
        statuses["\(kind) \(object)"]
    }
}
