/// The local copy of one resource collection, kept by applying `ListWatch` changes, and what
/// each change did: a complete list that replaces the copy is turned into the objects added,
/// modified and deleted since, so a relist after 410 Gone neither loses a deletion that
/// happened while the watch was away nor reports unchanged objects as changed.
public struct ObjectStore<Object: Sendable & Equatable>: Sendable {
    /// What one change did, by key, each list sorted.
    public struct Delta: Sendable, Hashable {
        public var added: [String] = []
        public var modified: [String] = []
        public var deleted: [String] = []

        public init(added: [String] = [], modified: [String] = [], deleted: [String] = []) {
            self.added = added
            self.modified = modified
            self.deleted = deleted
        }

        public var isEmpty: Bool { added.isEmpty && modified.isEmpty && deleted.isEmpty }
    }

    /// The collection by key (`namespace/name`, or `name` for cluster-scoped kinds).
    public private(set) var objects: [String: Object] = [:]

    public init() {}

    @discardableResult
    public mutating func apply(_ change: ListWatch<Object>.Change) -> Delta {
        var delta = Delta()
        switch change {
        case .replaceAll(let replacement):
            for (key, object) in replacement {
                if let old = objects[key] {
                    if old != object { delta.modified.append(key) }
                } else {
                    delta.added.append(key)
                }
            }
            delta.deleted = objects.keys.filter { replacement[$0] == nil }
            objects = replacement
        case .upsert(let key, let object):
            let old = objects.updateValue(object, forKey: key)
            if old == nil { delta.added.append(key) } else if old != object { delta.modified.append(key) }
        case .delete(let key):
            if objects.removeValue(forKey: key) != nil { delta.deleted.append(key) }
        }
        delta.added.sort()
        delta.modified.sort()
        delta.deleted.sort()
        return delta
    }
}
