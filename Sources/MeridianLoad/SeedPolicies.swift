// The policy kinds of group `kgateway.dev/v1alpha1` that the seed documents (real users'
// manifests) are written in. They predate kgateway's `gateway.kgateway.dev` API; their
// fields are named here exactly as in those documents.

/// The API group and version of the seed documents' policy kinds.
let seedPolicyAPIVersion = "kgateway.dev/v1alpha1"

/// A `RetryPolicy` (`kgateway.dev/v1alpha1`), referenced from an HTTPRoute rule's `ExtensionRef` filter.
/// (Named so as not to clash with `MeridianIR.RetryPolicy`.)
public typealias KgatewayRetryPolicy = CustomResource<RetryPolicySpec>
/// A `CircuitBreakerPolicy` (`kgateway.dev/v1alpha1`).
public typealias CircuitBreakerPolicy = CustomResource<CircuitBreakerPolicySpec>
/// A `RateLimitPolicy` (`kgateway.dev/v1alpha1`).
public typealias RateLimitPolicy = CustomResource<RateLimitPolicySpec>
/// A `ConnectionPoolSettings` (`kgateway.dev/v1alpha1`).
public typealias ConnectionPoolSettings = CustomResource<ConnectionPoolSettingsSpec>
/// A `GatewayClassConfig` (`kgateway.dev/v1alpha1`), the target of a GatewayClass's `parametersRef`.
public typealias GatewayClassConfig = CustomResource<GatewayClassConfigSpec>

/// How requests are retried. Applies where an HTTPRoute rule's `ExtensionRef` filter names it.
public struct RetryPolicySpec: CustomResourceSpec {
    /// `RetryPolicy`.
    public static let kind = "RetryPolicy"
    /// `kgateway.dev/v1alpha1`.
    public static let apiVersions = [seedPolicyAPIVersion]
    /// `LoadedConfiguration.retryPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.retryPolicies }

    /// How many times a request is retried (not counting the first attempt).
    public var numRetries: Int?
    /// Envoy `retry_on` conditions, e.g. `5xx`, `reset`, `connect-failure`.
    public var retryOn: [RetryOnCondition]?
    /// Timeout of each attempt.
    public var perTryTimeout: GatewayAPIDuration?
    /// Back-off between attempts.
    public var retryBackOff: RetryBackOff?

    /// Memberwise initializer.
    public init(numRetries: Int? = nil, retryOn: [RetryOnCondition]? = nil, perTryTimeout: GatewayAPIDuration? = nil, retryBackOff: RetryBackOff? = nil) {
        self.numRetries = numRetries
        self.retryOn = retryOn
        self.perTryTimeout = perTryTimeout
        self.retryBackOff = retryBackOff
    }

    /// Envoy's exponential back-off between retries.
    public struct RetryBackOff: Sendable, Hashable, Decodable {
        /// The base interval (Envoy's default is 25ms).
        public var baseInterval: GatewayAPIDuration?
        /// The longest interval (Envoy's default is 10 times the base interval).
        public var maxInterval: GatewayAPIDuration?

        /// Memberwise initializer.
        public init(baseInterval: GatewayAPIDuration? = nil, maxInterval: GatewayAPIDuration? = nil) {
            self.baseInterval = baseInterval
            self.maxInterval = maxInterval
        }
    }
}

/// Envoy's `retry_on` conditions for HTTP and gRPC (the set kgateway's `RetryOnCondition` allows).
public enum RetryOnCondition: String, KubernetesEnum {
    case fiveXX = "5xx"
    case gatewayError = "gateway-error"
    case reset = "reset"
    case resetBeforeRequest = "reset-before-request"
    case connectFailure = "connect-failure"
    case envoyRateLimited = "envoy-ratelimited"
    case retriable4xx = "retriable-4xx"
    case refusedStream = "refused-stream"
    case retriableStatusCodes = "retriable-status-codes"
    case http3PostConnectFailure = "http3-post-connect-failure"
    case cancelled = "cancelled"
    case deadlineExceeded = "deadline-exceeded"
    case `internal` = "internal"
    case resourceExhausted = "resource-exhausted"
    case unavailable = "unavailable"
}

/// Connection and request limits plus passive health checking for the targeted Services.
public struct CircuitBreakerPolicySpec: CustomResourceSpec {
    /// `CircuitBreakerPolicy`.
    public static let kind = "CircuitBreakerPolicy"
    /// `kgateway.dev/v1alpha1`.
    public static let apiVersions = [seedPolicyAPIVersion]
    /// `LoadedConfiguration.circuitBreakerPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.circuitBreakerPolicies }

    /// The Services (or other backends) the policy applies to.
    public var targetRefs: [PolicyTargetReference]?
    /// Maximum concurrent connections to the backend.
    public var maxConnections: Int?
    /// Maximum requests waiting for a connection.
    public var maxPendingRequests: Int?
    /// Maximum concurrent requests.
    public var maxRequests: Int?
    /// Consecutive errors (5xx) after which an endpoint is ejected.
    public var consecutiveErrors: Int?
    /// How often ejection is analysed.
    public var interval: GatewayAPIDuration?
    /// The largest share of endpoints ejected at once, 0-100.
    public var maxEjectionPercent: Int?

