import Foundation
import Logging
import MeridianLoad
import MeridianServe
import Metrics
import Synchronization

/// The versions each proxy group was served, and which one it is served now.
///
/// Every valid build goes through `record`: a group whose version changed gets a history
/// entry, and the cache is set to the new snapshots, except for pinned groups, which keep
/// their pinned snapshot until `unpin`. With a state directory everything (snapshots,
/// entries, pins) survives restarts; without one it is kept in memory, bounded alike.
public final class SnapshotHistory: Sendable {
    private struct State {
        var store: HistoryStore
        /// The snapshots of the last valid build (what is served when nothing is pinned).
        var latest: [String: Snapshot] = [:]
        /// The snapshot of each pinned group.
        var pinned: [String: Snapshot] = [:]
        /// The version each group is served now.
        var live: [String: String] = [:]
    }

    private let state: Mutex<State>
    /// Told what is served each time it changes (metrics of the served versions).
    private let publishObservers = Mutex<[@Sendable ([String: Snapshot]) -> Void]>([])
    /// Held while this history uses its state directory.
    private let lock: StateDirectoryLock?
    private let cache: SnapshotCache
    private let logger: Logger
    /// Where the history is kept; nil when only in memory.
    public let stateDirectory: String?
    public let limits: HistoryLimits

    /// Opens the history in `stateDirectory` (memory only when nil). Damaged files are logged
    /// and skipped; only a state directory that cannot be created is an error. Pinned groups
    /// are served their pinned snapshot from now on.
    public init(stateDirectory: String?, limits: HistoryLimits = HistoryLimits(), cache: SnapshotCache, logger: Logger) throws(HistoryError) {
        self.stateDirectory = stateDirectory
        self.limits = limits
        self.cache = cache
        self.logger = logger
        var problems: [String] = []
        if let stateDirectory {
            try DurableFiles.makeDirectory(stateDirectory)
            lock = try StateDirectoryLock(directory: stateDirectory)
        } else {
            lock = nil
        }
        var store = try stateDirectory.map { directory throws(HistoryError) in try HistoryStore(directory: directory, limits: limits, problems: &problems) }
            ?? HistoryStore(limits: limits)
        var pinned: [String: Snapshot] = [:]
        for (group, pin) in store.pins.sorted(by: { $0.key < $1.key }) {
            do {
                pinned[group] = try store.snapshot(pin.version)
            } catch {
                problems.append("pin of \(group) to \(pin.version): \(error.message); unpinned")
                try? store.setPin(group, to: nil, at: Date())
            }
        }
        for problem in problems { logger.error("history: \(problem)") }
        if let stateDirectory {
            logger.info("history loaded", metadata: [
                "state_dir": "\(stateDirectory)", "entries": "\(store.entries.count)", "bytes": "\(store.totalBytes)",
                "pinned": "\(pinned.keys.sorted().map { "\($0)=\(SnapshotDiff.abbreviated(pinned[$0]!.version))" }.joined(separator: ","))",
            ])
        }
        for (group, snapshot) in pinned.sorted(by: { $0.key < $1.key }) {
            logger.notice("group is pinned: serving its pinned version until unpinned", metadata: ["group": "\(group)", "version": "\(snapshot.version)"])
        }
        state = Mutex(State(store: store, pinned: pinned))
        _ = state.withLock { publish(&$0) }
    }

    // MARK: Builds

    /// Records a valid build and serves it (pinned groups excepted); returns what each group
    /// is served now.
    @discardableResult
    public func record(_ snapshots: [String: Snapshot], inputs: InputDigests, at date: Date = Date()) -> [String: Snapshot] {
        state.withLock { state in
            var problems: [String] = []
            let changes = changes(to: inputs, store: state.store)
            var newest: Int?
            for (group, snapshot) in snapshots.sorted(by: { $0.key < $1.key }) where state.store.newest(of: group)?.version != snapshot.version {
                let pin = state.pinned[group]
                let entry = state.store.append(group: group, snapshot: snapshot, changes: changes, at: date, served: pin == nil, problems: &problems)
                newest = entry.sequence
                if let pin {
                    logger.notice("group is pinned: the new version is recorded, not served", metadata: [
                        "group": "\(group)", "version": "\(snapshot.version)", "pinned": "\(pin.version)",
                    ])
                }
            }
            if let newest { state.store.saveBaseline(inputs, sequence: newest, problems: &problems) }
            state.latest = snapshots
            let served = publish(&state)
            evict(&state)
            for problem in problems { logger.error("history: \(problem)") }
            return served
        }
    }

    /// The changes since the inputs of the newest entry; everything is new when those are not known.
    private func changes(to inputs: InputDigests, store: HistoryStore) -> InputChanges {
        let known = store.baseline.flatMap { baseline in baseline.sequence == store.entries.map(\.sequence).max() ? baseline.digests : nil }
        let base = known ?? InputDigests()
        return InputChanges(
            baselineKnown: known != nil,
            files: NameChanges(from: base.files, to: inputs.files),
            objects: NameChanges(from: base.objects, to: inputs.objects)
        )
    }

