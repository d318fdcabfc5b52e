// Per-object isolation, as `kubectl apply` refuses one object and not the others: an object
// with errors is set aside on its own (`RejectedObject`), a second declaration of an object is
// set aside in favour of the first, and a file that cannot be read or parsed is set aside
// whole. Everything else is served; `serve` puts back the last good version of whatever was
// set aside (`keepingLastGoodVersions`).

extension LoadedConfiguration {
    /// Every object, as (kind, namespace, name, where it was written).
    var objectIdentities: [(kind: String, namespace: String?, name: String, file: String)] {
        func identities<Resource: KubernetesResource>(_ resources: [Resource]) -> [(kind: String, namespace: String?, name: String, file: String)] {
            resources.map { (Resource.kind, $0.metadata.namespace, $0.metadata.name, $0.location.file) }
        }
        return identities(gatewayClasses) + identities(gateways) + identities(httpRoutes) + identities(grpcRoutes)
            + identities(services) + identities(endpointSlices) + identities(referenceGrants) + identities(namespaces)
            + identities(secrets) + identities(configMaps) + CustomResourceKinds.all.flatMap { $0.identities(in: self) }
    }

    /// Copies the object `kind` `namespace/name` from `source` when `source` has it.
    mutating func copyObject(kind: String, namespace: String?, name: String, from source: LoadedConfiguration) -> Bool {
        func copy<Resource: KubernetesResource>(_ path: WritableKeyPath<LoadedConfiguration, [Resource]>) -> Bool {
            guard Resource.kind == kind,
                  let object = source[keyPath: path].first(where: { $0.metadata.name == name && $0.metadata.namespace == namespace })
            else { return false }
            self[keyPath: path].append(object)
            return true
        }
        if copy(\.gatewayClasses) || copy(\.gateways) || copy(\.httpRoutes) || copy(\.grpcRoutes) || copy(\.services)
            || copy(\.endpointSlices) || copy(\.referenceGrants) || copy(\.namespaces) || copy(\.secrets) || copy(\.configMaps) {
            return true
        }
        return CustomResourceKinds.all.contains { $0.kind == kind && $0.copy(name: name, namespace: namespace, from: source, into: &self) }
    }

    /// Puts back the last good version (from `previous`, what is being served) of each object
    /// set aside now, and of every object of a file that could not be read or parsed now,
    /// unless the object is declared validly elsewhere now. Returns the rejected objects kept
    /// that way (objects of unreadable files are named by `unreadableFiles`).
    public mutating func keepingLastGoodVersions(from previous: LoadedConfiguration) -> [RejectedObject] {
        var present = Set(objectIdentities.map { "\($0.kind) \($0.namespace ?? "")/\($0.name)" })
        var kept: [RejectedObject] = []
        for object in rejected {
            let key = "\(object.kind) \(object.namespace ?? "")/\(object.name)"
            guard !present.contains(key) else { continue }
            if copyObject(kind: object.kind, namespace: object.namespace, name: object.name, from: previous) {
                kept.append(object)
                present.insert(key)
            }
        }
        let unreadable = Set(unreadableFiles)
        for object in previous.objectIdentities where unreadable.contains(object.file) {
            let key = "\(object.kind) \(object.namespace ?? "")/\(object.name)"
            guard !present.contains(key) else { continue }
            if copyObject(kind: object.kind, namespace: object.namespace, name: object.name, from: previous) {
                present.insert(key)
            }
        }
        return kept
    }
}

extension CustomResourceSpec {
    static func identities(in configuration: LoadedConfiguration) -> [(kind: String, namespace: String?, name: String, file: String)] {
        configuration[keyPath: loadedObjects].map { (kind, $0.metadata.namespace, $0.metadata.name, $0.location.file) }
    }
}
