import ContentDigest
import Foundation

/// The wire bytes of one protobuf message, immutable and shared.
///
/// The bytes live in one C allocation so that protobuf-c can point at them
/// (as `ProtobufCBinaryData`) while packing a response for any number of
/// streams, with no copy per stream.
public final class SerializedMessage: Sendable, Hashable, CustomStringConvertible {
    // Immutable after init: the buffer is written once and only read afterwards.
    private let storage: UnsafeMutableRawBufferPointer.Sendable
    private let digest: [UInt8]
    /// The first 16 hex digits of the SHA-256: the resource's version in delta xDS.
    public let digestPrefix: String

    public init(_ bytes: some Collection<UInt8>) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        // One memcpy when the bytes are contiguous (an encoded resource is an array); a
        // byte-by-byte copy otherwise.
        let copied = bytes.withContiguousStorageIfAvailable { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(source))
        }
        if copied == nil {
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
        storage = .init(buffer: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]), base: buffer)
        var digest = SHA256Digest()
        digest.update(UnsafeRawBufferPointer(storage.buffer))
        self.digest = digest.finalize()
        digestPrefix = SHA256Digest.hexString(self.digest.prefix(8))
    }

    deinit {
        storage.base.deallocate()
    }

    public var count: Int { storage.buffer.count }

    public var bytes: [UInt8] { Array(storage.buffer) }

    /// Calls `body` with the bytes; the pointer is valid for the message's lifetime.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(storage.buffer))
    }

    /// A pointer to the bytes for protobuf-c, valid while `self` is alive.
    package var baseAddress: UnsafeMutablePointer<UInt8>? {
        storage.buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }

    /// The SHA-256 of the bytes (computed once: a message reused by the next snapshot is not
    /// hashed again).
    public func sha256() -> [UInt8] { digest }

    public static func == (lhs: SerializedMessage, rhs: SerializedMessage) -> Bool {
        lhs === rhs || lhs.storage.buffer.elementsEqual(rhs.storage.buffer)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes: UnsafeRawBufferPointer(storage.buffer))
    }

    public var description: String { "SerializedMessage(\(count) bytes)" }
}

extension UnsafeMutableRawBufferPointer {
    /// A buffer handed across threads only after it was written for the last time.
    struct Sendable: @unchecked Swift.Sendable {
        // @unchecked Sendable: owned by one SerializedMessage, written only in
        // its init, read-only for the rest of its life.
        let buffer: UnsafeMutableRawBufferPointer
        let base: UnsafeMutableRawBufferPointer
    }
}
