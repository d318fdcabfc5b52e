import EnvoyAPI

/// What a proxy holds, or should hold, of one resource type on one stream.
///
/// Almost always that is exactly a snapshot's resources for the proxy's subscription, so it
/// is kept as a reference to that snapshot (whose storage every stream shares): constant
/// memory per stream, and a constant-time comparison when two sets come from the same
/// version, or from versions whose content of this type is the same. Only when
/// make-before-break mixes versions is a set spelled out name by name.
struct ResourceSet: Sendable {
    /// One resource: compared by digest, sent again by its bytes.
    struct Held: Sendable, Equatable {
        var digest: ResourceDigest
        var resource: XDSResource

        static func == (lhs: Held, rhs: Held) -> Bool { lhs.digest == rhs.digest }
    }

    private enum Storage: Sendable {
        /// The resources of `type` in `snapshot`: all of them (`names` nil), or those named.
        case snapshot(Snapshot, ResourceType, names: Set<String>?)
        case explicit([String: Held])
    }

    private let storage: Storage

    /// The resources of `type` in `snapshot` a subscription gets: every one for a wildcard
    /// (`names` nil), else those of `names` that exist.
    init(_ snapshot: Snapshot, _ type: ResourceType, names: Set<String>?) {
        storage = .snapshot(snapshot, type, names: names)
    }

    init(_ entries: [String: Held]) {
        storage = .explicit(entries)
    }

    subscript(name: String) -> Held? {
        switch storage {
        case .snapshot(let snapshot, let type, let names):
            if let names, !names.contains(name) { return nil }
            guard let resource = snapshot.resource(type, named: name), let digest = snapshot.digests[type]?[name] else { return nil }
            return Held(digest: digest, resource: resource)
        case .explicit(let entries):
            return entries[name]
        }
    }

    /// The resources, sorted by name (for a wildcard, the snapshot's own sorted list).
    var resources: [XDSResource] {
        switch storage {
        case .snapshot(let snapshot, let type, let names):
            let all = snapshot.resources[type] ?? []
            guard let names else { return all }
            return names.sorted().compactMap { snapshot.resource(type, named: $0) }
        case .explicit(let entries):
            return entries.keys.sorted().map { entries[$0]!.resource }
        }
    }

    var isEmpty: Bool {
        switch storage {
        case .snapshot(let snapshot, let type, let names):
            guard let names else { return snapshot.resources[type]?.isEmpty ?? true }
            return !names.contains { snapshot.resource(type, named: $0) != nil }
        case .explicit(let entries):
            return entries.isEmpty
        }
    }

    /// Every resource with its digest.
    var entries: [String: Held] {
        switch storage {
        case .snapshot:
            var entries: [String: Held] = [:]
            for resource in resources { entries[resource.name] = self[resource.name] }
            return entries
        case .explicit(let entries):
            return entries
        }
    }

    /// Whether every resource here is in `other`, with the same content.
    func isSubset(of other: ResourceSet) -> Bool {
        if self == other { return true }
        return entries.allSatisfy { other[$0.key] == $0.value }
    }
}

extension ResourceSet: Equatable {
    static func == (lhs: ResourceSet, rhs: ResourceSet) -> Bool {
        if case .snapshot(let left, let leftType, let leftNames) = lhs.storage,
           case .snapshot(let right, let rightType, let rightNames) = rhs.storage,
           leftType == rightType, leftNames == rightNames {
            // The same version, or the same content of the whole type: equal for any names.
            if left.version == right.version || left.typeDigests[leftType] == right.typeDigests[leftType] { return true }
            guard let names = leftNames else { return false }
            return names.allSatisfy { left.digests[leftType]?[$0] == right.digests[leftType]?[$0] }
        }
        return lhs.entries.mapValues(\.digest) == rhs.entries.mapValues(\.digest)
    }
}
