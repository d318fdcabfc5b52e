import MeridianLoad

/// The condition types Meridian reports, as the Gateway API names them.
public enum ConditionType: String, Sendable, Hashable, CaseIterable {
    case accepted = "Accepted"
    case resolvedRefs = "ResolvedRefs"
    case programmed = "Programmed"
    case conflicted = "Conflicted"
    case partiallyInvalid = "PartiallyInvalid"
    /// A Gateway's warning that some HTTPS listener accepts clients without a valid certificate
    /// (`spec.tls.frontend` mode `AllowInsecureFallback`); present only when True.
    case insecureFrontendValidationMode = "InsecureFrontendValidationMode"

    /// True for the condition types whose healthy state is False.
    public var isAbnormalityWhenTrue: Bool { self == .conflicted || self == .partiallyInvalid }
}

/// The reasons Meridian reports: the Gateway API's own (GatewayClass, Gateway, listener,
/// route and policy ancestor conditions) plus kgateway's policy attachment reasons.
public enum ConditionReason: String, Sendable, Hashable, CaseIterable {
    // Shared
    case accepted = "Accepted"
    case invalid = "Invalid"
    case programmed = "Programmed"
    case resolvedRefs = "ResolvedRefs"
    case unsupportedValue = "UnsupportedValue"
    // GatewayClass and Gateway
    case invalidParameters = "InvalidParameters"
    case listenersNotValid = "ListenersNotValid"
    case configurationChanged = "ConfigurationChanged"
    // Gateway ResolvedRefs: listeners' summary and `spec.tls.backend.clientCertificateRef`
    case listenersNotResolved = "ListenersNotResolved"
    case invalidClientCertificateRef = "InvalidClientCertificateRef"
    /// Meridian's own (the API asks for an implementation-specific reason for checks beyond
    /// the reference and the Secret's keys): the client certificate is expired or not yet valid.
    case clientCertificateNotValid = "ClientCertificateNotValid"
    /// Meridian's own: the client certificate's key is of a type or size Envoy does not load.
    case unsupportedClientCertificateKey = "UnsupportedClientCertificateKey"
    // ListenerSet
    case notAllowed = "NotAllowed"
    case parentNotAccepted = "ParentNotAccepted"
    // Listeners
    case hostnameConflict = "HostnameConflict"
    case protocolConflict = "ProtocolConflict"
    case noConflicts = "NoConflicts"
    case portUnavailable = "PortUnavailable"
    case unsupportedProtocol = "UnsupportedProtocol"
    case invalidCertificateRef = "InvalidCertificateRef"
    case invalidRouteKinds = "InvalidRouteKinds"
    // Routes
    case noMatchingParent = "NoMatchingParent"
    case notAllowedByListeners = "NotAllowedByListeners"
    case noMatchingListenerHostname = "NoMatchingListenerHostname"
    case backendNotFound = "BackendNotFound"
    case invalidKind = "InvalidKind"
    case refNotPermitted = "RefNotPermitted"
    // Policies (PolicyAncestorStatus, with kgateway's attachment reasons)
    case attached = "Attached"
    case merged = "Merged"
    case overridden = "Overridden"
    case targetNotFound = "TargetNotFound"
    case conflicted = "Conflicted"
    // BackendTLSPolicy, and listeners validating client certificates
    case invalidCACertificateRef = "InvalidCACertificateRef"
    case invalidCACertificateKind = "InvalidCACertificateKind"
    case noValidCACertificate = "NoValidCACertificate"
}

/// A Gateway API status condition.
public struct Condition: Sendable, Hashable, CustomStringConvertible {
    public var type: ConditionType
    public var status: Bool
    public var reason: ConditionReason
    public var message: String

    public init(_ type: ConditionType, _ status: Bool, reason: ConditionReason, message: String = "") {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public var description: String {
        "\(type.rawValue)=\(status ? "True" : "False") \(reason.rawValue)" + (message.isEmpty ? "" : ": \(message)")
    }
}

/// The status Meridian computes for one input resource.
public struct ResourceStatus: Sendable, Hashable {
    public var kind: String
    public var namespace: String?
    public var name: String
    public var location: SourceLocation
    /// `metadata.generation` as written, for the conditions' `observedGeneration`.
    public var generation: Int?
    /// The apiVersion the object was written with.
    public var apiVersion: String?
    /// Conditions on the resource itself (GatewayClass, Gateway).
    public var conditions: [Condition]
    /// Per-listener status (Gateway).
    public var listeners: [ListenerStatus]
    /// Per-parent status (routes, one per `parentRef`) or per-ancestor status (policies, one
    /// per Gateway the policy takes effect through, or per target that was not found).
    public var parents: [ParentStatus]
    /// True for policies: their `parents` are Gateway API policy ancestors.
    public var isPolicy: Bool = false
    /// A Gateway's `attachedListenerSets`: how many ListenerSets it accepted (nil for other kinds).
    public var attachedListenerSets: Int?

    public init(
        kind: String,
        namespace: String?,
        name: String,
        location: SourceLocation,
        conditions: [Condition] = [],
        listeners: [ListenerStatus] = [],
        parents: [ParentStatus] = []
    ) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.location = location
        self.conditions = conditions
        self.listeners = listeners
        self.parents = parents
    }

    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }
}

public struct ListenerStatus: Sendable, Hashable {
    public var name: String
    /// The route kinds the listener accepts (`status.listeners[].supportedKinds`).
    public var supportedKinds: [RouteGroupKind]
    public var attachedRoutes: Int
    public var conditions: [Condition]
}

/// An object a status names: a route's parentRef, or a policy's ancestorRef.
public struct StatusReference: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var kind: String
    public var namespace: String?
    public var name: String
    public var sectionName: String?
    public var port: Int?

    public init(group: String, kind: String, namespace: String?, name: String, sectionName: String? = nil, port: Int? = nil) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.sectionName = sectionName
        self.port = port
    }

    /// A Gateway by `namespace/name`.
    static func gateway(_ qualifiedName: String) -> StatusReference {
        let parts = qualifiedName.split(separator: "/", maxSplits: 1).map(String.init)
        return StatusReference(group: GatewayTranslator.gatewayGroup, kind: "Gateway", namespace: parts.count == 2 ? parts[0] : nil, name: parts.last ?? qualifiedName)
    }

    /// `Gateway ai-gateway/ai-inference-gateway section http port 80`.
    public var description: String {
        var text = "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)"
        if let sectionName { text += " section \(sectionName)" }
        if let port { text += " port \(port)" }
        return text
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.description < rhs.description }
}

public struct ParentStatus: Sendable, Hashable {
    /// The parentRef (routes) or ancestorRef (policies).
    public var reference: StatusReference
    /// The controller that wrote this entry (the parent Gateway's class controller).
    public var controllerName: String?
    public var conditions: [Condition]

    public init(reference: StatusReference, controllerName: String? = nil, conditions: [Condition]) {
        self.reference = reference
        self.controllerName = controllerName
        self.conditions = conditions
    }

    /// The reference as text, such as `Gateway ai-gateway/ai-inference-gateway section http`.
    public var parent: String { reference.description }
}

extension ResourceStatus {
    /// Whether every condition that should be True is (and `Conflicted`/`PartiallyInvalid` are not).
    public var isHealthy: Bool {
        let all = conditions + listeners.flatMap(\.conditions) + parents.flatMap(\.conditions)
        return all.allSatisfy { $0.type.isAbnormalityWhenTrue ? !$0.status : $0.status }
    }
}
