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

/// A filter on a rule or a backend, with its type-specific configuration.
public enum HTTPRouteFilter: Sendable, Hashable {
    /// Changes request headers.
    case requestHeaderModifier(HTTPHeaderFilter)
    /// Changes response headers.
    case responseHeaderModifier(HTTPHeaderFilter)
    /// Mirrors requests to another backend.
    case requestMirror(HTTPRequestMirrorFilter)
    /// Answers with a redirect.
    case requestRedirect(HTTPRequestRedirectFilter)
    /// Rewrites host and path before forwarding.
    case urlRewrite(HTTPURLRewriteFilter)
    /// An implementation-specific filter defined by another resource.
    case extensionRef(LocalObjectReference)

    /// The filter's `type` as written in YAML.
    public var type: HTTPRouteFilterType {
        switch self {
        case .requestHeaderModifier: .requestHeaderModifier
        case .responseHeaderModifier: .responseHeaderModifier
        case .requestMirror: .requestMirror
        case .requestRedirect: .requestRedirect
        case .urlRewrite: .urlRewrite
        case .extensionRef: .extensionRef
        }
    }
}

/// The filter types this loader supports.
public enum HTTPRouteFilterType: String, Sendable, Hashable, CaseIterable {
    case requestHeaderModifier = "RequestHeaderModifier"
    case responseHeaderModifier = "ResponseHeaderModifier"
    case requestMirror = "RequestMirror"
    case requestRedirect = "RequestRedirect"
    case urlRewrite = "URLRewrite"
    case extensionRef = "ExtensionRef"

    /// The YAML key holding this type's configuration, e.g. `requestHeaderModifier`.
    var configurationKey: String {
        switch self {
        case .requestHeaderModifier: "requestHeaderModifier"
        case .responseHeaderModifier: "responseHeaderModifier"
        case .requestMirror: "requestMirror"
        case .requestRedirect: "requestRedirect"
        case .urlRewrite: "urlRewrite"
        case .extensionRef: "extensionRef"
        }
    }
}

/// Header changes: set (replace), add (append) and remove.
public struct HTTPHeaderFilter: Sendable, Hashable {
    /// Headers to set, replacing existing values.
    public var set: [HTTPHeader]
    /// Headers to add, keeping existing values.
    public var add: [HTTPHeader]
    /// Header names to remove.
    public var remove: [String]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        set: [HTTPHeader] = [],
        add: [HTTPHeader] = [],
        remove: [String] = []
    ) {
        self.set = set
        self.add = add
        self.remove = remove
    }
}

/// A header name and value.
public struct HTTPHeader: Sendable, Hashable {
    /// Header name.
    public var name: String
    /// Header value.
    public var value: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String,
        value: String
    ) {
        self.name = name
        self.value = value
    }
}

/// Sends a copy of each request to another backend.
public struct HTTPRequestMirrorFilter: Sendable, Hashable {
    /// Where copies go.
    public var backendRef: BackendObjectReference
    /// Percentage of requests to mirror (0...100), if limited.
    public var percent: Int?
    /// Fraction of requests to mirror, if limited.
    public var fraction: MirrorFraction?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        backendRef: BackendObjectReference,
        percent: Int? = nil,
        fraction: MirrorFraction? = nil
    ) {
        self.backendRef = backendRef
        self.percent = percent
        self.fraction = fraction
    }
}

/// A mirroring fraction, `numerator / denominator`.
public struct MirrorFraction: Sendable, Hashable {
    /// Requests mirrored out of every `denominator`.
    public var numerator: Int
    /// 100 when not written.
    public var denominator: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        numerator: Int,
        denominator: Int
    ) {
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// Answers with a redirect instead of forwarding.
public struct HTTPRequestRedirectFilter: Sendable, Hashable {
    /// `http` or `https`; nil keeps the request's scheme.
    public var scheme: String?
    /// Replacement hostname.
    public var hostname: String?
    /// Replacement path.
    public var path: HTTPPathModifier?
    /// Replacement port.
    public var port: Int?
    /// The redirect status (302 when not written).
    public var statusCode: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        scheme: String? = nil,
        hostname: String? = nil,
        path: HTTPPathModifier? = nil,
        port: Int? = nil,
        statusCode: Int = 302
    ) {
        self.scheme = scheme
        self.hostname = hostname
        self.path = path
        self.port = port
        self.statusCode = statusCode
    }
}

/// Rewrites the request before forwarding.
public struct HTTPURLRewriteFilter: Sendable, Hashable {
    /// Replacement Host header.
    public var hostname: String?
    /// Replacement path.
    public var path: HTTPPathModifier?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        hostname: String? = nil,
        path: HTTPPathModifier? = nil
    ) {
        self.hostname = hostname
        self.path = path
    }
}

/// How a redirect or rewrite changes the path.
public enum HTTPPathModifier: Sendable, Hashable {
    /// Replace the whole path.
    case replaceFullPath(String)
    /// Replace the part matched by the rule's PathPrefix match.
    case replacePrefixMatch(String)
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
