// The resilience part of the IR: what policies (kgateway's, the seed documents', and the
// Gateway API's own fields) turn into. Each type maps onto one Envoy message; the README
// table "Policies" names the Envoy field of every property.

/// A token bucket: `maxTokens` to start with and at most, `tokensPerFill` added every `fillInterval`.
public struct TokenBucket: Sendable, Hashable {
    public var maxTokens: UInt32
    public var tokensPerFill: UInt32
    public var fillInterval: Duration

    public init(maxTokens: UInt32, tokensPerFill: UInt32, fillInterval: Duration) {
        self.maxTokens = maxTokens
        self.tokensPerFill = tokensPerFill
        self.fillInterval = fillInterval
    }
}

/// A local rate limit, enforced by each Envoy on its own (`envoy.filters.http.local_ratelimit`).
/// Requests over the limit get 429 with `x-envoy-ratelimited`.
public struct LocalRateLimit: Sendable, Hashable {
    /// The bucket every request takes a token from; nil when only descriptors limit.
    public var tokenBucket: TokenBucket?
    /// Buckets keyed by request headers: one bucket per distinct value combination.
    public var descriptors: [RateLimitDescriptor]

    public init(tokenBucket: TokenBucket? = nil, descriptors: [RateLimitDescriptor] = []) {
        self.tokenBucket = tokenBucket
        self.descriptors = descriptors
    }
}

/// Requests are grouped by the values of `headers` (all must be present); each distinct
/// combination of values gets its own bucket (e.g. one per `x-tenant-id`).
public struct RateLimitDescriptor: Sendable, Hashable {
    /// Request header names (lowercase); each becomes a descriptor entry keyed by the header name.
    public var headers: [String]
    public var tokenBucket: TokenBucket

    public init(headers: [String], tokenBucket: TokenBucket) {
        self.headers = headers
        self.tokenBucket = tokenBucket
    }
}

/// A request property hashed to choose an endpoint, for ring hash and Maglev load balancing.
public struct HashPolicy: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// The value of a request header (lowercase name).
        case header(String)
        /// A cookie's value; when `ttl` is set and the cookie is missing, Envoy sets it.
        case cookie(name: String, ttl: Duration?, path: String?)
        /// The client's IP address.
        case sourceIP
    }

    public var source: Source
    /// When this policy produced a hash, skip the following ones.
    public var terminal: Bool

    public init(_ source: Source, terminal: Bool = false) {
        self.source = source
        self.terminal = terminal
    }
}

/// Sticky sessions through Envoy's stateful session filter: the chosen endpoint is
/// recorded in a cookie or header and honoured while that endpoint is healthy.
public struct SessionPersistence: Sendable, Hashable {
    public enum Carrier: Sendable, Hashable {
        /// A cookie; `ttl` nil makes it a session cookie.
        case cookie(name: String, ttl: Duration?, path: String)
        /// A request/response header.
        case header(name: String)
    }

    public var carrier: Carrier

    public init(_ carrier: Carrier) {
        self.carrier = carrier
    }
}

/// How a cluster chooses among its endpoints (`lb_policy`).
public enum LoadBalancer: Sendable, Hashable {
    case roundRobin
    /// Envoy's power-of-`choiceCount` choices (default 2).
    case leastRequest(choiceCount: UInt32?)
    case random
    /// Consistent hashing on the route's hash policies.
    case ringHash(minimumRingSize: UInt64?, maximumRingSize: UInt64?)
    /// Consistent hashing with a fixed table; `tableSize` must be prime.
    case maglev(tableSize: UInt64?)
}

/// Limits on what one Envoy sends to a cluster at once; over them Envoy answers 503 (overflow).
/// Nil fields keep Envoy's defaults (1024 each, 3 retries).
public struct CircuitBreakers: Sendable, Hashable {
    public var maxConnections: UInt32?
    public var maxPendingRequests: UInt32?
    public var maxRequests: UInt32?
    public var maxRetries: UInt32?

