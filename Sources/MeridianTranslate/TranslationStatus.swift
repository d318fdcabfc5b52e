import MeridianLoad

/// The condition types Meridian reports, as the Gateway API names them.
public enum ConditionType: String, Sendable, Hashable, CaseIterable {
    case accepted = "Accepted"
    case resolvedRefs = "ResolvedRefs"
    case programmed = "Programmed"
    case conflicted = "Conflicted"
    case partiallyInvalid = "PartiallyInvalid"

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
    /// Conditions on the resource itself (GatewayClass, Gateway).
    public var conditions: [Condition]
    /// Per-listener status (Gateway).
    public var listeners: [ListenerStatus]
    /// Per-parent status (routes, one per `parentRef`) or per-ancestor status (policies, one
    /// per Gateway the policy takes effect through, or per target that was not found).
    public var parents: [ParentStatus]
    /// True for policies: their `parents` are Gateway API policy ancestors.
    public var isPolicy: Bool = false

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
    /// The route kinds the listener takes (`HTTPRoute`, `GRPCRoute`), as `supportedKinds` reports them.
    public var supportedKinds: [String]
    public var attachedRoutes: Int
    public var conditions: [Condition]
}

public struct ParentStatus: Sendable, Hashable {
    /// The parentRef (or policy ancestor) as written, such as `Gateway ai-gateway/ai-inference-gateway section http`.
    public var parent: String
    public var conditions: [Condition]
}

extension ResourceStatus {
    /// Whether every condition that should be True is (and `Conflicted`/`PartiallyInvalid` are not).
    public var isHealthy: Bool {
        let all = conditions + listeners.flatMap(\.conditions) + parents.flatMap(\.conditions)
        return all.allSatisfy { $0.type.isAbnormalityWhenTrue ? !$0.status : $0.status }
    }
}
