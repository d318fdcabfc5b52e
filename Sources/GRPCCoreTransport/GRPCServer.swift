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

    private enum Lifecycle {
        case idle
        case running
        case shuttingDown
        case stopped
    }

    /// A `grpc_server*` that may cross threads; destroyed only in `shutdown`, after every
    /// accept it posted has completed.
    private typealias CoreServer = ConnectionAcceptor.CoreServer

    private struct State {
        var lifecycle: Lifecycle = .idle
        var server: CoreServer?
        var queues: [CompletionQueue] = []
        /// Accepts plaintext connections; nil with TLS (gRPC core's listener accepts).
        var acceptor: ConnectionAcceptor?
        /// Kept until the server is destroyed: gRPC core asks it at every TLS handshake.
        var tlsFetcher: TLSFetcher?
        /// Rebinds gRPC core's listener (TLS) when it stops accepting.
        var watchdog: ListenerWatchdog?
        /// Servers whose listener was replaced: their calls go on; destroyed at shutdown.
        var retired: [RetiredServer] = []
        var retiredWaiters: [CheckedContinuation<Void, Never>] = []
        var streams: [ObjectIdentifier: ServerStream] = [:]
        var handlerTasks: [ObjectIdentifier: Task<Void, Never>] = [:]
        var acceptedCount = 0
        var refusedCount = 0
    }

    /// A replaced gRPC core server, with the fetcher its connections' handshakes may still ask.
    private struct RetiredServer {
        var server: CoreServer
        var fetcher: TLSFetcher?
        /// gRPC core reported its shutdown: every call on it has ended.
        var ended = false
    }

    private let configuration: Configuration
    private let handlers: [String: Handler]
    private let state = Mutex(State())
    private let budget: DescriptorBudget
    /// Connections stop being accepted at half the calls' margin: a refused call still needs
    /// its connection to hear RESOURCE_EXHAUSTED, and the rest is kept for the process itself.
    /// It plans against the real soft limit, never `descriptorLimitOverride`: it guards the
    /// process against a real EMFILE, and a test's planned limit must not stop accepting.
    private let acceptBudget: DescriptorBudget

    /// Creates a server for the given methods, keyed by full method path.
    public init(configuration: Configuration = Configuration(), handlers: [String: Handler]) {
        self.configuration = configuration
        self.handlers = handlers
        let override = configuration.descriptorLimitOverride
        budget = DescriptorBudget(headroom: configuration.descriptorHeadroom, limit: { override ?? DescriptorLimits.current().soft })
        acceptBudget = DescriptorBudget(headroom: max(8, configuration.descriptorHeadroom / 2), limitDivisor: 40,
                                        limit: { DescriptorLimits.current().soft })
    }

    /// Binds `address` (such as `127.0.0.1:18000`, or port 0 for any) and starts serving.
    /// - Returns: the bound port.
    @discardableResult
    public func start(address: String) throws(TransportError) -> Int {
        let queues = (0..<max(1, configuration.completionQueueCount)).map { CompletionQueue(name: "grpc-cq-\($0)") }
        var options = Self.coreOptions(configuration)
        let server = CoreServer(pointer: mgrpc_server_create(&options)!)
        for queue in queues { mgrpc_server_register_cq(server.pointer, queue.pointer) }
        func release() {
            mgrpc_server_destroy(server.pointer)
            for queue in queues { Task { await queue.shutdown() } }
        }
        var acceptor: ConnectionAcceptor?
        var fetcher: TLSFetcher?
        var watchdog: ListenerWatchdog?
        let port: Int
        if let tls = configuration.tls {
            let watch: TLSFileWatch
            do {
                watch = try TLSFileWatch(tls)
            } catch {
                release()
                throw TransportError(code: .invalidTLSFiles, message: error.description)
            }
            fetcher = TLSFetcher(watch: watch)
            port = Int(mgrpc_server_add_secure_port(server.pointer, address, fetcher!.pointer, tls.clientCAPath != nil ? 1 : 0))
            guard port > 0 else {
                release()
                // SO_REUSEPORT is off (see mgrpc_server_create), so a busy address fails here.
                if mgrpc_address_bind_errno(address) == EADDRINUSE {
                    throw TransportError(code: .addressInUse, message: "address \(address) is in use")
                }
                throw TransportError(code: .bindFailed, message: "cannot listen on \(address)")
            }
            let host = address.lastIndex(of: ":").map { String(address[..<$0]) } ?? ""
            let bound = "\(host):\(port)"
            let report = configuration.onAcceptError
            watchdog = ListenerWatchdog(host: host.filter { $0 != "[" && $0 != "]" }, port: port,
                                        headroom: configuration.descriptorHeadroom) { [weak self] in
                report?("the TLS listener stopped accepting (EMFILE); rebinding \(bound)")
                return self?.rebindListener(address: bound) ?? false
            }
        } else {
            let report = configuration.onAcceptError
            do {
                acceptor = try ConnectionAcceptor(address: address, server: server, budget: acceptBudget) { error in
                    report?("accepting a connection failed: \(String(cString: strerror(error))); retrying")
                }
            } catch {
                release()
                throw error
            }
            port = acceptor!.port
        }
        let alreadyStarted = state.withLock { state -> Bool in
            guard case .idle = state.lifecycle else { return true }
            state.lifecycle = .running
            state.server = server
            state.queues = queues
            state.acceptor = acceptor
            state.tlsFetcher = fetcher
            state.watchdog = watchdog
            return false
        }
        guard !alreadyStarted else {
            release()
            acceptor?.closeUnstarted()
            throw TransportError(code: .alreadyStarted, message: "the server was already started")
        }
        mgrpc_server_start(server.pointer)
        for queue in queues {
            for _ in 0..<max(1, configuration.pendingAcceptsPerQueue) { acceptNextCall(server: server, queue: queue) }
        }
        acceptor?.start()
        watchdog?.start()
        return port
    }

    /// Replaces gRPC core's listener (TLS) that stopped accepting: the current server is shut
    /// down, which closes its listener and sends its connections GOAWAY while their streams go
    /// on (proxies open new streams on a new connection), and a new server binds the port.
    /// The old listener's socket closes asynchronously, so binding is retried briefly.
    /// - Returns: whether the new server listens.
    private func rebindListener(address: String) -> Bool {
        guard let tls = configuration.tls else { return false }
        let taken = state.withLock { state -> ([CompletionQueue], TLSFetcher?)? in
            guard case .running = state.lifecycle else { return nil }
            if let server = state.server { retire(server, fetcher: state.tlsFetcher, queue: state.queues[0], in: &state) }
            state.server = nil
            // The newest fetcher knows the last good files, retired or not.
            return (state.queues, state.tlsFetcher ?? state.retired.last?.fetcher)
        }
        guard let (queues, previous) = taken, let previous else { return false }
        for _ in 0..<20 where state.withLock({ if case .running = $0.lifecycle { true } else { false } }) {
            var options = Self.coreOptions(configuration)
            let server = CoreServer(pointer: mgrpc_server_create(&options)!)
            for queue in queues { mgrpc_server_register_cq(server.pointer, queue.pointer) }
            let fetcher = TLSFetcher(watch: TLSFileWatch(continuing: previous.watch))
            guard mgrpc_server_add_secure_port(server.pointer, address, fetcher.pointer, tls.clientCAPath != nil ? 1 : 0) > 0 else {
                mgrpc_server_destroy(server.pointer)
                usleep(50_000)
                continue
            }
            let running = state.withLock { state -> Bool in
                guard case .running = state.lifecycle else { return false }
                state.server = server
                state.tlsFetcher = fetcher
                return true
            }
            guard running else {
                mgrpc_server_destroy(server.pointer)
                return false
            }
            mgrpc_server_start(server.pointer)
            for queue in queues {
                for _ in 0..<max(1, configuration.pendingAcceptsPerQueue) { acceptNextCall(server: server, queue: queue) }
            }
            return true
        }
        return false
    }

    /// Shuts `server` down (listener closed, pending accepts failed, calls kept) and keeps it
    /// with its fetcher until `shutdown` destroys it.
    private func retire(_ server: CoreServer, fetcher: TLSFetcher?, queue: CompletionQueue, in state: inout State) {
        state.retired.append(RetiredServer(server: server, fetcher: fetcher))
        let identity = Int(bitPattern: server.pointer)
        let started = CompletionTagTable.shared.startBatch({ tag in
            mgrpc_server_shutdown_and_notify(server.pointer, queue.pointer, tag)
            return GRPC_CALL_OK
        }) { [self] _ in
            let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                if let index = state.retired.firstIndex(where: { Int(bitPattern: $0.server.pointer) == identity }) { state.retired[index].ended = true }
                guard state.retired.allSatisfy(\.ended) else { return [] }
                defer { state.retiredWaiters = [] }
                return state.retiredWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        if !started, let index = state.retired.firstIndex(where: { Int(bitPattern: $0.server.pointer) == identity }) { state.retired[index].ended = true }
    }

    /// Waits until gRPC core reported the shutdown of every retired server.
    private func retiredServersEnded() async {
        await withCheckedContinuation { continuation in
            let ended = state.withLock { state -> Bool in
                if state.retired.allSatisfy(\.ended) { return true }
                state.retiredWaiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
    }

    /// The number of calls currently open.
    public var openStreamCount: Int { state.withLock { $0.streams.count } }

    /// The number of calls accepted since start.
    public var acceptedStreamCount: Int { state.withLock { $0.acceptedCount } }

    /// The number of calls refused with RESOURCE_EXHAUSTED for want of descriptor headroom.
    public var refusedStreamCount: Int { state.withLock { $0.refusedCount } }

    private static func coreOptions(_ configuration: Configuration) -> mgrpc_server_options {
        func milliseconds(_ duration: Duration?) -> Int32 {
            guard let duration else { return 0 }
            let (seconds, attoseconds) = duration.components
            return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
        let policy = configuration.connections
        return mgrpc_server_options(
            max_receive_message_bytes: Int32(clamping: configuration.maxReceiveMessageBytes),
            keepalive_time_ms: milliseconds(policy.keepaliveTime),
            keepalive_timeout_ms: milliseconds(policy.keepaliveTimeout),
            min_client_ping_interval_ms: milliseconds(policy.minClientPingInterval),
            max_ping_strikes: policy.maxPingStrikes.map { Int32(clamping: $0) } ?? -1,
            max_connection_age_ms: milliseconds(policy.maxConnectionAge),
            max_connection_age_grace_ms: milliseconds(policy.maxConnectionAgeGrace)
        )
    }

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
        let acceptor = state.withLock { $0.acceptor }
        let stream = ServerStream(call: call) { acceptor?.resolvePeer($0) ?? $0 }
        let id = ObjectIdentifier(stream)
        let handler = handlers[stream.method]
        // Admission is decided before the handler runs: a refused call costs no handler, no
        // registry entry, and is ended at once so its client backs off.
        let admitted = budget.admit()
        let task = Task { [self] in
            var status = GRPCStatus.ok
            if !admitted {
                status = GRPCStatus(code: .resourceExhausted, message: "the server is near its file descriptor limit; retry later")
            } else if let handler {
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
            if !admitted { state.refusedCount += 1 }
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
        let taken = state.withLock { state -> ([CompletionQueue], [ServerStream], ConnectionAcceptor?, ListenerWatchdog?)? in
            guard case .running = state.lifecycle else { return nil }
            state.lifecycle = .shuttingDown
            return (state.queues, Array(state.streams.values), state.acceptor, state.watchdog)
        }
        guard let (queues, streams, acceptor, watchdog) = taken else { return }
        // No rebind, and no connection handed to gRPC core, once its shutdown has begun.
        await watchdog?.stop()
        await acceptor?.stop()

        // gRPC core reports a server's shutdown once every call on it has ended; handlers end
        // theirs at once (their request streams finish), and calls still open when the grace
        // period runs out are cancelled. The current server is retired like a replaced one.
        state.withLock { state in
            if let server = state.server { retire(server, fetcher: state.tlsFetcher, queue: queues[0], in: &state) }
            state.server = nil
            state.tlsFetcher = nil
        }
        for stream in streams { stream.beginShutdown() }

        await withTaskGroup(of: Bool.self) { race in
            race.addTask { [self] in
                await retiredServersEnded()
                return true
            }
            race.addTask {
                try? await Task.sleep(for: gracePeriod)
                return false
            }
            if await race.next() == false {
                for retired in state.withLock({ $0.retired }) { mgrpc_server_cancel_all_calls(retired.server.pointer) }
                _ = await race.next()
            }
            race.cancelAll()
        }

        let tasks = state.withLock { Array($0.handlerTasks.values) }
        for task in tasks { await task.value }

        let retired = state.withLock { state in
            defer { state.retired = [] }
            return state.retired
        }
        for server in retired { mgrpc_server_destroy(server.server.pointer) }
        for queue in queues { await queue.shutdown() }
        state.withLock { state in
            state.lifecycle = .stopped
            state.queues = []
            state.acceptor = nil
            state.watchdog = nil
        }
    }
}
