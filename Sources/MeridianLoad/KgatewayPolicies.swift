// kgateway's own kinds (group `gateway.kgateway.dev/v1alpha1`), with the fields Meridian
// implements, named exactly as in kgateway's `api/v1alpha1` Go types. Fields kgateway has
// and Meridian does not implement are refused by name (`unsupportedFields`), never dropped.

/// kgateway's API group and version.
let kgatewayAPIVersion = "gateway.kgateway.dev/v1alpha1"

/// A kgateway `TrafficPolicy`.
public typealias TrafficPolicy = CustomResource<TrafficPolicySpec>
/// A kgateway `Backend`.
public typealias KgatewayBackend = CustomResource<BackendSpec>
/// A kgateway `DirectResponse`.
public typealias DirectResponse = CustomResource<DirectResponseSpec>

/// Route-level behaviour for the targeted Gateways, listeners and HTTPRoutes.
public struct TrafficPolicySpec: CustomResourceSpec {
    /// `TrafficPolicy`.
    public static let kind = "TrafficPolicy"
    /// `gateway.kgateway.dev/v1alpha1`.
    public static let apiVersions = [kgatewayAPIVersion]
    /// `LoadedConfiguration.trafficPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.trafficPolicies }

    /// What the policy applies to, by reference (at most 16).
    public var targetRefs: [PolicyTargetReference]?
    /// What the policy applies to, by labels.
    public var targetSelectors: [PolicyTargetSelector]?
    /// Request timeouts.
    public var timeouts: Timeouts?
    /// How requests are retried.
    public var retry: Retry?
    /// Rate limits.
    public var rateLimit: RateLimit?

    /// Memberwise initializer.
    public init(
        targetRefs: [PolicyTargetReference]? = nil, targetSelectors: [PolicyTargetSelector]? = nil,
        timeouts: Timeouts? = nil, retry: Retry? = nil, rateLimit: RateLimit? = nil
    ) {
        self.targetRefs = targetRefs
        self.targetSelectors = targetSelectors
        self.timeouts = timeouts
        self.retry = retry
        self.rateLimit = rateLimit
    }

    /// kgateway's `Timeouts`.
    public struct Timeouts: Sendable, Hashable, Decodable {
        /// Timeout of the whole request to the backend; zero disables it.
        public var request: GatewayAPIDuration?
        /// Timeout of an idle stream; zero disables it.
        public var streamIdle: GatewayAPIDuration?

        /// Memberwise initializer.
        public init(request: GatewayAPIDuration? = nil, streamIdle: GatewayAPIDuration? = nil) {
            self.request = request
            self.streamIdle = streamIdle
        }
    }

    /// kgateway's `Retry`; `retryOn` or `statusCodes` must be set.
    public struct Retry: Sendable, Hashable, Decodable {
        /// Envoy `retry_on` conditions.
        public var retryOn: [RetryOnCondition]?
        /// Retries after the first attempt (kgateway's default is 1; 0 disables retries).
        public var attempts: Int?
        /// Timeout of each attempt (at least 1ms, less than `timeouts.request`).
        public var perTryTimeout: GatewayAPIDuration?
        /// HTTP statuses (400-599) also retried.
        public var statusCodes: [Int]?
        /// Base interval of the jittered exponential back-off (kgateway's default is 25ms).
        public var backoffBaseInterval: GatewayAPIDuration?

        /// Memberwise initializer.
        public init(
            retryOn: [RetryOnCondition]? = nil, attempts: Int? = nil, perTryTimeout: GatewayAPIDuration? = nil,
            statusCodes: [Int]? = nil, backoffBaseInterval: GatewayAPIDuration? = nil
        ) {
            self.retryOn = retryOn
            self.attempts = attempts
            self.perTryTimeout = perTryTimeout
            self.statusCodes = statusCodes
            self.backoffBaseInterval = backoffBaseInterval
        }
    }

    /// kgateway's `RateLimit`; only local rate limiting is supported (`global` is refused).
    public struct RateLimit: Sendable, Hashable, Decodable {
        /// Local rate limiting.
        public var local: LocalRateLimit?

        /// Memberwise initializer.
        public init(local: LocalRateLimit? = nil) {
            self.local = local
        }
    }

    /// kgateway's `LocalRateLimitPolicy`.
    public struct LocalRateLimit: Sendable, Hashable, Decodable {
        /// The token bucket.
        public var tokenBucket: RateLimitTokenBucket?

        /// Memberwise initializer.
        public init(tokenBucket: RateLimitTokenBucket? = nil) {
            self.tokenBucket = tokenBucket
        }
    }
}

/// A backend that is not a Kubernetes Service; only the `Static` type (fixed hosts) is supported.
public struct BackendSpec: CustomResourceSpec {
    /// `Backend`.
    public static let kind = "Backend"
    /// `gateway.kgateway.dev/v1alpha1`.
    public static let apiVersions = [kgatewayAPIVersion]
    /// `LoadedConfiguration.backends`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.backends }

    /// The backend type (deprecated in kgateway, where it is inferred from the configuration).
    public var type: BackendType?
    /// The fixed hosts.
    public var `static`: StaticBackend?

    /// Memberwise initializer.
    public init(type: BackendType? = nil, static: StaticBackend? = nil) {
        self.type = type
        self.static = `static`
    }

    /// Backend types; only `Static` is supported by Meridian.
    public enum BackendType: String, KubernetesEnum {
        case `static` = "Static"
    }

    /// kgateway's `StaticBackend`.
    public struct StaticBackend: Sendable, Hashable, Decodable {
        /// The hosts (at least one).
        public var hosts: [Host]
        /// The protocol spoken to the hosts; HTTP/1.1 when not set.
        public var appProtocol: AppProtocol?

        /// Memberwise initializer.
        public init(hosts: [Host], appProtocol: AppProtocol? = nil) {
            self.hosts = hosts
            self.appProtocol = appProtocol
        }
    }

    /// A host name or IP address and a port.
    public struct Host: Sendable, Hashable, Decodable {
        /// Host name or IP address.
        public var host: String
        /// Port, 1-65535.
        public var port: Int

        /// Memberwise initializer.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// kgateway's `AppProtocol`.
    public enum AppProtocol: String, KubernetesEnum {
        case http2 = "http2"
        case grpc = "grpc"
        case grpcWeb = "grpc-web"
        case kubernetesH2C = "kubernetes.io/h2c"
        case kubernetesWebSocket = "kubernetes.io/ws"
    }
}

/// A fixed response, used from an HTTPRoute rule's `ExtensionRef` filter.
public struct DirectResponseSpec: CustomResourceSpec {
    /// `DirectResponse`.
    public static let kind = "DirectResponse"
    /// `gateway.kgateway.dev/v1alpha1`.
    public static let apiVersions = [kgatewayAPIVersion]
    /// `LoadedConfiguration.directResponses`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.directResponses }

    /// The HTTP status, 200-599.
    public var status: Int
    /// The response body (1 to 4096 characters); no body when absent.
    public var body: String?

    /// Memberwise initializer.
    public init(status: Int, body: String? = nil) {
        self.status = status
        self.body = body
    }
}
