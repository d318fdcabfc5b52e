/// A kind Meridian reads, as the Kubernetes API serves it: what a Kubernetes source lists
/// and watches. Derived from the loader's own table of kinds, so the two cannot disagree.
public struct ReadKind: Sendable, Hashable {
    public var kind: String
    /// The apiVersion read from the API server: the first the loader accepts.
    public var apiVersion: String
    /// The collection's resource name (the lower-case plural in the URL).
    public var resource: String
    public var isNamespaced: Bool

    /// The collection path: every namespace (nil), or one.
    public func collection(namespace: String?) -> String {
        let base = apiVersion.contains("/") ? "/apis/\(apiVersion)" : "/api/\(apiVersion)"
        guard isNamespaced, let namespace else { return "\(base)/\(resource)" }
        return "\(base)/namespaces/\(namespace)/\(resource)"
    }

    /// Kubernetes' plural of a kind: lower case, a consonant and `y` → `-ies` (policies, but
    /// gateways), `-s` → `-ses`, else `-s` (what CRDs and the built-in kinds read here use).
    static func resource(of kind: String) -> String {
        let lower = kind.lowercased()
        if lower.hasSuffix("y"), let before = lower.dropLast().last, !"aeiou".contains(before) { return lower.dropLast() + "ies" }
        if lower.hasSuffix("s") { return lower + "es" }
        return lower + "s"
    }
}

public enum ReadKinds {
    /// Every kind the loader reads, each once, with the apiVersion to read it at.
    public static let all: [ReadKind] = {
        let clusterScoped: Set<String> = [GatewayClass.kind, Namespace.kind]
        let handDecoded = KnownKinds.handDecoded.map { known in
            ReadKind(kind: known.kind, apiVersion: known.apiVersions[0], resource: ReadKind.resource(of: known.kind), isNamespaced: !clusterScoped.contains(known.kind))
        }
        let custom = CustomResourceKinds.all.map { spec in
            ReadKind(kind: spec.kind, apiVersion: spec.apiVersions[0], resource: ReadKind.resource(of: spec.kind), isNamespaced: spec.isNamespaced)
        }
        return handDecoded + custom
    }()
}
