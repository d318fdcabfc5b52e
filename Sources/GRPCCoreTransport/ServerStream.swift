import CGRPCCore
import Synchronization

/// One accepted bidirectional-streaming call, as its handler sees it.
///
/// `requests` yields each message the client sends and ends when the client
/// half-closes, cancels, or the server shuts down. `send` writes one message.
/// The status is sent by the server when the handler returns.
public final class ServerStream: Sendable {
    /// The full method path, such as `/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources`.
    public let method: String
    /// The client's address as gRPC core reports it (`ipv4:127.0.0.1:51234`).
    public let peer: String
    /// The initial metadata the client sent.
    public let metadata: [(key: String, value: String)]
    /// The messages the client sends, in order.
    public let requests: AsyncStream<[UInt8]>

    let call: Call
    private let requestContinuation: AsyncStream<[UInt8]>.Continuation
    private let shuttingDown = Atomic<Bool>(false)

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
        (requests, requestContinuation) = AsyncStream<[UInt8]>.makeStream()
    }

    /// Begins reading messages and watching for the call's end.
    func begin() {
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_call_recv_close_on_server(call.pointer, tag)
        }) { [self] _ in
            // The call ended (client gone, cancelled, or status sent): no more I/O.
            call.markClosed()
            requestContinuation.finish()
        }
        if !started {
            call.markClosed()
            requestContinuation.finish()
            return
        }
        call.receiveAll(into: requestContinuation)
    }

    /// Sends one message to the client.
    public func send(_ message: [UInt8]) async throws(GRPCStatus) {
        try await call.send(message)
    }

    /// Whether the server is shutting down; a handler may stop early.
    public var isServerShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }

    /// Ends `requests` so the handler returns; used by graceful shutdown.
    func beginShutdown() {
        shuttingDown.store(true, ordering: .relaxed)
        requestContinuation.finish()
    }

    /// Sends the final status.
    func finish(with status: GRPCStatus) async {
        _ = await call.run { pointer, tag in
            mgrpc_call_send_status(pointer, grpc_status_code(rawValue: status.code.rawValue), status.message, tag)
        }
        call.markClosed()
    }
}
