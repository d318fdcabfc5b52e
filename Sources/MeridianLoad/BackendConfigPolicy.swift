// kgateway's BackendConfigPolicy: how Envoy connects to the targeted Services and Backends.
// Field names are exactly those of kgateway's `api/v1alpha1` Go types.

/// A kgateway `BackendConfigPolicy`.
public typealias BackendConfigPolicy = CustomResource<BackendConfigPolicySpec>

/// Connection, load-balancing and health settings for the targeted Services or Backends.
public struct BackendConfigPolicySpec: CustomResourceSpec {
    /// `BackendConfigPolicy`.
    public static let kind = "BackendConfigPolicy"
    /// `gateway.kgateway.dev/v1alpha1`.
    public static let apiVersions = [kgatewayAPIVersion]
    /// `LoadedConfiguration.backendConfigPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.backendConfigPolicies }

    /// Services (group `""`) or Backends (group `gateway.kgateway.dev`) the policy applies to.
    public var targetRefs: [PolicyTargetReference]?
    /// Services or Backends selected by labels.
    public var targetSelectors: [PolicyTargetSelector]?
    /// Timeout for establishing a connection.
    public var connectTimeout: GatewayAPIDuration?
    /// Soft limit on each connection's read and write buffers, in bytes.
    public var perConnectionBufferLimitBytes: Int?
    /// HTTP options for HTTP/1 and HTTP/2 connections.
    public var commonHttpProtocolOptions: CommonHttpProtocolOptions?
    /// Speak HTTP/2 to the backend, with these options.
    public var http2ProtocolOptions: Http2ProtocolOptions?
    /// The load balancing algorithm.
    public var loadBalancer: LoadBalancer?
    /// Active health checking.
    public var healthCheck: HealthCheck?
    /// Passive health checking.
    public var outlierDetection: OutlierDetection?
    /// Circuit breaker thresholds.
    public var circuitBreakers: CircuitBreakers?

    /// Memberwise initializer.
    public init(
        targetRefs: [PolicyTargetReference]? = nil, targetSelectors: [PolicyTargetSelector]? = nil,
        connectTimeout: GatewayAPIDuration? = nil, perConnectionBufferLimitBytes: Int? = nil,
        commonHttpProtocolOptions: CommonHttpProtocolOptions? = nil, http2ProtocolOptions: Http2ProtocolOptions? = nil,
        loadBalancer: LoadBalancer? = nil, healthCheck: HealthCheck? = nil,
        outlierDetection: OutlierDetection? = nil, circuitBreakers: CircuitBreakers? = nil
    ) {
        self.targetRefs = targetRefs
        self.targetSelectors = targetSelectors
        self.connectTimeout = connectTimeout
        self.perConnectionBufferLimitBytes = perConnectionBufferLimitBytes
        self.commonHttpProtocolOptions = commonHttpProtocolOptions
        self.http2ProtocolOptions = http2ProtocolOptions
        self.loadBalancer = loadBalancer
        self.healthCheck = healthCheck
        self.outlierDetection = outlierDetection
        self.circuitBreakers = circuitBreakers
    }

    /// kgateway's `CommonHttpProtocolOptions`.
    public struct CommonHttpProtocolOptions: Sendable, Hashable, Decodable {
        /// Close connections idle this long (kgateway's default is 1h; zero disables it).
        public var idleTimeout: GatewayAPIDuration?
        /// Close connections this long after they were established.
        public var maxConnectionDuration: GatewayAPIDuration?
        /// Maximum number of response headers accepted from the backend.
        public var maxHeadersCount: Int?
        /// Requests per connection before it is closed (0 or absent: unlimited).
        public var maxRequestsPerConnection: Int?

        /// Memberwise initializer.
        public init(
            idleTimeout: GatewayAPIDuration? = nil, maxConnectionDuration: GatewayAPIDuration? = nil,
            maxHeadersCount: Int? = nil, maxRequestsPerConnection: Int? = nil
        ) {
            self.idleTimeout = idleTimeout
            self.maxConnectionDuration = maxConnectionDuration
            self.maxHeadersCount = maxHeadersCount
            self.maxRequestsPerConnection = maxRequestsPerConnection
        }
    }

    /// kgateway's `Http2ProtocolOptions`.
    public struct Http2ProtocolOptions: Sendable, Hashable, Decodable {
        /// Initial stream window, 65535 to 2147483647 bytes (e.g. `64Ki`).
        public var initialStreamWindowSize: KubernetesQuantity?
        /// Initial connection window, 65535 to 2147483647 bytes.
        public var initialConnectionWindowSize: KubernetesQuantity?
        /// Maximum concurrent streams per connection (1 or more).
        public var maxConcurrentStreams: Int?

