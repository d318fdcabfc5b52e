/// A Kubernetes Secret (`v1`). Meridian serves `kubernetes.io/tls` Secrets as the
/// certificates of HTTPS listeners; Secrets of other types load, and are refused
/// where a listener names them.
///
/// Its description names the keys, never the values.
public struct Secret: KubernetesResource, Hashable, CustomStringConvertible {
    /// The Kubernetes kind.
    public static let kind = "Secret"
    /// Whether objects of this kind live in a namespace.
    public static let isNamespaced = true
    /// The type of Secrets holding a TLS certificate chain (`tls.crt`) and its key (`tls.key`).
    public static let tlsType = "kubernetes.io/tls"
    /// The key of the PEM certificate chain in a TLS Secret.
    public static let certificateKey = "tls.crt"
    /// The key of the PEM private key in a TLS Secret.
    public static let privateKeyKey = "tls.key"

    /// The apiVersion the document was written with.
    public var apiVersion: String
    /// Name, namespace (defaulted), labels and annotations.
    public var metadata: ObjectMeta
    /// The Secret's type; `Opaque` when not written.
    public var type: String
    /// `data` decoded from base64, with `stringData` merged over it as the API server merges it.
    public var data: [String: [UInt8]]
    /// Where the document's root mapping starts.
    public var location: SourceLocation
    /// 0-based index of the document in its file.
    public var documentIndex: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        apiVersion: String = "v1",
        metadata: ObjectMeta,
        type: String = "Opaque",
        data: [String: [UInt8]] = [:],
        location: SourceLocation,
        documentIndex: Int = 0
    ) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.type = type
        self.data = data
        self.location = location
        self.documentIndex = documentIndex
    }

    public var description: String {
        "Secret \(qualifiedName) (type \(type), keys: \(data.keys.sorted().joined(separator: ", ")))"
    }
}

extension Secret {
    /// The API server's limit on the size of a Secret's data.
    static let maxDataBytes = 1024 * 1024

    /// Decodes `type`, `data` (base64, as the API server requires) and `stringData`.
    static func decodeBody(_ root: MappingReader) -> (type: String, data: [String: [UInt8]]) {
        let type = root.string("type", allowEmpty: true, maxLength: 253).flatMap { $0.isEmpty ? nil : $0 } ?? "Opaque"
        var data: [String: [UInt8]] = [:]
        // Keys written, even with a bad value (already reported), so none is also called missing.
        var written: Set<String> = []
        if let dataReader = root.value("data"), let mapping = dataReader.mapping() {
            for entry in mapping.entries {
                guard let key = entry.key.scalar?.text else { continue }
                // Every key is a file name of the Secret, not a field: mark it read.
                _ = mapping.value(key)
                written.insert(key)
                let reader = NodeReader(node: entry.value, path: dataReader.path.key(key), diagnostics: root.diagnostics)
                if let problem = keyProblem(key) {
                    root.diagnostics.report(.invalidValue, "invalid key \(quoted(key)): \(problem)", at: entry.key.location, path: reader.path)
                    continue
                }
                if entry.value.isNull {
                    data[key] = []
                    continue
                }
                guard let text = reader.string(allowEmpty: true) else { continue }
                switch Base64.decode(text) {
                case .success(let bytes): data[key] = bytes
                case .failure(let problem): reader.reportInvalid("invalid base64: \(problem.description)")
                }
            }
        }
        let strings = root.stringMap("stringData", keyProblem: keyProblem)
        for (key, value) in strings { data[key] = Array(value.utf8) }

        let size = data.reduce(0) { $0 + $1.key.utf8.count + $1.value.count }
        if size > maxDataBytes {
            root.report(.invalidValue, "data: must be at most \(maxDataBytes) bytes in total (got \(size))")
        }
        if type == tlsType {
            for required in [certificateKey, privateKeyKey] where data[required] == nil && !written.contains(required) {
                root.diagnostics.report(.missingField, "required for a Secret of type \(tlsType)", at: root.location, path: root.path.field("data").key(required))
            }
        }
        return (type, data)
    }

    /// The API server's rule for Secret keys: letters, digits, `-`, `_` and `.`, at most 253 characters.
    static func keyProblem(_ key: String) -> String? {
        if key.isEmpty || key.utf8.count > 253 { return "must be 1 to 253 characters long" }
        if key == "." || key == ".." { return "must not be '.' or '..'" }
        let allowed = key.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == ".")
        }
        return allowed ? nil : "must consist of letters, digits, '-', '_' or '.'"
    }
}

/// Standard base64 with padding, as Kubernetes reads Secret `data` (Go's `StdEncoding`:
/// line breaks are skipped, anything else outside the alphabet is an error).
enum Base64 {
    struct Problem: Error, Equatable, CustomStringConvertible {
        /// 0-based offset in the text, counted in bytes as Go counts them.
        var offset: Int
        var description: String { "illegal base64 data at input byte \(offset)" }
    }

    static func decode(_ text: String) -> Result<[UInt8], Problem> {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var quantum: [UInt8] = []
        var padding = 0
        var finished = false
        for (offset, byte) in text.utf8.enumerated() {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { continue }
            // Nothing may follow the padding; padding completes a quantum of two or three characters.
            if finished { return .failure(Problem(offset: offset)) }
            if byte == UInt8(ascii: "=") {
                guard quantum.count >= 2 else { return .failure(Problem(offset: offset)) }
                padding += 1
                if quantum.count + padding == 4 {
                    output.append(contentsOf: bytes(of: quantum))
                    quantum = []
                    finished = true
                }
                continue
            }
            guard padding == 0, let value = value(of: byte) else { return .failure(Problem(offset: offset)) }
            quantum.append(value)
            if quantum.count == 4 {
                output.append(contentsOf: bytes(of: quantum))
                quantum = []
            }
        }
        if !quantum.isEmpty || padding > 0 && !finished { return .failure(Problem(offset: text.utf8.count)) }
        return .success(output)
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    /// The 1 to 3 bytes a quantum of 2 to 4 sextets encodes.
    private static func bytes(of quantum: [UInt8]) -> [UInt8] {
        var word: UInt32 = 0
        for (index, sextet) in quantum.enumerated() { word |= UInt32(sextet) << (18 - 6 * index) }
        let all = [UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)]
        return Array(all.prefix(quantum.count - 1))
    }
}
