// The errors of one document, bounded, and the unknown-field check of the hand-written
// decoders: every mapping read through a `MappingReader` records the keys it was asked
// for, and once the document is decoded every key nobody asked for is reported, with the
// nearest asked-for key as a suggestion. A decoder thereby names its fields once, by
// reading them.

/// Collects the errors of one document while it is decoded.
///
/// A reference type so every reader of the document appends to the same list; it never
/// leaves the function that decodes the document. At most `LoadLimits.maxErrorsPerDocument`
/// errors are kept; the others are only counted.
final class DecodingDiagnostics {
    private var budget: ErrorBudget
    /// Paths of values that were reported and then dropped or replaced by a placeholder
    /// (`YAMLObjectDecoder`); validation problems at or below them would only repeat the report.
    private(set) var failedPaths: Set<String> = []
    private var mappings: [ReadMapping] = []
    /// The slot of the mapping starting at a position, as first reached, and the slots of
    /// those that aliases reach again by other paths.
    private var firstSlots: [Position: Int] = [:]
    private var aliasSlots: [AliasReach: Int] = [:]

    /// Diagnostics starting with `errors` (those the parser found in the document).
    init(limit: Int = LoadLimits().maxErrorsPerDocument, errors: [LoadError] = []) {
        budget = ErrorBudget(limit: limit, scope: .document)
        for error in errors { budget.add(error) }
    }

    /// The errors kept, then one standing for those left out, if any.
    var errors: [LoadError] { budget.errors }

    /// How many errors were reported, kept or not.
    var reportedCount: Int { budget.kept.count + budget.omitted }

    func markFailed(_ path: FieldPath) {
        failedPaths.insert(path.description)
    }

    /// True when `path` is a failed path or lies below one.
    func isBelowFailedPath(_ path: FieldPath) -> Bool {
        var text = path.description
        while true {
            if failedPaths.contains(text) { return true }
            guard let cut = text.lastIndex(where: { $0 == "." || $0 == "[" }) else { return false }
            text = String(text[..<cut])
        }
    }

    /// Records a problem; once the budget is spent, the message is not even built.
    func report(_ code: LoadError.Code, _ message: @autoclosure () -> String, at location: SourceLocation, path: FieldPath?) {
        guard !budget.isExhausted else {
            budget.omit(count: 1, at: location, setAside: false)
            return
        }
        let fieldPath = path.flatMap { $0.description.isEmpty ? nil : $0.description }
        budget.add(LoadError(code: code, message: message(), location: location, fieldPath: fieldPath))
    }

    // MARK: Unknown fields

    /// A mapping read through `MappingReader`s, and what they made of its keys.
    private struct ReadMapping {
        let node: YAMLNode
        let path: FieldPath
        /// Keys asked for, in the order first asked (suggestions prefer the earlier). An
        /// object has a handful of fields: a list is quicker to search than a set to hash.
        var asked: [String] = []
        /// Fields of the API that Meridian does not use: accepted, never read.
        var ignored: [String] = []
        /// Fields of the API that Meridian does not implement: refused by name when set.
        var refused: [String] = []
        /// Set when the mapping could not be read as a whole (its `type` is invalid, say),
        /// so which keys belong in it is unknown.
        var unchecked = false
    }

    private struct Position: Hashable {
        var line: Int
        var column: Int
    }

    private struct AliasReach: Hashable {
        var position: Position
        var path: String
    }

    /// The slot of the mapping `node` reached by `path`, the same for every reader of it.
    /// A mapping is known by where it starts and by its path: an alias reaches one node
    /// by several paths, and each is checked (and reported) as its own.
    func slot(for node: YAMLNode, at path: FieldPath) -> Int {
        let position = Position(line: node.location.line, column: node.location.column)
        guard let first = firstSlots[position] else {
            mappings.append(ReadMapping(node: node, path: path))
            firstSlots[position] = mappings.count - 1
            return mappings.count - 1
        }
        if mappings[first].path == path { return first }
        let reach = AliasReach(position: position, path: path.description)
        if let slot = aliasSlots[reach] { return slot }
        mappings.append(ReadMapping(node: node, path: path))
        aliasSlots[reach] = mappings.count - 1
        return mappings.count - 1
    }

    /// Records that `key` was asked for in the mapping of `slot`.
    func asked(_ key: String, in slot: Int) {
        if !mappings[slot].asked.contains(key) { mappings[slot].asked.append(key) }
    }

    /// Declares fields of the mapping of `slot` that are accepted and not read.
    func ignore(_ keys: [String], in slot: Int) {
        mappings[slot].ignored.append(contentsOf: keys)
    }

    /// Declares fields of the mapping of `slot` that are refused as not supported by Meridian.
    func refuse(_ keys: [String], in slot: Int) {
        mappings[slot].refused.append(contentsOf: keys)
    }

    /// Exempts the mapping of `slot` from the unknown-field check.
    func leaveUnchecked(_ slot: Int) {
        mappings[slot].unchecked = true
    }

    /// Reports every key of every mapping read so far that no reader asked for: as not
    /// supported when refused, otherwise as unknown with the nearest known field suggested.
    /// Called once, when the document is decoded (readers asking for keys afterwards change nothing).
    func reportUnknownFields() {
        for mapping in mappings where !mapping.unchecked {
            guard case .mapping(let entries) = mapping.node.content else { continue }
            let known = mapping.asked + mapping.refused + mapping.ignored
            for entry in entries {
                guard let key = entry.key.scalar?.text, !mapping.asked.contains(key), !mapping.ignored.contains(key) else { continue }
                if mapping.refused.contains(key) {
                    if !entry.value.isNull {
                        report(.unsupportedField, "not supported by Meridian", at: entry.key.location, path: mapping.path.field(key))
                    }
                    continue
                }
                report(.unknownField, FieldSuggestion.unknownFieldMessage(key, known: known), at: entry.key.location, path: mapping.path.field(key))
            }
        }
    }
}
