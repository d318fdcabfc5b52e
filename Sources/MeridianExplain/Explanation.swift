/// Everything `meridian explain` found out about one request: where Envoy takes it, step by
/// step, and what it answers. Encoded as the command's JSON output; field names are stable.
public struct Explanation: Sendable, Codable {
    public var request: RequestSummary
    public var gateway: GatewaySummary
    /// Nil when the request never reaches a listener (no such port, no filter chain).
    public var listener: ListenerSummary?
    /// Nil when no virtual host takes the host.
    public var virtualHost: VirtualHostSummary?
    /// Nil when no route matches.
    public var route: RouteSummary?
    public var outcome: Outcome
    /// What a forwarded request looks like when it reaches the backend: rewrites applied.
    public var upstream: UpstreamSummary?
    /// The clusters a forwarded request is split over, by weight (empty otherwise).
    public var backends: [BackendSummary]
    /// What the route does besides choosing a backend: rewrites, header changes, retries,
    /// timeouts, mirrors, rate limits, sessions, CORS.
    public var policies: [PolicyLine]
    /// When nothing matched: the routes that came nearest, and why each did not match.
    public var candidates: [Candidate]
    /// Anything else worth knowing: objects set aside, routes not attached, warnings.
    public var notes: [String]
}

public struct RequestSummary: Sendable, Codable {
    public var method: String
    public var scheme: String
    public var host: String
    public var path: String
    public var headers: [HeaderField]
    /// The port the connection is made to, as Envoy listens on it.
    public var port: Int?
    /// The TLS server name sent, on an HTTPS port.
    public var serverName: String?
}

public struct GatewaySummary: Sendable, Codable {
    /// `namespace/name`: the proxy group.
    public var name: String
    /// `file:line` of the Gateway.
    public var source: String
}

public struct ListenerSummary: Sendable, Codable {
    /// The Envoy listener, such as `http-8080` or `https-443`.
    public var envoyListener: String
    public var address: String
    /// The port Envoy listens on.
    public var port: Int
    /// The port as the Gateway writes it (differs with `--privileged-port-offset`).
    public var gatewayPort: Int
    /// `HTTP` or `HTTPS`.
    public var `protocol`: String
    /// The TLS filter chain the server name reached (HTTPS only).
    public var filterChain: String?
    /// The chain's server name that matched the SNI (nil for the default chain).
    public var matchedServerName: String?
    /// The Gateway listener whose routes serve this host (listener isolation).
    public var gatewayListener: GatewayListenerSummary?
    /// The RouteConfiguration Envoy fetched for this chain.
    public var routeTable: String
}

public struct GatewayListenerSummary: Sendable, Codable {
    /// The listener's name (`namespace/listenerset/name` for a ListenerSet's).
    public var name: String
    public var hostname: String?
    public var source: String
    /// Why this listener: the most specific one whose host name covers the request's host.
    public var reason: String
}

public struct VirtualHostSummary: Sendable, Codable {
    public var name: String
    /// The domain that matched.
    public var domain: String
    public var matchKind: DomainMatchKind
    public var reason: String
    public var routeCount: Int
}

public struct RouteSummary: Sendable, Codable {
    /// The Envoy route's name: `namespace/name/ruleN/matchM` (`grpc:` first for a GRPCRoute).
    public var name: String
    /// `HTTPRoute` or `GRPCRoute`; nil for a route Meridian adds itself (the 421 of listener isolation).
    public var kind: String?
    /// `namespace/name` of the route object.
    public var object: String?
    public var rule: Int?
    public var ruleName: String?
    public var match: Int?
    /// `file:line:column` of the rule.
    public var source: String?
    /// 1-based position among the virtual host's routes (Envoy tries them in order).
    public var position: Int
    /// The route's conditions, every one met.
    public var conditions: [ConditionCheck]
}

/// What the client gets.
public struct Outcome: Sendable, Codable {
    public enum Kind: String, Sendable, Codable {
        /// Sent to a backend; the status is the backend's.
        case forwarded
        /// Answered by Envoy with a redirect.
        case redirect
        /// Answered by Envoy with a fixed status and body.
        case directResponse
        /// 404: no virtual host, or no route, takes the request.
        case notFound
        /// 421: the host belongs to another listener of the port.
        case misdirected
        /// 500 (503 for gRPC): the rule has no backend it can send to.
        case backendError
        /// 503: the backend has no endpoints.
        case noEndpoints
        /// The port is not one the Gateway listens on, or no TLS filter chain takes the server name.
        case connectionRefused
    }

    public var kind: Kind
    /// The status Envoy answers; nil when the backend answers.
    public var status: Int?
    /// One line: `forwarded: 90% to …, 10% to …`.
    public var summary: String
    /// Why, one reason a line.
    public var reasons: [String]
    /// Whether the request reaches a backend or gets a deliberate answer (2xx/3xx); false for
    /// an error (404, 421, 500, 503, refused connection).
    public var served: Bool
    /// For a redirect: the `Location` Envoy writes.
    public var location: String?
}

/// The request a backend receives: the route's host and path rewrites applied (a backend's
/// own host rewrite, if any, is among its `changes`).
public struct UpstreamSummary: Sendable, Codable {
    public var method: String
    /// The `Host` header sent.
    public var host: String
    /// The path, with the query string.
    public var path: String
    /// Request headers set or added by the route (before the backend's own changes).
    public var setHeaders: [HeaderField]
    /// Request headers the route removes.
    public var removedHeaders: [String]
}

public struct BackendSummary: Sendable, Codable {
    /// The Envoy cluster (`namespace/service:port`), or `unresolved-backend`.
    public var cluster: String
    public var weight: UInt32
    /// The share of requests, in percent.
    public var percent: Double
    /// `Service namespace/name port N`, `Backend namespace/name`, or the references that could not be resolved.
    public var target: String
    /// `file:line:column` of the backendRef.
    public var source: String?
    /// `eds` (endpoints from EndpointSlices) or `dns`.
    public var discovery: String?
    public var endpoints: [EndpointSummary]
    /// The status this share answers instead of reaching a backend (500, 503), with why.
    public var errorStatus: Int?
    public var reason: String?
    /// Header changes made only on requests sent to this backend.
    public var changes: [String]
    /// The cluster's own settings: circuit breakers, outlier detection, health checks, TLS.
    public var settings: [String]
}

public struct EndpointSummary: Sendable, Codable {
    public var address: String
    public var port: Int
    public var ready: Bool
    public var priority: UInt32
}

/// One thing the route does, such as `retry`: `3 retries on 5xx,reset; 30s per try`.
public struct PolicyLine: Sendable, Codable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A route that did not take the request, and why.
public struct Candidate: Sendable, Codable {
    public var route: String
    /// `file:line:column` of its rule.
    public var source: String?
    /// The virtual host it is on, when it is not the one the request reached.
    public var virtualHost: String?
    /// Every condition: the unmet ones say what the request has instead.
    public var conditions: [ConditionCheck]
    /// Why, in one line.
    public var reason: String
}
