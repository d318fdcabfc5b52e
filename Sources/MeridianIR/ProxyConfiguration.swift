/// Everything one proxy group is to be configured with, independent of Envoy's wire types.
///
/// The translator produces one of these per proxy group (per Gateway); the
/// encoder turns it into Envoy resources. It is plain data: equal values
/// always encode to identical bytes.
public struct ProxyConfiguration: Sendable, Hashable {
    /// The proxy group: the Envoy node `cluster` this configuration is served to.
    public var group: String
    public var listeners: [Listener]
    public var routeTables: [RouteTable]
    public var clusters: [Cluster]
    /// The certificates the listeners' TLS filter chains and the TLS clusters (as their client
    /// certificate) name, each served once (over SDS).
    public var secrets: [TLSSecret]

    public init(group: String, listeners: [Listener] = [], routeTables: [RouteTable] = [], clusters: [Cluster] = [], secrets: [TLSSecret] = []) {
        self.group = group
        self.listeners = listeners
        self.routeTables = routeTables
        self.clusters = clusters
        self.secrets = secrets
    }
}

/// A socket the proxy accepts HTTP (or HTTPS) on: filter chains, each with its route table.
public struct Listener: Sendable, Hashable {
    public var name: String
    public var address: String
    public var port: Int
    /// Plain HTTP has one chain; HTTPS one per TLS server name, the chain without names
    /// taking connections no other chain's names match.
    public var filterChains: [FilterChain]
    /// A token bucket shared by every request on one filter chain (Gateway- or listener-level
    /// policy); a route's own `rateLimit` replaces it for that route.
    public var localRateLimit: LocalRateLimit?

    /// A plain HTTP listener: one filter chain, named after the listener, with one route table.
    public init(name: String, address: String, port: Int, routeTableName: String, localRateLimit: LocalRateLimit? = nil) {
        self.init(name: name, address: address, port: port, filterChains: [FilterChain(name: name, routeTableName: routeTableName)], localRateLimit: localRateLimit)
    }

    public init(name: String, address: String, port: Int, filterChains: [FilterChain], localRateLimit: LocalRateLimit? = nil) {
        self.name = name
        self.address = address
        self.port = port
        self.filterChains = filterChains
        self.localRateLimit = localRateLimit
    }

    /// The route tables of its filter chains, in chain order, each once.
    public var routeTableNames: [String] {
        var seen: Set<String> = []
        return filterChains.map(\.routeTableName).filter { seen.insert($0).inserted }
    }

    /// The certificate secrets its chains name, in chain order, each once.
    public var secretNames: [String] {
        var seen: Set<String> = []
        return filterChains.flatMap { $0.tls?.certificateSecrets ?? [] }.filter { seen.insert($0).inserted }
    }
}


/// A named set of virtual hosts (an Envoy RouteConfiguration).
public struct RouteTable: Sendable, Hashable {
    public var name: String
    public var virtualHosts: [VirtualHost]
    /// Served as one route table per host name, chosen by the request's `Host` (Envoy's scoped
    /// routes): a change to one host name's routes then makes Envoy rebuild only that host
    /// name's table. Only for tables whose every virtual host names exact host names.
    public var splitByHost: Bool
    public init(name: String, virtualHosts: [VirtualHost], splitByHost: Bool = false) {
        self.name = name
        self.virtualHosts = virtualHosts
        self.splitByHost = splitByHost
    }

    /// Whether the table can be split by host: every virtual host names exact host names only
    /// (no `*`, no `*.` wildcard), lower case, each in one virtual host. Envoy's scoped routes
    /// find a table by the exact `Host`, so a wildcard or catch-all could not be served.
    public var canSplitByHost: Bool {
        var seen: Set<String> = []
        return !virtualHosts.isEmpty && virtualHosts.allSatisfy { host in
            !host.domains.isEmpty && host.domains.allSatisfy { domain in
                !domain.isEmpty && !domain.contains("*") && Self.isLowercase(domain) && seen.insert(domain).inserted
            }
        }
    }

    /// Without allocating for the usual ASCII host name (this runs over thousands per build).
    private static func isLowercase(_ domain: String) -> Bool {
        let ascii = domain.utf8.allSatisfy { $0 < 0x80 }
        return ascii ? !domain.utf8.contains { (0x41...0x5A).contains($0) } : domain == domain.lowercased()
    }

    /// The name of the route table serving one virtual host of a table split by host.
    public func hostTableName(_ host: VirtualHost) -> String { "\(name)/\(host.name)" }

