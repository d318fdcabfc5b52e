/// A Kubernetes Service (`v1`): a name, a selector and ports.
public struct Service: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "Service"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The Service's desired state.
    public var spec: ServiceSpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        spec: ServiceSpec,
        location: SourceLocation,
        documentIndex: Int
    ) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.documentIndex = documentIndex
    }
}

/// The parts of a Service spec the control plane uses.
public struct ServiceSpec: Sendable, Hashable {
    /// `ClusterIP` when not written.
    public var type: ServiceType
    /// The cluster IP, `None` for a headless Service, or nil when not written.
    public var clusterIP: String?
    /// For `ExternalName` Services: the DNS name they alias.
    public var externalName: String?
    /// Pod label selector.
    public var selector: [String: String]
    /// Ports.
    public var ports: [ServicePort]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        type: ServiceType = .clusterIP,
        clusterIP: String? = nil,
        externalName: String? = nil,
        selector: [String: String] = [:],
        ports: [ServicePort] = []
    ) {
        self.type = type
        self.clusterIP = clusterIP
        self.externalName = externalName
        self.selector = selector
        self.ports = ports
    }
}

/// Service types.
public enum ServiceType: String, Sendable, Hashable, CaseIterable {
    case clusterIP = "ClusterIP"
    case nodePort = "NodePort"
    case loadBalancer = "LoadBalancer"
    case externalName = "ExternalName"
}

/// A Service port.
public struct ServicePort: Sendable, Hashable {
    /// Name; required when the Service has more than one port.
    public var name: String?
    /// The port the Service exposes.
    public var port: Int
    /// The port on the pods; the same number as `port` when not written.
    public var targetPort: ServiceTargetPort
    /// `TCP` when not written.
    public var `protocol`: TransportProtocol
    /// The application protocol (e.g. `http`, `kubernetes.io/h2c`).
    public var appProtocol: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String? = nil,
        port: Int,
        targetPort: ServiceTargetPort,
        `protocol`: TransportProtocol = .tcp,
        appProtocol: String? = nil
    ) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
        self.appProtocol = appProtocol
    }
}

/// A target port: a number or the name of a container port.
public enum ServiceTargetPort: Sendable, Hashable {
    case number(Int)
    case name(String)
}

/// Transport protocols of Service and EndpointSlice ports.
public enum TransportProtocol: String, Sendable, Hashable, CaseIterable {
    case tcp = "TCP"
    case udp = "UDP"
    case sctp = "SCTP"
}
