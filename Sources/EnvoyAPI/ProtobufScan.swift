/// Just enough of the protobuf wire format to read a few fields without decoding whole messages.
///
/// A simulated proxy needs a DiscoveryResponse's type URL, version and nonce, and from some
/// resources a name or two; the server reads a request's type URL as sent
/// (`ProtobufFieldBytes`). Decoding a 1.45 MB route table with protobuf-c for each of
/// thousands of clients would make the load generator, not the server, the bottleneck.
package enum ProtobufScan {
    /// One field as found on the wire; `bytes` is set for length-delimited fields only.
    package struct Field {
        package var number: UInt64
        package var varint: UInt64
        package var bytes: ArraySlice<UInt8>?
    }

    /// Every top-level field of `message`, in wire order; stops at the first malformed byte.
    package static func fields(of message: ArraySlice<UInt8>) -> [Field] {
        var fields: [Field] = []
        forEachField(of: message) { fields.append($0) }
        return fields
    }

    /// Calls `body` with every top-level field of `message`; stops at the first malformed byte.
    /// Returns whether the whole message was read (false: malformed, or a group, which the xDS
    /// messages do not use).
    @discardableResult
    package static func forEachField(of message: ArraySlice<UInt8>, _ body: (Field) -> Void) -> Bool {
        var index = message.startIndex
        while index < message.endIndex {
            guard let key = varint(in: message, at: &index) else { return false }
            let number = key >> 3
            switch key & 7 {
            case 0:
                guard let value = varint(in: message, at: &index) else { return false }
                body(Field(number: number, varint: value, bytes: nil))
            case 1:
                guard message.endIndex - index >= 8 else { return false }
                index += 8
            case 2:
                guard let length = varint(in: message, at: &index), length <= UInt64(message.endIndex - index) else { return false }
                let end = index + Int(length)
                body(Field(number: number, varint: 0, bytes: message[index..<end]))
                index = end
            case 5:
                guard message.endIndex - index >= 4 else { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }

    /// The last occurrence of length-delimited field `number` (proto3: the last one wins).
    package static func lastBytes(_ number: UInt64, in message: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var found: ArraySlice<UInt8>?
        forEachField(of: message) { field in
            if field.number == number, let bytes = field.bytes { found = bytes }
        }
        return found
    }

    /// Every occurrence of length-delimited field `number`.
    package static func allBytes(_ number: UInt64, in message: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var found: [ArraySlice<UInt8>] = []
        forEachField(of: message) { field in
            if field.number == number, let bytes = field.bytes { found.append(bytes) }
        }
        return found
    }

    package static func string(_ number: UInt64, in message: ArraySlice<UInt8>) -> String {
        lastBytes(number, in: message).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private static func varint(in bytes: ArraySlice<UInt8>, at index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.endIndex, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}
