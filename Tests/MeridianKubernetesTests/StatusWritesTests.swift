import Foundation
import MeridianKubernetes
import Testing

/// Which status writes are sent, step by step: the status computed, what the watch shows, the
/// answers, and after each step the objects written (nil: the step asks for no writes).
@Suite("Status writes, rule by rule")
struct StatusWritesTests {
    static let ours = "meridian.dev/gateway-controller"
    static let route = StatusWrites.Target(kind: "HTTPRoute", key: "ns/r")
    static let other = StatusWrites.Target(kind: "HTTPRoute", key: "ns/s")

    static func status(_ accepted: String) -> [UInt8] {
        Array(#"{"parents": [{"parentRef": {"name": "gw"}, "controllerName": "\#(ours)", "conditions": [{"type": "Accepted", "status": "\#(accepted)", "lastTransitionTime": "T1"}]}]}"#.utf8)
    }

    /// An object as the watch shows it, with `status` as written before (nil: none).
    static func object(_ name: String, version: String, accepted: String?) -> KubernetesObject {
        var tree: [String: Any] = ["metadata": ["name": name, "namespace": "ns", "resourceVersion": version]]
        if let accepted {
            tree["status"] = (try? JSONSerialization.jsonObject(with: Data(status(accepted)))) ?? [:]
        }
        return KubernetesObject(key: "ns/\(name)", resourceVersion: version, json: Array(try! JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys])))
    }

    enum Step: Sendable {
        /// The status computed: target → Accepted status.
        case desire([StatusWrites.Target: String])
        /// The watch shows this object.
        case seen(StatusWrites.Target, version: String, accepted: String?)
        case gone(StatusWrites.Target)
        case answer(StatusWrites.Target, StatusWrites.Outcome)
        case release
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var steps: [Step]
        /// After each step, the writes asked for: target and the resourceVersion written over.
        var writes: [[String]]
        var testDescription: String { rule }
    }

    static let rows: [Row] = [
        Row(rule: "a computed status is written over the version the watch shows",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"])],
            writes: [[], ["HTTPRoute ns/r@5"]]),
        Row(rule: "an object the watch has not shown is not written until it does",
            steps: [.desire([route: "True"]), .seen(route, version: "5", accepted: nil)],
            writes: [[], ["HTTPRoute ns/r@5"]]),
        Row(rule: "a status already there is not written",
            steps: [.seen(route, version: "5", accepted: "True"), .desire([route: "True"])],
            writes: [[], []]),
        Row(rule: "one write at a time per object",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .desire([route: "False"])],
            writes: [[], ["HTTPRoute ns/r@5"], []]),
        Row(rule: "after a write, not again while the watch shows the version written over; its next version is checked",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .answer(route, .written),
                    .seen(route, version: "5", accepted: nil), .seen(route, version: "6", accepted: "True")],
            writes: [[], ["HTTPRoute ns/r@5"], [], [], []]),
        Row(rule: "a status changed while a write was out is written once the watch shows the first",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .desire([route: "False"]), .answer(route, .written),
                    .seen(route, version: "6", accepted: "True")],
            writes: [[], ["HTTPRoute ns/r@5"], [], [], ["HTTPRoute ns/r@6"]]),
        Row(rule: "a 409 waits for the watch's newer version, then writes over it",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .answer(route, .conflict),
                    .seen(route, version: "7", accepted: nil)],
            writes: [[], ["HTTPRoute ns/r@5"], [], ["HTTPRoute ns/r@7"]]),
        Row(rule: "a failed write waits for the holds to be released, even if the watch moves on",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .answer(route, .failed),
                    .seen(route, version: "6", accepted: nil), .release],
            writes: [[], ["HTTPRoute ns/r@5"], [], [], ["HTTPRoute ns/r@6"]]),
        Row(rule: "a 404 is not retried until the object is seen again",
            steps: [.seen(route, version: "5", accepted: nil), .desire([route: "True"]), .answer(route, .notFound),
                    .gone(route), .seen(route, version: "9", accepted: nil)],
            writes: [[], ["HTTPRoute ns/r@5"], [], [], ["HTTPRoute ns/r@9"]]),
        Row(rule: "an object no longer computed is not written",
            steps: [.seen(route, version: "5", accepted: nil), .seen(other, version: "3", accepted: nil), .desire([route: "True", other: "True"]),
                    .answer(route, .written), .answer(other, .written), .desire([other: "False"]), .seen(route, version: "8", accepted: nil)],
            writes: [[], [], ["HTTPRoute ns/r@5", "HTTPRoute ns/s@3"], [], [], [], []]),
    ]

    @Test("writes", arguments: rows)
    func writes(_ row: Row) throws {
        var machine = StatusWrites(controllerNames: [Self.ours])
        var watch: [StatusWrites.Target: KubernetesObject] = [:]
        var out: [StatusWrites.Target: StatusWrites.Write] = [:]
        for (index, step) in row.steps.enumerated() {
            switch step {
            case .desire(let statuses):
                machine.setDesired(statuses.mapValues(Self.status))
            case .seen(let target, let version, let accepted):
                watch[target] = Self.object(String(target.key.split(separator: "/")[1]), version: version, accepted: accepted)
            case .gone(let target):
                watch[target] = nil
            case .answer(let target, let outcome):
                let write = try #require(out[target])
                out[target] = nil
                machine.finished(write, outcome)
            case .release:
                machine.releaseHolds()
            }
            let writes = machine.writes { watch[$0] }
            for write in writes { out[write.target] = write }
            #expect(writes.map { "\($0.target)@\($0.resourceVersion)" } == row.writes[index], "\(row.rule), step \(index + 1)")
            for write in writes {
                // The body is the object with the merged status, over the version it names.
                let tree = try #require(try JSONSerialization.jsonObject(with: Data(write.object)) as? [String: Any])
                #expect((tree["metadata"] as? [String: Any])?["resourceVersion"] as? String == write.resourceVersion)
                #expect(tree["status"] != nil)
            }
        }
    }
}
