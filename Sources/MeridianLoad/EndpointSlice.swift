/// A `discovery.k8s.io/v1` EndpointSlice: some of the endpoints behind a Service.
public struct EndpointSlice: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "EndpointSlice"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The address family of every endpoint address.
    public var addressType: EndpointAddressType
    /// The endpoints.
    public var endpoints: [Endpoint]
    /// Ports every endpoint exposes.
    public var ports: [EndpointPort]
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// The Service this slice belongs to, from the `kubernetes.io/service-name` label.
    public var serviceName: String? { metadata.labels[Self.serviceNameLabel] }

    /// The label linking a slice to its Service.
    public static let serviceNameLabel = "kubernetes.io/service-name"

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        addressType: EndpointAddressType,
        endpoints: [Endpoint] = [],
        ports: [EndpointPort] = [],
        location: SourceLocation,
        documentIndex: Int
    ) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
        self.location = location
        self.documentIndex = documentIndex
    }
}

/// Address families of an EndpointSlice.
public enum EndpointAddressType: String, Sendable, Hashable, CaseIterable {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"
    case fqdn = "FQDN"
}

/// One endpoint (usually a pod).
public struct Endpoint: Sendable, Hashable {
    /// 1 to 100 addresses of the slice's address type; consumers use the first.
    public var addresses: [String]
    /// Readiness; nil fields mean "unknown", which consumers treat as ready/serving.
    public var conditions: EndpointConditions
    /// The endpoint's hostname.
    public var hostname: String?
    /// The node hosting the endpoint.
    public var nodeName: String?
    /// The zone of the endpoint.
    public var zone: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        addresses: [String] = [],
        conditions: EndpointConditions,
        hostname: String? = nil,
        nodeName: String? = nil,
        zone: String? = nil
    ) {
        self.addresses = addresses
        self.conditions = conditions
        self.hostname = hostname
        self.nodeName = nodeName
        self.zone = zone
    }
}

/// Endpoint conditions.
public struct EndpointConditions: Sendable, Hashable {
    /// The endpoint should receive new traffic.
    public var ready: Bool?
    /// The endpoint can serve traffic (even while terminating).
    public var serving: Bool?
    /// The endpoint is shutting down.
    public var terminating: Bool?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        ready: Bool? = nil,
        serving: Bool? = nil,
        terminating: Bool? = nil
    ) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }
}

/// A port of an EndpointSlice.
public struct EndpointPort: Sendable, Hashable {
    /// Matches the Service port name.
    public var name: String?
    /// The port number; nil means "all ports".
    public var port: Int?
    /// `TCP` when not written.
    public var `protocol`: TransportProtocol
    /// The application protocol.
    public var appProtocol: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String? = nil,
        port: Int? = nil,
        `protocol`: TransportProtocol = .tcp,
        appProtocol: String? = nil
    ) {
        self.name = name
        self.port = port
        self.protocol = `protocol`
        self.appProtocol = appProtocol
    }
}
