@testable import MeridianRuntime
import Testing

/// A reload logs the problems it brought, not every problem again: row by row, a sequence of
/// reloads (each the problem lines it found) and what each should log.
@Suite("Problem log")
struct ProblemLogTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var reloads: [[String]]
        /// Per reload: (new lines logged, omitted, resolved).
        var expected: [ProblemLog.Report]
        var testDescription: String { rule }
    }

    static let many = (0..<60).map { "routes.yaml:\($0): HTTPRoute ns/r\($0): ResolvedRefs=False" }

    @Test("what each reload logs", arguments: [
        Row(rule: "the first reload logs every problem", reloads: [["a", "b"]], expected: [.init(new: ["a", "b"], omitted: 0, resolved: 0)]),
        Row(rule: "the same problems again log nothing", reloads: [["a", "b"], ["a", "b"]], expected: [.init(new: ["a", "b"], omitted: 0, resolved: 0), .init(new: [], omitted: 0, resolved: 0)]),
        Row(rule: "a new problem is logged alone", reloads: [["a"], ["a", "c"]], expected: [.init(new: ["a"], omitted: 0, resolved: 0), .init(new: ["c"], omitted: 0, resolved: 0)]),
        Row(rule: "a problem gone is counted as resolved", reloads: [["a", "b"], ["b"]], expected: [.init(new: ["a", "b"], omitted: 0, resolved: 0), .init(new: [], omitted: 0, resolved: 1)]),
        Row(rule: "a problem back after it was resolved is logged again", reloads: [["a"], [], ["a"]], expected: [.init(new: ["a"], omitted: 0, resolved: 0), .init(new: [], omitted: 0, resolved: 1), .init(new: ["a"], omitted: 0, resolved: 0)]),
        Row(rule: "beyond the limit, new problems are counted", reloads: [many], expected: [.init(new: Array(many.prefix(50)), omitted: 10, resolved: 0)]),
        Row(rule: "problems counted, not logged, are not logged later either", reloads: [many, many], expected: [.init(new: Array(many.prefix(50)), omitted: 10, resolved: 0), .init(new: [], omitted: 0, resolved: 0)]),
    ])
    func reloads(_ row: Row) {
        var log = ProblemLog()
        #expect(row.reloads.map { log.update($0) } == row.expected, "\(row.rule)")
    }
}
