import Foundation

/// Which status writes to make, as a pure value: given the status Meridian computed for each
/// object and the objects as the watch last showed them, it returns the `PUT …/status`
/// requests to send, and learns from each answer. The runtime sends them (paced) and reports
/// back; the rules live here, where a table of steps can check them.
///
/// * Only what changed is written: the object's current status merged with Meridian's
///   (`StatusMerge`) must differ from it.
/// * An object is written at most once at a time.
/// * After a write, the object is not written again while the watch still shows the version
///   that was written over (the watch has not yet delivered the write; writing again would
///   only be a 409 Conflict). A 409 waits the same way, for the watch to bring the newer
///   version. A failed write (no answer, 5xx) waits for `releaseHolds()`, which the runtime
///   calls now and then — also in case the watch itself is broken.
/// * An object not (yet) seen by the watch is not written; a 404 waits like a 409 (the watch
///   will deliver the deletion, or a new object with a new version).
public struct StatusWrites: Sendable {
    /// An object whose status Meridian writes.
    public struct Target: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var kind: String
        /// `namespace/name`, or `name` for a cluster-scoped kind (the watch's key).
        public var key: String

        public init(kind: String, key: String) {
            self.kind = kind
            self.key = key
        }

        public static func < (left: Target, right: Target) -> Bool { (left.kind, left.key) < (right.kind, right.key) }
        public var description: String { "\(kind) \(key)" }
    }

    /// One `PUT …/status`: the whole object as the watch showed it (its `resourceVersion` is
    /// the precondition), with the merged status.
    public struct Write: Sendable, Hashable {
        public var target: Target
        /// The resourceVersion written over.
        public var resourceVersion: String
        public var object: [UInt8]
    }

    /// What the API server answered.
    public enum Outcome: Sendable, Hashable {
        case written
        /// 409: the object changed since the watch showed it.
        case conflict
        /// 404: the object is gone.
        case notFound
        /// No answer, or another error.
        case failed
    }

    /// Controllers whose entries in `parents`/`ancestors` are Meridian's.
    public let controllerNames: Set<String>
    /// The status Meridian computed, per object (JSON).
    private var desired: [Target: [UInt8]] = [:]
    private var inFlight: Set<Target> = []
    /// Objects not to write while the watch shows this resourceVersion; `failed` holds until
    /// `releaseHolds()` whatever the version.
    private var holds: [Target: (resourceVersion: String, failed: Bool)] = [:]
    /// Objects found to need no write at this resourceVersion for this status: not merged
    /// again (every watch event wakes the writer) until either changes.
    private var settled: [Target: (resourceVersion: String, status: [UInt8])] = [:]

    public init(controllerNames: Set<String>) {
        self.controllerNames = controllerNames
    }

    /// The status computed for every object Meridian writes, replacing the last set.
    public mutating func setDesired(_ statuses: [Target: [UInt8]]) {
        desired = statuses
        settled = settled.filter { statuses[$0.key] != nil }
    }

    /// The writes to send now. `current` is the object as the watch last showed it.
    public mutating func writes(current: (Target) -> KubernetesObject?) -> [Write] {
        var writes: [Write] = []
        for target in desired.keys.sorted() where !inFlight.contains(target) {
            guard let object = current(target) else { continue }
            if let hold = holds[target] {
                if hold.failed || hold.resourceVersion == object.resourceVersion { continue }
                holds[target] = nil
            }
            let status = desired[target]!
            if let done = settled[target], done.resourceVersion == object.resourceVersion, done.status == status { continue }
            guard let body = Self.withStatus(object.json, ours: status, controllerNames: controllerNames) else {
                settled[target] = (object.resourceVersion, status)
                continue
            }
            inFlight.insert(target)
            writes.append(Write(target: target, resourceVersion: object.resourceVersion, object: body))
        }
        return writes
    }

    /// The answer to `write`.
    public mutating func finished(_ write: Write, _ outcome: Outcome) {
        inFlight.remove(write.target)
        switch outcome {
        case .written, .conflict, .notFound:
            holds[write.target] = (write.resourceVersion, false)
        case .failed:
            holds[write.target] = (write.resourceVersion, true)
        }
    }

    /// Lets every held object be written again if it still needs it.
    public mutating func releaseHolds() {
        holds.removeAll()
    }

    /// `object` with its status merged with `ours`; nil when that changes nothing.
    static func withStatus(_ object: [UInt8], ours: [UInt8], controllerNames: Set<String>) -> [UInt8]? {
        guard var tree = (try? JSONSerialization.jsonObject(with: Data(object))) as? [String: Any] else { return nil }
        let current = tree["status"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) }.map(Array.init)
        guard let merged = StatusMerge.merged(current: current, ours: ours, controllerNames: controllerNames),
              let status = try? JSONSerialization.jsonObject(with: Data(merged)) else { return nil }
        tree["status"] = status
        return (try? JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys])).map(Array.init)
    }
}
