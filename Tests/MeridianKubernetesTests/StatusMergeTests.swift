import Foundation
import MeridianKubernetes
import Testing

/// Sharing status with other controllers, row by row: what the server has, what Meridian
/// computed, and what is written (nil: nothing).
@Suite("Status merge")
struct StatusMergeTests {
    static let ours = "meridian.dev/gateway-controller"

    static func parent(_ gateway: String, _ controller: String, accepted: String, time: String) -> String {
        #"{"parentRef": {"name": "\#(gateway)"}, "controllerName": "\#(controller)", "conditions": [{"type": "Accepted", "status": "\#(accepted)", "lastTransitionTime": "\#(time)"}]}"#
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var current: String?
        var computed: String
        var written: String?
        var testDescription: String { rule }
    }

    static let rows: [Row] = [
        Row(rule: "no status yet: ours is written",
            current: nil, computed: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T1"))]}"#,
            written: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T1"))]}"#),
        Row(rule: "another controller's entry is kept, ours after it",
            current: #"{"parents": [\#(parent("other-gw", "example.com/other", accepted: "True", time: "T0"))]}"#,
            computed: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T1"))]}"#,
            written: #"{"parents": [\#(parent("other-gw", "example.com/other", accepted: "True", time: "T0")), \#(parent("gw", ours, accepted: "True", time: "T1"))]}"#),
        Row(rule: "our old entry is replaced, theirs untouched",
            current: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T0")), \#(parent("other-gw", "example.com/other", accepted: "False", time: "T0"))]}"#,
            computed: #"{"parents": [\#(parent("gw", ours, accepted: "False", time: "T2"))]}"#,
            written: #"{"parents": [\#(parent("other-gw", "example.com/other", accepted: "False", time: "T0")), \#(parent("gw", ours, accepted: "False", time: "T2"))]}"#),
        Row(rule: "an unchanged status keeps its time and is not written",
            current: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T0"))]}"#,
            computed: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T9"))]}"#,
            written: nil),
        Row(rule: "a Gateway's conditions and listeners are ours; unchanged ones keep their times",
            current: #"{"conditions": [{"type": "Programmed", "status": "True", "lastTransitionTime": "T0"}], "listeners": [{"name": "http", "attachedRoutes": 1, "conditions": [{"type": "Accepted", "status": "True", "lastTransitionTime": "T0"}]}]}"#,
            computed: #"{"conditions": [{"type": "Programmed", "status": "True", "lastTransitionTime": "T5"}], "listeners": [{"name": "http", "attachedRoutes": 2, "conditions": [{"type": "Accepted", "status": "True", "lastTransitionTime": "T5"}]}]}"#,
            written: #"{"conditions": [{"type": "Programmed", "status": "True", "lastTransitionTime": "T0"}], "listeners": [{"name": "http", "attachedRoutes": 2, "conditions": [{"type": "Accepted", "status": "True", "lastTransitionTime": "T0"}]}]}"#),
        Row(rule: "policy ancestors are shared like route parents",
            current: #"{"ancestors": [{"ancestorRef": {"name": "gw"}, "controllerName": "example.com/other", "conditions": []}]}"#,
            computed: #"{"ancestors": [{"ancestorRef": {"name": "gw"}, "controllerName": "\#(ours)", "conditions": []}]}"#,
            written: #"{"ancestors": [{"ancestorRef": {"name": "gw"}, "controllerName": "example.com/other", "conditions": []}, {"ancestorRef": {"name": "gw"}, "controllerName": "\#(ours)", "conditions": []}]}"#),
        Row(rule: "no entries of ours any more: our old one is taken out, theirs kept",
            current: #"{"parents": [\#(parent("gw", ours, accepted: "True", time: "T0")), \#(parent("other-gw", "example.com/other", accepted: "True", time: "T0"))]}"#,
            computed: #"{"parents": []}"#,
            written: #"{"parents": [\#(parent("other-gw", "example.com/other", accepted: "True", time: "T0"))]}"#),
        Row(rule: "no entries of ours, and none before: nothing written",
            current: #"{"parents": [\#(parent("other-gw", "example.com/other", accepted: "True", time: "T0"))]}"#,
            computed: #"{"parents": []}"#,
            written: nil),
        Row(rule: "no entries of ours on an object without status: nothing written",
            current: nil, computed: #"{"parents": []}"#, written: nil),
    ]

    static func canonical(_ text: String) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(text.utf8)), options: [.sortedKeys]))
    }

    @Test("what is written", arguments: rows)
    func merge(_ row: Row) throws {
        let written = StatusMerge.merged(current: row.current.map { Array($0.utf8) }, ours: Array(row.computed.utf8), controllerNames: [Self.ours])
        #expect(written == (try row.written.map(Self.canonical)), "\(row.rule): \(written.map { String(decoding: $0, as: UTF8.self) } ?? "nil")")
    }
}
