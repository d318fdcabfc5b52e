/// Text in the unified diff format of `diff -u` and `git diff`: `---`/`+++` headers, then
/// hunks `@@ -start,count +start,count @@` with three lines of context around each change.
public enum UnifiedDiff {
    /// The diff from `old` to `new` (texts split at newlines), or "" when they are equal.
    /// `oldName` / `newName` head it; `/dev/null` stands for a missing side, as in git.
    public static func render(old: String, new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let oldLines = lines(old), newLines = lines(new)
        let operations = LineDiff.operations(from: oldLines, to: newLines)
        let hunks = self.hunks(operations, context: context)
        guard !hunks.isEmpty else { return "" }
        // Lines of each side before each operation: where a hunk starts on either side.
        var oldBefore = [0], newBefore = [0]
        for operation in operations {
            switch operation {
            case .keep: oldBefore.append(oldBefore.last! + 1); newBefore.append(newBefore.last! + 1)
            case .delete: oldBefore.append(oldBefore.last! + 1); newBefore.append(newBefore.last!)
            case .insert: oldBefore.append(oldBefore.last!); newBefore.append(newBefore.last! + 1)
            }
        }
        var output = "--- \(oldName)\n+++ \(newName)\n"
        for hunk in hunks {
            var body = ""
            for operation in operations[hunk] {
                switch operation {
                case .keep(let i, _): body += " " + oldLines[i] + "\n"
                case .delete(let i): body += "-" + oldLines[i] + "\n"
                case .insert(let j): body += "+" + newLines[j] + "\n"
                }
            }
            let oldCount = oldBefore[hunk.upperBound + 1] - oldBefore[hunk.lowerBound]
            let newCount = newBefore[hunk.upperBound + 1] - newBefore[hunk.lowerBound]
            // Lines count from 1; an empty side is numbered by the line before it, as diff does.
            let oldStart = oldBefore[hunk.lowerBound] + (oldCount == 0 ? 0 : 1)
            let newStart = newBefore[hunk.lowerBound] + (newCount == 0 ? 0 : 1)
            output += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n" + body
        }
        return output
    }

    /// The lines of a text; a final newline ends the last line rather than starting another.
    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Groups changes with up to `context` unchanged lines around them; two changes closer
    /// than twice that share a hunk. Each hunk is a range of `operations`.
    static func hunks(_ operations: [LineDiff.Operation], context: Int) -> [ClosedRange<Int>] {
        let changed = operations.indices.filter { if case .keep = operations[$0] { false } else { true } }
        guard let first = changed.first else { return [] }
        var ranges: [ClosedRange<Int>] = []
        var start = first, end = first
        for index in changed.dropFirst() {
            if index - end - 1 > 2 * context {
                ranges.append(start...end)
                start = index
            }
            end = index
        }
        ranges.append(start...end)
        return ranges.map { max(0, $0.lowerBound - context)...min(operations.count - 1, $0.upperBound + context) }
    }

    private static func range(_ start: Int, _ count: Int) -> String {
        count == 1 ? "\(start)" : "\(start),\(count)"
    }
}