    // MARK: Pins

    /// What a rollback did.
    public struct PinOutcome: Sendable, Hashable {
        public var group: String
        public var version: String
        /// The version served before.
        public var previous: String?
    }

    /// Pins `group` to a recorded version (a unique prefix will do): served from now until
    /// `unpin`, whatever the files say. Without a group, the one group that recorded the version.
    public func pin(version query: String, group: String? = nil, at date: Date = Date()) throws(HistoryError) -> PinOutcome {
        try state.withLock { state throws(HistoryError) in
            let version = try resolve(query, in: state.store)
            let groups = Set(state.store.entries.filter { $0.version == version }.map(\.group))
            let target: String
            if let group {
                guard groups.contains(group) else {
                    throw HistoryError(.unknownGroup, "version \(SnapshotDiff.abbreviated(version)) was not recorded for group \(group); it was for \(groups.sorted().joined(separator: ", "))")
                }
                target = group
            } else if groups.count == 1 {
                target = groups.first!
            } else {
                throw HistoryError(.ambiguousGroup, "version \(SnapshotDiff.abbreviated(version)) was recorded for several groups (\(groups.sorted().joined(separator: ", "))); name one")
            }
            let snapshot = try state.store.snapshot(version)
            try state.store.setPin(target, to: version, at: date)
            let previous = state.live[target]
            state.pinned[target] = snapshot
            publish(&state)
            markServed(group: target, version: version, at: date, previous: previous, state: &state)
            logger.notice("group pinned: serving a recorded version until unpinned", metadata: [
                "group": "\(target)", "version": "\(version)", "previous": "\(previous ?? "none")",
            ])
            return PinOutcome(group: target, version: version, previous: previous)
        }
    }

    /// Unpins `group` (every pinned group when nil), which is then served its newest build
    /// again; returns what each unpinned group is served now (nil when its Gateway is gone).
    public func unpin(group: String? = nil, at date: Date = Date()) throws(HistoryError) -> [String: String?] {
        try state.withLock { state throws(HistoryError) in
            let targets: [String]
            if let group {
                guard state.pinned[group] != nil else { throw HistoryError(.notPinned, "group \(group) is not pinned") }
                targets = [group]
            } else {
                targets = state.pinned.keys.sorted()
                guard !targets.isEmpty else { throw HistoryError(.notPinned, "no group is pinned") }
            }
            var previous: [String: String] = [:]
            for target in targets {
                try state.store.setPin(target, to: nil, at: date)
                previous[target] = state.live[target]
                state.pinned[target] = nil
            }
            publish(&state)
            var served: [String: String?] = [:]
            for target in targets {
                served[target] = state.live[target]
                if let version = state.live[target] {
                    markServed(group: target, version: version, at: date, previous: previous[target], state: &state)
                }
                logger.notice("group unpinned: serving its newest build", metadata: ["group": "\(target)", "version": "\(state.live[target] ?? "none")"])
            }
            evict(&state)
            return served
        }
    }

    // MARK: Proxies

    /// Notes in each entry the proxies that ACKed or NACKed its version, from what the
    /// registry shows now (the service calls this every second; the admin API before reading).
    public func observe(_ registry: ProxyStatusRegistry, at date: Date = Date()) {
        let proxies = registry.proxies
        let rejections = registry.rejections
        state.withLock { state in
            var updated: [Int: HistoryEntry] = [:]
            let groups = Set(state.store.entries.map(\.group))
            func change(cluster: String, version: String, _ body: (inout ProxyOutcomes) -> Bool) {
                // A proxy belongs to the group its node names, or to the only group there is.
                let group = groups.contains(cluster) ? cluster : (groups.count == 1 ? groups.first! : cluster)
                guard let entry = updated.values.first(where: { $0.group == group && $0.version == version })
                        ?? state.store.entries.last(where: { $0.group == group && $0.version == version }) else { return }
                var copy = entry
                if body(&copy.proxies) { updated[copy.sequence] = copy }
            }
            for proxy in proxies {
                let node = String(proxy.node.id.prefix(256))
                for status in proxy.types.values {
                    guard let version = status.acknowledgedVersion, status.lastRejection?.version != version else { continue }
                    change(cluster: proxy.node.cluster, version: version) { $0.addAck(node: node, at: date) }
                }
            }
            for (node, type, rejection) in rejections {
                change(cluster: node.cluster, version: rejection.version) {
                    $0.addNack(node: String(node.id.prefix(256)), type: type.shortName, error: rejection.message, at: rejection.at)
                }
            }
            var problems: [String] = []
            for entry in updated.values.sorted(by: { $0.sequence < $1.sequence }) { state.store.update(entry, problems: &problems) }
            for problem in problems { logger.error("history: \(problem)") }
        }
    }

    // MARK: Reading

