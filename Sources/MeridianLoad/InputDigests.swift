import ContentDigest

/// Content digests of what a load read: each file's bytes and each object's content.
///
/// Snapshot history compares two loads by these to say which files and objects changed
/// between two served versions. Object digests are over the parsed document, not its text,
/// so reformatting, comments, quoting a string and the order of mapping keys are not changes;
/// a quoted `"1"` and a plain `1` are (they decode to different types).
public struct InputDigests: Sendable, Hashable {
    /// SHA-256 (hex) of each file's bytes, by path as given to the loader.
    public var files: [String: String] = [:]
    /// SHA-256 (hex) of each loaded object's document, by `Kind namespace/name`
    /// (`Kind name` for cluster-scoped kinds).
    public var objects: [String: String] = [:]

    /// No digests.
    public init(files: [String: String] = [:], objects: [String: String] = [:]) {
        self.files = files
        self.objects = objects
    }

    /// `Kind namespace/name`, or `Kind name` for a cluster-scoped object.
    public static func objectKey(kind: String, namespace: String?, name: String) -> String {
        "\(kind) \(namespace.map { "\($0)/\(name)" } ?? name)"
    }

    /// The digest of a parsed document, independent of how it was written.
    static func digest(of node: YAMLNode) -> String {
        var bytes: [UInt8] = []
        canonical(node, into: &bytes)
        return SHA256Digest.hex(of: bytes)
    }

    /// A length-prefixed encoding of the tree: unambiguous, so two different trees never
    /// encode alike. Mapping entries are sorted by key (their order carries no meaning).
    private static func canonical(_ node: YAMLNode, into bytes: inout [UInt8]) {
        func append(_ text: String) {
            append(count: text.utf8.count)
            bytes.append(contentsOf: text.utf8)
        }
        func append(count: Int) {
            // Eight bytes, big-endian.
            let value = UInt64(count)
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        switch node.content {
        case .scalar(let scalar):
            // What the scalar resolves to, not how it was written: a plain `v1` and a quoted
            // "v1" are the same string; a plain `1` and a quoted "1" are not the same value.
            if case .string = YAMLScalarResolution.resolve(scalar, tag: node.tag) {
                bytes.append(UInt8(ascii: "s"))
            } else {
                bytes.append(UInt8(ascii: "p"))
            }
            append(scalar.text)
        case .sequence(let items):
            append(node.tag ?? "")
            bytes.append(UInt8(ascii: "q"))
            append(count: items.count)
            for item in items { canonical(item, into: &bytes) }
        case .mapping(let entries):
            append(node.tag ?? "")
            bytes.append(UInt8(ascii: "m"))
            append(count: entries.count)
            // Every entry's key and value encoded into one scratch buffer (not two arrays per
            // entry), then copied out in key order.
            var scratch: [UInt8] = []
            var ranges: [(key: Range<Int>, value: Range<Int>)] = []
            ranges.reserveCapacity(entries.count)
            for entry in entries {
                let keyStart = scratch.count
                canonical(entry.key, into: &scratch)
                let valueStart = scratch.count
                canonical(entry.value, into: &scratch)
                ranges.append((keyStart..<valueStart, valueStart..<scratch.count))
            }
            ranges.sort { scratch[$0.key].lexicographicallyPrecedes(scratch[$1.key]) }
            for range in ranges {
                bytes += scratch[range.key]
                bytes += scratch[range.value]
            }
        }
    }
}