    /// Memberwise initializer.
    public init(
        targetRefs: [PolicyTargetReference]? = nil, maxConnections: Int? = nil, maxPendingRequests: Int? = nil, maxRequests: Int? = nil,
        consecutiveErrors: Int? = nil, interval: GatewayAPIDuration? = nil, maxEjectionPercent: Int? = nil
    ) {
        self.targetRefs = targetRefs
        self.maxConnections = maxConnections
        self.maxPendingRequests = maxPendingRequests
        self.maxRequests = maxRequests
        self.consecutiveErrors = consecutiveErrors
        self.interval = interval
        self.maxEjectionPercent = maxEjectionPercent
    }
}

/// Local rate limits (each Envoy counts on its own) for the targeted routes or Gateways.
public struct RateLimitPolicySpec: CustomResourceSpec {
    /// `RateLimitPolicy`.
    public static let kind = "RateLimitPolicy"
    /// `kgateway.dev/v1alpha1`.
    public static let apiVersions = [seedPolicyAPIVersion]
    /// `LoadedConfiguration.rateLimitPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.rateLimitPolicies }

    /// What the policy applies to (HTTPRoutes, Gateways).
    public var targetRefs: [PolicyTargetReference]?
    /// The bucket every request takes a token from.
    public var local: Local?
    /// Separate limits per value of request properties (e.g. one bucket per tenant header value).
    public var descriptors: [Descriptor]?

    /// Memberwise initializer.
    public init(targetRefs: [PolicyTargetReference]? = nil, local: Local? = nil, descriptors: [Descriptor]? = nil) {
        self.targetRefs = targetRefs
        self.local = local
        self.descriptors = descriptors
    }

    /// The policy's shared token bucket.
    public struct Local: Sendable, Hashable, Decodable {
        /// The bucket.
        public var tokenBucket: RateLimitTokenBucket?

        /// Memberwise initializer.
        public init(tokenBucket: RateLimitTokenBucket? = nil) {
            self.tokenBucket = tokenBucket
        }
    }

    /// A limit applying separately to each combination of the entries' values.
    public struct Descriptor: Sendable, Hashable, Decodable {
        /// The request properties whose values select a bucket.
        public var entries: [Entry]
        /// How many requests each combination may make.
        public var limit: Limit

        /// Memberwise initializer.
        public init(entries: [Entry], limit: Limit) {
            self.entries = entries
            self.limit = limit
        }
    }

    /// A descriptor entry: the request header named `key`.
    public struct Entry: Sendable, Hashable, Decodable {
        /// The request header name (e.g. `x-tenant-id`).
        public var key: String

        /// Memberwise initializer.
        public init(key: String) {
            self.key = key
        }
    }

    /// A number of requests per unit of time.
    public struct Limit: Sendable, Hashable, Decodable {
        /// Requests allowed per `unit` (at least 1).
        public var requestsPerUnit: Int
        /// The unit of time.
        public var unit: TimeUnit

        /// Memberwise initializer.
        public init(requestsPerUnit: Int, unit: TimeUnit) {
            self.requestsPerUnit = requestsPerUnit
            self.unit = unit
        }
    }

    /// Units of a rate limit.
    public enum TimeUnit: String, KubernetesEnum {
        case second = "SECOND"
        case minute = "MINUTE"
        case hour = "HOUR"
        case day = "DAY"
    }
}

/// A token bucket: `maxTokens` to start with and at most, `tokensPerFill` added every
/// `fillInterval` (kgateway's `TokenBucket`; named so as not to clash with `MeridianIR.TokenBucket`).
public struct RateLimitTokenBucket: Sendable, Hashable, Decodable {
    /// Capacity of the bucket (burst size), at least 1.
    public var maxTokens: Int
    /// Tokens added per fill (kgateway's default is 1).
    public var tokensPerFill: Int?
    /// Time between fills (at least 50ms).
    public var fillInterval: GatewayAPIDuration

    /// Memberwise initializer.
    public init(maxTokens: Int, tokensPerFill: Int? = nil, fillInterval: GatewayAPIDuration) {
        self.maxTokens = maxTokens
        self.tokensPerFill = tokensPerFill
        self.fillInterval = fillInterval
    }
}

/// Connection pool limits for the targeted Services.
public struct ConnectionPoolSettingsSpec: CustomResourceSpec {
    /// `ConnectionPoolSettings`.
    public static let kind = "ConnectionPoolSettings"
    /// `kgateway.dev/v1alpha1`.
    public static let apiVersions = [seedPolicyAPIVersion]
    /// `LoadedConfiguration.connectionPoolSettings`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.connectionPoolSettings }

