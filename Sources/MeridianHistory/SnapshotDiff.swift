import EnvoyAPI
import MeridianServe

/// What differs between two snapshots: resources added, removed and changed, by type and
/// name, and for each changed one a unified diff of its config dump YAML (what a proxy's own
/// `/config_dump` shows, private keys redacted).
public struct SnapshotDiff: Sendable, Hashable {
    /// A resource by type and name, in push order then by name.
    public struct Key: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var type: ResourceType
        public var name: String

        public static func < (lhs: Key, rhs: Key) -> Bool { (lhs.type, lhs.name) < (rhs.type, rhs.name) }

        /// `Type/name`, as the diff headers name it.
        public var description: String { "\(type.shortName)/\(name)" }
    }

    /// One changed resource and its unified diff (`--- from/Type/name`, `+++ to/Type/name`).
    public struct Change: Sendable, Hashable {
        public var key: Key
        public var diff: String
    }

    public var from: String
    public var to: String
    public var added: [Key]
    public var removed: [Key]
    public var changed: [Change]
    /// Resources identical in both.
    public var unchanged: Int
    /// The YAML of each added or removed resource, for the full text form.
    private var addedYAML: [Key: String]
    private var removedYAML: [Key: String]

    /// Compares by the resources' digests; only changed resources are rendered and diffed.
    public init(from old: Snapshot, to new: Snapshot) {
        from = old.version
        to = new.version
        func keys(_ snapshot: Snapshot) -> Set<Key> {
            Set(snapshot.digests.flatMap { type, names in names.keys.map { Key(type: type, name: $0) } })
        }
        let oldKeys = keys(old), newKeys = keys(new)
        func yaml(_ snapshot: Snapshot, _ key: Key) -> String {
            snapshot.resource(key.type, named: key.name).map { ConfigDump.render(resource: $0).yaml() } ?? ""
        }
        added = newKeys.subtracting(oldKeys).sorted()
        removed = oldKeys.subtracting(newKeys).sorted()
        addedYAML = Dictionary(uniqueKeysWithValues: added.map { ($0, yaml(new, $0)) })
        removedYAML = Dictionary(uniqueKeysWithValues: removed.map { ($0, yaml(old, $0)) })
        var changed: [Change] = []
        var unchanged = 0
        for key in oldKeys.intersection(newKeys).sorted() {
            guard old.digests[key.type]?[key.name] != new.digests[key.type]?[key.name] else {
                unchanged += 1
                continue
            }
            let diff = UnifiedDiff.render(
                old: yaml(old, key), new: yaml(new, key),
                oldName: "\(Self.abbreviated(old.version))/\(key)", newName: "\(Self.abbreviated(new.version))/\(key)"
            )
            changed.append(Change(key: key, diff: diff))
        }
        self.changed = changed
        self.unchanged = unchanged
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }

    /// Every difference as one unified diff: changed resources, then added ones (from
    /// `/dev/null`) and removed ones (to `/dev/null`), as `git diff` shows new and deleted files.
    public var unifiedText: String {
        var text = changed.map(\.diff).joined()
        for key in added {
            text += UnifiedDiff.render(old: "", new: addedYAML[key] ?? "", oldName: "/dev/null", newName: "\(Self.abbreviated(to))/\(key)")
        }
        for key in removed {
            text += UnifiedDiff.render(old: removedYAML[key] ?? "", new: "", oldName: "\(Self.abbreviated(from))/\(key)", newName: "/dev/null")
        }
        return text
    }

    /// The first 12 characters of a version, as tables and headers show it.
    public static func abbreviated(_ version: String) -> String { String(version.prefix(12)) }
}
