/// Which of a reload's problem lines (conditions saying something is not served as written)
/// to log: those not logged after an earlier reload, at most `limit` of them. An edit then logs
/// what it changed, not every problem of a large configuration again (3,000 routes to a
/// missing Service were 3,000 log lines per edit); `/status` and `meridian status` list them all.
struct ProblemLog: Sendable {
    /// What one reload should log.
    struct Report: Equatable, Sendable {
        /// Problems not logged before, in the order given.
        var new: [String]
        /// New problems beyond the limit, counted instead of logged.
        var omitted: Int
        /// Problems logged before that are gone.
        var resolved: Int
    }

    static let limit = 50

    /// The problems as of the last reload (logged or counted).
    private var known: Set<String> = []

    mutating func update(_ lines: [String]) -> Report {
        let current = Set(lines)
        let fresh = lines.filter { !known.contains($0) }
        let resolved = known.subtracting(current).count
        known = current
        return Report(new: Array(fresh.prefix(Self.limit)), omitted: max(0, fresh.count - Self.limit), resolved: resolved)
    }
}
