import EnvoyAPI
import MeridianServe

/// What differs between two snapshots: resources added, removed and changed, by type and
/// name, and for each changed one a unified diff of its config dump YAML (what a proxy's own
/// `/config_dump` shows, private keys redacted).
public struct SnapshotDiff: Sendable {
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
    /// Kept for the full text form, which renders added and removed resources only when asked.
    private let old: Snapshot
    private let new: Snapshot

    /// Compares by the resources' digests; only changed resources are rendered and diffed.
    public init(from old: Snapshot, to new: Snapshot) {
        from = old.version
        to = new.version
        func keys(_ snapshot: Snapshot) -> Set<Key> {
            Set(snapshot.digests.flatMap { type, names in names.keys.map { Key(type: type, name: $0) } })
        }
        self.old = old
        self.new = new
        let oldKeys = keys(old), newKeys = keys(new)
        added = newKeys.subtracting(oldKeys).sorted()
        removed = oldKeys.subtracting(newKeys).sorted()
        var changed: [Change] = []
        var unchanged = 0
        for key in oldKeys.intersection(newKeys).sorted() {
            guard old.digests[key.type]?[key.name] != new.digests[key.type]?[key.name] else {
                unchanged += 1
                continue
            }
            let diff = UnifiedDiff.render(
                old: Self.yaml(old, key), new: Self.yaml(new, key),
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
            text += UnifiedDiff.render(old: "", new: Self.yaml(new, key), oldName: "/dev/null", newName: "\(Self.abbreviated(to))/\(key)")
        }
        for key in removed {
            text += UnifiedDiff.render(old: Self.yaml(old, key), new: "", oldName: "\(Self.abbreviated(from))/\(key)", newName: "/dev/null")
        }
        return text
    }

    /// A resource's config dump YAML ("" when the snapshot lacks it).
    private static func yaml(_ snapshot: Snapshot, _ key: Key) -> String {
        snapshot.resource(key.type, named: key.name).map { ConfigDump.render(resource: $0).yaml() } ?? ""
    }

    /// The first 12 characters of a version, as tables and headers show it.
    public static func abbreviated(_ version: String) -> String { String(version.prefix(12)) }
}
