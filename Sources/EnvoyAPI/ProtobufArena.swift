import CEnvoyAPI
import Foundation

/// Owns the C memory of protobuf-c messages built from Swift, and frees it all at once.
///
/// protobuf-c messages are C structs full of pointers. Building one from Swift
/// means allocating each struct, string and array in C memory; the arena is
/// their single owner, so a whole message tree is released when it goes away.
/// Use one arena per message you pack, on one thread.
public final class ProtobufArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    public init() {}

    deinit {
        for allocation in allocations { free(allocation) }
    }

    private func allocate(bytes: Int) -> UnsafeMutableRawPointer {
        let pointer = calloc(1, max(bytes, 1))!
        allocations.append(pointer)
        return pointer
    }

    /// Allocates a message, runs its protoc-c `__init` function, then `configure`.
    public func make<Message>(
        _ initialize: (UnsafeMutablePointer<Message>?) -> Void,
        _ configure: (inout Message) -> Void = { _ in }
    ) -> UnsafeMutablePointer<Message> {
        let message = allocate(bytes: MemoryLayout<Message>.stride).bindMemory(to: Message.self, capacity: 1)
        initialize(message)
        configure(&message.pointee)
        return message
    }

    /// A NUL-terminated copy of `value`.
    public func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        let utf8 = Array(value.utf8CString)
        let pointer = allocate(bytes: utf8.count).bindMemory(to: CChar.self, capacity: utf8.count)
        pointer.initialize(from: utf8, count: utf8.count)
        return pointer
    }

    /// A C array of string pointers, for `repeated string` fields.
    public func strings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard !values.isEmpty else { return nil }
        return array(values.map { string($0) })
    }

    /// A C array of message pointers, for `repeated` message fields.
    public func array<Element>(_ elements: [UnsafeMutablePointer<Element>]) -> UnsafeMutablePointer<UnsafeMutablePointer<Element>?>? {
        guard !elements.isEmpty else { return nil }
        let pointer = allocate(bytes: MemoryLayout<UnsafeMutablePointer<Element>?>.stride * elements.count)
            .bindMemory(to: UnsafeMutablePointer<Element>?.self, capacity: elements.count)
        for (index, element) in elements.enumerated() { (pointer + index).initialize(to: element) }
        return pointer
    }

    /// A C array of scalars, for packed `repeated` number fields.
    public func scalars<Element: BinaryInteger>(_ values: [Element]) -> UnsafeMutablePointer<Element>? {
        guard !values.isEmpty else { return nil }
        let pointer = allocate(bytes: MemoryLayout<Element>.stride * values.count).bindMemory(to: Element.self, capacity: values.count)
        pointer.initialize(from: values, count: values.count)
        return pointer
    }

    /// A copy of `bytes` as protobuf-c binary data.
    public func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        let pointer = allocate(bytes: bytes.count).bindMemory(to: UInt8.self, capacity: max(bytes.count, 1))
        pointer.initialize(from: bytes, count: bytes.count)
        return ProtobufCBinaryData(len: bytes.count, data: pointer)
    }

    /// A `google.protobuf.Any` holding `message` packed.
    public func any<Message>(typeURL: String, packing message: UnsafeMutablePointer<Message>) -> UnsafeMutablePointer<Google__Protobuf__Any> {
        let value = binary(ProtobufWire.pack(message))
        return make(google__protobuf__any__init) {
            $0.type_url = string(typeURL)
            $0.value = value
        }
    }

    /// A `google.protobuf.Duration`.
    public func duration(_ duration: Duration) -> UnsafeMutablePointer<Google__Protobuf__Duration> {
        let (seconds, attoseconds) = duration.components
        return make(google__protobuf__duration__init) {
            $0.seconds = seconds
            $0.nanos = Int32(attoseconds / 1_000_000_000)
        }
    }

    /// A `google.protobuf.UInt32Value`.
    public func uint32(_ value: UInt32) -> UnsafeMutablePointer<Google__Protobuf__UInt32Value> {
        make(google__protobuf__uint32_value__init) { $0.value = value }
    }

    /// A `google.protobuf.UInt64Value`.
    public func uint64(_ value: UInt64) -> UnsafeMutablePointer<Google__Protobuf__UInt64Value> {
        make(google__protobuf__uint64_value__init) { $0.value = value }
    }

    /// A `google.protobuf.BoolValue`.
    public func bool(_ value: Bool) -> UnsafeMutablePointer<Google__Protobuf__BoolValue> {
        make(google__protobuf__bool_value__init) { $0.value = value ? 1 : 0 }
    }
}

/// Packing and reading protobuf-c messages.
public enum ProtobufWire {
    /// Serializes a protobuf-c message (any generated struct, whose first member is its `ProtobufCMessage` base).
    public static func pack<Message>(_ message: UnsafeMutablePointer<Message>) -> [UInt8] {
        let base = UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(base)
        return [UInt8](unsafeUninitializedCapacity: max(size, 1)) { buffer, count in
            count = protobuf_c_message_pack(base, buffer.baseAddress)
        }
    }

    /// A Swift string from a protobuf-c string field (NULL reads as empty).
    public static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// Swift strings from a protobuf-c `repeated string` field.
    public static func strings(_ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int) -> [String] {
        guard let pointer else { return [] }
        return (0..<count).map { string(pointer[$0]) }
    }
}

/// Why bytes could not be decoded as the expected message.
public struct WireFormatError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