        /// Memberwise initializer.
        public init(
            initialStreamWindowSize: KubernetesQuantity? = nil, initialConnectionWindowSize: KubernetesQuantity? = nil,
            maxConcurrentStreams: Int? = nil
        ) {
            self.initialStreamWindowSize = initialStreamWindowSize
            self.initialConnectionWindowSize = initialConnectionWindowSize
            self.maxConcurrentStreams = maxConcurrentStreams
        }
    }

    /// kgateway's `CircuitBreakers` (at least one field must be set).
    public struct CircuitBreakers: Sendable, Hashable, Decodable {
        /// Maximum connections (at least 1).
        public var maxConnections: Int?
        /// Maximum pending requests (at least 1).
        public var maxPendingRequests: Int?
        /// Maximum parallel requests (at least 1).
        public var maxRequests: Int?
        /// Maximum parallel retries (0 or more).
        public var maxRetries: Int?

        /// Memberwise initializer.
        public init(maxConnections: Int? = nil, maxPendingRequests: Int? = nil, maxRequests: Int? = nil, maxRetries: Int? = nil) {
            self.maxConnections = maxConnections
            self.maxPendingRequests = maxPendingRequests
            self.maxRequests = maxRequests
            self.maxRetries = maxRetries
        }
    }

    /// kgateway's `OutlierDetection`.
    public struct OutlierDetection: Sendable, Hashable, Decodable {
        /// Consecutive 5xx responses before ejection (kgateway's default is 5; 0 disables it).
        public var consecutive5xx: Int?
        /// Time between ejection sweeps (default 10s, at least 1ms).
        public var interval: GatewayAPIDuration?
        /// Base ejection time (default 30s, at least 1ms).
        public var baseEjectionTime: GatewayAPIDuration?
        /// The largest share of endpoints ejected at once, 0-100 (default 10).
        public var maxEjectionPercent: Int?

        /// Memberwise initializer.
        public init(
            consecutive5xx: Int? = nil, interval: GatewayAPIDuration? = nil,
            baseEjectionTime: GatewayAPIDuration? = nil, maxEjectionPercent: Int? = nil
        ) {
            self.consecutive5xx = consecutive5xx
            self.interval = interval
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
        }
    }

    /// kgateway's `HealthCheck`: exactly one of `http` and `grpc`.
    public struct HealthCheck: Sendable, Hashable, Decodable {
        /// Time to wait for a response.
        public var timeout: GatewayAPIDuration
        /// Time between checks.
        public var interval: GatewayAPIDuration
        /// Failed checks before an endpoint is unhealthy.
        public var unhealthyThreshold: Int
        /// Successful checks before an endpoint is healthy again.
        public var healthyThreshold: Int
        /// An HTTP check.
        public var http: HTTP?
        /// A gRPC health check.
        public var grpc: GRPC?

        /// Memberwise initializer.
        public init(
            timeout: GatewayAPIDuration, interval: GatewayAPIDuration, unhealthyThreshold: Int, healthyThreshold: Int,
            http: HTTP? = nil, grpc: GRPC? = nil
        ) {
            self.timeout = timeout
            self.interval = interval
            self.unhealthyThreshold = unhealthyThreshold
            self.healthyThreshold = healthyThreshold
            self.http = http
            self.grpc = grpc
        }

        /// kgateway's `HealthCheckHttp`.
        public struct HTTP: Sendable, Hashable, Decodable {
            /// Host header of the check; the cluster name when absent.
            public var host: String?
            /// The path requested.
            public var path: String
            /// The method; GET when absent.
            public var method: HTTPMethod?

            /// Memberwise initializer.
            public init(host: String? = nil, path: String, method: HTTPMethod? = nil) {
                self.host = host
                self.path = path
                self.method = method
            }
        }

        /// kgateway's `HealthCheckGrpc`.
        public struct GRPC: Sendable, Hashable, Decodable {
            /// The service to check; the whole server when absent.
            public var serviceName: String?
            /// The `:authority` of the check; the cluster name when absent.
            public var authority: String?

            /// Memberwise initializer.
            public init(serviceName: String? = nil, authority: String? = nil) {
                self.serviceName = serviceName
                self.authority = authority
            }
        }
    }
}

extension HTTPMethod: KubernetesEnum {}
