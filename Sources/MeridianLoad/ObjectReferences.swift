/// A route's reference to the object it attaches to (usually a Gateway).
public struct ParentReference: Sendable, Hashable {
    /// API group; defaults to `gateway.networking.k8s.io`.
    public var group: String
    /// Kind; defaults to `Gateway`.
    public var kind: String
    /// Namespace; nil means the route's own namespace.
    public var namespace: String?
    /// Name of the parent.
    public var name: String
    /// A listener name on the parent, when the route attaches to one listener only.
    public var sectionName: String?
    /// A listener port on the parent, when the route attaches to listeners on one port only.
    public var port: Int?
    /// Where the reference was written.
    public var source: FieldSource

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String = "gateway.networking.k8s.io",
        kind: String = "Gateway",
        namespace: String? = nil,
        name: String,
        sectionName: String? = nil,
        port: Int? = nil,
        source: FieldSource
    ) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.sectionName = sectionName
        self.port = port
        self.source = source
    }
}

/// A reference to a backend object (usually a Service) and optionally its port.
public struct BackendObjectReference: Sendable, Hashable {
    /// API group; `""` (the core group) by default.
    public var group: String
    /// Kind; `Service` by default.
    public var kind: String
    /// Name of the backend.
    public var name: String
    /// Namespace; nil means the referring route's namespace.
    public var namespace: String?
    /// Port on the backend; always present for Services.
    public var port: Int?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String = "",
        kind: String = "Service",
        name: String,
        namespace: String? = nil,
        port: Int? = nil
    ) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.port = port
    }
}

/// A reference to a TLS certificate (usually a Secret).
public struct SecretObjectReference: Sendable, Hashable {
    /// API group; `""` (the core group) by default.
    public var group: String
    /// Kind; `Secret` by default.
    public var kind: String
    /// Name of the referent.
    public var name: String
    /// Namespace; nil means the Gateway's namespace.
    public var namespace: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String = "",
        kind: String = "Secret",
        name: String,
        namespace: String? = nil
    ) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }
}

/// A reference to an object in the same namespace, by group, kind and name (used by `ExtensionRef` filters).
public struct LocalObjectReference: Sendable, Hashable {
    /// API group (may be `""` for the core group).
    public var group: String
    /// Kind of the referent.
    public var kind: String
    /// Name of the referent.
    public var name: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String,
        kind: String,
        name: String
    ) {
        self.group = group
        self.kind = kind
        self.name = name
    }
}

/// A GatewayClass's reference to implementation-specific parameters.
public struct ParametersReference: Sendable, Hashable {
    /// API group (may be `""`).
    public var group: String
    /// Kind of the referent.
    public var kind: String
    /// Name of the referent.
    public var name: String
    /// Namespace, for namespaced referents.
    public var namespace: String?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String,
        kind: String,
        name: String,
        namespace: String? = nil
    ) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }
}

/// A route kind a listener accepts.
public struct RouteGroupKind: Sendable, Hashable {
    /// API group; defaults to `gateway.networking.k8s.io`.
    public var group: String
    /// Route kind, e.g. `HTTPRoute`.
    public var kind: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        group: String = "gateway.networking.k8s.io",
        kind: String
    ) {
        self.group = group
        self.kind = kind
    }
}

/// A Kubernetes label selector.
public struct LabelSelector: Sendable, Hashable {
    /// Labels that must all be present with these values.
    public var matchLabels: [String: String]
    /// Further requirements, all of which must hold.
    public var matchExpressions: [LabelSelectorRequirement]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        matchLabels: [String: String] = [:],
        matchExpressions: [LabelSelectorRequirement] = []
    ) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }
}

/// One requirement of a label selector.
public struct LabelSelectorRequirement: Sendable, Hashable {
    /// The label key.
    public var key: String
    /// How the label's value is compared with `values`.
    public var `operator`: LabelSelectorOperator
    /// Values for `In`/`NotIn`; empty for `Exists`/`DoesNotExist`.
    public var values: [String]

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        key: String,
        `operator`: LabelSelectorOperator,
        values: [String] = []
    ) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// Operators of label selector requirements.
public enum LabelSelectorOperator: String, Sendable, Hashable, CaseIterable {
    /// The label's value is one of `values`.
    case `in` = "In"
    /// The label is absent or its value is not one of `values`.
    case notIn = "NotIn"
    /// The label is present.
    case exists = "Exists"
    /// The label is absent.
    case doesNotExist = "DoesNotExist"
}