    /// Everything `/snapshots` shows.
    public var overview: HistoryOverview {
        state.withLock { state in
            let groups = Set(state.store.entries.map(\.group)).union(state.live.keys).union(state.store.pins.keys)
            return HistoryOverview(
                groups: groups.sorted().map { group in
                    HistoryOverview.Group(
                        group: group, live: state.live[group], latest: state.latest[group]?.version, pin: state.store.pins[group],
                        entries: state.store.entries.filter { $0.group == group }.reversed()
                    )
                },
                stateDirectory: stateDirectory, limits: limits, entryCount: state.store.entries.count, byteCount: state.store.totalBytes
            )
        }
    }

    /// The stored snapshot of a recorded (or pinned) version; a unique prefix will do.
    public func snapshot(_ query: String) throws(HistoryError) -> Snapshot {
        try state.withLock { state throws(HistoryError) in try state.store.snapshot(resolve(query, in: state.store)) }
    }

    /// The differences from version `from` to version `to`.
    public func diff(from: String, to: String) throws(HistoryError) -> SnapshotDiff {
        let (old, new) = try state.withLock { state throws(HistoryError) in
            (try state.store.snapshot(resolve(from, in: state.store)), try state.store.snapshot(resolve(to, in: state.store)))
        }
        // Rendered outside the lock: a large diff must not hold up builds and pins.
        return SnapshotDiff(from: old, to: new)
    }

    /// The pin of the group a proxy whose node names `cluster` is served, if it is pinned.
    public func pin(forProxyGroup cluster: String) -> Pin? {
        state.withLock { state in
            if let pin = state.store.pins[cluster] { return pin }
            // The cache serves a proxy of an unknown group the only group there is.
            return state.live.count == 1 && state.live[cluster] == nil ? state.live.keys.first.flatMap { state.store.pins[$0] } : nil
        }
    }

    /// Calls `observer` with what every group is served each time that changes (a build,
    /// a pin, an unpin), and once now.
    public func onPublish(_ observer: @escaping @Sendable ([String: Snapshot]) -> Void) {
        publishObservers.withLock { $0.append(observer) }
        state.withLock { state in
            var served = state.latest
            for (group, snapshot) in state.pinned { served[group] = snapshot }
            observer(served)
        }
    }

    // MARK: Internals

    /// The full version a query names: itself, or the one recorded version it is a prefix of.
    private func resolve(_ query: String, in store: HistoryStore) throws(HistoryError) -> String {
        let needle = query.lowercased()
        let versions = Set(store.entries.map(\.version)).union(store.pins.values.map(\.version))
        if versions.contains(needle) { return needle }
        let matches = needle.count >= 4 ? versions.filter { $0.hasPrefix(needle) } : []
        guard matches.count == 1 else {
            throw HistoryError(.unknownVersion, matches.isEmpty
                ? "no recorded version is \(query)"
                : "\(query) is the start of \(matches.count) recorded versions; give more of it")
        }
        return matches.first!
    }

    /// Sets the cache to the latest snapshots with the pinned ones in place; returns them.
    @discardableResult
    private func publish(_ state: inout State) -> [String: Snapshot] {
        var served = state.latest
        for (group, snapshot) in state.pinned { served[group] = snapshot }
        cache.setSnapshots(served)
        state.live = served.mapValues(\.version)
        for observer in publishObservers.withLock({ $0 }) { observer(served) }
        for group in Set(served.keys).union(state.store.entries.map(\.group)) {
            Gauge(label: "meridian_group_pinned", dimensions: [("group", group)]).record(state.pinned[group] == nil ? 0 : 1)
        }
        return served
    }

    /// Notes that `version` became the served version of `group` now (if it was not already).
    private func markServed(group: String, version: String, at date: Date, previous: String?, state: inout State) {
        guard previous != version, var entry = state.store.entries.last(where: { $0.group == group && $0.version == version }) else { return }
        entry.servedAt = date
        var problems: [String] = []
        state.store.update(entry, problems: &problems)
        for problem in problems { logger.error("history: \(problem)") }
    }

    private func evict(_ state: inout State) {
        // Never the newest entry of a group still built (what unpin returns to), nor what is
        // served or pinned. A group whose Gateway is gone keeps nothing protected.
        var protected = Set<Int>()
        for group in Set(state.store.entries.map(\.group)) {
            if state.latest[group] != nil, let newest = state.store.newest(of: group) { protected.insert(newest.sequence) }
            for version in [state.live[group], state.store.pins[group]?.version].compactMap({ $0 }) {
                if let entry = state.store.entries.last(where: { $0.group == group && $0.version == version }) { protected.insert(entry.sequence) }
            }
        }
        for entry in state.store.evict(protecting: protected) {
            logger.debug("history: entry evicted", metadata: ["group": "\(entry.group)", "version": "\(entry.version)", "sequence": "\(entry.sequence)"])
        }
    }
}

/// The history as `/snapshots` shows it: per group, newest entry first.
public struct HistoryOverview: Sendable {
    public struct Group: Sendable {
        public var group: String
        /// The version served now.
        public var live: String?
        /// The version of the last valid build.
        public var latest: String?
        public var pin: Pin?
        /// Newest first.
        public var entries: [HistoryEntry]
    }

    public var groups: [Group]
    public var stateDirectory: String?
    public var limits: HistoryLimits
    public var entryCount: Int
    public var byteCount: Int
}
