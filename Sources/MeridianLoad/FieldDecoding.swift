// Typed reading of YAML nodes with Kubernetes semantics: null means absent, quoted
// scalars are strings, and every problem is recorded with its location and field path
// so that one pass reports all errors of a document.

/// A path to a field, rendered as Kubernetes renders it: `spec.rules[0].backendRefs[1].weight`.
struct FieldPath: Hashable, CustomStringConvertible {
    private(set) var description: String

    static let root = FieldPath(description: "")

    /// The path of a named field below this one (a long, unknown name shortened, see `brief`).
    func field(_ name: String) -> FieldPath {
        let name = brief(name)
        return FieldPath(description: description.isEmpty ? name : description + "." + name)
    }

    /// The path of a list element.
    func index(_ index: Int) -> FieldPath {
        FieldPath(description: description + "[\(index)]")
    }

    /// The path of a map entry, e.g. `metadata.labels[app]`.
    func key(_ key: String) -> FieldPath {
        FieldPath(description: description + "[\(brief(key))]")
    }
}

/// A node being decoded, with its field path.
struct NodeReader {
    let node: YAMLNode
    let path: FieldPath
    let diagnostics: DecodingDiagnostics

    var location: SourceLocation { node.location }

    /// Records a problem located at this node.
    func report(_ code: LoadError.Code, _ message: @autoclosure () -> String) {
        diagnostics.report(code, message(), at: node.location, path: path)
    }

    /// Records a problem with this node's value.
    func reportInvalid(_ message: @autoclosure () -> String) {
        report(.invalidValue, message())
    }

    private func reportWrongType(expected: String, hint: String = "") {
        report(.wrongType, "expected \(expected), got \(describe(node))\(hint)")
    }

    /// The node as a mapping; reports a wrong-type error otherwise.
    func mapping() -> MappingReader? {
        guard case .mapping(let entries) = node.content else {
            reportWrongType(expected: "a mapping")
            return nil
        }
        return MappingReader(node: node, entries: entries, path: path, diagnostics: diagnostics)
    }

    /// The node's items (the first `limit` of them), each with its indexed path; reports a
    /// wrong-type error if it is not a sequence.
    func sequence(limit: Int = .max) -> [NodeReader]? {
        guard case .sequence(let items) = node.content else {
            reportWrongType(expected: "a list")
            return nil
        }
        return items.prefix(limit).enumerated().map { NodeReader(node: $1, path: path.index($0), diagnostics: diagnostics) }
    }

    /// The number of items when the node is a sequence.
    var itemCount: Int? {
        guard case .sequence(let items) = node.content else { return nil }
        return items.count
    }

