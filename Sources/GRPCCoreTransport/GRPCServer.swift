import CGRPCCore
import Glibc
import Synchronization

/// A gRPC server on gRPC C core that serves bidirectional-streaming methods.
///
/// A small fixed set of completion queues, each drained by one thread, carries
/// every call: streams cost memory, never threads. Handlers run as Swift tasks.
public final class GRPCServer: Sendable {
    /// A method handler: it reads `stream.requests` and writes with `stream.send`.
    /// Returning ends the call with OK; throwing a `GRPCStatus` ends it with that status.
    public typealias Handler = @Sendable (ServerStream) async throws -> Void

    /// How the server uses gRPC core.
    public struct Configuration: Sendable {
        /// Completion queues, each with its own polling thread.
        public var completionQueueCount: Int = 2
        /// Calls each queue is ready to accept at once.
        public var pendingAcceptsPerQueue: Int = 8
        /// The largest message accepted from a client.
        public var maxReceiveMessageBytes: Int = 16 << 20

        public init() {}
    }

    private enum Lifecycle {
        case idle
        case running
        case shuttingDown
        case stopped
    }

    /// A `grpc_server*` that may cross threads.
    private struct CoreServer: @unchecked Sendable {
        // @unchecked Sendable: gRPC core's server functions are thread-safe, and
        // the pointer is destroyed only in `shutdown`, after every accept it
        // posted has completed.
        let pointer: OpaquePointer
    }

    private struct State {
        var lifecycle: Lifecycle = .idle
        var server: CoreServer?
        var queues: [CompletionQueue] = []
        var streams: [ObjectIdentifier: ServerStream] = [:]
        var handlerTasks: [ObjectIdentifier: Task<Void, Never>] = [:]
        var acceptedCount = 0
    }

    private let configuration: Configuration
    private let handlers: [String: Handler]
    private let state = Mutex(State())

    /// Creates a server for the given methods, keyed by full method path.
    public init(configuration: Configuration = Configuration(), handlers: [String: Handler]) {
        self.configuration = configuration
        self.handlers = handlers
    }

    /// Binds `address` (such as `127.0.0.1:18000`, or port 0 for any) and starts serving.
    /// - Returns: the bound port.
    @discardableResult
    public func start(address: String) throws(TransportError) -> Int {
        let queues = (0..<max(1, configuration.completionQueueCount)).map { CompletionQueue(name: "grpc-cq-\($0)") }
        let server = CoreServer(pointer: mgrpc_server_create(Int32(clamping: configuration.maxReceiveMessageBytes))!)
        for queue in queues { mgrpc_server_register_cq(server.pointer, queue.pointer) }
        let port = Int(mgrpc_server_add_insecure_port(server.pointer, address))
        guard port > 0 else {
            mgrpc_server_destroy(server.pointer)
            for queue in queues { Task { await queue.shutdown() } }
            // SO_REUSEPORT is off (see mgrpc_server_create), so a busy address fails here.
            if mgrpc_address_bind_errno(address) == EADDRINUSE {
                throw TransportError(code: .addressInUse, message: "address \(address) is in use")
            }
            throw TransportError(code: .bindFailed, message: "cannot listen on \(address)")
        }
        let alreadyStarted = state.withLock { state -> Bool in
            guard case .idle = state.lifecycle else { return true }
            state.lifecycle = .running
            state.server = server
            state.queues = queues
            return false
        }
        guard !alreadyStarted else {
            mgrpc_server_destroy(server.pointer)
            throw TransportError(code: .alreadyStarted, message: "the server was already started")
        }
        mgrpc_server_start(server.pointer)
        for queue in queues {
            for _ in 0..<max(1, configuration.pendingAcceptsPerQueue) { acceptNextCall(server: server, queue: queue) }
        }
        return port
    }

    /// The number of calls currently open.
    public var openStreamCount: Int { state.withLock { $0.streams.count } }

    /// The number of calls accepted since start.
    public var acceptedStreamCount: Int { state.withLock { $0.acceptedCount } }

    private func acceptNextCall(server: CoreServer, queue: CompletionQueue) {
        guard let callPointer = mgrpc_call_create() else { return }
        let call = Call(pointer: callPointer)
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_server_request_call(server.pointer, call.pointer, queue.pointer, queue.pointer, tag)
        }) { [self] success in
            // On shutdown gRPC core fails every pending accept; nothing to re-post then.
            guard success else { return }
            let stillRunning = state.withLock { state -> Bool in
                guard case .running = state.lifecycle else { return false }
                return true
            }
            if stillRunning { acceptNextCall(server: server, queue: queue) }
            serve(call)
        }
        if !started { return }
    }

    private func serve(_ call: Call) {
        let stream = ServerStream(call: call)
        let id = ObjectIdentifier(stream)
        let handler = handlers[stream.method]
        let task = Task { [self] in
            var status = GRPCStatus.ok
            if let handler {
                do {
                    try await handler(stream)
                } catch let error as GRPCStatus {
                    status = error
                } catch {
                    status = GRPCStatus(code: .internal, message: "\(error)")
                }
            } else {
                status = GRPCStatus(code: .unimplemented, message: "unknown method \(stream.method)")
            }
            if stream.isServerShuttingDown, status.code == .ok {
                status = GRPCStatus(code: .unavailable, message: "server shutting down")
            }
            await stream.finish(with: status)
            state.withLock { state in
                state.streams[id] = nil
                state.handlerTasks[id] = nil
            }
        }
        let shuttingDown = state.withLock { state -> Bool in
            state.acceptedCount += 1
            state.streams[id] = stream
            state.handlerTasks[id] = task
            if case .running = state.lifecycle { return false }
            return true
        }
        stream.begin()
        if shuttingDown { stream.beginShutdown() }
    }

    /// Stops accepting calls, ends every open stream with UNAVAILABLE, and releases gRPC core.
    ///
    /// Streams get `gracePeriod` to send their final status; calls still open after it are cancelled.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        let taken = state.withLock { state -> (CoreServer, [CompletionQueue], [ServerStream])? in
            guard case .running = state.lifecycle, let server = state.server else { return nil }
            state.lifecycle = .shuttingDown
            return (server, state.queues, Array(state.streams.values))
        }
        guard let (server, queues, streams) = taken else { return }

        // gRPC core reports shutdown once every call has ended; handlers end theirs
        // at once (their request streams finish), and calls still open when the
        // grace period runs out are cancelled.
        let (notification, notify) = AsyncStream<Void>.makeStream()
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_server_shutdown_and_notify(server.pointer, queues[0].pointer, tag)
            return GRPC_CALL_OK
        }) { _ in
            notify.yield()
            notify.finish()
        }
        if !started { notify.finish() }
        for stream in streams { stream.beginShutdown() }

        await withTaskGroup(of: Bool.self) { race in
            race.addTask {
                for await _ in notification {}
                return true
            }
            race.addTask {
                try? await Task.sleep(for: gracePeriod)
                return false
            }
            if await race.next() == false {
                mgrpc_server_cancel_all_calls(server.pointer)
                _ = await race.next()
            }
            race.cancelAll()
        }

        let tasks = state.withLock { Array($0.handlerTasks.values) }
        for task in tasks { await task.value }

        mgrpc_server_destroy(server.pointer)
        for queue in queues { await queue.shutdown() }
        state.withLock { state in
            state.lifecycle = .stopped
            state.server = nil
            state.queues = []
        }
    }
}