    /// The Services (or other backends) the settings apply to.
    public var targetRefs: [PolicyTargetReference]?
    /// TCP-level settings.
    public var tcp: TCP?
    /// HTTP-level settings.
    public var http: HTTP?

    /// Memberwise initializer.
    public init(targetRefs: [PolicyTargetReference]? = nil, tcp: TCP? = nil, http: HTTP? = nil) {
        self.targetRefs = targetRefs
        self.tcp = tcp
        self.http = http
    }

    /// TCP connection settings.
    public struct TCP: Sendable, Hashable, Decodable {
        /// Maximum concurrent connections to the backend.
        public var maxConnections: Int?
        /// Timeout for establishing a connection.
        public var connectTimeout: GatewayAPIDuration?

        /// Memberwise initializer.
        public init(maxConnections: Int? = nil, connectTimeout: GatewayAPIDuration? = nil) {
            self.maxConnections = maxConnections
            self.connectTimeout = connectTimeout
        }
    }

    /// HTTP connection settings.
    public struct HTTP: Sendable, Hashable, Decodable {
        /// Whether connections to the backend use HTTP/2.
        public var h2UpgradePolicy: H2UpgradePolicy?
        /// Requests per connection before it is closed.
        public var maxRequestsPerConnection: Int?
        /// Maximum concurrent retries to the backend.
        public var maxRetries: Int?

        /// Memberwise initializer.
        public init(h2UpgradePolicy: H2UpgradePolicy? = nil, maxRequestsPerConnection: Int? = nil, maxRetries: Int? = nil) {
            self.h2UpgradePolicy = h2UpgradePolicy
            self.maxRequestsPerConnection = maxRequestsPerConnection
            self.maxRetries = maxRetries
        }
    }

    /// Whether HTTP/1.1 connections to the backend are upgraded to HTTP/2 (Istio's vocabulary).
    public enum H2UpgradePolicy: String, KubernetesEnum {
        /// The implementation's default (HTTP/1.1 for Meridian).
        case `default` = "DEFAULT"
        /// Keep HTTP/1.1.
        case doNotUpgrade = "DO_NOT_UPGRADE"
        /// Speak HTTP/2 to the backend.
        case upgrade = "UPGRADE"
    }
}

/// Parameters of a GatewayClass (its `parametersRef`). Cluster-scoped, like the reference
/// that names it without a namespace.
public struct GatewayClassConfigSpec: CustomResourceSpec {
    /// `GatewayClassConfig`.
    public static let kind = "GatewayClassConfig"
    /// `kgateway.dev/v1alpha1`.
    public static let apiVersions = [seedPolicyAPIVersion]
    /// Cluster-scoped.
    public static let isNamespaced = false
    /// `LoadedConfiguration.gatewayClassConfigs`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.gatewayClassConfigs }

    /// How proxies would be deployed. Meridian does not deploy proxies, so this has no effect;
    /// it is kept so the translator can say so.
    public var proxy: Proxy?
    /// Connection settings for every Gateway of the class.
    public var connectionSettings: ConnectionSettings?

    /// Memberwise initializer.
    public init(proxy: Proxy? = nil, connectionSettings: ConnectionSettings? = nil) {
        self.proxy = proxy
        self.connectionSettings = connectionSettings
    }

    /// Proxy deployment settings (not applied by Meridian).
    public struct Proxy: Sendable, Hashable, Decodable {
        /// Number of proxy replicas.
        public var replicas: Int?
        /// Container resource requests and limits.
        public var resources: Resources?

        /// Memberwise initializer.
        public init(replicas: Int? = nil, resources: Resources? = nil) {
            self.replicas = replicas
            self.resources = resources
        }
    }

    /// Kubernetes container resources, e.g. `requests: {cpu: "1", memory: 2Gi}`.
    public struct Resources: Sendable, Hashable, Decodable {
        /// Resource requests by name.
        public var requests: [String: KubernetesQuantity]?
        /// Resource limits by name.
        public var limits: [String: KubernetesQuantity]?

        /// Memberwise initializer.
        public init(requests: [String: KubernetesQuantity]? = nil, limits: [String: KubernetesQuantity]? = nil) {
            self.requests = requests
            self.limits = limits
        }
    }

    /// Connection settings applied to the class's Gateways.
    public struct ConnectionSettings: Sendable, Hashable, Decodable {
        /// Maximum concurrent connections.
        public var maxConnections: Int?
        /// Timeout for establishing upstream connections.
        public var connectTimeout: GatewayAPIDuration?
        /// Idle timeout of connections.
        public var idleTimeout: GatewayAPIDuration?

        /// Memberwise initializer.
        public init(maxConnections: Int? = nil, connectTimeout: GatewayAPIDuration? = nil, idleTimeout: GatewayAPIDuration? = nil) {
            self.maxConnections = maxConnections
            self.connectTimeout = connectTimeout
            self.idleTimeout = idleTimeout
        }
    }
}
