import CGRPCCore
import Synchronization

/// The one Swift owner of an `mgrpc_call`, shared by server and client streams.
///
/// Every operation in flight holds a strong reference to its `Call` through its
/// completion closure, so the C call outlives all of its operations and is
/// released exactly once, in `deinit`.
final class Call: @unchecked Sendable {
    // @unchecked Sendable: `pointer` never changes after init. gRPC core allows
    // one receive, one send and the close/status operations to run at once on a
    // call; `State` enforces that only one send is in flight, and the receive
    // loop posts the next receive only after the previous one completed.
    let pointer: OpaquePointer

    private struct State {
        var sendInFlight = false
        var closed = false
    }

    private let state = Mutex(State())

    init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        mgrpc_call_destroy(pointer)
    }

    /// Marks the call closed: later sends fail at once.
    func markClosed() {
        state.withLock { $0.closed = true }
    }

    /// Receives messages one at a time until the stream ends, yielding each.
    func receiveAll(into continuation: AsyncStream<[UInt8]>.Continuation) {
        let started = receiveOne { [self] message in
            guard let message else {
                continuation.finish()
                return
            }
            if case .terminated = continuation.yield(message) { return }
            receiveAll(into: continuation)
        }
        if !started { continuation.finish() }
    }

    /// Posts one receive; `completion` gets the message, or nil at the end of the stream.
    /// Returns false (and never calls `completion`) if gRPC core refused the operation.
    func receiveOne(_ completion: @escaping @Sendable ([UInt8]?) -> Void) -> Bool {
        CompletionTagTable.shared.startBatch({ tag in
            mgrpc_call_recv_message(pointer, tag)
        }) { [self] success in
            guard success, mgrpc_call_has_message(pointer) != 0 else {
                completion(nil)
                return
            }
            let length = mgrpc_call_message_length(pointer)
            let message = [UInt8](unsafeUninitializedCapacity: max(length, 1)) { buffer, count in
                mgrpc_call_take_message(pointer, buffer.baseAddress!)
                count = length
            }
            completion(message)
        }
    }

    /// Sends one message; throws if the call is closed or the peer went away.
    func send(_ message: [UInt8]) async throws(GRPCStatus) {
        try await send { pointer, tag in
            message.withUnsafeBufferPointer { bytes in
                mgrpc_call_send_message(pointer, bytes.baseAddress, bytes.count, tag)
            }
        }
    }

    /// Sends `shared`'s bytes followed by `tail` as one message, without copying `shared`.
    func send(_ shared: SharedMessage, appending tail: [UInt8]) async throws(GRPCStatus) {
        try await send { pointer, tag in
            tail.withUnsafeBufferPointer { bytes in
                mgrpc_call_send_shared_message(pointer, shared.pointer, bytes.baseAddress, bytes.count, tag)
            }
        }
    }

    private func send(starting start: (OpaquePointer, UnsafeMutableRawPointer) -> grpc_call_error) async throws(GRPCStatus) {
        let allowed = state.withLock { state -> Bool in
            guard !state.closed, !state.sendInFlight else { return false }
            state.sendInFlight = true
            return true
        }
        guard allowed else {
            throw GRPCStatus(code: .failedPrecondition, message: "stream is closed or a send is already in flight")
        }
        let delivered: Bool = await withCheckedContinuation { continuation in
            let started = CompletionTagTable.shared.startBatch({ tag in start(pointer, tag) }) { [self] success in
                mgrpc_call_finish_send(pointer)
                continuation.resume(returning: success)
            }
            if !started {
                mgrpc_call_finish_send(pointer)
                continuation.resume(returning: false)
            }
        }
        state.withLock { $0.sendInFlight = false }
        guard delivered else {
            throw GRPCStatus(code: .unavailable, message: "the peer closed the stream")
        }
    }

    /// Starts a batch and waits for its completion; returns whether it succeeded.
    func run(_ start: @escaping (OpaquePointer, UnsafeMutableRawPointer) -> grpc_call_error) async -> Bool {
        await withCheckedContinuation { continuation in
            let started = CompletionTagTable.shared.startBatch({ tag in start(pointer, tag) }) { [self] success in
                _ = self
                continuation.resume(returning: success)
            }
            if !started { continuation.resume(returning: false) }
        }
    }
}
