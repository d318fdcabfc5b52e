import CGRPCCore
import Foundation
import Synchronization

/// One gRPC core completion queue and the one thread that drains it.
///
/// The thread keeps the object alive until gRPC core reports the queue shut
/// down, so `grpc_completion_queue_destroy` in `deinit` always runs on a
/// drained queue.
final class CompletionQueue: @unchecked Sendable {
    // @unchecked Sendable: `pointer` is written once in init and only read
    // afterwards, and gRPC core's completion-queue functions are thread-safe.
    // The mutable state sits behind a Mutex.
    let pointer: OpaquePointer
    private let drainedWaiters = Mutex<(drained: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    init(name: String) {
        mgrpc_library_init()
        pointer = mgrpc_cq_create()
        let thread = Thread { [self] in self.drain() }
        thread.name = name
        thread.start()
    }

    deinit {
        mgrpc_cq_destroy(pointer)
    }

    private func drain() {
        while true {
            let event = mgrpc_cq_next(pointer, -1)
            switch event.kind {
            case MGRPC_EVENT_COMPLETE:
                CompletionTagTable.shared.complete(tag: event.tag, success: event.success != 0)
            case MGRPC_EVENT_SHUTDOWN:
                let waiters = drainedWaiters.withLock { state in
                    state.drained = true
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume() }
                return
            default:
                continue
            }
        }
    }

    /// Shuts the queue down without waiting; its thread drains it and lets it go.
    ///
    /// Call only once nothing will start new operations on this queue.
    func beginShutdown() {
        mgrpc_cq_shutdown(pointer)
    }

    /// Shuts the queue down and waits until every pending event was delivered.
    ///
    /// Call only once nothing will start new operations on this queue.
    func shutdown() async {
        beginShutdown()
        await withCheckedContinuation { continuation in
            let alreadyDrained = drainedWaiters.withLock { state in
                if state.drained { return true }
                state.waiters.append(continuation)
                return false
            }
            if alreadyDrained { continuation.resume() }
        }
    }
}
