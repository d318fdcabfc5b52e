/// An object of a kind whose `spec` is decoded generically (`YAMLObjectDecoder`): the policy
/// kinds of kgateway, of the seed documents, and Gateway API's BackendLBPolicy.
///
/// Each kind is a `CustomResourceSpec`; e.g. `CircuitBreakerPolicy` is
/// `CustomResource<CircuitBreakerPolicySpec>`.
public struct CustomResource<Spec: CustomResourceSpec>: KubernetesResource, Hashable {
    /// The Kubernetes kind, e.g. `TrafficPolicy`.
    public static var kind: String { Spec.kind }
    /// Whether objects of this kind live in a namespace.
    public static var isNamespaced: Bool { Spec.isNamespaced }
    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (`default` when not written, for namespaced kinds), labels and annotations.
    public var metadata: ObjectMeta
    /// The decoded and validated spec.
    public var spec: Spec
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer.
    public init(apiVersion: String, metadata: ObjectMeta, spec: Spec, location: SourceLocation, documentIndex: Int) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.documentIndex = documentIndex
    }
}

/// The spec of a kind loaded through `CustomResource`: which documents it is read from and
/// where the loaded objects go.
public protocol CustomResourceSpec: Decodable, Sendable, Hashable {
    /// The Kubernetes kind, e.g. `TrafficPolicy`.
    static var kind: String { get }
    /// The apiVersions (`group/version`) this loader reads the kind from; another version of
    /// the kind is an error.
    static var apiVersions: [String] { get }
    /// Whether objects of this kind live in a namespace.
    static var isNamespaced: Bool { get }
    /// Where loaded objects are collected.
    static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { get }
}

extension CustomResourceSpec {
    /// Policies are namespaced unless they say otherwise.
    public static var isNamespaced: Bool { true }
}
