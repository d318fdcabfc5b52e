/// A Gateway API Gateway: a set of listeners bound to addresses.
public struct Gateway: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "Gateway"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The Gateway's desired state.
    public var spec: GatewaySpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        spec: GatewaySpec,
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

/// The spec of a Gateway.
public struct GatewaySpec: Sendable, Hashable {
    /// The GatewayClass this Gateway belongs to.
    public var gatewayClassName: String
    /// 1 to 64 listeners with unique names.
    public var listeners: [Listener]
    /// Requested addresses (may be empty).
    public var addresses: [GatewayAddress]
    /// `spec.infrastructure`: labels and annotations for what a controller deploys, and parameters.
    public var infrastructure: GatewayInfrastructure?
    /// `spec.allowedListeners`: which ListenerSets may add listeners (none by default).
    public var allowedListeners: AllowedListeners
    /// `spec.tls.frontend`: client certificate validation of HTTPS listeners (GEP-91).
    public var frontendTLS: FrontendTLSConfig?
    /// `spec.tls.backend`: the client certificate presented to TLS backends (see `GatewayBackendTLS`).
    public var backendTLS: GatewayBackendTLS? = nil

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        gatewayClassName: String,
        listeners: [Listener] = [],
        addresses: [GatewayAddress] = [],
        infrastructure: GatewayInfrastructure? = nil,
        allowedListeners: AllowedListeners = .none,
        frontendTLS: FrontendTLSConfig? = nil
    ) {
        self.gatewayClassName = gatewayClassName
        self.listeners = listeners
        self.addresses = addresses
        self.infrastructure = infrastructure
        self.allowedListeners = allowedListeners
        self.frontendTLS = frontendTLS
    }
}

/// A Gateway's `spec.infrastructure`.
public struct GatewayInfrastructure: Sendable, Hashable {
    /// Labels for the resources a controller creates for the Gateway (Meridian creates none).
    public var labels: [String: String]
    /// Annotations for the resources a controller creates for the Gateway (Meridian creates none).
    public var annotations: [String: String]
    /// Per-Gateway parameters, in the Gateway's namespace (`LocalParametersReference`).
    public var parametersRef: ParametersReference?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(labels: [String: String] = [:], annotations: [String: String] = [:], parametersRef: ParametersReference? = nil) {
        self.labels = labels
        self.annotations = annotations
        self.parametersRef = parametersRef
    }
}

/// One listener of a Gateway: a port, a protocol, an optional hostname and the routes it accepts.
public struct Listener: Sendable, Hashable {
    /// The listener's name, unique within the Gateway (routes refer to it as `sectionName`).
    public var name: String
    /// The hostname (optionally `*.`-prefixed) this listener serves; nil matches all hostnames.
    public var hostname: String?
    /// The port, 1...65535.
    public var port: Int
    /// The protocol.
    public var `protocol`: ListenerProtocol
    /// TLS settings; present for HTTPS and TLS listeners.
    public var tls: GatewayTLSConfig?
    /// Which routes may attach.
    public var allowedRoutes: AllowedRoutes
    /// Where the listener was written.
    public var source: FieldSource

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        name: String,
        hostname: String? = nil,
        port: Int,
        `protocol`: ListenerProtocol,
        tls: GatewayTLSConfig? = nil,
        allowedRoutes: AllowedRoutes = .default,
        source: FieldSource
    ) {
        self.name = name
        self.hostname = hostname
        self.port = port
        self.protocol = `protocol`
        self.tls = tls
        self.allowedRoutes = allowedRoutes
        self.source = source
    }
}

/// A listener protocol: one of the core protocols or a domain-prefixed custom one.
public enum ListenerProtocol: Sendable, Hashable, CustomStringConvertible {
    /// Plain HTTP.
    case http
    /// HTTP over TLS terminated at the Gateway.
    case https
    /// TLS (terminated or passed through) carrying any protocol.
    case tls
    /// Plain TCP.
    case tcp
    /// UDP.
    case udp
    /// Any other protocol the CRD admits: an implementation-specific one such as
    /// `example.com/custom`, or a plain name such as `INVALID`.
    case custom(String)

