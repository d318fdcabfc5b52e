/// The xDS resource types Meridian serves, in make-before-break push order.
public enum ResourceType: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case cluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
    case endpoint = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
    case listener = "type.googleapis.com/envoy.config.listener.v3.Listener"
    case route = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
    /// SRDS: the scopes of a listener whose route table is split by host name, each naming a route table.
    case scopedRoute = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration"
    /// SDS: certificates the listeners' TLS contexts name.
    case secret = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"

    /// The type URL carried in discovery requests and responses.
    public var typeURL: String { rawValue }

    /// Whether a response of this type carries every resource (state of the
    /// world: LDS, CDS) or only the names the proxy asked for (RDS, EDS, SDS).
    public var isFullState: Bool {
        switch self {
        case .cluster, .listener, .scopedRoute: true
        case .endpoint, .route, .secret: false
        }
    }

    /// Push order for ADS: clusters, then their endpoints, then secrets, then listeners,
    /// then scopes, then routes, so nothing is referenced before it exists.
    public var pushOrder: Int {
        switch self {
        case .cluster: 0
        case .endpoint: 1
        case .secret: 2
        case .listener: 3
        case .scopedRoute: 4
        case .route: 5
        }
    }

    public static func < (lhs: ResourceType, rhs: ResourceType) -> Bool { lhs.pushOrder < rhs.pushOrder }

    /// The short name used in logs and config dumps (`Cluster`, `Listener`, ...).
    public var shortName: String {
        switch self {
        case .cluster: "Cluster"
        case .endpoint: "ClusterLoadAssignment"
        case .listener: "Listener"
        case .route: "RouteConfiguration"
        case .scopedRoute: "ScopedRouteConfiguration"
        case .secret: "Secret"
        }
    }

    public var description: String { shortName }
}

/// One encoded xDS resource and the other resources it needs to exist.
public struct XDSResource: Sendable, Hashable {
    public var type: ResourceType
    public var name: String
    /// The serialized resource message (a Listener, Cluster, ... not wrapped in Any).
    public var message: SerializedMessage
    /// Resources this one refers to: a listener's route configurations and secrets,
    /// an EDS cluster's load assignment. A snapshot is refused unless they exist.
    public var references: [Reference]

    public struct Reference: Sendable, Hashable {
        public var type: ResourceType
        public var name: String

        public init(type: ResourceType, name: String) {
            self.type = type
            self.name = name
        }
    }

    public init(type: ResourceType, name: String, message: SerializedMessage, references: [Reference] = []) {
        self.type = type
        self.name = name
        self.message = message
        self.references = references
    }
}
