import ContentDigest
import EnvoyAPI

/// An immutable, consistent set of resources for one proxy group, with a content-derived version.
///
/// Each resource is encoded once, when the snapshot is built; every stream that
/// serves it shares those bytes.
public struct Snapshot: Sendable, Equatable {
    /// SHA-256 (hex) over the sorted encoded resources: the same content gives
    /// the same version on every replica and after every restart.
    public let version: String
    /// Resources by type, each list sorted by name.
    public let resources: [ResourceType: [XDSResource]]
    private let index: [ResourceType: [String: XDSResource]]

    /// Builds a snapshot, refusing duplicate names and dangling references.
    public init(resources: [XDSResource]) throws(SnapshotError) {
        var index: [ResourceType: [String: XDSResource]] = [:]
        for resource in resources {
            if index[resource.type, default: [:]][resource.name] != nil {
                throw SnapshotError(code: .duplicateResource, message: "\(resource.type) \"\(resource.name)\" appears more than once")
            }
            index[resource.type, default: [:]][resource.name] = resource
        }
        for resource in resources.sorted(by: { ($0.type, $0.name) < ($1.type, $1.name) }) {
            for reference in resource.references where index[reference.type]?[reference.name] == nil {
                throw SnapshotError(
                    code: .missingReference,
                    message: "\(resource.type) \"\(resource.name)\" refers to \(reference.type) \"\(reference.name)\", which the snapshot does not contain"
                )
            }
        }
        var sorted: [ResourceType: [XDSResource]] = [:]
        var digest = SHA256Digest()
        for type in ResourceType.allCases.sorted() {
            let ofType = (index[type] ?? [:]).values.sorted { $0.name < $1.name }
            sorted[type] = ofType
            for resource in ofType {
                digest.update(delimited: type.typeURL)
                digest.update(delimited: resource.name)
                withUnsafeBytes(of: UInt64(resource.message.count).littleEndian) { digest.update($0) }
                resource.message.withUnsafeBytes { digest.update($0) }
            }
        }
        self.resources = sorted
        self.index = index
        self.version = SHA256Digest.hexString(digest.finalize())
    }

    /// Two snapshots are equal when their content is: the version is its digest.
    public static func == (lhs: Snapshot, rhs: Snapshot) -> Bool { lhs.version == rhs.version }

    /// The resource of `type` named `name`, if the snapshot has it.
    public func resource(_ type: ResourceType, named name: String) -> XDSResource? {
        index[type]?[name]
    }

    /// How many resources of every type the snapshot holds.
    public var resourceCount: Int { index.values.reduce(0) { $0 + $1.count } }

    /// The total size of every encoded resource, in bytes.
    public var encodedByteCount: Int {
        resources.values.reduce(0) { total, list in list.reduce(total) { $0 + $1.message.count } }
    }
}

/// Why a set of resources cannot be served as a snapshot.
public struct SnapshotError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case duplicateResource
        case missingReference
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