    /// Parses a protocol; nil when it is neither a core protocol nor domain-prefixed.
    public init?(rawValue: String) {
        switch rawValue {
        case "HTTP": self = .http
        case "HTTPS": self = .https
        case "TLS": self = .tls
        case "TCP": self = .tcp
        case "UDP": self = .udp
        default:
            // The CRD's pattern: a name of letters, digits and inner dashes (such as
            // `INVALID`, which the API server admits and the Gateway's status then refuses),
            // or a domain-prefixed protocol.
            let bytes = Array(rawValue.utf8)
            let isName = !bytes.isEmpty && NameSyntax.isAlphanumeric(bytes.first!) && NameSyntax.isAlphanumeric(bytes.last!)
                && bytes.allSatisfy { NameSyntax.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
            guard bytes.count <= 255,
                  isName || NameSyntax.isDomainPrefixedName(rawValue, nameCharacters: NameSyntax.isAlphanumeric) else { return nil }
            self = .custom(rawValue)
        }
    }

    /// The protocol as written in YAML.
    public var rawValue: String {
        switch self {
        case .http: "HTTP"
        case .https: "HTTPS"
        case .tls: "TLS"
        case .tcp: "TCP"
        case .udp: "UDP"
        case .custom(let name): name
        }
    }

    /// The protocol as written in YAML.
    public var description: String { rawValue }
}

/// TLS settings of a listener.
public struct GatewayTLSConfig: Sendable, Hashable {
    /// Whether TLS is terminated at the Gateway or passed through.
    public var mode: TLSMode
    /// Certificates to serve (up to 64).
    public var certificateRefs: [SecretObjectReference]
    /// Implementation-specific options.
    public var options: [String: String]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        mode: TLSMode = .terminate,
        certificateRefs: [SecretObjectReference] = [],
        options: [String: String] = [:]
    ) {
        self.mode = mode
        self.certificateRefs = certificateRefs
        self.options = options
    }
}

/// TLS handling of a listener.
public enum TLSMode: String, Sendable, Hashable, CaseIterable {
    /// The Gateway terminates TLS (the default).
    case terminate = "Terminate"
    /// TLS is forwarded to the backend untouched.
    case passthrough = "Passthrough"
}

/// Which routes may attach to a listener.
public struct AllowedRoutes: Sendable, Hashable {
    /// Namespaces routes may come from.
    public var namespaces: RouteNamespaces
    /// Route kinds accepted; empty means the kinds implied by the protocol.
    public var kinds: [RouteGroupKind]

    /// The default: routes from the Gateway's own namespace, kinds implied by the protocol.
    public static let `default` = AllowedRoutes(namespaces: RouteNamespaces(from: .same, selector: nil), kinds: [])

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        namespaces: RouteNamespaces,
        kinds: [RouteGroupKind] = []
    ) {
        self.namespaces = namespaces
        self.kinds = kinds
    }
}

/// The namespaces routes may attach from.
public struct RouteNamespaces: Sendable, Hashable {
    /// Which namespaces; `Same` by default.
    public var from: FromNamespaces
    /// For `Selector`: the namespace label selector.
    public var selector: LabelSelector?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        from: FromNamespaces = .same,
        selector: LabelSelector? = nil
    ) {
        self.from = from
        self.selector = selector
    }
}

/// Namespace selection for `allowedRoutes.namespaces.from`.
public enum FromNamespaces: String, Sendable, Hashable, CaseIterable {
    /// Routes from every namespace.
    case all = "All"
    /// Routes from namespaces matching the selector.
    case selector = "Selector"
    /// Routes from the Gateway's namespace.
    case same = "Same"
}

/// An address requested for a Gateway.
public struct GatewayAddress: Sendable, Hashable {
    /// `IPAddress` (the default), `Hostname`, `NamedAddress` or a domain-prefixed type.
    public var type: String
    /// The address; nil asks the implementation to choose one.
    public var value: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        type: String = "IPAddress",
        value: String? = nil
    ) {
        self.type = type
        self.value = value
    }
}
