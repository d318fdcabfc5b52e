// The containers of `YAMLObjectDecoder`. Every typed overload of the decoding protocols
// forwards to one generic method, so all values follow the same rules.

/// A mapping's fields. Null means absent; every key asked for is recorded for the unknown-field check.
struct YAMLKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: YAMLObjectDecoder
    let entries: [YAMLMappingEntry]

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] {
        entries.compactMap { entry in entry.value.isNull ? nil : entry.key.scalar.flatMap { Key(stringValue: $0.text) } }
    }

    /// The key's value, or nil when it is absent or null; records that the key was asked for.
    private func value(_ key: Key) -> YAMLNode? {
        decoder.requestedKeys.insert(key.stringValue)
        guard let entry = entries.first(where: { $0.key.scalar?.text == key.stringValue }), !entry.value.isNull else { return nil }
        return entry.value
    }

    func contains(_ key: Key) -> Bool {
        value(key) != nil
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        value(key) == nil
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        optional(type, key)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try required(type, key)
    }

    /// A present value; reported and nil when it cannot be decoded.
    private func optional<T: Decodable>(_ type: T.Type, _ key: Key) -> T? {
        guard let node = value(key) else { return nil }
        return decoder.attempt(type, at: node, path: decoder.path.field(key.stringValue), codingPath: codingPath + [key])
    }

    /// A required value; when it is missing or invalid, the problem is reported and a placeholder returned.
    private func required<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        let path = decoder.path.field(key.stringValue)
        guard let node = value(key) else {
            decoder.diagnostics.report(.missingField, "required field is missing", at: decoder.node.location, path: path)
            decoder.diagnostics.markFailed(path)
            return try decoder.placeholder(type, codingPath: codingPath + [key])
        }
        guard let value = decoder.attempt(type, at: node, path: path, codingPath: codingPath + [key]) else {
            return try decoder.placeholder(type, codingPath: codingPath + [key])
        }
        return value
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try nestedDecoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try nestedDecoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        decoder
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try nestedDecoder(key)
    }

    private func nestedDecoder(_ key: Key) throws -> YAMLObjectDecoder {
        let path = decoder.path.field(key.stringValue)
        guard let node = value(key) else {
            throw decoder.reported(.missingField, "required field is missing", at: decoder.node.location, path: path)
        }
        return YAMLObjectDecoder(node: node, path: path, codingPath: codingPath + [key], diagnostics: decoder.diagnostics)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { optional(Bool.self, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { optional(String.self, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { optional(Double.self, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { optional(Float.self, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { optional(Int.self, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { optional(Int8.self, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { optional(Int16.self, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { optional(Int32.self, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { optional(Int64.self, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { optional(UInt.self, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { optional(UInt8.self, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { optional(UInt16.self, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { optional(UInt32.self, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { optional(UInt64.self, key) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try required(Bool.self, key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try required(String.self, key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try required(Double.self, key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try required(Float.self, key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try required(Int.self, key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try required(Int8.self, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try required(Int16.self, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try required(Int32.self, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try required(Int64.self, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try required(UInt.self, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try required(UInt8.self, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try required(UInt16.self, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try required(UInt32.self, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try required(UInt64.self, key) }
}

/// A list's items, in order. An item that cannot be decoded is reported and replaced by a placeholder.
struct YAMLUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: YAMLObjectDecoder
    let items: [YAMLNode]
    private(set) var currentIndex = 0

    init(decoder: YAMLObjectDecoder, items: [YAMLNode]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next() throws -> (YAMLNode, FieldPath, [any CodingKey]) {
        guard !isAtEnd else {
            throw decoder.reported(.tooFew, "expected more items", at: decoder.node.location, path: decoder.path)
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], decoder.path.index(currentIndex), codingPath + [IndexCodingKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, path, itemCodingPath) = try next()
        guard let value = decoder.attempt(type, at: node, path: path, codingPath: itemCodingPath) else {
            return try decoder.placeholder(type, codingPath: itemCodingPath)
        }
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (node, path, itemCodingPath) = try next()
        return try YAMLObjectDecoder(node: node, path: path, codingPath: itemCodingPath, diagnostics: decoder.diagnostics).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, path, itemCodingPath) = try next()
        return try YAMLObjectDecoder(node: node, path: path, codingPath: itemCodingPath, diagnostics: decoder.diagnostics).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, path, itemCodingPath) = try next()
        return YAMLObjectDecoder(node: node, path: path, codingPath: itemCodingPath, diagnostics: decoder.diagnostics)
    }
}

/// The decoder's own node as one value.
struct YAMLSingleValueContainer: SingleValueDecodingContainer {
    let decoder: YAMLObjectDecoder

    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool {
        decoder.node.isNull
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeValue(type)
    }

    private func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        try decoder.decodeValue(type, at: decoder.node, path: decoder.path, codingPath: codingPath)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try decodeValue(Bool.self) }
    func decode(_ type: String.Type) throws -> String { try decodeValue(String.self) }
    func decode(_ type: Double.Type) throws -> Double { try decodeValue(Double.self) }
    func decode(_ type: Float.Type) throws -> Float { try decodeValue(Float.self) }
    func decode(_ type: Int.Type) throws -> Int { try decodeValue(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decodeValue(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decodeValue(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decodeValue(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decodeValue(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try decodeValue(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decodeValue(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decodeValue(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decodeValue(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decodeValue(UInt64.self) }
}
