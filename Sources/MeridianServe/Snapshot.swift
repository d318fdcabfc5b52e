import ContentDigest
import EnvoyAPI
import Synchronization

/// An immutable, consistent set of resources for one proxy group, with a content-derived version.
///
/// Each resource is encoded once, when the snapshot is built; every stream that
/// serves it shares those bytes.
public struct Snapshot: Sendable, Equatable {
    /// SHA-256 (hex) over the sorted resources' names and digests: the same
    /// content gives the same version on every replica and after every restart.
    public let version: String
    /// Resources by type, each list sorted by name.
    public let resources: [ResourceType: [XDSResource]]
    /// Each resource's SHA-256, by type and name.
    public let digests: [ResourceType: [String: ResourceDigest]]
    /// Each type's content digest (over its resources' names and digests): equal for two
    /// snapshots exactly when that type's content is, whatever else changed.
    public let typeDigests: [ResourceType: ResourceDigest]
    /// Each resource's version as delta xDS carries it (`resourceVersion(of:)`), made once
    /// here rather than by every stream for every comparison.
    public let resourceVersions: [ResourceType: [String: String]]
    private let index: [ResourceType: [String: XDSResource]]
    /// What changed since the snapshot streams held before this one: computed by the first
    /// stream that asks, shared by the rest (a fleet moves from the same snapshot to this one).
    private let changes = ChangesSince()

    /// Builds a snapshot, refusing duplicate names and dangling references.
    public init(resources: [XDSResource]) throws(SnapshotError) {
        // One pass groups by type and indexes by name (thousands of resources per edit).
        var index: [ResourceType: [String: XDSResource]] = [:]
        var grouped: [ResourceType: [XDSResource]] = [:]
        for resource in resources {
            let added = index[resource.type, default: [:]].updateValue(resource, forKey: resource.name) == nil
            guard added else {
                throw SnapshotError(code: .duplicateResource, message: "\(resource.type) \"\(resource.name)\" appears more than once")
            }
            grouped[resource.type, default: []].append(resource)
        }
        // Checked in any order first; the first dangling reference in (type, name) order is
        // looked for only when there is one, so the error does not depend on the input's order.
        let dangling = { (resource: XDSResource) in resource.references.first { index[$0.type]?[$0.name] == nil } }
        if resources.contains(where: { dangling($0) != nil }) {
            for resource in resources.sorted(by: { ($0.type, $0.name) < ($1.type, $1.name) }) {
                if let reference = dangling(resource) {
                    throw SnapshotError(
                        code: .missingReference,
                        message: "\(resource.type) \"\(resource.name)\" refers to \(reference.type) \"\(reference.name)\", which the snapshot does not contain"
                    )
                }
            }
        }
        // Each resource's bytes were hashed once, when encoded; streams compare these digests
        // instead of the bytes, and the version is a digest of the digests.
        var sorted: [ResourceType: [XDSResource]] = [:]
        var digests: [ResourceType: [String: ResourceDigest]] = [:]
        var versions: [ResourceType: [String: String]] = [:]
        var typeDigests: [ResourceType: ResourceDigest] = [:]
        var version = SHA256Digest()
        for type in ResourceType.allCases.sorted() {
            // Usually already in name order (the encoder sorts): then only checked, not sorted.
            let unsorted = grouped[type] ?? []
            let ofType = zip(unsorted, unsorted.dropFirst()).allSatisfy({ $0.name < $1.name }) ? unsorted : unsorted.sorted { $0.name < $1.name }
            sorted[type] = ofType
            var typeDigest = SHA256Digest()
            var digestsOfType: [String: ResourceDigest] = [:]
            var versionsOfType: [String: String] = [:]
            digestsOfType.reserveCapacity(ofType.count)
            versionsOfType.reserveCapacity(ofType.count)
            for resource in ofType {
                let digestBytes = resource.message.sha256()
                digestsOfType[resource.name] = ResourceDigest(digestBytes)
                versionsOfType[resource.name] = resource.message.digestPrefix
                version.update(delimited: type.typeURL)
                version.update(delimited: resource.name)
                version.update(digestBytes)
                typeDigest.update(delimited: resource.name)
                typeDigest.update(digestBytes)
            }
            if !ofType.isEmpty {
                digests[type] = digestsOfType
                versions[type] = versionsOfType
            }
            typeDigests[type] = ResourceDigest(typeDigest.finalize())
        }
        self.resources = sorted
        self.typeDigests = typeDigests
        resourceVersions = versions
        self.index = index
        self.digests = digests
        self.version = SHA256Digest.hexString(version.finalize())
    }

    /// The names of each type whose version differs from `previous` (added, changed or gone).
    package func changedNames(since previous: Snapshot?) -> [ResourceType: [String]] {
        let key = previous?.version ?? ""
        if let known = changes.last.withLock({ $0?.previous == key ? $0?.names : nil }) { return known }
        var names: [ResourceType: [String]] = [:]
        for type in ResourceType.allCases {
            let before = previous?.resourceVersions[type] ?? [:]
            let after = resourceVersions[type] ?? [:]
            var changed: [String] = []
            for (name, version) in after where before[name] != version { changed.append(name) }
            for name in before.keys where after[name] == nil { changed.append(name) }
            if !changed.isEmpty { names[type] = changed }
        }
        changes.last.withLock { $0 = (key, names) }
        return names
    }

    /// A resource's delta xDS version: the first 16 hex digits of its SHA-256, from content
    /// alone, so it is the same after a restart and on every replica.
    public static func resourceVersion(of digest: ResourceDigest) -> String {
        SHA256Digest.hexString(digest.bytes.prefix(8))
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

/// The SHA-256 of one encoded resource, compared in place of its bytes.
public struct ResourceDigest: Sendable, Hashable {
    private let words: (UInt64, UInt64, UInt64, UInt64)

    init(_ bytes: [UInt8]) {
        func word(_ offset: Int) -> UInt64 {
            var word: UInt64 = 0
            for index in offset..<offset + 8 { word = word << 8 | UInt64(bytes[index]) }
            return word
        }
        words = (word(0), word(8), word(16), word(24))
    }

    var bytes: [UInt8] {
        [words.0, words.1, words.2, words.3].flatMap { word in (0..<8).reversed().map { UInt8(truncatingIfNeeded: word >> ($0 * 8)) } }
    }

    public static func == (lhs: ResourceDigest, rhs: ResourceDigest) -> Bool { lhs.words == rhs.words }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
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

/// The last `Snapshot.changedNames(since:)` answer: one per snapshot, for the version most
/// streams come from.
final class ChangesSince: Sendable {
    let last = Mutex<(previous: String, names: [ResourceType: [String]])?>(nil)
}