    /// The node as a string. Plain scalars Kubernetes would read as another type
    /// (`true`, `80`, `yes`, `1.0`) are refused, since the API server would refuse them too.
    func string(allowEmpty: Bool = false, maxLength: Int? = nil, problem: ((String) -> String?)? = nil) -> String? {
        guard case .scalar(let scalar) = node.content else {
            reportWrongType(expected: "a string")
            return nil
        }
        switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
        case .string(let text):
            if !allowEmpty && text.isEmpty {
                reportInvalid("must not be empty")
                return nil
            }
            if let maxLength, text.count > maxLength {
                reportInvalid("must be at most \(maxLength) characters long (got \(text.count))")
                return nil
            }
            if let problem, let reason = problem(text) {
                reportInvalid(reason)
                return nil
            }
            return text
        case .null:
            reportWrongType(expected: "a string")
            return nil
        default:
            reportWrongType(expected: "a string", hint: "; quote it to make it a string")
            return nil
        }
    }

    /// The node as an integer. Quoted numbers are refused, as Kubernetes refuses them.
    func int(in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let scalar) = node.content else {
            reportWrongType(expected: "an integer")
            return nil
        }
        switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
        case .integer(let value):
            if let range, !range.contains(value) {
                reportInvalid("must be between \(range.lowerBound) and \(range.upperBound)")
                return nil
            }
            return value
        case .ambiguousInteger:
            let digits = scalar.text.drop { $0 == "-" || $0 == "+" }
            if digits.allSatisfy(\.isASCIIDigit) && digits.first != "0" {
                reportInvalid("integer \(brief(scalar.text)) is out of range")
            } else {
                reportInvalid("\(brief(scalar.text)) means different numbers in YAML 1.1 (which Kubernetes uses) and YAML 1.2; write the integer in decimal without leading zeros")
            }
            return nil
        default:
            reportWrongType(expected: "an integer")
            return nil
        }
    }

    /// The node as a boolean; `yes`/`no`/`on`/`off` are accepted as Kubernetes (YAML 1.1) accepts them.
    func bool() -> Bool? {
        guard case .scalar(let scalar) = node.content else {
            reportWrongType(expected: "a boolean")
            return nil
        }
        switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
        case .bool(let value), .yaml11Bool(let value):
            return value
        default:
            reportWrongType(expected: "a boolean")
            return nil
        }
    }

    /// The node decoded as a `Decodable` type by `YAMLObjectDecoder`; nil (with problems reported) when it cannot be.
    func decode<T: Decodable>(_ type: T.Type) -> T? {
        YAMLObjectDecoder.decode(type, from: node, path: path, diagnostics: diagnostics)
    }

    /// A string-to-string map (labels, annotations, selectors); entries with problems are reported and left out.
    func stringMap(
        allowEmptyValues: Bool = true,
        keyProblem: ((String) -> String?)? = nil,
        valueProblem: ((String) -> String?)? = nil
    ) -> [String: String] {
        // A map, not an object: its keys are data, so it is not read through a `MappingReader`.
        guard case .mapping(let entries) = node.content else {
            reportWrongType(expected: "a mapping")
            return [:]
        }
        var result: [String: String] = [:]
        for entry in entries {
            guard let key = entry.key.scalar?.text else { continue }
            let valueReader = NodeReader(node: entry.value, path: path.key(key), diagnostics: diagnostics)
            if let problem = keyProblem?(key) {
                diagnostics.report(.invalidValue, "invalid key \(quoted(key)): \(problem)", at: entry.key.location, path: path.key(key))
                continue
            }
            // JSON null decodes to "" in a Go map[string]string; `key:` with no value is null in YAML.
            if entry.value.isNull {
                if allowEmptyValues { result[key] = "" }
                continue
            }
            guard let value = valueReader.string(allowEmpty: allowEmptyValues) else { continue }
            if let problem = valueProblem?(value) {
                valueReader.reportInvalid("invalid value \(quoted(value)): \(problem)")
                continue
            }
            result[key] = value
        }
        return result
    }
}

/// A mapping being decoded; looks fields up by key and reads them with their paths.
///
/// Every key asked for is recorded in the diagnostics; when the document is decoded, the
/// keys of the mapping that no reader asked for are reported as unknown fields (see
/// `DecodingDiagnostics.reportUnknownFields`). Fields of the API that are not read are
/// declared with `ignore` (accepted) or `refuse` (not supported by Meridian).
struct MappingReader {
    let node: YAMLNode
    let entries: [YAMLMappingEntry]
    let path: FieldPath
    let diagnostics: DecodingDiagnostics
    /// The mapping's record in `diagnostics`, shared by every reader of it.
    private let slot: Int

    init(node: YAMLNode, entries: [YAMLMappingEntry], path: FieldPath, diagnostics: DecodingDiagnostics) {
        self.node = node
        self.entries = entries
        self.path = path
        self.diagnostics = diagnostics
        slot = diagnostics.slot(for: node, at: path)
    }

    var location: SourceLocation { node.location }

    /// Fields of the API that Meridian accepts and does not use (`status`, `metadata.uid`...).
    func ignore(_ keys: String...) {
        diagnostics.ignore(keys, in: slot)
    }

    /// Fields of the API that Meridian does not implement: when set, each is reported as
    /// `not supported by Meridian` rather than silently dropped.
    func refuse(_ keys: String...) {
        diagnostics.refuse(keys, in: slot)
    }

