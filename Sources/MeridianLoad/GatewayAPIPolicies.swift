// Gateway API's own resilience fields: HTTPRoute rule retries (GEP-1731) and session
// persistence (GEP-1619), and the BackendLBPolicy kind.

/// A Gateway API `BackendLBPolicy` (`gateway.networking.k8s.io/v1alpha2`).
public typealias BackendLBPolicy = CustomResource<BackendLBPolicySpec>

/// An HTTPRoute rule's `retry` (GEP-1731).
public struct HTTPRouteRetry: Sendable, Hashable, Decodable {
    /// HTTP statuses (400-599) that are retried.
    public var codes: [Int]?
    /// Maximum number of retries; 0 disables retrying.
    public var attempts: Int?
    /// Minimum time between retries.
    public var backoff: GatewayAPIDuration?

    /// Memberwise initializer.
    public init(codes: [Int]? = nil, attempts: Int? = nil, backoff: GatewayAPIDuration? = nil) {
        self.codes = codes
        self.attempts = attempts
        self.backoff = backoff
    }
}

/// Gateway API's `SessionPersistence` (GEP-1619), on an HTTPRoute rule or a BackendLBPolicy.
/// (Named so as not to clash with `MeridianIR.SessionPersistence`.)
public struct GatewayAPISessionPersistence: Sendable, Hashable, Decodable {
    /// Name of the cookie or header carrying the session (at most 128 characters).
    public var sessionName: String?
    /// How long a session lasts at most; required for a `Permanent` cookie.
    public var absoluteTimeout: GatewayAPIDuration?
    /// How long a session lasts without requests.
    public var idleTimeout: GatewayAPIDuration?
    /// What carries the session; `Cookie` when not written.
    public var type: SessionPersistenceType?
    /// Cookie settings, for `type: Cookie`.
    public var cookieConfig: CookieConfig?

    /// Memberwise initializer.
    public init(
        sessionName: String? = nil, absoluteTimeout: GatewayAPIDuration? = nil, idleTimeout: GatewayAPIDuration? = nil,
        type: SessionPersistenceType? = nil, cookieConfig: CookieConfig? = nil
    ) {
        self.sessionName = sessionName
        self.absoluteTimeout = absoluteTimeout
        self.idleTimeout = idleTimeout
        self.type = type
        self.cookieConfig = cookieConfig
    }

    /// What carries a session.
    public enum SessionPersistenceType: String, KubernetesEnum {
        case cookie = "Cookie"
        case header = "Header"
    }

    /// Gateway API's `CookieConfig`.
    public struct CookieConfig: Sendable, Hashable, Decodable {
        /// `Session` (the default: a cookie without expiry) or `Permanent` (expires after `absoluteTimeout`).
        public var lifetimeType: LifetimeType?

        /// Memberwise initializer.
        public init(lifetimeType: LifetimeType? = nil) {
            self.lifetimeType = lifetimeType
        }
    }

    /// Cookie lifetimes.
    public enum LifetimeType: String, KubernetesEnum {
        case permanent = "Permanent"
        case session = "Session"
    }
}

/// How traffic to the targeted Services is balanced: session persistence, and (seed 09) a
/// fallback backend.
public struct BackendLBPolicySpec: CustomResourceSpec {
    /// `BackendLBPolicy`.
    public static let kind = "BackendLBPolicy"
    /// `gateway.networking.k8s.io/v1alpha2`.
    public static let apiVersions = ["gateway.networking.k8s.io/v1alpha2"]
    /// `LoadedConfiguration.backendLBPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.backendLBPolicies }

    /// The Services the policy applies to (1 to 16).
    public var targetRefs: [PolicyTargetReference]
    /// Sticky sessions for the targets.
    public var sessionPersistence: GatewayAPISessionPersistence?
    /// `spec.default` as seed 09 writes it: a backend that takes traffic when the targets'
    /// endpoints are unhealthy. Not Gateway API; the translator maps it to a priority-1 failover.
    public var fallback: Fallback?

    /// Memberwise initializer.
    public init(targetRefs: [PolicyTargetReference], sessionPersistence: GatewayAPISessionPersistence? = nil, fallback: Fallback? = nil) {
        self.targetRefs = targetRefs
        self.sessionPersistence = sessionPersistence
        self.fallback = fallback
    }

    private enum CodingKeys: String, CodingKey {
        case targetRefs, sessionPersistence
        case fallback = "default"
    }

    /// `spec.default`: the fallback backend.
    public struct Fallback: Sendable, Hashable, Decodable {
        /// The backend used when the targets have no healthy endpoint.
        public var backendRef: FallbackBackendReference

        /// Memberwise initializer.
        public init(backendRef: FallbackBackendReference) {
            self.backendRef = backendRef
        }
    }

    /// A backend in the policy's namespace; `port` is required for Services.
    public struct FallbackBackendReference: Sendable, Hashable, Decodable {
        /// API group; the core group (`""`) when not written.
        public var group: String?
        /// Kind; `Service` when not written.
        public var kind: String?
        /// Name of the backend.
        public var name: String
        /// Port of the backend.
        public var port: Int?

        /// Memberwise initializer.
        public init(group: String? = nil, kind: String? = nil, name: String, port: Int? = nil) {
            self.group = group
            self.kind = kind
            self.name = name
            self.port = port
        }
    }
}
