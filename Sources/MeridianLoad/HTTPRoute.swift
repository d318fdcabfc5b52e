/// A Gateway API HTTPRoute: how HTTP requests reaching its parents are matched, filtered and forwarded.
public struct HTTPRoute: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "HTTPRoute"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The route's desired state, with API defaults applied.
    public var spec: HTTPRouteSpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        spec: HTTPRouteSpec,
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

/// The spec of an HTTPRoute.
public struct HTTPRouteSpec: Sendable, Hashable {
    /// The Gateways (or other parents) the route attaches to.
    public var parentRefs: [ParentReference]
    /// Hostnames matched against the Host header; empty means all hostnames of the listener.
    public var hostnames: [String]
    /// The rules; one rule matching every path when the document has none.
    public var rules: [HTTPRouteRule]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        parentRefs: [ParentReference] = [],
        hostnames: [String] = [],
        rules: [HTTPRouteRule] = []
    ) {
        self.parentRefs = parentRefs
        self.hostnames = hostnames
        self.rules = rules
    }
}

/// One rule: conditions, filters and the backends matching requests go to.
public struct HTTPRouteRule: Sendable, Hashable {
    /// Optional rule name, unique within the route.
    public var name: String?
    /// Alternatives: a request matches the rule when any match does. Never empty (defaults to PathPrefix `/`).
    public var matches: [HTTPRouteMatch]
    /// Filters applied to matching requests.
    public var filters: [HTTPRouteFilter]
    /// Weighted backends.
    public var backendRefs: [HTTPBackendReference]
    /// Request timeouts.
    public var timeouts: HTTPRouteTimeouts?
    /// How failed requests are retried (GEP-1731).
    public var retry: HTTPRouteRetry?
    /// Sticky sessions for the rule's backends (GEP-1619).
    public var sessionPersistence: GatewayAPISessionPersistence?
    /// Where the rule was written (for a defaulted rule: the spec mapping).
    public var source: FieldSource

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String? = nil,
        matches: [HTTPRouteMatch] = [],
        filters: [HTTPRouteFilter] = [],
        backendRefs: [HTTPBackendReference] = [],
        timeouts: HTTPRouteTimeouts? = nil,
        retry: HTTPRouteRetry? = nil,
        sessionPersistence: GatewayAPISessionPersistence? = nil,
        source: FieldSource
    ) {
        self.name = name
        self.matches = matches
        self.filters = filters
        self.backendRefs = backendRefs
        self.timeouts = timeouts
        self.retry = retry
        self.sessionPersistence = sessionPersistence
        self.source = source
    }
}

/// Conditions that must all hold for a request to match.
public struct HTTPRouteMatch: Sendable, Hashable {
    /// The path condition; PathPrefix `/` when not written.
    public var path: HTTPPathMatch
    /// Header conditions (names unique, case-insensitively).
    public var headers: [HTTPHeaderMatch]
    /// Query parameter conditions (names unique).
    public var queryParams: [HTTPQueryParamMatch]
    /// The HTTP method, if restricted.
    public var method: HTTPMethod?

    /// The match Gateway API uses when none is written: every path.
    public static let matchEverything = HTTPRouteMatch(path: .matchEverything, headers: [], queryParams: [], method: nil)

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        path: HTTPPathMatch,
        headers: [HTTPHeaderMatch] = [],
        queryParams: [HTTPQueryParamMatch] = [],
        method: HTTPMethod? = nil
    ) {
        self.path = path
        self.headers = headers
        self.queryParams = queryParams
        self.method = method
    }
}

/// A path condition.
public struct HTTPPathMatch: Sendable, Hashable {
    /// How `value` is compared.
    public var type: PathMatchType
    /// The path, prefix or regular expression.
    public var value: String

    /// PathPrefix `/`.
    public static let matchEverything = HTTPPathMatch(type: .pathPrefix, value: "/")

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        type: PathMatchType = .pathPrefix,
        value: String
    ) {
        self.type = type
        self.value = value
    }
}

/// Path comparison types.
public enum PathMatchType: String, Sendable, Hashable, CaseIterable {
    case exact = "Exact"
    case pathPrefix = "PathPrefix"
    case regularExpression = "RegularExpression"
}

/// Header and query parameter comparison types.
public enum StringMatchType: String, Sendable, Hashable, CaseIterable {
    case exact = "Exact"
    case regularExpression = "RegularExpression"
}

/// A header condition.
public struct HTTPHeaderMatch: Sendable, Hashable {
    /// How `value` is compared.
    public var type: StringMatchType
    /// The header name (compared case-insensitively).
    public var name: String
    /// The value or regular expression.
    public var value: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        type: StringMatchType = .exact,
        name: String,
        value: String
    ) {
        self.type = type
        self.name = name
        self.value = value
    }
}

/// A query parameter condition.
public struct HTTPQueryParamMatch: Sendable, Hashable {
    /// How `value` is compared.
    public var type: StringMatchType
    /// The parameter name (compared exactly).
    public var name: String
    /// The value or regular expression.
    public var value: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        type: StringMatchType = .exact,
        name: String,
        value: String
    ) {
        self.type = type
        self.name = name
        self.value = value
    }
}

/// HTTP methods a match can require.
public enum HTTPMethod: String, Sendable, Hashable, CaseIterable {
    case get = "GET"
    case head = "HEAD"
    case post = "POST"
    case put = "PUT"
    case delete = "DELETE"
    case connect = "CONNECT"
    case options = "OPTIONS"
    case trace = "TRACE"
    case patch = "PATCH"
}

/// A weighted backend of a rule.
public struct HTTPBackendReference: Sendable, Hashable {
    /// The backend object.
    public var reference: BackendObjectReference
    /// Relative share of traffic, 0...1,000,000 (1 when not written).
    public var weight: Int
    /// Filters applied only when this backend is chosen.
    public var filters: [HTTPRouteFilter]
    /// Where the backend reference was written.
    public var source: FieldSource

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        reference: BackendObjectReference,
        weight: Int = 1,
        filters: [HTTPRouteFilter] = [],
        source: FieldSource
    ) {
        self.reference = reference
        self.weight = weight
        self.filters = filters
        self.source = source
    }
}

/// Rule timeouts.
public struct HTTPRouteTimeouts: Sendable, Hashable {
    /// Whole-request timeout; zero disables it.
    public var request: GatewayAPIDuration?
    /// Timeout of each request to a backend; never longer than `request` when both are set.
    public var backendRequest: GatewayAPIDuration?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        request: GatewayAPIDuration? = nil,
        backendRequest: GatewayAPIDuration? = nil
    ) {
        self.request = request
        self.backendRequest = backendRequest
    }
}
