import CGRPCCore
import Synchronization

/// A client connection to a gRPC server, for opening bidirectional streams.
///
/// Meridian itself only serves; the channel exists so that tests can speak
/// xDS to the server exactly as a proxy does, over real HTTP/2.
public final class GRPCChannel: Sendable {
    private struct State {
        var channel: OpaquePointer?
        var streams: [ObjectIdentifier: ClientStream] = [:]
    }

    private let queue: CompletionQueue
    /// Whether this channel made `queue` (and shuts it down); a shared queue outlives it.
    private let ownsQueue: Bool
    private let state: Mutex<State>

    /// TLS for a channel, as PEM text.
    public struct TLS: Sendable {
        /// The CA certificates the server's certificate must verify against.
        public var rootCertificates: String
        /// A client certificate chain and its key, presented when the server asks (mTLS).
        public var certificateChain: String?
        public var privateKey: String?
        /// The name the server's certificate must carry (and the SNI), instead of the target's host.
        public var serverNameOverride: String?

        public init(rootCertificates: String, certificateChain: String? = nil, privateKey: String? = nil, serverNameOverride: String? = nil) {
            self.rootCertificates = rootCertificates
            self.certificateChain = certificateChain
            self.privateKey = privateKey
            self.serverNameOverride = serverNameOverride
        }
    }

    /// Creates a channel to `target` (such as `127.0.0.1:18000`), over TLS when `tls` is given; it connects lazily.
    /// gRPC core shares one connection among a process's channels to the same address and
    /// settings; `ownConnection` gives this channel its own (a test of accepting needs a new one).
    public init(target: String, maxReceiveMessageBytes: Int = 64 << 20, tls: TLS? = nil, ownConnection: Bool = false) {
        queue = CompletionQueue(name: "grpc-client-cq")
        ownsQueue = true
        let maximum = Int32(clamping: maxReceiveMessageBytes)
        let own: Int32 = ownConnection ? 1 : 0
        let channel = tls.map {
            mgrpc_channel_create_secure(target, maximum, own, $0.rootCertificates, $0.certificateChain, $0.privateKey, $0.serverNameOverride)
        } ?? mgrpc_channel_create_insecure(target, maximum, own)
        state = Mutex(State(channel: channel))
    }

    /// Creates a channel with a TCP connection of its own, whose calls complete on `queues`.
    ///
    /// For many simulated proxies in one process: channels made with the plain initializer
    /// share one connection per target (gRPC core pools them), and each has its own thread.
    public init(target: String, ownConnectionOn queues: SharedCompletionQueue, maxReceiveMessageBytes: Int = 64 << 20) {
        queue = queues.queue
        ownsQueue = false
        state = Mutex(State(channel: mgrpc_channel_create_insecure(target, Int32(clamping: maxReceiveMessageBytes), 1)))
    }

    deinit {
        // Reached only when no call is in flight: each open stream's pending status
        // keeps the channel alive. The queue's thread drains it, then it is destroyed.
        if let channel = state.withLock({ $0.channel }) {
            mgrpc_channel_destroy(channel)
            if ownsQueue { queue.beginShutdown() }
        }
    }

    /// Opens a bidirectional stream on `method`.
    public func openStream(
        method: String,
        metadata: [(key: String, value: String)] = [],
        timeout: Duration? = nil
    ) async throws(TransportError) -> ClientStream {
        let timeoutMilliseconds = timeout.map { Int64($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } ?? -1
        let stream = try state.withLock { state throws(TransportError) -> ClientStream in
            guard let channel = state.channel else {
                throw TransportError(code: .notRunning, message: "the channel is closed")
            }
            guard let pointer = mgrpc_client_call_create(channel, queue.pointer, method, timeoutMilliseconds) else {
                throw TransportError(code: .callCreationFailed, message: "cannot create a call to \(method)")
            }
            for entry in metadata { mgrpc_client_call_add_metadata(pointer, entry.key, entry.value) }
            let stream = ClientStream(call: Call(pointer: pointer))
            state.streams[ObjectIdentifier(stream)] = stream
            return stream
        }
        await stream.begin { [self] in
            _ = state.withLock { $0.streams.removeValue(forKey: ObjectIdentifier(stream)) }
        }
        return stream
    }

    /// Cancels every open stream, waits for them to end, and releases the channel.
    public func close() async {
        let (channel, streams) = state.withLock { state in
            defer { state.channel = nil }
            return (state.channel, Array(state.streams.values))
        }
        guard let channel else { return }
        for stream in streams {
            stream.cancel()
            _ = await stream.status()
        }
        mgrpc_channel_destroy(channel)
        if ownsQueue { await queue.shutdown() }
    }
}

/// A completion queue and its one thread, shared by many channels.
///
/// It lives as long as the process: a load generator keeps it for every run.
public final class SharedCompletionQueue: Sendable {
    let queue: CompletionQueue

    /// Starts the queue's thread.
    public init(name: String = "grpc-client-shared-cq") {
        queue = CompletionQueue(name: name)
    }
}

/// The client side of a bidirectional stream.
public final class ClientStream: Sendable {
    /// The messages the server sends; ends when the server ends the call.
    public let responses: AsyncStream<[UInt8]>

    private let call: Call
    private let responseContinuation: AsyncStream<[UInt8]>.Continuation
    private let finalStatus = Mutex<(status: GRPCStatus?, waiters: [CheckedContinuation<GRPCStatus, Never>])>((nil, []))

    init(call: Call) {
        self.call = call
        (responses, responseContinuation) = AsyncStream<[UInt8]>.makeStream()
    }

    func begin(onEnd: @escaping @Sendable () -> Void) async {
        _ = await call.run { pointer, tag in mgrpc_client_call_start(pointer, tag) }
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_client_call_recv_status(call.pointer, tag)
        }) { [self] _ in
            call.markClosed()
            var status = GRPCStatus(code: .unknown)
            let rawCode = mgrpc_call_status_code(call.pointer)
            status.code = GRPCStatus.Code(rawValue: Int32(truncatingIfNeeded: rawCode.rawValue)) ?? .unknown
            if let details = mgrpc_call_status_details(call.pointer) {
                status.message = String(cString: details)
                mgrpc_free_string(details)
            }
            let waiters = finalStatus.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
            onEnd()
        }
        if !started {
            responseContinuation.finish()
            return
        }
        call.receiveAll(into: responseContinuation)
    }

    /// Sends one message to the server.
    public func send(_ message: [UInt8]) async throws(GRPCStatus) {
        try await call.send(message)
    }

    /// Half-closes: tells the server no more messages follow.
    public func closeSend() async {
        _ = await call.run { pointer, tag in mgrpc_client_call_close_send(pointer, tag) }
    }

    /// Cancels the call; the server sees the stream end.
    public func cancel() {
        mgrpc_call_cancel(call.pointer)
    }

    /// The status the call ended with, or nil while it is open.
    public var endedStatus: GRPCStatus? { finalStatus.withLock { $0.status } }

    /// Waits for the status the call ended with.
    public func status() async -> GRPCStatus {
        await withCheckedContinuation { continuation in
            let known = finalStatus.withLock { state -> GRPCStatus? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let known { continuation.resume(returning: known) }
        }
    }
}
