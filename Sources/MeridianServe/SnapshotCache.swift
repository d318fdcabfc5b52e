import EnvoyAPI
import Synchronization

/// The current snapshot of every proxy group, and the streams waiting on them.
///
/// A proxy belongs to the group named by its node's `cluster` field. Setting a
/// group's snapshot wakes every stream of that group at once.
public final class SnapshotCache: Sendable {
    /// Which snapshot a proxy gets when no group matches its node `cluster`.
    public enum UnmatchedProxyPolicy: Sendable {
        /// None: the proxy waits until a group with its name appears.
        case none
        /// The only group, if there is exactly one (a single Gateway serves every proxy).
        case soleGroup
    }

    private struct Watcher {
        var key: String
        var continuation: AsyncStream<Snapshot>.Continuation
    }

    private struct State {
        var snapshots: [String: Snapshot] = [:]
        /// When each version became live (push and convergence latency start here): the
        /// versions served now and the last few replaced, for late ACKs.
        var liveSince: [String: ContinuousClock.Instant] = [:]
        var liveOrder: [String] = []
        /// Each type's content digest for the versions in `liveSince`, for reconnecting proxies.
        var typeDigests: [String: [ResourceType: ResourceDigest]] = [:]
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 0
    }

    private let state = Mutex(State())
    private let unmatchedProxyPolicy: UnmatchedProxyPolicy

    public init(unmatchedProxyPolicy: UnmatchedProxyPolicy = .soleGroup) {
        self.unmatchedProxyPolicy = unmatchedProxyPolicy
    }

    /// Makes `snapshot` current for `group` and wakes every stream that resolves to it.
    public func setSnapshot(_ snapshot: Snapshot, for group: String) {
        replaceSnapshots { $0[group] = snapshot }
    }

    /// Replaces every group's snapshot at once; groups not in `snapshots` are removed.
    public func setSnapshots(_ snapshots: [String: Snapshot]) {
        replaceSnapshots { $0 = snapshots }
    }

    private func replaceSnapshots(_ change: (inout [String: Snapshot]) -> Void) {
        let deliveries = state.withLock { state -> [(AsyncStream<Snapshot>.Continuation, Snapshot)] in
            let before = state.watchers.mapValues { Self.resolve($0.key, in: state.snapshots, policy: unmatchedProxyPolicy)?.version }
            change(&state.snapshots)
            let now = ContinuousClock.now
            for snapshot in state.snapshots.values where state.liveSince[snapshot.version] == nil {
                state.liveSince[snapshot.version] = now
                state.liveOrder.append(snapshot.version)
                state.typeDigests[snapshot.version] = snapshot.typeDigests
            }
            let current = Set(state.snapshots.values.map(\.version))
            while state.liveOrder.count > current.count + Self.replacedVersionsKept, let oldest = state.liveOrder.first {
                state.liveOrder.removeFirst()
                if current.contains(oldest) {
                    state.liveOrder.append(oldest)
                } else {
                    state.liveSince[oldest] = nil
                    state.typeDigests[oldest] = nil
                }
            }
            return state.watchers.compactMap { id, watcher in
                guard let snapshot = Self.resolve(watcher.key, in: state.snapshots, policy: unmatchedProxyPolicy),
                      snapshot.version != before[id] ?? nil else { return nil }
                return (watcher.continuation, snapshot)
            }
        }
        for (continuation, snapshot) in deliveries { continuation.yield(snapshot) }
    }

    /// How many replaced versions keep their live-since time.
    static let replacedVersionsKept = 64

    /// When `version` became live, while it is served or was among the last replaced.
    public func liveSince(version: String) -> ContinuousClock.Instant? {
        state.withLock { $0.liveSince[version] }
    }

    /// Each type's content digest in `version`, while it is served or among the last replaced:
    /// a proxy presenting it on reconnect keeps every wildcard type that has not changed since.
    public func typeDigests(ofVersion version: String) -> [ResourceType: ResourceDigest]? {
        state.withLock { $0.typeDigests[version] }
    }

    /// The snapshot a proxy whose node `cluster` is `group` gets now.
    public func snapshot(forProxyGroup group: String) -> Snapshot? {
        state.withLock { Self.resolve(group, in: $0.snapshots, policy: unmatchedProxyPolicy) }
    }

    /// Every group's current snapshot, by group name (no fallback to a sole group).
    public var snapshots: [String: Snapshot] {
        state.withLock { $0.snapshots }
    }

    /// Every snapshot change for a proxy of group `group`, starting with the current one.
    ///
    /// Only the newest undelivered snapshot is kept: a slow stream skips
    /// intermediate versions rather than queueing them.
    public func watch(proxyGroup group: String) -> AsyncStream<Snapshot> {
        let (stream, continuation) = AsyncStream<Snapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state -> Int in
            let id = state.nextWatcherID
            state.nextWatcherID += 1
            state.watchers[id] = Watcher(key: group, continuation: continuation)
            if let current = Self.resolve(group, in: state.snapshots, policy: unmatchedProxyPolicy) {
                continuation.yield(current)
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    private static func resolve(_ key: String, in snapshots: [String: Snapshot], policy: UnmatchedProxyPolicy) -> Snapshot? {
        if let exact = snapshots[key] { return exact }
        if case .soleGroup = policy, snapshots.count == 1 { return snapshots.values.first }
        return nil
    }
}
