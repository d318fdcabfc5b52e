import EnvoyAPI
import MeridianIR
import Synchronization

/// The bytes the last build encoded, keyed by the IR they came from, so that a rebuild
/// encodes only what changed: one new route in a table of thousands encodes one virtual host.
///
/// Equal IR values always encode to identical bytes (the IR is plain data), so a hit is
/// exactly what encoding again would give. Each proxy group keeps only what its last encode
/// used, and groups no longer built are dropped (`keep(groups:)`), so the cache holds at
/// most one build's bytes beside the build being made.
public final class EncodingCache: Sendable {
    struct Entries: Sendable {
        var virtualHosts: [VirtualHost: [UInt8]] = [:]
        /// The route tables of a table split by host name, one virtual host each, whole: a
        /// host name whose routes did not change costs one lookup, no splice and no digest.
        var hostTables: [RouteTable: SerializedMessage] = [:]
        /// Whole resources, as the messages snapshots hold (their digest computed once).
        var clusters: [Cluster: SerializedMessage] = [:]
        var loadAssignments: [LoadAssignmentKey: SerializedMessage] = [:]
        var listeners: [ListenerEncoding.Key: SerializedMessage] = [:]
        var scopes: [ScopeKey: SerializedMessage] = [:]
    }

    struct ScopeKey: Hashable, Sendable {
        var name: String
        var domain: String
        var table: String
    }

    struct LoadAssignmentKey: Hashable, Sendable {
        var clusterName: String
        var endpoints: [Endpoint]
    }

    private let groups = Mutex<[String: Entries]>([:])
    private let hitCount = Atomic<Int>(0)

    public init() {}

    /// Pieces taken from the previous build instead of encoded, since the cache was made.
    public var hits: Int { hitCount.load(ordering: .relaxed) }

    /// Drops the entries of every proxy group not in `groups`.
    public func keep(groups kept: Set<String>) {
        groups.withLock { groups in groups = groups.filter { kept.contains($0.key) } }
    }

    func take(group: String) -> Entries {
        groups.withLock { $0.removeValue(forKey: group) ?? Entries() }
    }

    func store(_ memo: EncodingMemo, group: String) {
        hitCount.add(memo.hits, ordering: .relaxed)
        groups.withLock { $0[group] = memo.current }
    }
}

/// One encode's view of the cache: looks up the previous build's bytes and records the ones
/// this build uses (the next build's previous).
struct EncodingMemo {
    private var previous: EncodingCache.Entries
    private(set) var current = EncodingCache.Entries()
    private(set) var hits = 0

    init(previous: EncodingCache.Entries) {
        self.previous = previous
        // A rebuild mostly uses what the last one did: no rehashing as the tables grow.
        current.virtualHosts.reserveCapacity(previous.virtualHosts.count)
        current.hostTables.reserveCapacity(previous.hostTables.count)
        current.clusters.reserveCapacity(previous.clusters.count)
        current.loadAssignments.reserveCapacity(previous.loadAssignments.count)
        current.listeners.reserveCapacity(previous.listeners.count)
        current.scopes.reserveCapacity(previous.scopes.count)
    }

    mutating func value<Key: Hashable, Value>(
        _ key: Key,
        in table: WritableKeyPath<EncodingCache.Entries, [Key: Value]>,
        encode: (Key) -> Value
    ) -> Value {
        if let value = reused(key, in: table) { return value }
        let value = encode(key)
        record(value, for: key, in: table)
        return value
    }

    /// What this build or the last one made for `key` (recorded for the next build).
    mutating func reused<Key: Hashable, Value>(_ key: Key, in table: WritableKeyPath<EncodingCache.Entries, [Key: Value]>) -> Value? {
        if let value = current[keyPath: table][key] { return value }
        // Read, not removed: the previous entries are dropped whole after the build.
        guard let cached = previous[keyPath: table][key] else { return nil }
        hits += 1
        current[keyPath: table][key] = cached
        return cached
    }

    /// Records what this build made for `key`.
    mutating func record<Key: Hashable, Value>(_ value: Value, for key: Key, in table: WritableKeyPath<EncodingCache.Entries, [Key: Value]>) {
        current[keyPath: table][key] = value
    }
}
