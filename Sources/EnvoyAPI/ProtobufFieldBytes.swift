/// The exact bytes of a top-level length-delimited field, read from the wire.
///
/// protobuf-c hands string fields over NUL-terminated, so a string with an
/// embedded NUL reads back cut short: `type.googleapis.com/…Cluster\0junk`
/// would become the Cluster type URL. Reading the field's bytes from the
/// message itself lets the decoder see exactly what the peer sent.
enum ProtobufFieldBytes {
    /// The bytes of the last occurrence of `field` (wire type 2) at the top level
    /// of `message` (proto3: the last one wins), or nil when absent or when the
    /// framing is invalid (protobuf-c has already accepted the message by then).
    static func last(field: UInt64, in message: [UInt8]) -> ArraySlice<UInt8>? {
        var index = 0
        var found: ArraySlice<UInt8>?
        while index < message.count {
            guard let key = varint(message, &index) else { return nil }
            switch key & 7 {
            case 0:
                guard varint(message, &index) != nil else { return nil }
            case 1:
                index += 8
            case 5:
                index += 4
            case 2:
                guard let length = varint(message, &index), length <= UInt64(message.count - index) else { return nil }
                let end = index + Int(length)
                if key >> 3 == field { found = message[index..<end] }
                index = end
            default:
                // Groups (3, 4) are not used by the xDS messages.
                return nil
            }
        }
        return index == message.count ? found : nil
    }

    private static func varint(_ bytes: [UInt8], _ index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }
}

extension ProtobufWire {
    /// One length-delimited field (wire type 2) as it appears on the wire: its key, the length
    /// as a varint, the bytes. Fields may come in any order, so a message can be extended by
    /// appending one (a per-stream nonce after a shared body).
    public static func lengthDelimitedField(_ number: UInt64, _ bytes: some Collection<UInt8>) -> [UInt8] {
        var field: [UInt8] = []
        field.reserveCapacity(bytes.count + 11)
        appendLengthDelimitedField(number, bytes, to: &field)
        return field
    }

    /// Appends one length-delimited field to `message` (see `lengthDelimitedField`).
    public static func appendLengthDelimitedField(_ number: UInt64, _ bytes: some Collection<UInt8>, to message: inout [UInt8]) {
        for value in [number << 3 | 2, UInt64(bytes.count)] {
            var rest = value
            repeat {
                message.append(UInt8(rest & 0x7f) | (rest > 0x7f ? 0x80 : 0))
                rest >>= 7
            } while rest > 0
        }
        message.append(contentsOf: bytes)
    }
}
