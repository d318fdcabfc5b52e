/// A Gateway API ListenerSet (`gateway.networking.k8s.io/v1`): listeners added to a Gateway
/// from another object, possibly in another namespace, when the Gateway's
/// `spec.allowedListeners` lets it.
public struct ListenerSet: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "ListenerSet"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    public var spec: ListenerSetSpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    public init(apiVersion: String, metadata: ObjectMeta, spec: ListenerSetSpec, location: SourceLocation, documentIndex: Int) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.documentIndex = documentIndex
    }
}

/// The spec of a ListenerSet.
public struct ListenerSetSpec: Sendable, Hashable {
    /// The Gateway the listeners are added to.
    public var parentRef: ParentGatewayReference
    /// 1 to 64 listeners, names unique within the ListenerSet (not across the Gateway).
    public var listeners: [Listener]

    public init(parentRef: ParentGatewayReference, listeners: [Listener]) {
        self.parentRef = parentRef
        self.listeners = listeners
    }
}

/// A ListenerSet's `parentRef`: a Gateway, by default in the ListenerSet's namespace.
public struct ParentGatewayReference: Sendable, Hashable {
    /// `gateway.networking.k8s.io` by default.
    public var group: String
    /// `Gateway` by default.
    public var kind: String
    public var name: String
    /// nil: the ListenerSet's namespace.
    public var namespace: String?
    /// Where the reference was written.
    public var source: FieldSource

    public init(group: String = "gateway.networking.k8s.io", kind: String = "Gateway", name: String, namespace: String? = nil, source: FieldSource) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.source = source
    }
}

/// A Gateway's `spec.allowedListeners`: the namespaces ListenerSets may attach from.
public struct AllowedListeners: Sendable, Hashable {
    /// `None` (the default) allows no ListenerSet.
    public var from: ListenerSetNamespaces
    /// For `Selector`: the namespace label selector.
    public var selector: LabelSelector?

    /// No ListenerSet may attach: what a Gateway without `allowedListeners` says.
    public static let none = AllowedListeners(from: .none)

    public init(from: ListenerSetNamespaces = .none, selector: LabelSelector? = nil) {
        self.from = from
        self.selector = selector
    }
}

/// `spec.allowedListeners.namespaces.from`.
public enum ListenerSetNamespaces: String, Sendable, Hashable, CaseIterable {
    /// ListenerSets in every namespace.
    case all = "All"
    /// ListenerSets in namespaces matching the selector.
    case selector = "Selector"
    /// ListenerSets in the Gateway's namespace.
    case same = "Same"
    /// No ListenerSet: only the Gateway's own listeners (the default).
    case none = "None"
}
