// Per-object isolation, as `kubectl apply` refuses one object and not the others: an object
// with errors is set aside on its own (`RejectedObject`), a second declaration of an object is
// set aside in favour of the first, and a file that cannot be read or parsed is set aside
// whole. Everything else is served; `serve` puts back the last good version of whatever was
// set aside (`keepingLastGoodVersions`).

/// One kind's objects in a `LoadedConfiguration`: the one table isolation works from.
struct LoadedKind {
    let kind: String
    /// Every object of the kind: its namespace, name and the file it was written in.
    let objects: (LoadedConfiguration) -> [(namespace: String?, name: String, file: String)]
    /// Copies object `namespace/name` of the kind from the first configuration into the second.
    let copy: (_ namespace: String?, _ name: String, LoadedConfiguration, inout LoadedConfiguration) -> Bool

    init<Resource: KubernetesResource>(_ path: WritableKeyPath<LoadedConfiguration, [Resource]>) {
        kind = Resource.kind
        objects = { configuration in
            configuration[keyPath: path].map { ($0.metadata.namespace, $0.metadata.name, $0.location.file) }
        }
        copy = { namespace, name, source, target in
            guard let object = source[keyPath: path].first(where: { $0.metadata.name == name && $0.metadata.namespace == namespace }) else {
                return false
            }
            target[keyPath: path].append(object)
            return true
        }
    }

    static func key(_ kind: String, _ namespace: String?, _ name: String) -> String {
        "\(kind) \(namespace ?? "")/\(name)"
    }

    /// `Kind namespace/name` of every object of the kind.
    func keys(in configuration: LoadedConfiguration) -> [String] {
        objects(configuration).map { LoadedKind.key(kind, $0.namespace, $0.name) }
    }

    /// Every kind the loader collects.
    static var all: [LoadedKind] {
        [
            LoadedKind(\.gatewayClasses), LoadedKind(\.gateways), LoadedKind(\.listenerSets), LoadedKind(\.httpRoutes), LoadedKind(\.grpcRoutes),
            LoadedKind(\.services), LoadedKind(\.endpointSlices), LoadedKind(\.referenceGrants), LoadedKind(\.namespaces),
            LoadedKind(\.secrets), LoadedKind(\.configMaps),
        ] + CustomResourceKinds.all.map { $0.loadedKind }
    }
}

extension CustomResourceSpec {
    static var loadedKind: LoadedKind { LoadedKind(loadedObjects) }
}

extension LoadedConfiguration {
    /// Puts back the last good version (from `previous`, what is being served) of each object
    /// set aside now, and of every object of a file that could not be read or parsed now,
    /// unless the object is declared validly elsewhere now. Returns the rejected objects kept
    /// that way (objects of unreadable files are named by `unreadableFiles`).
    public mutating func keepingLastGoodVersions(from previous: LoadedConfiguration) -> [RejectedObject] {
        let kinds = LoadedKind.all
        var present = Set(kinds.flatMap { $0.keys(in: self) })
        func restore(_ kind: LoadedKind, namespace: String?, name: String) -> Bool {
            let key = LoadedKind.key(kind.kind, namespace, name)
            guard !present.contains(key), kind.copy(namespace, name, previous, &self) else { return false }
            present.insert(key)
            // The last good version's content is what is served, so it is what history compares.
            let digestKey = InputDigests.objectKey(kind: kind.kind, namespace: namespace, name: name)
            digests.objects[digestKey] = previous.digests.objects[digestKey]
            return true
        }
        var kept: [RejectedObject] = []
        for object in rejected {
            guard let kind = kinds.first(where: { $0.kind == object.kind }) else { continue }
            if restore(kind, namespace: object.namespace, name: object.name) { kept.append(object) }
        }
        let unreadable = Set(unreadableFiles)
        for kind in kinds {
            for object in kind.objects(previous) where unreadable.contains(object.file) {
                _ = restore(kind, namespace: object.namespace, name: object.name)
            }
        }
        return kept
    }
}
