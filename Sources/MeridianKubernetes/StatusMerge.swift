import Foundation

/// What status to write to an object, given what the server has and what Meridian computed,
/// by the Gateway API's rules for sharing status between controllers:
///
/// * In `parents` (routes) and `ancestors` (policies), entries of other controllers
///   (`controllerName`) are kept as they are, in their order; Meridian's are replaced by the
///   ones it computed, after them. Every other field (a Gateway's `conditions`, `listeners`,
///   `addresses`) is Meridian's alone and replaced.
/// * A condition whose `status` did not change keeps its `lastTransitionTime` (Kubernetes'
///   convention: the time says when the status last changed), so an unchanged status is
///   written the same and not at all.
///
/// * An empty list of Meridian's entries takes its old ones out (a route no longer attached to a
///   Gateway of Meridian's); when there were none, the list stays as it was.
///
/// `merged` returns nil when the result equals what the server has: nothing to write.
public enum StatusMerge {
    /// `ours` merged into `current` where Meridian serves every controller of `controllerNames`.
    public static func merged(current: [UInt8]?, ours: [UInt8], controllerNames: Set<String>) -> [UInt8]? {
        let existing = current.flatMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] } ?? [:]
        guard var computed = (try? JSONSerialization.jsonObject(with: Data(ours))) as? [String: Any] else { return nil }
        for list in ["parents", "ancestors"] {
            guard let mine = computed[list] as? [[String: Any]] else { continue }
            let before = existing[list] as? [[String: Any]] ?? []
            let others = before.filter { !controllerNames.contains($0["controllerName"] as? String ?? "") }
            let previous = before.filter { controllerNames.contains($0["controllerName"] as? String ?? "") }
            if mine.isEmpty, previous.isEmpty {
                computed[list] = existing[list]
                continue
            }
            computed[list] = others + mine.map { entry in
                let match = previous.first { same($0["parentRef"] ?? $0["ancestorRef"], entry["parentRef"] ?? entry["ancestorRef"]) }
                return keepingTimes(entry, from: match)
            }
        }
        computed = keepingTimes(computed, from: existing)
        if let listeners = computed["listeners"] as? [[String: Any]] {
            let before = existing["listeners"] as? [[String: Any]] ?? []
            computed["listeners"] = listeners.map { listener in
                keepingTimes(listener, from: before.first { $0["name"] as? String == listener["name"] as? String })
            }
        }
        guard let result = try? JSONSerialization.data(withJSONObject: computed, options: [.sortedKeys]) else { return nil }
        if let canonical = try? JSONSerialization.data(withJSONObject: existing, options: [.sortedKeys]), canonical == result {
            return nil
        }
        return Array(result)
    }

    /// `value`'s `conditions`, each keeping the `lastTransitionTime` of the condition of the same
    /// type in `previous` when its `status` is the same.
    static func keepingTimes(_ value: [String: Any], from previous: [String: Any]?) -> [String: Any] {
        guard let conditions = value["conditions"] as? [[String: Any]] else { return value }
        let before = previous?["conditions"] as? [[String: Any]] ?? []
        var result = value
        result["conditions"] = conditions.map { condition in
            guard let old = before.first(where: { $0["type"] as? String == condition["type"] as? String }),
                  old["status"] as? String == condition["status"] as? String, let time = old["lastTransitionTime"] else { return condition }
            var kept = condition
            kept["lastTransitionTime"] = time
            return kept
        }
        return result
    }

    static func same(_ left: Any?, _ right: Any?) -> Bool {
        guard let left, let right,
              let a = try? JSONSerialization.data(withJSONObject: left, options: [.sortedKeys]),
              let b = try? JSONSerialization.data(withJSONObject: right, options: [.sortedKeys]) else { return false }
        return a == b
    }
}