    /// Every cluster its routes forward or mirror to, each once, in route order.
    public var clusterNames: [String] {
        var seen: Set<String> = []
        var names: [String] = []
        for route in virtualHosts.lazy.flatMap(\.routes) {
            if case .forward(let backends) = route.action {
                for backend in backends where seen.insert(backend.clusterName).inserted { names.append(backend.clusterName) }
                for mirror in route.mirrors where seen.insert(mirror.clusterName).inserted { names.append(mirror.clusterName) }
            }
        }
        return names
    }
}

/// Routes for a set of host names; routes are tried in order, first match wins.
public struct VirtualHost: Sendable, Hashable {
    public var name: String
    /// Host names, with an optional leading `*.` wildcard, or `*` for any host.
    public var domains: [String]
    public var routes: [Route]

    public init(name: String, domains: [String], routes: [Route]) {
        self.name = name
        self.domains = domains
        self.routes = routes
    }

    /// Hashes the names only: equal virtual hosts still hash alike (what `Hashable` requires),
    /// and a whole route's fields, hashed for thousands of virtual hosts on every build
    /// (`EncodingCache` looks them up), cost as much as encoding them. Equality still
    /// compares everything.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(domains)
        hasher.combine(routes.count)
        for route in routes { hasher.combine(route.name) }
    }
}

/// One routing rule: what a request must look like, and what happens to it.
public struct Route: Sendable, Hashable {
    public var name: String
    public var match: RouteMatch
    public var action: RouteAction
    /// The whole-request timeout; nil keeps Envoy's default, zero disables it.
    public var timeout: Duration?
    public var retry: RetryPolicy?
    /// Headers changed on the request before it is forwarded.
    public var requestHeaders: HeaderModifications
    /// Headers changed on the response before it is returned.
    public var responseHeaders: HeaderModifications
    /// Host and path rewritten before forwarding (for `.forward` actions).
    public var rewrite: URLRewrite?
    /// How long a stream may be idle; nil keeps the listener's default.
    public var idleTimeout: Duration?
    /// Request properties hashed to pick an endpoint (ring hash and Maglev clusters).
    public var hashPolicies: [HashPolicy]
    /// This route's own local rate limit; replaces the listener's bucket for this route.
    public var rateLimit: LocalRateLimit?
    /// Sticky sessions: requests carrying the session's cookie or header go to the same endpoint.
    public var sessionPersistence: SessionPersistence?
    /// What a `.forward` answers for the share of a backend that names no cluster: 500 for
    /// HTTP, 503 for gRPC (which the proxy turns into UNAVAILABLE); 404 and 503 are the others
    /// Envoy has.
    public var unresolvedBackendStatus: Int
    /// Ends a call at the deadline its `grpc-timeout` header gives (gRPC clients send their
    /// deadline so), however long that is, and at no other time: for gRPC routes, whose
    /// streams may outlive any fixed timeout. Envoy then ignores `timeout`, and its default
    /// route timeout (15 s) no longer applies.
    public var honorsGRPCTimeout: Bool
    /// Clusters that get a copy of each request (for `.forward` actions); their answers are dropped.
    public var mirrors: [RequestMirror]
    /// Cross-origin resource sharing: preflights answered by the proxy, CORS response headers added.
    public var cors: CORSPolicy?
    /// The name the proxy keeps this route's own request statistics under (Envoy's per-route
    /// `vhost.<host>.route.<prefix>.*`, the `envoy_route` label in Prometheus); nil keeps none.
    /// Routes of one rule share it, so its series count the rule whichever match was taken.
    public var statPrefix: String?

    public init(
        name: String,
        match: RouteMatch,
        action: RouteAction,
        timeout: Duration? = nil,
        retry: RetryPolicy? = nil,
        requestHeaders: HeaderModifications = HeaderModifications(),
        responseHeaders: HeaderModifications = HeaderModifications(),
        rewrite: URLRewrite? = nil,
        idleTimeout: Duration? = nil,
        hashPolicies: [HashPolicy] = [],
        rateLimit: LocalRateLimit? = nil,
        sessionPersistence: SessionPersistence? = nil,
        unresolvedBackendStatus: Int = 500,
        honorsGRPCTimeout: Bool = false,
        mirrors: [RequestMirror] = [],
        cors: CORSPolicy? = nil,
        statPrefix: String? = nil
    ) {
        self.name = name
        self.match = match
        self.action = action
        self.timeout = timeout
        self.retry = retry
        self.requestHeaders = requestHeaders
        self.responseHeaders = responseHeaders
        self.rewrite = rewrite
        self.idleTimeout = idleTimeout
        self.hashPolicies = hashPolicies
        self.rateLimit = rateLimit
        self.sessionPersistence = sessionPersistence
        self.unresolvedBackendStatus = unresolvedBackendStatus
        self.honorsGRPCTimeout = honorsGRPCTimeout
        self.mirrors = mirrors
        self.cors = cors
        self.statPrefix = statPrefix
    }
}

