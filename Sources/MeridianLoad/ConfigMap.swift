/// A Kubernetes ConfigMap (`v1`), read for the CA certificates a BackendTLSPolicy names
/// (`ca.crt`). Only `data`, `binaryData` and `immutable` are read.
public struct ConfigMap: KubernetesResource, Hashable {
    /// The Kubernetes kind.
    public static let kind = "ConfigMap"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The key of a PEM CA bundle, as the Gateway API names it for BackendTLSPolicy.
    public static let caCertificateKey = "ca.crt"

    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// `data`, with `binaryData` (base64) merged in.
    public var data: [String: [UInt8]]
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer.
    public init(apiVersion: String = "v1", metadata: ObjectMeta, data: [String: [UInt8]] = [:], location: SourceLocation, documentIndex: Int = 0) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.data = data
        self.location = location
        self.documentIndex = documentIndex
    }
}

extension ConfigMap {
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        let root = document.root
        _ = root.bool("immutable")
        var data: [String: [UInt8]] = [:]
        for (key, value) in root.stringMap("data", keyProblem: Secret.keyProblem) {
            data[key] = Array(value.utf8)
        }
        for (key, value) in root.stringMap("binaryData", keyProblem: Secret.keyProblem) {
            switch Base64.decode(value) {
            case .success(let bytes):
                if data[key] != nil {
                    root.report(.invalidValue, "binaryData[\(key)]: the key is in data too")
                }
                data[key] = bytes
            case .failure(let problem):
                root.report(.invalidValue, "binaryData[\(key)]: invalid base64: \(problem.description)")
            }
        }
        let size = data.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
        if size > Secret.maxDataBytes {
            root.report(.invalidValue, "data: must be at most \(Secret.maxDataBytes) bytes in total (got \(size))")
        }
        return .configMap(ConfigMap(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            data: data,
            location: document.location,
            documentIndex: document.index
        ))
    }
}
