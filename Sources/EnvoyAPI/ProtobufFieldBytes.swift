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
        var found: ArraySlice<UInt8>?
        let complete = ProtobufScan.forEachField(of: message[...]) { each in
            if each.number == field, let bytes = each.bytes { found = bytes }
        }
        return complete ? found : nil
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
