/// A Gateway API ReferenceGrant: lets objects in other namespaces refer to objects in this one.
public struct ReferenceGrant: KubernetesResource, Hashable {
    public static let kind = "ReferenceGrant"
    public static let isNamespaced = true

    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: ReferenceGrantSpec
    public var location: SourceLocation
    public var documentIndex: Int

    public init(apiVersion: String, metadata: ObjectMeta, spec: ReferenceGrantSpec, location: SourceLocation, documentIndex: Int) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.documentIndex = documentIndex
    }
}

public struct ReferenceGrantSpec: Sendable, Hashable {
    /// Who may refer: a group, kind and namespace each.
    public var from: [ReferenceGrantFrom]
    /// What they may refer to in the grant's namespace.
    public var to: [ReferenceGrantTo]

    public init(from: [ReferenceGrantFrom], to: [ReferenceGrantTo]) {
        self.from = from
        self.to = to
    }
}

public struct ReferenceGrantFrom: Sendable, Hashable {
    public var group: String
    public var kind: String
    public var namespace: String

    public init(group: String, kind: String, namespace: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
    }
}

public struct ReferenceGrantTo: Sendable, Hashable {
    public var group: String
    public var kind: String
    /// Nil grants every object of the kind.
    public var name: String?

    public init(group: String, kind: String, name: String?) {
        self.group = group
        self.kind = kind
        self.name = name
    }
}
