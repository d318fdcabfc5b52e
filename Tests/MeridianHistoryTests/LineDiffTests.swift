import Foundation
@testable import MeridianHistory
import MeridianTestSupport
import Testing

/// The line diff against GNU diff (`diff -U3`, and `patch` applying what Meridian writes):
/// the same hunks where the shortest diff is unique, the same number of changed lines
/// everywhere, and a diff that turns the old text into the new one.
@Suite("Line diff and unified format", .timeLimit(.minutes(2)))
struct LineDiffTests {
    static func numbered(_ range: ClosedRange<Int>) -> [String] { range.map { "line \($0)" } }

    /// Each case: old lines, new lines; the expected output is GNU diff's.
    static let cases: [(name: String, old: [String], new: [String])] = [
        ("equal", numbered(1...5), numbered(1...5)),
        ("one line changed in the middle", numbered(1...10), numbered(1...4) + ["changed"] + numbered(6...10)),
        ("insertion at the top", numbered(1...5), ["new"] + numbered(1...5)),
        ("deletion at the end", numbered(1...8), numbered(1...7)),
        ("from nothing", [], ["a", "b", "c"]),
        ("to nothing", ["a", "b", "c"], []),
        ("one line, replaced", ["a"], ["b"]),
        ("changes 6 apart share a hunk", numbered(1...20), numbered(1...3) + ["x"] + numbered(5...10) + ["y"] + numbered(12...20)),
        ("changes 7 apart get two hunks", numbered(1...20), numbered(1...3) + ["x"] + numbered(5...11) + ["y"] + numbered(13...20)),
        ("moved block", numbered(1...12), numbered(1...2) + numbered(7...9) + numbered(3...6) + numbered(10...12)),
    ]

    @Test("the same output as GNU diff -U3", arguments: cases.indices)
    func matchesGNUDiff(_ index: Int) throws {
        let (name, old, new) = Self.cases[index]
        let ours = UnifiedDiff.render(old: Self.text(old), new: Self.text(new), oldName: "old", newName: "new")
        let theirs = try Self.gnuDiff(old: Self.text(old), new: Self.text(new), minimal: true)
        #expect(ours == theirs, "\(name)")
    }

    @Test("random texts: as short as GNU diff's minimal diff, and patch turns old into new")
    func randomTexts() throws {
        var generator = SeededGenerator(seed: 0x5eed)
        for round in 0..<150 {
            let alphabet = ["a", "b", "c", "d", "e"].prefix(Int.random(in: 2...5, using: &generator))
            let old = (0..<Int.random(in: 0...30, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var new = old
            for _ in 0..<Int.random(in: 0...6, using: &generator) {
                switch Int.random(in: 0...2, using: &generator) {
                case 0 where !new.isEmpty: new.remove(at: Int.random(in: 0..<new.count, using: &generator))
                case 1: new.insert(alphabet.randomElement(using: &generator)!, at: Int.random(in: 0...new.count, using: &generator))
                default: if !new.isEmpty { new[Int.random(in: 0..<new.count, using: &generator)] = alphabet.randomElement(using: &generator)! }
                }
            }
            let ours = UnifiedDiff.render(old: Self.text(old), new: Self.text(new), oldName: "old", newName: "new")
            let theirs = try Self.gnuDiff(old: Self.text(old), new: Self.text(new), minimal: true)
            #expect(Self.changedLines(ours) == Self.changedLines(theirs), "round \(round): \(old) -> \(new)\n\(ours)\n\(theirs)")
            #expect(try Self.patch(Self.text(old), with: ours) == Self.text(new), "round \(round): \(old) -> \(new)\n\(ours)")
        }
    }

    @Test("a diff past its bounds replaces the middle, still correct, in bounded time")
    func boundedFallback() throws {
        let old = (0..<20_000).map { "old \($0)" }
        let new = (0..<20_000).map { "new \($0)" }
        let start = ContinuousClock.now
        let operations = LineDiff.operations(from: ["same"] + old + ["tail"], to: ["same"] + new + ["tail"])
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .seconds(3), "took \(elapsed)")
        #expect(Self.apply(operations, old: ["same"] + old + ["tail"], new: ["same"] + new + ["tail"]))
        // Within the bounds the shortest script is found even for long texts: 12 edits in 6,000 lines.
        var edited = (0..<6_000).map { "key\($0): value" }
        let original = edited
        for index in stride(from: 250, to: 6_000, by: 500) { edited[index] = "key\(index): changed" }
        let small = LineDiff.operations(from: original, to: edited)
        #expect(small.filter { if case .keep = $0 { false } else { true } }.count == 24)
        #expect(Self.apply(small, old: original, new: edited))
        // With a distance bound of 5 the same input falls back, and is still a correct diff.
        let fallback = LineDiff.operations(from: original, to: edited, maxDistance: 5)
        #expect(Self.apply(fallback, old: original, new: edited))
        #expect(fallback.count > small.count)
        // The same with a work bound of 1,000 steps.
        let worked = LineDiff.operations(from: original, to: edited, maxWork: 1_000)
        #expect(Self.apply(worked, old: original, new: edited))
        #expect(worked.count > small.count)
    }

    // MARK: Helpers

    static func text(_ lines: [String]) -> String { lines.map { $0 + "\n" }.joined() }

    /// Whether the operations rebuild both sides exactly.
    static func apply(_ operations: [LineDiff.Operation], old: [String], new: [String]) -> Bool {
        var rebuiltOld: [String] = [], rebuiltNew: [String] = []
        for operation in operations {
            switch operation {
            case .keep(let i, let j):
                guard old[i] == new[j] else { return false }
                rebuiltOld.append(old[i])
                rebuiltNew.append(new[j])
            case .delete(let i): rebuiltOld.append(old[i])
            case .insert(let j): rebuiltNew.append(new[j])
            }
        }
        return rebuiltOld == old && rebuiltNew == new
    }

    static func changedLines(_ diff: String) -> Int {
        diff.split(separator: "\n").filter { ($0.hasPrefix("+") && !$0.hasPrefix("+++")) || ($0.hasPrefix("-") && !$0.hasPrefix("---")) }.count
    }

    static func gnuDiff(old: String, new: String, minimal: Bool) throws -> String {
        let directory = try RepositoryPaths.makeScratchDirectory("diff")
        defer { try? FileManager.default.removeItem(at: directory) }
        try old.write(to: directory.appendingPathComponent("old"), atomically: true, encoding: .utf8)
        try new.write(to: directory.appendingPathComponent("new"), atomically: true, encoding: .utf8)
        return try run("/usr/bin/diff", ["-U3"] + (minimal ? ["-d"] : []) + ["--label", "old", "--label", "new", "old", "new"], in: directory)
    }

    static func patch(_ old: String, with diff: String) throws -> String {
        let directory = try RepositoryPaths.makeScratchDirectory("patch")
        defer { try? FileManager.default.removeItem(at: directory) }
        try old.write(to: directory.appendingPathComponent("old"), atomically: true, encoding: .utf8)
        try diff.write(to: directory.appendingPathComponent("change.diff"), atomically: true, encoding: .utf8)
        _ = try run("/usr/bin/patch", ["-s", "-o", "patched", "old", "change.diff"], in: directory)
        return try String(contentsOf: directory.appendingPathComponent("patched"), encoding: .utf8)
    }

    static func run(_ executable: String, _ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