    /// Exempts this mapping from the unknown-field check, for a decoder that gave up on it
    /// after reporting why (an invalid `type` leaves unknown which fields belong).
    func leaveUnchecked() {
        diagnostics.leaveUnchecked(slot)
    }

    /// The value of `key`, or nil when the key is absent or its value is null
    /// (Kubernetes treats an explicit null like an omitted field).
    func value(_ key: String) -> NodeReader? {
        diagnostics.asked(key, in: slot)
        guard let entry = entries.first(where: { $0.key.scalar?.text == key }), !entry.value.isNull else {
            return nil
        }
        return NodeReader(node: entry.value, path: path.field(key), diagnostics: diagnostics)
    }

    /// True when `key` has a non-null value.
    func has(_ key: String) -> Bool { value(key) != nil }

    /// Records a missing-field error at this mapping, with the missing field's path.
    func reportMissing(_ key: String, _ message: String = "required field is missing") {
        diagnostics.report(.missingField, message, at: node.location, path: path.field(key))
    }

    /// Records a problem located at this mapping.
    func report(_ code: LoadError.Code, _ message: @autoclosure () -> String) {
        diagnostics.report(code, message(), at: node.location, path: path)
    }

    private func required(_ key: String, _ required: Bool) -> NodeReader? {
        let reader = value(key)
        if reader == nil && required { reportMissing(key) }
        return reader
    }

    /// A string field; `problem` returns a reason when the (non-empty) value is invalid.
    func string(
        _ key: String,
        required isRequired: Bool = false,
        allowEmpty: Bool = false,
        maxLength: Int? = nil,
        problem: ((String) -> String?)? = nil
    ) -> String? {
        required(key, isRequired)?.string(allowEmpty: allowEmpty, maxLength: maxLength, problem: problem)
    }

    /// An integer field, optionally range-checked.
    func int(_ key: String, required isRequired: Bool = false, range: ClosedRange<Int>? = nil) -> Int? {
        required(key, isRequired)?.int(in: range)
    }

    /// A boolean field.
    func bool(_ key: String, required isRequired: Bool = false) -> Bool? {
        required(key, isRequired)?.bool()
    }

    /// A nested mapping.
    func mapping(_ key: String, required isRequired: Bool = false) -> MappingReader? {
        required(key, isRequired)?.mapping()
    }

    /// A list field. A list over `maxItems` is reported and only its first `maxItems` items
    /// are returned: the rest are not decoded (a list of a million items must not cost a
    /// million decodings, nor yield a million errors).
    func list(_ key: String, required isRequired: Bool = false, minItems: Int = 0, maxItems: Int? = nil) -> [NodeReader]? {
        guard let reader = required(key, isRequired), let items = reader.sequence(limit: maxItems ?? .max) else { return nil }
        if let maxItems, let count = reader.itemCount, count > maxItems {
            reader.report(.tooMany, "must have at most \(maxItems) \(maxItems == 1 ? "item" : "items"), got \(count)")
            return items
        }
        if items.count < minItems {
            reader.report(.tooFew, "must have at least \(minItems) \(minItems == 1 ? "item" : "items")")
        }
        return items
    }

    /// A field whose string value must be one of an enum's raw values.
    func enumValue<Value: RawRepresentable & CaseIterable>(_ key: String, required isRequired: Bool = false) -> Value?
    where Value.RawValue == String {
        guard let reader = required(key, isRequired), let text = reader.string() else { return nil }
        if let value = Value(rawValue: text) { return value }
        let supported = Value.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        reader.reportInvalid("unsupported value \(quoted(text)); supported values: \(supported)")
        return nil
    }

    /// A string-to-string map field; absent means empty.
    func stringMap(
        _ key: String,
        allowEmptyValues: Bool = true,
        keyProblem: ((String) -> String?)? = nil,
        valueProblem: ((String) -> String?)? = nil
    ) -> [String: String] {
        value(key)?.stringMap(allowEmptyValues: allowEmptyValues, keyProblem: keyProblem, valueProblem: valueProblem) ?? [:]
    }
}

extension Character {
    /// 0-9 only (unlike `isNumber`, which accepts every Unicode digit).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