/// Headers to overwrite (or add), to append to, and to remove.
public struct HeaderModifications: Sendable, Hashable {
    /// Replace any existing values (the Gateway API's `set`).
    public var overwrite: [HeaderValue]
    /// Add a value, keeping existing ones (the Gateway API's `add`).
    public var append: [HeaderValue]
    public var remove: [String]

    public init(overwrite: [HeaderValue] = [], append: [HeaderValue] = [], remove: [String] = []) {
        self.overwrite = overwrite
        self.append = append
        self.remove = remove
    }

    public var isEmpty: Bool { overwrite.isEmpty && append.isEmpty && remove.isEmpty }
}

public struct HeaderValue: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// How a path is rewritten.
public enum PathRewrite: Sendable, Hashable {
    /// The whole path becomes this.
    case fullPath(String)
    /// The part the route's prefix matched becomes this.
    case prefix(String)
}

/// How a `ReplacePrefixMatch` is carried out for a route matched by `match`: the prefix that
/// is replaced, the replacement without trailing slashes, and whether the separators after the
/// prefix go too. Envoy's `prefix_rewrite` replaces the matched prefix verbatim, so "/foo" →
/// "/" would turn "/foo/bar" into "//bar"; replacing with "/" eats the separator (the encoder
/// writes a regex for it). One definition, shared by the encoder and `explain`.
public struct PrefixReplacement: Sendable, Hashable {
    public var matched: String
    public var replacement: String
    public var stripsSeparators: Bool

    public init(_ replacement: String, match: PathMatch) {
        switch match {
        case .segmentPrefix(let prefix), .prefix(let prefix), .exact(let prefix): matched = prefix
        case .regularExpression: matched = "/"
        }
        var trimmed = replacement
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.replacement = trimmed
        stripsSeparators = trimmed == "/" && matched != "/"
    }
}

/// Rewrites applied to a forwarded request.
public struct URLRewrite: Sendable, Hashable {
    public var hostname: String?
    public var path: PathRewrite?

    public init(hostname: String? = nil, path: PathRewrite? = nil) {
        self.hostname = hostname
        self.path = path
    }
}

/// A redirect the proxy answers with.
public struct Redirect: Sendable, Hashable {
    public var scheme: String?
    public var hostname: String?
    /// The port written into `Location`. Nil writes none when the host name changes, and
    /// otherwise keeps the port of the request's `Host` (the proxy drops it only when the
    /// scheme changes away from that port's scheme, as :80 to https).
    public var port: Int?
    public var path: PathRewrite?
    /// 301, 302, 303, 307 or 308.
    public var statusCode: Int

    public init(scheme: String? = nil, hostname: String? = nil, port: Int? = nil, path: PathRewrite? = nil, statusCode: Int = 302) {
        self.scheme = scheme
        self.hostname = hostname
        self.port = port
        self.path = path
        self.statusCode = statusCode
    }
}

/// The conditions a request must meet, all of them.
public struct RouteMatch: Sendable, Hashable {
    public var path: PathMatch
    public var headers: [HeaderMatch]
    public var queryParameters: [QueryParameterMatch]
    /// An HTTP method such as `GET`; nil matches any.
    public var method: String?

    public init(path: PathMatch = .prefix("/"), headers: [HeaderMatch] = [], queryParameters: [QueryParameterMatch] = [], method: String? = nil) {
        self.path = path
        self.headers = headers
        self.queryParameters = queryParameters
        self.method = method
    }
}

/// How the request path is matched.
public enum PathMatch: Sendable, Hashable {
    /// The whole path, exactly.
    case exact(String)
    /// A prefix made of whole path segments: `/v1` matches `/v1` and `/v1/x`, not `/v1x`.
    case segmentPrefix(String)
    /// A plain string prefix (used for `/`).
    case prefix(String)
    /// An RE2 regular expression over the whole path.
    case regularExpression(String)
}

