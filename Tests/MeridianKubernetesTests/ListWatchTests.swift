import MeridianKubernetes
import Testing

/// The list-then-watch rules of the Kubernetes API concepts ("Efficient detection of
/// changes"), one row each: what the server answers, step by step, what the state machine asks
/// for next (and after how long), and what the local copy holds at the end.
@Suite("Kubernetes list and watch, rule by rule")
struct ListWatchTests {
    typealias Machine = ListWatch<String>

    enum Step: Sendable {
        case listed([String: String], version: String, continue: String?)
        case listFailed(Int?)
        case event(Machine.EventType, key: String, value: String?, version: String?, code: Int? = nil)
        case watchEnded
        case watchFailed(Int?)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var steps: [Step]
        /// After each step: the next request (nil: none yet, the watch stream goes on) and the delay in ms.
        var requests: [(Machine.Request?, Int)]
        /// The copy at the end.
        var objects: [String: String]
        var testDescription: String { rule }
    }

    static let first: [String: String] = ["ns/a": "a1", "ns/b": "b1"]

    @Test("list and watch", arguments: [
        Row(rule: "a one-page list replaces the copy and the watch starts from its version",
            steps: [.listed(first, version: "10", continue: nil)],
            requests: [(.watch(resourceVersion: "10"), 0)], objects: first),
        Row(rule: "pages are read in turn; the copy changes only when the last arrives",
            steps: [.listed(["ns/a": "a1"], version: "10", continue: "t1"), .listed(["ns/b": "b1"], version: "10", continue: "")],
            requests: [(.list(continue: "t1"), 0), (.watch(resourceVersion: "10"), 0)], objects: first),
        Row(rule: "an expired continue token (410) restarts the list at once, without the pages read",
            steps: [.listed(["ns/a": "a1"], version: "10", continue: "t1"), .listFailed(410), .listed(["ns/b": "b2"], version: "12", continue: nil)],
            requests: [(.list(continue: "t1"), 0), (.list(continue: nil), 0), (.watch(resourceVersion: "12"), 0)], objects: ["ns/b": "b2"]),
        Row(rule: "a failed list is retried from its first page after a wait that doubles",
            steps: [.listFailed(500), .listFailed(nil), .listed(first, version: "10", continue: nil)],
            requests: [(.list(continue: nil), 100), (.list(continue: nil), 200), (.watch(resourceVersion: "10"), 0)], objects: first),
        Row(rule: "watch events add, modify and delete, each moving the version on",
            steps: [.listed(first, version: "10", continue: nil), .event(.added, key: "ns/c", value: "c1", version: "11"),
                    .event(.modified, key: "ns/a", value: "a2", version: "12"), .event(.deleted, key: "ns/b", value: "b1", version: "13"), .watchEnded],
            requests: [(.watch(resourceVersion: "10"), 0), (nil, 0), (nil, 0), (nil, 0), (.watch(resourceVersion: "13"), 0)],
            objects: ["ns/a": "a2", "ns/c": "c1"]),
        Row(rule: "a bookmark moves the version on and changes nothing",
            steps: [.listed(first, version: "10", continue: nil), .event(.bookmark, key: "", value: nil, version: "20"), .watchEnded],
            requests: [(.watch(resourceVersion: "10"), 0), (nil, 0), (.watch(resourceVersion: "20"), 0)], objects: first),
        Row(rule: "a dropped connection resumes the watch from the last version, after a wait",
            steps: [.listed(first, version: "10", continue: nil), .event(.added, key: "ns/c", value: "c1", version: "11"), .watchFailed(nil), .watchFailed(503)],
            requests: [(.watch(resourceVersion: "10"), 0), (nil, 0), (.watch(resourceVersion: "11"), 100), (.watch(resourceVersion: "11"), 200)],
            objects: ["ns/a": "a1", "ns/b": "b1", "ns/c": "c1"]),
        Row(rule: "a watch from a compacted version (410 as the HTTP status) lists again; the new list replaces the copy",
            steps: [.listed(first, version: "10", continue: nil), .watchFailed(410), .listed(["ns/a": "a1", "ns/d": "d1"], version: "30", continue: nil)],
            requests: [(.watch(resourceVersion: "10"), 0), (.list(continue: nil), 0), (.watch(resourceVersion: "30"), 0)],
            objects: ["ns/a": "a1", "ns/d": "d1"]),
        Row(rule: "410 as an ERROR event lists again too; any other ERROR resumes after a wait",
            steps: [.listed(first, version: "10", continue: nil), .event(.error, key: "", value: nil, version: nil, code: 500),
                    .event(.error, key: "", value: nil, version: nil, code: 410)],
            requests: [(.watch(resourceVersion: "10"), 0), (.watch(resourceVersion: "10"), 100), (.list(continue: nil), 0)], objects: first),
        Row(rule: "any success resets the wait",
            steps: [.listFailed(500), .listFailed(500), .listed(first, version: "10", continue: nil), .watchFailed(nil)],
            requests: [(.list(continue: nil), 100), (.list(continue: nil), 200), (.watch(resourceVersion: "10"), 0), (.watch(resourceVersion: "10"), 100)],
            objects: first),
        Row(rule: "events that arrive while listing (a late stream) change nothing",
            steps: [.listed(first, version: "10", continue: nil), .watchFailed(410), .event(.added, key: "ns/z", value: "z1", version: "11"), .listed(first, version: "40", continue: nil)],
            requests: [(.watch(resourceVersion: "10"), 0), (.list(continue: nil), 0), (nil, 0), (.watch(resourceVersion: "40"), 0)], objects: first),
    ])
    func rules(_ row: Row) {
        var machine = Machine()
        var store = ObjectStore<String>()
        #expect(machine.start() == .list(continue: nil))
        var seen: [(Machine.Request?, Int)] = []
        for step in row.steps {
            let reaction: Machine.Reaction
            switch step {
            case .listed(let items, let version, let token):
                reaction = machine.listed(items.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, resourceVersion: version, continue: token)
            case .listFailed(let status): reaction = machine.listFailed(status: status)
            case .event(let type, let key, let value, let version, let code):
                reaction = machine.event(type, key: key, object: value, resourceVersion: version, errorCode: code)
            case .watchEnded: reaction = machine.watchEnded()
            case .watchFailed(let status): reaction = machine.watchFailed(status: status)
            }
            for change in reaction.changes { store.apply(change) }
            seen.append((reaction.next, Int(reaction.delay / .milliseconds(1))))
        }
        #expect(seen.map(\.0) == row.requests.map(\.0), "\(row.rule)")
        #expect(seen.map(\.1) == row.requests.map(\.1), "\(row.rule): delays")
        #expect(store.objects == row.objects, "\(row.rule)")
    }

    @Test("the wait doubles up to its maximum")
    func backoffCeiling() {
        var machine = Machine(initialBackoff: .seconds(1), maximumBackoff: .seconds(5))
        let delays = (0..<5).map { _ in machine.listFailed(status: 503).delay }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test("a relist reports what changed while the watch was away, not the whole collection")
    func relistDelta() {
        var store = ObjectStore<String>()
        store.apply(.replaceAll(["ns/a": "a1", "ns/b": "b1", "ns/c": "c1"]))
        let delta = store.apply(.replaceAll(["ns/a": "a1", "ns/b": "b2", "ns/d": "d1"]))
        #expect(delta == ObjectStore<String>.Delta(added: ["ns/d"], modified: ["ns/b"], deleted: ["ns/c"]))
        #expect(store.apply(.upsert(key: "ns/a", "a1")).isEmpty, "an event repeating what the copy holds changes nothing")
        #expect(store.apply(.delete(key: "ns/zz")).isEmpty)
    }
}
