// A Swift `Decoder` over the positioned YAML tree, so a kind's decoding is its `Decodable`
// conformance plus a short `validate`. Kubernetes semantics apply (null means absent,
// quoted numbers are strings, YAML 1.1 booleans), and every problem is recorded with its
// location and field path instead of ending the decoding:
//
// * a value that cannot be decoded is reported where it is and becomes absent
//   (`decodeIfPresent` returns nil, a list drops the item), so its siblings are still read;
// * a missing or invalid required value is reported and replaced by a placeholder, so the
//   rest of its object is still read (the document is invalid anyway);
// * keys no `CodingKey` asked for are reported as unknown, with the nearest known field as
//   a suggestion, or as not supported when the type lists them (`UnsupportedFieldsDeclaring`);
// * a `ValidatedDecodable` value is validated once decoded, its problems located by
//   field path relative to the value's node.

/// An error already recorded in the diagnostics; it only unwinds the decoding of the value it concerns.
struct ReportedDecodingError: Error {}

/// The keys a keyed container was asked for, in the order they were asked.
final class RequestedKeys {
    var usedKeyedContainer = false
    private(set) var names: [String] = []
    private var seen: Set<String> = []

    func insert(_ name: String) {
        if seen.insert(name).inserted { names.append(name) }
    }

    func contains(_ name: String) -> Bool { seen.contains(name) }
}

/// Decodes `Decodable` values from YAML nodes, recording problems in `diagnostics`.
struct YAMLObjectDecoder: Decoder {
    let node: YAMLNode
    let path: FieldPath
    let codingPath: [any CodingKey]
    let diagnostics: DecodingDiagnostics
    let requestedKeys = RequestedKeys()

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Decodes `type` from `node`; nil when it could not be decoded (the problems are in `diagnostics`).
    static func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode, path: FieldPath, diagnostics: DecodingDiagnostics) -> T? {
        let root = YAMLObjectDecoder(node: node, path: path, codingPath: [], diagnostics: diagnostics)
        return try? root.decodeValue(type, at: node, path: path, codingPath: [])
    }

    /// A reader of `node` reporting to this decoder's diagnostics.
    func reader(_ node: YAMLNode, _ path: FieldPath) -> NodeReader {
        NodeReader(node: node, path: path, diagnostics: diagnostics)
    }

    /// Records a problem and returns the error that unwinds the value it concerns.
    func reported(_ code: LoadError.Code, _ message: String, at location: SourceLocation, path: FieldPath) -> ReportedDecodingError {
        diagnostics.report(code, message, at: location, path: path)
        return ReportedDecodingError()
    }

    /// Decodes one value: primitives and collections directly, anything else through its
    /// `init(from:)`, followed by the unknown-field check and validation.
    func decodeValue<T: Decodable>(_ type: T.Type, at node: YAMLNode, path: FieldPath, codingPath: [any CodingKey]) throws -> T {
        if let value = try decodePrimitive(type, at: node, path: path) { return value }
        if let listType = type as? any YAMLListDecodable.Type {
            guard case .sequence(let items) = node.content else {
                throw reported(.wrongType, "expected a list, got \(describe(node))", at: node.location, path: path)
            }
            guard let list = listType.decodeList(items, path: path, codingPath: codingPath, decoder: self) as? T else { throw ReportedDecodingError() }
            return list
        }
        if let mapType = type as? any YAMLMapDecodable.Type {
            guard case .mapping(let entries) = node.content else {
                throw reported(.wrongType, "expected a mapping, got \(describe(node))", at: node.location, path: path)
            }
            guard let map = mapType.decodeMap(entries, path: path, codingPath: codingPath, decoder: self) as? T else { throw ReportedDecodingError() }
            return map
        }
        let decoder = YAMLObjectDecoder(node: node, path: path, codingPath: codingPath, diagnostics: diagnostics)
        let errorsBefore = diagnostics.reportedCount
        let value: T
        do {
            value = try T(from: decoder)
        } catch let error as ReportedDecodingError {
            throw error
        } catch let DecodingError.dataCorrupted(context) {
            throw reported(.invalidValue, context.debugDescription, at: node.location, path: path)
        } catch {
            throw reported(.invalidValue, "\(error)", at: node.location, path: path)
        }
        decoder.checkUnknownKeys(of: type)
        if let validated = value as? any ValidatedDecodable {
            var report = ValidationReport()
            validated.validate(&report)
            report.resolve(against: node, path: path, diagnostics: diagnostics, isIncomplete: diagnostics.reportedCount > errorsBefore)
        }
        return value
    }

    /// Decodes a value, or marks its path as failed (its problems are reported) and returns nil.
    func attempt<T: Decodable>(_ type: T.Type, at node: YAMLNode, path: FieldPath, codingPath: [any CodingKey]) -> T? {
        do {
            return try decodeValue(type, at: node, path: path, codingPath: codingPath)
        } catch {
            diagnostics.markFailed(path)
            return nil
        }
    }

    /// Strings, booleans and numbers, read as Kubernetes reads them; nil for other types.
    private func decodePrimitive<T>(_ type: T.Type, at node: YAMLNode, path: FieldPath) throws -> T? {
        let reader = reader(node, path)
        let value: Any?
        if type == String.self {
            value = reader.string(allowEmpty: true)
        } else if type == Bool.self {
            value = reader.bool()
        } else if type == Double.self {
            value = try decodeNumber(at: node, path: path)
        } else if type == Float.self {
            value = try decodeNumber(at: node, path: path).map { Float($0) }
        } else if type == ScalarText.self {
            guard let scalar = node.scalar, !node.isNull else {
                throw reported(.wrongType, "expected a number or a string, got \(describe(node))", at: node.location, path: path)
            }
            value = ScalarText(text: scalar.text)
        } else if let integerType = type as? any FixedWidthInteger.Type {
            value = try decodeInteger(integerType, at: node, path: path)
        } else {
            return nil
        }
        guard let typed = value as? T else { throw ReportedDecodingError() }
        return typed
    }

    private func decodeInteger<I: FixedWidthInteger>(_ type: I.Type, at node: YAMLNode, path: FieldPath) throws -> I {
        guard let integer = reader(node, path).int() else { throw ReportedDecodingError() }
        guard let value = I(exactly: integer) else {
            throw reported(.invalidValue, "must be between \(I.min) and \(I.max)", at: node.location, path: path)
        }
        return value
    }

    private func decodeNumber(at node: YAMLNode, path: FieldPath) throws -> Double? {
        if let scalar = node.scalar {
            switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
            case .integer(let value): return Double(value)
            case .float(let value): return value
            default: break
            }
        }
        throw reported(.wrongType, "expected a number, got \(describe(node))", at: node.location, path: path)
    }

    /// Reports every key of this decoder's mapping that no keyed container asked for.
    func checkUnknownKeys<T>(of type: T.Type) {
        guard requestedKeys.usedKeyedContainer, case .mapping(let entries) = node.content else { return }
        let unsupported = (type as? any UnsupportedFieldsDeclaring.Type)?.unsupportedFields ?? []
        for entry in entries {
            guard let key = entry.key.scalar?.text, !requestedKeys.contains(key) else { continue }
            if unsupported.contains(key) {
                if !entry.value.isNull {
                    diagnostics.report(.unsupportedField, "not supported by Meridian", at: entry.key.location, path: path.field(key))
                }
                continue
            }
            let message = FieldSuggestion.unknownFieldMessage(key, known: requestedKeys.names + unsupported)
            diagnostics.report(.unknownField, message, at: entry.key.location, path: path.field(key))
        }
    }

    /// A stand-in for a required value that is missing or invalid (already reported), so the
    /// object around it can still be read: the value decoded from an empty mapping, an empty
    /// list, `0`, `false`, `""` or `0s`, or an enum's first case, with problems discarded.
    func placeholder<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if let enumType = type as? any KubernetesEnum.Type, let first = Self.firstCase(enumType) as? T {
            return first
        }
        let location = node.location
        let candidates: [YAMLNode.Content] = [
            .mapping([]), .sequence([]),
            .scalar(YAMLScalar(text: "0", style: .plain)), .scalar(YAMLScalar(text: "false", style: .plain)),
            .scalar(YAMLScalar(text: "", style: .doubleQuoted)), .scalar(YAMLScalar(text: "0s", style: .doubleQuoted)),
        ]
        for content in candidates {
            let scratch = YAMLObjectDecoder(node: node, path: path, codingPath: codingPath, diagnostics: DecodingDiagnostics())
            if let value = try? scratch.decodeValue(type, at: YAMLNode(content: content, location: location), path: path, codingPath: codingPath) {
                return value
            }
        }
        throw ReportedDecodingError()
    }

    private static func firstCase<E: KubernetesEnum>(_ type: E.Type) -> E? {
        type.allCases.first
    }

    // MARK: Decoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let entries) = node.content else {
            throw reported(.wrongType, "expected a mapping, got \(describe(node))", at: node.location, path: path)
        }
        requestedKeys.usedKeyedContainer = true
        return KeyedDecodingContainer(YAMLKeyedContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let items) = node.content else {
            throw reported(.wrongType, "expected a list, got \(describe(node))", at: node.location, path: path)
        }
        return YAMLUnkeyedContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        YAMLSingleValueContainer(decoder: self)
    }
}