/// How a string value is matched.
public enum StringMatch: Sendable, Hashable {
    case exact(String)
    case regularExpression(String)
}

public struct HeaderMatch: Sendable, Hashable {
    public var name: String
    public var value: StringMatch

    public init(name: String, value: StringMatch) {
        self.name = name
        self.value = value
    }
}

public struct QueryParameterMatch: Sendable, Hashable {
    public var name: String
    public var value: StringMatch

    public init(name: String, value: StringMatch) {
        self.name = name
        self.value = value
    }
}

/// What a matched request gets.
public enum RouteAction: Sendable, Hashable {
    /// Forwarded to one or more clusters, split by weight.
    case forward([WeightedBackend])
    /// Answered by the proxy itself.
    case directResponse(status: Int, body: String)
    /// Answered with a redirect.
    case redirect(Redirect)
}

/// Envoy's retry policy for a route.
public struct RetryPolicy: Sendable, Hashable {
    /// Envoy `retry_on` conditions, such as `5xx`, `reset`, `connect-failure`.
    public var retryOn: [String]
    public var numRetries: UInt32
    public var perTryTimeout: Duration?
    public var backOffBase: Duration?
    public var backOffMax: Duration?
    /// HTTP statuses retried when `retryOn` contains `retriable-status-codes`.
    public var retriableStatusCodes: [UInt32]

    public init(
        retryOn: [String],
        numRetries: UInt32,
        perTryTimeout: Duration? = nil,
        backOffBase: Duration? = nil,
        backOffMax: Duration? = nil,
        retriableStatusCodes: [UInt32] = []
    ) {
        self.retryOn = retryOn
        self.numRetries = numRetries
        self.perTryTimeout = perTryTimeout
        self.backOffBase = backOffBase
        self.backOffMax = backOffMax
        self.retriableStatusCodes = retriableStatusCodes
    }
}

/// An upstream service and how the proxy finds its endpoints.
public struct Cluster: Sendable, Hashable {
    public var name: String
    public var discovery: EndpointDiscovery
    public var connectTimeout: Duration
    public var loadBalancer: LoadBalancer
    public var circuitBreakers: CircuitBreakers?
    public var outlierDetection: OutlierDetection?
    public var healthChecks: [HealthCheck]
    /// How Envoy speaks HTTP to the endpoints (Envoy's upstream `HttpProtocolOptions`).
    public var upstreamHTTP: UpstreamHTTPOptions?
    /// TLS to the endpoints (a BackendTLSPolicy); nil for plain text.
    public var upstreamTLS: UpstreamTLS?

    public init(
        name: String,
        discovery: EndpointDiscovery,
        connectTimeout: Duration = .seconds(5),
        loadBalancer: LoadBalancer = .roundRobin,
        circuitBreakers: CircuitBreakers? = nil,
        outlierDetection: OutlierDetection? = nil,
        healthChecks: [HealthCheck] = [],
        upstreamHTTP: UpstreamHTTPOptions? = nil,
        upstreamTLS: UpstreamTLS? = nil
    ) {
        self.name = name
        self.discovery = discovery
        self.connectTimeout = connectTimeout
        self.loadBalancer = loadBalancer
        self.circuitBreakers = circuitBreakers
        self.outlierDetection = outlierDetection
        self.healthChecks = healthChecks
        self.upstreamHTTP = upstreamHTTP
        self.upstreamTLS = upstreamTLS
    }
}

/// Where a cluster's endpoints come from.
public enum EndpointDiscovery: Sendable, Hashable {
    /// Served over EDS (a ClusterLoadAssignment named after the cluster).
    case endpoints([Endpoint])
    /// Resolved by the proxy from DNS (STRICT_DNS); each endpoint's address is a host name
    /// (or an IP literal, which resolves to itself).
    case dns([Endpoint])
}

/// One backend address.
public struct Endpoint: Sendable, Hashable {
    public var address: String
    public var port: Int
    /// False for endpoints that are not ready; the proxy gets them as unhealthy.
    public var ready: Bool
    /// Envoy's locality priority: 0 is used first; a higher priority only takes traffic
    /// when the lower ones are unhealthy (a fallback backend).
    public var priority: UInt32

    public init(address: String, port: Int, ready: Bool = true, priority: UInt32 = 0) {
        self.address = address
        self.port = port
        self.ready = ready
        self.priority = priority
    }
}