    public init(maxConnections: UInt32? = nil, maxPendingRequests: UInt32? = nil, maxRequests: UInt32? = nil, maxRetries: UInt32? = nil) {
        self.maxConnections = maxConnections
        self.maxPendingRequests = maxPendingRequests
        self.maxRequests = maxRequests
        self.maxRetries = maxRetries
    }
}

/// Passive health checking: an endpoint that fails `consecutive5xx` times in a row is
/// ejected for `baseEjectionTime` (times the number of ejections), never more than
/// `maxEjectionPercent` of the cluster at once. Nil fields keep Envoy's defaults.
public struct OutlierDetection: Sendable, Hashable {
    public var consecutive5xx: UInt32?
    public var consecutiveGatewayFailure: UInt32?
    public var interval: Duration?
    public var baseEjectionTime: Duration?
    public var maxEjectionPercent: UInt32?

    public init(
        consecutive5xx: UInt32? = nil,
        consecutiveGatewayFailure: UInt32? = nil,
        interval: Duration? = nil,
        baseEjectionTime: Duration? = nil,
        maxEjectionPercent: UInt32? = nil
    ) {
        self.consecutive5xx = consecutive5xx
        self.consecutiveGatewayFailure = consecutiveGatewayFailure
        self.interval = interval
        self.baseEjectionTime = baseEjectionTime
        self.maxEjectionPercent = maxEjectionPercent
    }
}

/// Active health checking of every endpoint of a cluster.
public struct HealthCheck: Sendable, Hashable {
    public enum Probe: Sendable, Hashable {
        /// An HTTP GET of `path`; healthy when the status is in `expectedStatuses` (half-open
        /// ranges `[start, end)`; empty means 200 only).
        case http(path: String, host: String?, expectedStatuses: [Range<Int>])
        /// The gRPC health checking protocol. gRPC is HTTP/2 only, and Envoy refuses gRPC
        /// health checking of a cluster that does not speak HTTP/2, so the cluster speaks
        /// HTTP/2 to its endpoints even when `upstreamHTTP.http2` is nil.
        case grpc(serviceName: String?, authority: String?)
    }

    public var probe: Probe
    public var timeout: Duration
    public var interval: Duration
    public var unhealthyThreshold: UInt32
    public var healthyThreshold: UInt32

    public init(probe: Probe, timeout: Duration, interval: Duration, unhealthyThreshold: UInt32, healthyThreshold: UInt32) {
        self.probe = probe
        self.timeout = timeout
        self.interval = interval
        self.unhealthyThreshold = unhealthyThreshold
        self.healthyThreshold = healthyThreshold
    }
}

/// Upstream HTTP settings (`envoy.extensions.upstreams.http.v3.HttpProtocolOptions`).
public struct UpstreamHTTPOptions: Sendable, Hashable {
    /// Close an upstream connection after this many requests.
    public var maxRequestsPerConnection: UInt32?
    /// Close an upstream connection idle this long.
    public var idleTimeout: Duration?
    public var maxConnectionDuration: Duration?
    public var maxHeadersCount: UInt32?
    /// Speak HTTP/2 to the endpoints (h2c, or h2 over TLS), with these options; nil is HTTP/1.1.
    public var http2: HTTP2Options?

    public init(
        maxRequestsPerConnection: UInt32? = nil,
        idleTimeout: Duration? = nil,
        maxConnectionDuration: Duration? = nil,
        maxHeadersCount: UInt32? = nil,
        http2: HTTP2Options? = nil
    ) {
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.idleTimeout = idleTimeout
        self.maxConnectionDuration = maxConnectionDuration
        self.maxHeadersCount = maxHeadersCount
        self.http2 = http2
    }
}

/// HTTP/2 settings toward the endpoints; nil fields keep Envoy's defaults.
public struct HTTP2Options: Sendable, Hashable {
    public var maxConcurrentStreams: UInt32?
    public var initialStreamWindowSize: UInt32?
    public var initialConnectionWindowSize: UInt32?

    public init(maxConcurrentStreams: UInt32? = nil, initialStreamWindowSize: UInt32? = nil, initialConnectionWindowSize: UInt32? = nil) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.initialStreamWindowSize = initialStreamWindowSize
        self.initialConnectionWindowSize = initialConnectionWindowSize
    }
}
