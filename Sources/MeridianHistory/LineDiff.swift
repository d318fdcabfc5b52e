/// The shortest edit script between two lists of lines (Myers' O(ND) algorithm), bounded in
/// time and memory.
///
/// Common leading and trailing lines are set aside first, which for two versions of one
/// resource usually leaves a few lines. Myers' search then keeps one furthest-reaching
/// frontier per edit distance d (2d + 1 integers), so memory grows with D², not with the
/// input; past `maxDistance` edits, or `maxWork` steps, it gives up on finding the shortest
/// script and replaces the whole middle part instead, which is still a correct diff.
enum LineDiff {
    enum Operation: Sendable, Hashable {
        /// Both sides have the line (old index, new index).
        case keep(Int, Int)
        /// Only the old side has it.
        case delete(Int)
        /// Only the new side has it.
        case insert(Int)
    }

    /// Bounds of the search: 1,000 edits keep the frontiers under 1 M integers.
    static let maxDistance = 1_000
    static let maxWork = 20_000_000

    /// The operations turning `old` into `new`, in order.
    static func operations(from old: [String], to new: [String], maxDistance: Int = maxDistance, maxWork: Int = maxWork) -> [Operation] {
        // Lines as small integers: comparisons in the search are then cheap.
        var ids: [String: Int] = [:]
        let a = old.map { line in ids[line] ?? { ids[line] = ids.count; return ids.count - 1 }() }
        let b = new.map { line in ids[line] ?? { ids[line] = ids.count; return ids.count - 1 }() }
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        var result = (0..<prefix).map { Operation.keep($0, $0) }
        let middleA = Array(a[prefix..<(a.count - suffix)]), middleB = Array(b[prefix..<(b.count - suffix)])
        let middle = shortest(middleA, middleB, maxDistance: maxDistance, maxWork: maxWork)
            ?? (middleA.indices.map { Operation.delete($0) } + middleB.indices.map { Operation.insert($0) })
        result += middle.map { operation in
            switch operation {
            case .keep(let i, let j): .keep(i + prefix, j + prefix)
            case .delete(let i): .delete(i + prefix)
            case .insert(let j): .insert(j + prefix)
            }
        }
        result += (0..<suffix).map { .keep(a.count - suffix + $0, b.count - suffix + $0) }
        return result
    }

    /// Myers' greedy forward search with the frontier of every d kept for the way back;
    /// nil when the bounds are passed.
    private static func shortest(_ a: [Int], _ b: [Int], maxDistance: Int, maxWork: Int) -> [Operation]? {
        let n = a.count, m = b.count
        if n == 0 { return (0..<m).map { .insert($0) } }
        if m == 0 { return (0..<n).map { .delete($0) } }
        // frontiers[d][k + d]: the furthest x on diagonal k (x - y = k) reachable with d
        // edits, or -1 when no point of the grid on it is.
        var frontiers: [[Int]] = []
        var work = 0
        for d in 0...min(n + m, maxDistance) {
            var current = [Int](repeating: -1, count: 2 * d + 1)
            for k in stride(from: -d, through: d, by: 2) {
                guard var x = d == 0 ? 0 : step(frontiers[d - 1], k: k, d: d, n: n, m: m)?.x else { continue }
                var y = x - k
                while x < n, y < m, a[x] == b[y] {
                    x += 1
                    y += 1
                    work += 1
                }
                work += 1
                // Checked per diagonal, not per d: one d's snakes can be long.
                if work > maxWork { return nil }
                current[k + d] = x
                if x == n, y == m {
                    frontiers.append(current)
                    return backtrack(frontiers, n: n, m: m)
                }
            }
            frontiers.append(current)
        }
        return nil
    }

    /// How the furthest point on diagonal k with d edits is reached from the frontier of
    /// d - 1: down from diagonal k + 1 (an insertion) or right from k - 1 (a deletion),
    /// whichever goes further, and only by moves that stay inside the grid.
    private static func step(_ previous: [Int], k: Int, d: Int, n: Int, m: Int) -> (down: Bool, x: Int)? {
        func at(_ diagonal: Int) -> Int { abs(diagonal) <= d - 1 ? previous[diagonal + d - 1] : -1 }
        let above = at(k + 1), left = at(k - 1)
        let down = above >= 0 && above - (k + 1) < m ? above : nil
        let right = left >= 0 && left < n ? left + 1 : nil
        switch (down, right) {
        case (let down?, let right?): return right <= down ? (true, down) : (false, right)
        case (let down?, nil): return (true, down)
        case (nil, let right?): return (false, right)
        case (nil, nil): return nil
        }
    }

    private static func backtrack(_ frontiers: [[Int]], n: Int, m: Int) -> [Operation] {
        var operations: [Operation] = []
        var x = n, y = m
        for d in stride(from: frontiers.count - 1, through: 1, by: -1) {
            let k = x - y
            // The same choice the search made (it is a function of the previous frontier).
            guard let (down, startX) = step(frontiers[d - 1], k: k, d: d, n: n, m: m) else { break }
            let startY = startX - k
            // The snake (equal lines) after the edit, walked back to where the edit landed.
            while x > startX, y > startY {
                x -= 1
                y -= 1
                operations.append(.keep(x, y))
            }
            if down {
                y -= 1
                operations.append(.insert(y))
            } else {
                x -= 1
                operations.append(.delete(x))
            }
        }
        while x > 0, y > 0 {
            x -= 1
            y -= 1
            operations.append(.keep(x, y))
        }
        return operations.reversed()
    }
}
