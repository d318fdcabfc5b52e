import MeridianIR

/// One mergeable field of a settings type: policies are merged field by field, so a
/// more specific policy that sets `retry` leaves a less specific one's `timeout` in effect.
struct SettingsField<Settings>: Sendable {
    let name: String
    let isSet: @Sendable (Settings) -> Bool
    /// Copies this field from the first value into the second.
    let copy: @Sendable (Settings, inout Settings) -> Void

    init<Value>(_ name: String, _ keyPath: WritableKeyPath<Settings, Value?> & Sendable) {
        self.name = name
        isSet = { $0[keyPath: keyPath] != nil }
        copy = { source, target in target[keyPath: keyPath] = source[keyPath: keyPath] }
    }
}

/// Settings a policy contributes; every field optional, nil meaning "not set by this policy".
protocol PolicySettings: Hashable, Sendable {
    init()
    /// Built once per type (`static let`): asked for every rule of every route.
    static var fields: [SettingsField<Self>] { get }
}

extension PolicySettings {
    /// The names of the fields this value sets.
    var setFieldNames: [String] { Self.fields.filter { $0.isSet(self) }.map(\.name) }
    /// Asked for every rule of every route: checked without building the list of names.
    var isEmpty: Bool { !Self.fields.contains { $0.isSet(self) } }
}

/// What policies can set on the Envoy routes of a rule.
struct RouteSettings: PolicySettings {
    var timeout: Duration?
    var idleTimeout: Duration?
    /// Retry conditions, count, backoff and statuses; the per-try timeout is its own field,
    /// because the Gateway API sets it through `timeouts.backendRequest`, apart from retries.
    var retry: RetryPolicy?
    var perTryTimeout: Duration?
    var rateLimit: LocalRateLimit?
    var sessionPersistence: SessionPersistence?
    var hashPolicies: [HashPolicy]?
    /// The proxy answers by itself (kgateway's DirectResponse).
    var directResponse: DirectResponseAction?

    static let fields: [SettingsField<RouteSettings>] = [
        SettingsField("timeouts.request", \.timeout),
        SettingsField("timeouts.idle", \.idleTimeout),
        SettingsField("retry", \.retry),
        SettingsField("retry.perTryTimeout", \.perTryTimeout),
        SettingsField("rateLimit", \.rateLimit),
        SettingsField("sessionPersistence", \.sessionPersistence),
        SettingsField("hashPolicies", \.hashPolicies),
        SettingsField("directResponse", \.directResponse),
    ]
}

/// A status and body the proxy answers with.
struct DirectResponseAction: Hashable, Sendable {
    var status: Int
    var body: String
}

/// What policies can set on the Envoy cluster of a Service port (or Backend), plus what a
/// backend policy asks of the routes that send to it.
struct BackendSettings: PolicySettings {
    var connectTimeout: Duration?
    var loadBalancer: LoadBalancer?
    var maxConnections: UInt32?
    var maxPendingRequests: UInt32?
    var maxRequests: UInt32?
    var maxRetries: UInt32?
    var outlierDetection: OutlierDetection?
    var healthChecks: [HealthCheck]?
    var maxRequestsPerConnection: UInt32?
    var idleTimeout: Duration?
    var maxConnectionDuration: Duration?
    var maxHeadersCount: UInt32?
    var http2: HTTP2Options?
    /// Session persistence for every route sending to this backend (Gateway API BackendLBPolicy).
    var sessionPersistence: SessionPersistence?
    /// Hash policies for every route sending to this backend (ring hash / Maglev).
    var hashPolicies: [HashPolicy]?
    /// Endpoints that take over, at priority 1, when this backend's are unhealthy.
    var failover: FailoverTarget?

    static let fields: [SettingsField<BackendSettings>] = [
        SettingsField("connectTimeout", \.connectTimeout),
        SettingsField("loadBalancer", \.loadBalancer),
        SettingsField("circuitBreakers.maxConnections", \.maxConnections),
        SettingsField("circuitBreakers.maxPendingRequests", \.maxPendingRequests),
        SettingsField("circuitBreakers.maxRequests", \.maxRequests),
        SettingsField("circuitBreakers.maxRetries", \.maxRetries),
        SettingsField("outlierDetection", \.outlierDetection),
        SettingsField("healthCheck", \.healthChecks),
        SettingsField("http.maxRequestsPerConnection", \.maxRequestsPerConnection),
        SettingsField("http.idleTimeout", \.idleTimeout),
        SettingsField("http.maxConnectionDuration", \.maxConnectionDuration),
        SettingsField("http.maxHeadersCount", \.maxHeadersCount),
        SettingsField("http2", \.http2),
        SettingsField("sessionPersistence", \.sessionPersistence),
        SettingsField("hashPolicies", \.hashPolicies),
        SettingsField("fallback", \.failover),
    ]
}

/// A Service (in the policy's namespace) whose endpoints back up another's.
struct FailoverTarget: Hashable, Sendable {
    var namespace: String
    var name: String
    var port: Int?
}

extension BackendSettings {
    /// Applies the merged settings to a cluster; the route-side fields stay for the routes.
    func apply(to cluster: inout Cluster) {
        if let connectTimeout { cluster.connectTimeout = connectTimeout }
        if let loadBalancer { cluster.loadBalancer = loadBalancer }
        if maxConnections != nil || maxPendingRequests != nil || maxRequests != nil || maxRetries != nil {
            cluster.circuitBreakers = CircuitBreakers(
                maxConnections: maxConnections, maxPendingRequests: maxPendingRequests, maxRequests: maxRequests, maxRetries: maxRetries
            )
        }
        if let outlierDetection { cluster.outlierDetection = outlierDetection }
        if let healthChecks { cluster.healthChecks = healthChecks }
        if maxRequestsPerConnection != nil || idleTimeout != nil || maxConnectionDuration != nil || maxHeadersCount != nil || http2 != nil {
            var options = cluster.upstreamHTTP ?? UpstreamHTTPOptions()
            options.maxRequestsPerConnection = maxRequestsPerConnection ?? options.maxRequestsPerConnection
            options.idleTimeout = idleTimeout ?? options.idleTimeout
            options.maxConnectionDuration = maxConnectionDuration ?? options.maxConnectionDuration
            options.maxHeadersCount = maxHeadersCount ?? options.maxHeadersCount
            options.http2 = http2 ?? options.http2
            cluster.upstreamHTTP = options
        }
    }
}

extension RouteSettings {
    /// Applies the merged settings to an Envoy route.
    func apply(to route: inout Route) {
        if let timeout { route.timeout = timeout }
        if let idleTimeout { route.idleTimeout = idleTimeout }
        if var retry {
            retry.perTryTimeout = perTryTimeout ?? retry.perTryTimeout
            route.retry = retry
        } else if let perTryTimeout {
            // A per-try timeout without retries: one attempt, bounded (Gateway API backendRequest).
            route.retry = RetryPolicy(retryOn: [], numRetries: 0, perTryTimeout: perTryTimeout)
        }
        if let rateLimit { route.rateLimit = rateLimit }
        if let sessionPersistence { route.sessionPersistence = sessionPersistence }
        if let hashPolicies { route.hashPolicies = hashPolicies }
        if let directResponse {
            // The rule's own answer: it replaces forwarding, the 500 of a rule without backends, a redirect.
            route.action = .directResponse(status: directResponse.status, body: directResponse.body)
        }
    }
}
