// The filters of HTTPRoute rules and backends.

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
    /// Answers cross-origin requests (CORS preflights) and adds CORS response headers.
    case cors(HTTPCORSFilter)

    /// The filter's `type` as written in YAML.
    public var type: HTTPRouteFilterType {
        switch self {
        case .requestHeaderModifier: .requestHeaderModifier
        case .responseHeaderModifier: .responseHeaderModifier
        case .requestMirror: .requestMirror
        case .requestRedirect: .requestRedirect
        case .urlRewrite: .urlRewrite
        case .extensionRef: .extensionRef
        case .cors: .cors
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
    case cors = "CORS"

    /// The YAML key holding this type's configuration, e.g. `requestHeaderModifier`.
    var configurationKey: String {
        switch self {
        case .requestHeaderModifier: "requestHeaderModifier"
        case .responseHeaderModifier: "responseHeaderModifier"
        case .requestMirror: "requestMirror"
        case .requestRedirect: "requestRedirect"
        case .urlRewrite: "urlRewrite"
        case .extensionRef: "extensionRef"
        case .cors: "cors"
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
