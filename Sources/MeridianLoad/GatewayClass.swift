/// A Gateway API GatewayClass: which controller implements Gateways of this class.
public struct GatewayClass: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "GatewayClass"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = false
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The class's desired state.
    public var spec: GatewayClassSpec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String,
        metadata: ObjectMeta,
        spec: GatewayClassSpec,
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

/// The spec of a GatewayClass.
public struct GatewayClassSpec: Sendable, Hashable {
    /// The domain-prefixed name of the controller managing Gateways of this class.
    public var controllerName: String
    /// Free-form description (at most 64 characters).
    public var description: String?
    /// Implementation-specific parameters.
    public var parametersRef: ParametersReference?

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        controllerName: String,
        description: String? = nil,
        parametersRef: ParametersReference? = nil
    ) {
        self.controllerName = controllerName
        self.description = description
        self.parametersRef = parametersRef
    }
}
