import Foundation

/// One snapshot that a valid build produced for a proxy group: its content version, when it
/// was recorded and last became live, what changed in the inputs since the entry before it,
/// and which proxies ACKed or NACKed it. Stored as one small JSON file of the state directory.
public struct HistoryEntry: Sendable, Hashable, Codable {
    /// Increases by one with every entry of the store, across groups; orders the history.
    public var sequence: Int
    /// The proxy group (`namespace/gateway`).
    public var group: String
    /// The snapshot's content version (SHA-256), which names its snapshot file.
    public var version: String
    /// When the build that produced it was recorded.
    public var recordedAt: Date
    /// When it last became the served version of its group (by a build, a rollback or an
    /// unpin); nil while it has never been served (recorded while the group was pinned).
    public var servedAt: Date?
    /// How many resources, and their encoded size in bytes.
    public var resourceCount: Int
    public var byteCount: Int
    /// What changed in the input files and objects since the entry recorded before it.
    public var changes: InputChanges
    /// Which proxies ACKed or NACKed this version.
    public var proxies: ProxyOutcomes

    public init(
        sequence: Int, group: String, version: String, recordedAt: Date, servedAt: Date?,
        resourceCount: Int, byteCount: Int, changes: InputChanges, proxies: ProxyOutcomes = ProxyOutcomes()
    ) {
        self.sequence = sequence
        self.group = group
        self.version = version
        self.recordedAt = recordedAt
        self.servedAt = servedAt
        self.resourceCount = resourceCount
        self.byteCount = byteCount
        self.changes = changes
        self.proxies = proxies
    }
}

/// The names that were added, removed and changed between two sets of content digests.
/// At most `limit` names are kept in all; `omitted` counts the rest.
public struct NameChanges: Sendable, Hashable, Codable {
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    public var omitted = 0

    public static let limit = 200

    public init(added: [String] = [], removed: [String] = [], changed: [String] = [], omitted: Int = 0) {
        self.added = added
        self.removed = removed
        self.changed = changed
        self.omitted = omitted
    }

    /// The differences from `old` to `new` (name → digest), names sorted, bounded.
    public init(from old: [String: String], to new: [String: String]) {
        var budget = Self.limit
        func take(_ names: [String]) -> [String] {
            let kept = Array(names.sorted().prefix(budget))
            budget -= kept.count
            omitted += names.count - kept.count
            return kept
        }
        changed = take(new.compactMap { name, digest in old[name].map { $0 == digest ? nil : name } ?? nil })
        added = take(new.keys.filter { old[$0] == nil })
        removed = take(old.keys.filter { new[$0] == nil })
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && omitted == 0 }
}

/// What changed in the inputs since the previous entry.
public struct InputChanges: Sendable, Hashable, Codable {
    /// False for the first entry, or when the inputs of the previous entry are not known
    /// (lost in a crash): then every file and object is listed as added.
    public var baselineKnown: Bool
    /// Files, by path.
    public var files: NameChanges
    /// Objects, as `Kind namespace/name`.
    public var objects: NameChanges

    public init(baselineKnown: Bool, files: NameChanges, objects: NameChanges) {
        self.baselineKnown = baselineKnown
        self.files = files
        self.objects = objects
    }
}

/// Which proxies ACKed or NACKed a version, bounded to `limit` of each; `truncated` says some
/// were left out (a count could not be kept without remembering every node).
public struct ProxyOutcomes: Sendable, Hashable, Codable {
    public struct Ack: Sendable, Hashable, Codable {
        public var node: String
        /// When Meridian saw the ACK (within a second of it).
        public var at: Date
    }

    public struct Nack: Sendable, Hashable, Codable {
        public var node: String
        /// The resource type refused (`Listener`, `Cluster`, ...).
        public var type: String
        /// Envoy's error text, shortened to `messageLimit` characters.
        public var error: String
        public var at: Date
    }

    public var acked: [Ack] = []
    public var nacked: [Nack] = []
    public var truncated = false

    public static let limit = 256
    public static let messageLimit = 2_000

    public init() {}

    /// Adds an ACK unless the node's is already there; returns whether anything changed.
    mutating func addAck(node: String, at: Date) -> Bool {
        guard !acked.contains(where: { $0.node == node }) else { return false }
        guard acked.count < Self.limit else { return noteTruncated() }
        acked.append(Ack(node: node, at: at))
        return true
    }

    /// Adds a NACK unless the same node already NACKed the same type; returns whether anything changed.
    mutating func addNack(node: String, type: String, error: String, at: Date) -> Bool {
        guard !nacked.contains(where: { $0.node == node && $0.type == type }) else { return false }
        guard nacked.count < Self.limit else { return noteTruncated() }
        nacked.append(Nack(node: node, type: type, error: String(error.prefix(Self.messageLimit)), at: at))
        return true
    }

    private mutating func noteTruncated() -> Bool {
        defer { truncated = true }
        return !truncated
    }
}

extension Date {
    /// The date rounded to a whole millisecond, as the state directory stores dates: a date
    /// read back is then equal to the one written.
    var wholeMilliseconds: Date {
        Date(timeIntervalSince1970: (timeIntervalSince1970 * 1_000).rounded() / 1_000)
    }
}

extension HistoryEntry {
    /// Every date at whole milliseconds.
    var normalized: HistoryEntry {
        var entry = self
        entry.recordedAt = recordedAt.wholeMilliseconds
        entry.servedAt = servedAt?.wholeMilliseconds
        entry.proxies.acked = proxies.acked.map { ProxyOutcomes.Ack(node: $0.node, at: $0.at.wholeMilliseconds) }
        entry.proxies.nacked = proxies.nacked.map { ProxyOutcomes.Nack(node: $0.node, type: $0.type, error: $0.error, at: $0.at.wholeMilliseconds) }
        return entry
    }
}
