import CGRPCCore
import Synchronization

/// One accepted bidirectional-streaming call, as its handler sees it.
///
/// `requests` yields each message the client sends and ends when the client
/// half-closes, cancels, or the server shuts down. It reads a message only when the
/// handler asks for the next one: a client that sends faster than the handler works is
/// held back by HTTP/2 flow control, not buffered. `send` writes one message.
/// The status is sent by the server when the handler returns.
public final class ServerStream: Sendable {
    /// The full method path, such as `/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources`.
    public let method: String
    /// The client's address as gRPC core reports it (`ipv4:127.0.0.1:51234`).
    public let peer: String
    /// The initial metadata the client sent.
    public let metadata: [(key: String, value: String)]
    /// The messages the client sends, in order, each read when asked for.
    public var requests: ServerRequests { ServerRequests(stream: self) }

    let call: Call
    private let shuttingDown = Atomic<Bool>(false)

    /// The one reader of `requests` waiting for a message, and whether the stream ended.
    private struct ReadState {
        var waiting: CheckedContinuation<[UInt8]?, Never>?
        var ended = false
    }

    private let reading = Mutex(ReadState())

    /// `resolvePeer` turns gRPC core's name for a handed-over connection ("fd:12") into its address.
    init(call: Call, resolvePeer: (String) -> String = { $0 }) {
        self.call = call
        var length = 0
        let methodPointer = mgrpc_call_method(call.pointer, &length)
        method = methodPointer.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        if let peerPointer = mgrpc_call_peer(call.pointer) {
            peer = resolvePeer(String(cString: peerPointer))
            mgrpc_free_string(peerPointer)
        } else {
            peer = ""
        }
        var entries: [(key: String, value: String)] = []
        for index in 0..<mgrpc_call_metadata_count(call.pointer) {
            var key: UnsafePointer<CChar>?
            var keyLength = 0
            var value: UnsafePointer<CChar>?
            var valueLength = 0
            mgrpc_call_metadata_at(call.pointer, index, &key, &keyLength, &value, &valueLength)
            entries.append((
                String(decoding: UnsafeRawBufferPointer(start: key, count: keyLength), as: UTF8.self),
                String(decoding: UnsafeRawBufferPointer(start: value, count: valueLength), as: UTF8.self)
            ))
        }
        metadata = entries
    }

    /// Begins reading messages and watching for the call's end.
    func begin() {
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_call_recv_close_on_server(call.pointer, tag)
        }) { [self] _ in
            // The call ended (client gone, cancelled, or status sent): no more I/O.
            call.markClosed()
            endRequests()
        }
        if !started {
            call.markClosed()
            endRequests()
        }
    }

    /// The next message from the client, read now; nil once the stream ended. One reader at a time.
    func nextRequest() async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
                let ended = reading.withLock { state -> Bool in
                    if state.ended { return true }
                    state.waiting = continuation
                    return false
                }
                if ended { return continuation.resume(returning: nil) }
                let started = call.receiveOne { [self] message in
                    let waiting = reading.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
                        if message == nil { state.ended = true }
                        defer { state.waiting = nil }
                        return state.waiting
                    }
                    waiting?.resume(returning: message)
                }
                if !started { endRequests() }
            }
        } onCancel: {
            // The handler is ending: its reader stops waiting (a receive still posted completes
            // when the call ends, and finds no one waiting).
            endRequests()
        }
    }

    /// Ends `requests`: the waiting reader, if any, gets nil, and so does every later read.
    private func endRequests() {
        let waiting = reading.withLock { state -> CheckedContinuation<[UInt8]?, Never>? in
            state.ended = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiting?.resume(returning: nil)
    }

    /// Sends one message to the client.
    public func send(_ message: [UInt8]) async throws(GRPCStatus) {
        try await call.send(message)
    }

    /// Sends `shared`'s bytes followed by `tail` as one message: the shared bytes are not
    /// copied (a protobuf message may be extended by appending fields, such as a nonce).
    public func send(_ shared: SharedMessage, appending tail: [UInt8]) async throws(GRPCStatus) {
        try await call.send(shared, appending: tail)
    }

    /// Whether the server is shutting down; a handler may stop early.
    public var isServerShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Ends `requests` so the handler returns; used by graceful shutdown.
    func beginShutdown() {
        shuttingDown.store(true, ordering: .relaxed)
        endRequests()
    }

    /// Sends the final status.
    func finish(with status: GRPCStatus) async {
        _ = await call.run { pointer, tag in
            mgrpc_call_send_status(pointer, grpc_status_code(rawValue: status.code.rawValue), status.message, tag)
        }
        call.markClosed()
    }
}

/// The messages a client sends on one call, read from gRPC core one at a time, when asked.
public struct ServerRequests: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    let stream: ServerStream

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: ServerStream

        public mutating func next() async -> [UInt8]? {
            await stream.nextRequest()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: stream)
    }
}
