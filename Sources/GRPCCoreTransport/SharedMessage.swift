import CGRPCCore

/// An encoded message that many streams send, held once in gRPC core.
///
/// The bytes are copied once, into one reference-counted gRPC slice; each send adds a
/// reference to that slice (and a few bytes of its own, see `ServerStream.send(_:appending:)`),
/// so a response sent to 5,000 proxies costs one copy of its body, not 5,000.
public final class SharedMessage: @unchecked Sendable {
    // @unchecked Sendable: `pointer` never changes after init, the slice it holds is never
    // written, and gRPC slices count their references atomically; `deinit` drops only the
    // creator's reference, so sends still in flight keep the bytes alive.
    let pointer: OpaquePointer
    /// The size of the message in bytes.
    public let count: Int

    /// Copies `bytes` into gRPC core; nil if that allocation fails.
    public init?(_ bytes: [UInt8]) {
        guard let pointer = bytes.withUnsafeBufferPointer({ mgrpc_shared_message_create($0.baseAddress, $0.count) }) else { return nil }
        self.pointer = pointer
        count = bytes.count
    }

    /// A copy of the bytes (for tests: what every stream sends before its own tail).
    package var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: max(count, 1)) { buffer, initialized in
            mgrpc_shared_message_copy(pointer, buffer.baseAddress!)
            initialized = count
        }
    }

    deinit {
        mgrpc_shared_message_destroy(pointer)
    }
}