/// Arrays decode item by item: an item with problems is reported and left out, and the
/// following items are still read.
protocol YAMLListDecodable {
    static func decodeList(_ items: [YAMLNode], path: FieldPath, codingPath: [any CodingKey], decoder: YAMLObjectDecoder) -> Self
}

extension Array: YAMLListDecodable where Element: Decodable {
    static func decodeList(_ items: [YAMLNode], path: FieldPath, codingPath: [any CodingKey], decoder: YAMLObjectDecoder) -> [Element] {
        items.enumerated().compactMap { index, item in
            decoder.attempt(Element.self, at: item, path: path.index(index), codingPath: codingPath + [IndexCodingKey(index)])
        }
    }
}

/// String-keyed maps (labels, resource lists) decode entry by entry; a null value is absent.
protocol YAMLMapDecodable {
    static func decodeMap(_ entries: [YAMLMappingEntry], path: FieldPath, codingPath: [any CodingKey], decoder: YAMLObjectDecoder) -> Self
}

extension Dictionary: YAMLMapDecodable where Key == String, Value: Decodable {
    static func decodeMap(_ entries: [YAMLMappingEntry], path: FieldPath, codingPath: [any CodingKey], decoder: YAMLObjectDecoder) -> [String: Value] {
        var result: [String: Value] = [:]
        for entry in entries {
            guard let key = entry.key.scalar?.text, !entry.value.isNull else { continue }
            let codingKey = IndexCodingKey(stringValue: key)
            if let value = decoder.attempt(Value.self, at: entry.value, path: path.key(key), codingPath: codingPath + [codingKey]) {
                result[key] = value
            }
        }
        return result
    }
}

/// A coding key for list indexes and map keys.
struct IndexCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        self.init(intValue)
    }
}
