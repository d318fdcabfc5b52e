/// What every loaded Kubernetes object has: identity, metadata and where it came from.
public protocol KubernetesResource: Sendable {
    /// The Kubernetes kind, e.g. `HTTPRoute`.
    static var kind: String { get }
    /// Whether objects of this kind live in a namespace.
    static var isNamespaced: Bool { get }
    /// The apiVersion the document was written with (e.g. `gateway.networking.k8s.io/v1beta1`).
    var apiVersion: String { get }
    /// Name, namespace, labels and annotations.
    var metadata: ObjectMeta { get }
    /// Where the document's root mapping starts.
    var location: SourceLocation { get }
    /// 0-based index of the document in its file.
    var documentIndex: Int { get }
}

extension KubernetesResource {
    /// `namespace/name` for namespaced kinds, `name` otherwise.
    public var qualifiedName: String {
        if let namespace = metadata.namespace { return "\(namespace)/\(metadata.name)" }
        return metadata.name
    }
}

/// Standard object metadata, reduced to what the control plane uses.
public struct ObjectMeta: Sendable, Hashable {
    /// The object's name.
    public var name: String
    /// The namespace; `"default"` when a namespaced object omits it, nil for cluster-scoped kinds.
    public var namespace: String?
    /// Labels (validated as Kubernetes label keys and values).
    public var labels: [String: String]
    /// Annotations.
    public var annotations: [String: String]
    /// `metadata.creationTimestamp` as written (RFC 3339), used for route precedence ties.
    public var creationTimestamp: String?
    /// `metadata.generation` as written (the API server's count of spec changes): status
    /// conditions report it as `observedGeneration`.
    public var generation: Int?

    /// Creates metadata.
    public init(
        name: String,
        namespace: String? = nil,
        labels: [String: String] = [:],
        annotations: [String: String] = [:],
        creationTimestamp: String? = nil,
        generation: Int? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.creationTimestamp = creationTimestamp
        self.generation = generation
    }
}

/// Where a list entry (listener, rule, reference) was written, for later diagnostics.
public struct FieldSource: Sendable, Hashable {
    /// Where the entry starts.
    public var location: SourceLocation
    /// The entry's field path inside its document, e.g. `spec.rules[2]`.
    public var fieldPath: String

    /// Creates a field source.
    public init(location: SourceLocation, fieldPath: String) {
        self.location = location
        self.fieldPath = fieldPath
    }
}

/// A document whose kind this loader does not handle; it is reported, not treated as an error.
public struct IgnoredDocument: Sendable, Hashable {
    /// The document's `apiVersion`.
    public var apiVersion: String
    /// The document's `kind`.
    public var kind: String
    /// `metadata.name`.
    public var name: String
    /// `metadata.namespace` as written (nil when absent; no default is applied for unknown kinds).
    public var namespace: String?
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int
    /// Why it was ignored, e.g. `kind GatewayParameters is not supported yet`.
    public var reason: String

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        kind: String,
        name: String,
        namespace: String? = nil,
        location: SourceLocation,
        documentIndex: Int,
        reason: String
    ) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.location = location
        self.documentIndex = documentIndex
        self.reason = reason
    }
}
