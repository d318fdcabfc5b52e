import CGRPCCore
import Foundation
import Synchronization

/// Accepts plaintext connections on our own listening socket and hands each to gRPC core.
///
/// Why not gRPC core's listener: Debian's gRPC core 1.51 stops accepting for good after one
/// EMFILE on accept (its tcp_server does not re-arm), while the process stays up and looks
/// healthy. Owning the accept loop settles that entirely, where a self-probe and rebind would
/// only notice it afterwards and would have to close the listener under live streams:
/// - before each accept the descriptor budget is checked: near the limit the loop stops
///   accepting (connections wait in the kernel's backlog), so a flood of raw connections
///   cannot take the process itself to EMFILE (where libdispatch aborts when it cannot open
///   /proc/<tid>/stat);
/// - EMFILE, ENFILE, ENOBUFS or ENOMEM on accept anyway (descriptors taken elsewhere) are
///   waited out and retried; the loop never stops until shutdown.
/// gRPC core serves a handed-over socket (`grpc_server_add_channel_from_fd`) with the same
/// server channel arguments (keepalive, maximum age) as its own, but only for insecure
/// credentials: a TLS port keeps gRPC core's listener and has no such recovery.
final class ConnectionAcceptor: Sendable {
    /// A `grpc_server*` that may cross threads (gRPC core's server functions are thread-safe).
    struct CoreServer: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// The bound port.
    let port: Int
    private let listenDescriptor: Int32
    private let server: CoreServer
    private let budget: DescriptorBudget
    private let stopping = Atomic<Bool>(false)
    private let stopped = ThreadEnd()
    /// Peer addresses by descriptor: gRPC core names a handed-over connection "fd:N", and
    /// /proxies and the logs want the address. An entry is overwritten when its descriptor
    /// is reused, which can only happen after that connection (and its calls) ended.
    private let peers = Mutex<[Int32: String]>([:])
    private let onAcceptError: @Sendable (Int32) -> Void

    /// Binds `address`; throws when it cannot.
    init(address: String, server: CoreServer, budget: DescriptorBudget, onAcceptError: @escaping @Sendable (Int32) -> Void) throws(TransportError) {
        var port: Int32 = 0
        let descriptor = mgrpc_listen(address, &port)
        guard descriptor >= 0 else {
            if -descriptor == EADDRINUSE { throw TransportError(code: .addressInUse, message: "address \(address) is in use") }
            throw TransportError(code: .bindFailed, message: "cannot listen on \(address): \(String(cString: strerror(-descriptor)))")
        }
        listenDescriptor = descriptor
        self.port = Int(port)
        self.server = server
        self.budget = budget
        self.onAcceptError = onAcceptError
    }

    /// Starts the accept thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "grpc-accept"
        thread.start()
    }

    /// Closes the listening socket of an acceptor that was never started.
    func closeUnstarted() { close(listenDescriptor) }

    /// The address of the connection gRPC core calls `peer` ("fd:12"), or `peer` itself.
    func resolvePeer(_ peer: String) -> String {
        guard peer.hasPrefix("fd:"), let descriptor = Int32(peer.dropFirst(3)) else { return peer }
        return peers.withLock { $0[descriptor] } ?? peer
    }

    /// Stops accepting and closes the listening socket; returns once the thread has ended.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        // Wakes the thread's poll at once (Linux reports a shut-down listener readable);
        // the thread closes the socket.
        _ = shutdown(listenDescriptor, Int32(SHUT_RDWR))
        await stopped.wait()
    }

    private func run() {
        var peer = [CChar](repeating: 0, count: 128)
        var lastError: Int32 = 0
        while !stopping.load(ordering: .acquiring) {
            // Descriptors are counted only when a connection waits: an idle port costs no
            // /proc/self/fd reads. No timeout: `stop()` shuts the socket down, which wakes the
            // poll, so an idle server has no periodic wake-up here.
            guard mgrpc_wait_readable(listenDescriptor, -1) > 0 else { continue }
            // Woken by `stop()`: the shut-down socket reads as ready, and accepting on it fails.
            if stopping.load(ordering: .acquiring) { break }
            // Counted before accepting: the connection costs a descriptor.
            guard budget.admit() else {
                usleep(50_000)
                continue
            }
            let result = mgrpc_accept(listenDescriptor, 0, &peer, peer.count)
            guard result >= 0 else {
                budget.release()
                let error = -result
                switch error {
                case EAGAIN, EINTR, ECONNABORTED, EPROTO:
                    continue
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: descriptors or memory are short right now.
                    // Wait for connections to close, then try again; reported once per run of errors.
                    if error != lastError { onAcceptError(error) }
                    lastError = error
                    usleep(100_000)
                    continue
                }
            }
            lastError = 0
            let address = String(decoding: peer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            peers.withLock { $0[result] = address }
            if stopping.load(ordering: .acquiring) {
                close(result)
                break
            }
            mgrpc_server_add_connection_fd(server.pointer, result)
        }
        close(listenDescriptor)
        stopped.finish()
    }
}
