// The hooks `YAMLObjectDecoder` gives a type beyond `Decodable`: validation whose problems
// are located by field path, and the fields a real API has but Meridian refuses.

/// A `Decodable` type with rules beyond its field types (ranges, one-of, cross-field rules).
///
/// `validate` runs once the value is decoded. It reports problems by field path relative to
/// the value (`report.invalid(["retry", "attempts"], ...)`); the decoder turns each path
/// into the file, line and column of that field (of the nearest enclosing field that is
/// written, for a missing one).
protocol ValidatedDecodable: Decodable {
    func validate(_ report: inout ValidationReport)
}

/// A type whose YAML may carry fields of the real API that Meridian does not implement;
/// each is reported as `not supported by Meridian` rather than as an unknown field.
protocol UnsupportedFieldsDeclaring {
    static var unsupportedFields: [String] { get }
}

/// One step of a relative field path: a field name or a list index.
enum FieldStep: Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case field(String)
    case index(Int)

    init(stringLiteral value: String) {
        self = .field(value)
    }

    init(integerLiteral value: Int) {
        self = .index(value)
    }
}

/// The problems found by a `validate`, with paths relative to the validated value.
struct ValidationReport {
    private(set) var problems: [(code: LoadError.Code, steps: [FieldStep], message: String, isAboutPresence: Bool)] = []

    /// Records a problem at a relative path (empty: the value itself). A problem about which
    /// fields are present is dropped when a field of the value could not be decoded (it may
    /// be the one that was written but refused).
    mutating func report(_ code: LoadError.Code, _ steps: [FieldStep], _ message: String, isAboutPresence: Bool = false) {
        problems.append((code, steps, message, isAboutPresence))
    }

    /// Records an invalid value.
    mutating func invalid(_ steps: [FieldStep], _ message: String) {
        report(.invalidValue, steps, message)
    }

    /// Records a missing field.
    mutating func missing(_ steps: [FieldStep], _ message: String = "required field is missing") {
        report(.missingField, steps, message, isAboutPresence: true)
    }

    /// Checks that an integer, when present, is within `range`.
    mutating func check(_ value: Int?, in range: ClosedRange<Int>, _ steps: [FieldStep]) {
        guard let value, !range.contains(value) else { return }
        if range.upperBound == Int.max {
            invalid(steps, "must be at least \(range.lowerBound)")
        } else {
            invalid(steps, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
    }

    /// Checks a list's length, when present.
    mutating func check<Item>(_ list: [Item]?, count range: ClosedRange<Int>, _ steps: [FieldStep]) {
        guard let list else { return }
        if list.count < range.lowerBound {
            report(.tooFew, steps, "must have at least \(range.lowerBound) \(range.lowerBound == 1 ? "item" : "items")")
        } else if list.count > range.upperBound {
            report(.tooMany, steps, "must have at most \(range.upperBound) \(range.upperBound == 1 ? "item" : "items"), got \(list.count)")
        }
    }

    /// Checks that a duration, when present, is at least `minimum`; a `minimum` of zero means strictly positive.
    mutating func check(_ value: GatewayAPIDuration?, atLeast minimum: Duration, _ steps: [FieldStep]) {
        guard let value else { return }
        if minimum == .zero {
            if value.duration <= .zero { invalid(steps, "must be greater than 0") }
        } else if value.duration < minimum {
            invalid(steps, "must be at least \(GatewayAPIDuration.describe(minimum))")
        }
    }

    /// Checks a string, when present, with one of `NameSyntax`'s rules.
    mutating func check(_ value: String?, _ problem: (String) -> String?, _ steps: [FieldStep]) {
        guard let value else { return }
        if value.isEmpty {
            invalid(steps, "must not be empty")
        } else if let reason = problem(value) {
            invalid(steps, reason)
        }
    }

    /// Reports that exactly one of the named fields must be set, unless exactly one is.
    mutating func exactlyOne(_ fields: [(String, Bool)], _ steps: [FieldStep] = []) {
        guard fields.filter(\.1).count != 1 else { return }
        report(.invalidValue, steps, "exactly one of \(fields.map(\.0).joined(separator: ", ")) must be set", isAboutPresence: true)
    }

    /// Records every problem in `diagnostics`, located at the node each path leads to, except
    /// those about values already reported (and presence problems of an `isIncomplete` value).
    func resolve(against node: YAMLNode, path: FieldPath, diagnostics: DecodingDiagnostics, isIncomplete: Bool) {
        for problem in problems where !(problem.isAboutPresence && isIncomplete) {
            var current: YAMLNode? = node
            var location = node.location
            var fieldPath = path
            for step in problem.steps {
                switch step {
                case .field(let name):
                    fieldPath = fieldPath.field(name)
                    if case .mapping(let entries)? = current?.content {
                        current = entries.first { $0.key.scalar?.text == name }?.value
                    } else {
                        current = nil
                    }
                case .index(let index):
                    fieldPath = fieldPath.index(index)
                    if case .sequence(let items)? = current?.content, items.indices.contains(index) {
                        current = items[index]
                    } else {
                        current = nil
                    }
                }
                if let current { location = current.location }
            }
            if !diagnostics.isBelowFailedPath(fieldPath) {
                diagnostics.report(problem.code, problem.message, at: location, path: fieldPath)
            }
        }
    }
}

extension GatewayAPIDuration {
    /// A duration in the largest unit that writes it exactly (`50ms`, `1s`).
    static func describe(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        return "\(milliseconds / 1000)s"
    }
}

/// "Did you mean" suggestions for misspelt field names.
enum FieldSuggestion {
    /// `unknown field; did you mean \`numRetries\`?`, or `unknown field` when nothing is close.
    static func unknownFieldMessage(_ key: String, known: [String]) -> String {
        guard let suggestion = nearest(to: key, in: known) else { return "unknown field" }
        return "unknown field; did you mean `\(suggestion)`?"
    }

    /// The known name closest to `key` (case-insensitive edit distance), if close enough to
    /// be a misspelling: within a third of the name's length (1 to 3 edits), or `maxDistance`.
    static func nearest(to key: String, in known: [String], maxDistance: Int = 3) -> String? {
        let target = Array(key.lowercased())
        var best: (name: String, distance: Int)?
        for name in known {
            // Names whose lengths differ by more than 3 are never close enough to suggest, and
            // skipping them keeps the table small whatever the length of the key.
            guard abs(target.count - name.count) <= 3 else { continue }
            let distance = editDistance(target, Array(name.lowercased()))
            if distance < (best?.distance ?? Int.max) { best = (name, distance) }
        }
        guard let best else { return nil }
        let allowed = max(1, min(maxDistance, max(key.count, best.name.count) / 3))
        return best.distance <= allowed ? best.name : nil
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of adjacent
    /// characters (`spce` is one edit from `spec`).
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
