/// A cluster and its share of a route's traffic, with the header changes made only on the
/// requests sent to it (and on their answers).
public struct WeightedBackend: Sendable, Hashable {
    public var clusterName: String
    public var weight: UInt32
    /// Changes to requests sent to this cluster, after the route's own.
    public var requestHeaders: HeaderModifications
    /// Changes to answers from this cluster, before the route's own.
    public var responseHeaders: HeaderModifications
    /// The Host requests to this cluster get, replacing the route's rewrite.
    public var hostRewrite: String?

    public init(
        clusterName: String,
        weight: UInt32,
        requestHeaders: HeaderModifications = HeaderModifications(),
        responseHeaders: HeaderModifications = HeaderModifications(),
        hostRewrite: String? = nil
    ) {
        self.clusterName = clusterName
        self.weight = weight
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.hostRewrite = hostRewrite
    }

    /// Whether requests to this backend change beyond the route's own changes.
    public var hasHeaderChanges: Bool { !requestHeaders.isEmpty || !responseHeaders.isEmpty || hostRewrite != nil }
}

/// A cluster that gets a copy of a share of a route's requests; its answers are dropped.
public struct RequestMirror: Sendable, Hashable {
    public var clusterName: String
    /// The share of requests mirrored, in millionths: 1,000,000 mirrors every request.
    public var partsPerMillion: UInt32

    public init(clusterName: String, partsPerMillion: UInt32 = 1_000_000) {
        self.clusterName = clusterName
        self.partsPerMillion = partsPerMillion
    }
}

/// Cross-origin resource sharing on a route: the proxy answers preflight requests from an
/// allowed origin itself (and from others without CORS headers), and adds the CORS headers to
/// answers to allowed origins.
public struct CORSPolicy: Sendable, Hashable {
    /// Origins allowed; a request's `Origin` must match one of them.
    public var allowOrigins: [StringMatch]
    /// `Access-Control-Allow-Methods`; `*` answers with the preflight's requested method.
    public var allowMethods: [String]
    /// `Access-Control-Allow-Headers`; `*` answers with the preflight's requested headers.
    public var allowHeaders: [String]
    /// `Access-Control-Expose-Headers`.
    public var exposeHeaders: [String]
    /// `Access-Control-Max-Age`, seconds; nil sends none.
    public var maxAgeSeconds: Int?
    /// Whether `Access-Control-Allow-Credentials: true` is sent.
    public var allowCredentials: Bool

    public init(
        allowOrigins: [StringMatch],
        allowMethods: [String] = [],
        allowHeaders: [String] = [],
        exposeHeaders: [String] = [],
        maxAgeSeconds: Int? = nil,
        allowCredentials: Bool = false
    ) {
        self.allowOrigins = allowOrigins
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAgeSeconds = maxAgeSeconds
        self.allowCredentials = allowCredentials
    }
}
