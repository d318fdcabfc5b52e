/// A Gateway API GRPCRoute: how gRPC calls reaching its parents are matched by service,
/// method and headers, filtered and forwarded.
public struct GRPCRoute: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "GRPCRoute"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The route's desired state, with API defaults applied.
    public var spec: GRPCRouteSpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        spec: GRPCRouteSpec,
        location: SourceLocation,
        documentIndex: Int
    ) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.documentIndex = documentIndex
    }
}

/// The spec of a GRPCRoute.
public struct GRPCRouteSpec: Sendable, Hashable {
    /// The Gateways (or other parents) the route attaches to.
    public var parentRefs: [ParentReference]
    /// Hostnames matched against the `:authority`; empty means all hostnames of the listener.
    public var hostnames: [String]
    /// The rules. Unlike HTTPRoute, the CRD has no default rule: no rules route nothing.
    public var rules: [GRPCRouteRule]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        parentRefs: [ParentReference] = [],
        hostnames: [String] = [],
        rules: [GRPCRouteRule] = []
    ) {
        self.parentRefs = parentRefs
        self.hostnames = hostnames
        self.rules = rules
    }
}

/// One rule: conditions, filters and the backends matching calls go to.
///
/// Filters and backend references share HTTPRoute's types: the CRD's `GRPCRouteFilter` is
/// the subset `RequestHeaderModifier`, `ResponseHeaderModifier`, `RequestMirror` and
/// `ExtensionRef` of `HTTPRouteFilter` (the loader refuses the other types), and a
/// `GRPCBackendRef` has the same fields as an `HTTPBackendRef`.
public struct GRPCRouteRule: Sendable, Hashable {
    /// Optional rule name, unique within the route.
    public var name: String?
    /// Alternatives: a call matches the rule when any match does. Never empty (defaults to every call).
    public var matches: [GRPCRouteMatch]
    /// Filters applied to matching calls.
    public var filters: [HTTPRouteFilter]
    /// Weighted backends.
    public var backendRefs: [HTTPBackendReference]
    /// Where the rule was written.
    public var source: FieldSource

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String? = nil,
        matches: [GRPCRouteMatch] = [.matchEverything],
        filters: [HTTPRouteFilter] = [],
        backendRefs: [HTTPBackendReference] = [],
        source: FieldSource
    ) {
        self.name = name
        self.matches = matches
        self.filters = filters
        self.backendRefs = backendRefs
        self.source = source
    }
}

/// Conditions that must all hold for a call to match.
public struct GRPCRouteMatch: Sendable, Hashable {
    /// The service and method condition; nil matches every service and method.
    public var method: GRPCMethodMatch?
    /// Header (metadata) conditions (names unique, case-insensitively).
    public var headers: [HTTPHeaderMatch]

    /// The match used when a rule has none: every call.
    public static let matchEverything = GRPCRouteMatch(method: nil, headers: [])

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(method: GRPCMethodMatch? = nil, headers: [HTTPHeaderMatch] = []) {
        self.method = method
        self.headers = headers
    }
}

/// A condition on the called service and method (`/service/method` on the wire).
/// At least one of `service` and `method` is set.
public struct GRPCMethodMatch: Sendable, Hashable {
    /// How `service` and `method` are compared (`Exact` when not written).
    public var type: GRPCMethodMatchType
    /// The fully qualified service, e.g. `helloworld.Greeter`; nil matches any service.
    public var service: String?
    /// The method, e.g. `SayHello`; nil matches any method.
    public var method: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(type: GRPCMethodMatchType = .exact, service: String? = nil, method: String? = nil) {
        self.type = type
        self.service = service
        self.method = method
    }
}

/// How a service and method are compared.
public enum GRPCMethodMatchType: String, Sendable, Hashable, CaseIterable {
    /// Case-sensitive equality.
    case exact = "Exact"
    /// An RE2 regular expression over the whole service (or method) name.
    case regularExpression = "RegularExpression"
}
