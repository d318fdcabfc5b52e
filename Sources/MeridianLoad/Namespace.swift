/// A Kubernetes Namespace: only its name and labels matter here, for listeners whose
/// `allowedRoutes.namespaces.from` is `Selector`.
public struct Namespace: KubernetesResource, Hashable {
    public static let kind = "Namespace"
    public static let isNamespaced = false
    /// The label every namespace carries with its own name (Kubernetes sets it since 1.21).
    public static let nameLabel = "kubernetes.io/metadata.name"

    public var apiVersion: String
    public var metadata: ObjectMeta
    public var location: SourceLocation
    public var documentIndex: Int

    public init(apiVersion: String, metadata: ObjectMeta, location: SourceLocation, documentIndex: Int) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.location = location
        self.documentIndex = documentIndex
    }

    /// The namespace's labels, with the implicit `kubernetes.io/metadata.name`.
    public var effectiveLabels: [String: String] {
        metadata.labels.merging([Self.nameLabel: metadata.name]) { _, implicit in implicit }
    }

    /// The labels of namespace `name`: its own when declared, else only the implicit name label
    /// (a namespace referenced but not declared behaves as one that exists with no other labels).
    public static func labels(of name: String, declared: [String: Namespace]) -> [String: String] {
        declared[name]?.effectiveLabels ?? [nameLabel: name]
    }
}

extension LabelSelector {
    /// Whether `labels` satisfy every `matchLabels` entry and every `matchExpressions` requirement
    /// (an empty selector matches everything, as in Kubernetes).
    public func matches(_ labels: [String: String]) -> Bool {
        matchLabels.allSatisfy { labels[$0.key] == $0.value } && matchExpressions.allSatisfy { requirement in
            let value = labels[requirement.key]
            switch requirement.operator {
            case .in: return value.map(requirement.values.contains) ?? false
            case .notIn: return value.map { !requirement.values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }
    }

    /// `key=value, key in (a, b), ...` for messages.
    public var description: String {
        let labels = matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let expressions = matchExpressions.map { requirement -> String in
            switch requirement.operator {
            case .in: "\(requirement.key) in (\(requirement.values.joined(separator: ", ")))"
            case .notIn: "\(requirement.key) notin (\(requirement.values.joined(separator: ", ")))"
            case .exists: requirement.key
            case .doesNotExist: "!\(requirement.key)"
            }
        }
        let all = labels + expressions
        return all.isEmpty ? "(everything)" : all.joined(separator: ", ")
    }
}
