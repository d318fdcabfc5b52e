import CGRPCCore
import Synchronization

/// The single place where gRPC core's opaque completion tags become Swift state.
///
/// A tag handed to gRPC core is a plain integer disguised as a pointer, never
/// a retained object, so a tag that is never reported cannot leak or crash:
/// it is just a stale entry, and `pendingCount` makes those visible in tests.
final class CompletionTagTable: Sendable {
    typealias Completion = @Sendable (_ success: Bool) -> Void

    static let shared = CompletionTagTable()

    private struct State {
        var nextID: UInt = 1
        var pending: [UInt: Completion] = [:]
    }

    private let state = Mutex(State())

    /// Registers `completion` and returns the tag to pass to gRPC core.
    func register(_ completion: @escaping Completion) -> UnsafeMutableRawPointer {
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.pending[id] = completion
            return id
        }
        return UnsafeMutableRawPointer(bitPattern: id)!
    }

    /// Delivers a completion-queue event to whoever registered its tag.
    func complete(tag: UnsafeMutableRawPointer?, success: Bool) {
        guard let tag else { return }
        let completion = state.withLock { $0.pending.removeValue(forKey: UInt(bitPattern: tag)) }
        completion?(success)
    }

    /// Forgets a tag whose batch gRPC core refused to start: it will never be reported.
    func discard(tag: UnsafeMutableRawPointer) {
        _ = state.withLock { $0.pending.removeValue(forKey: UInt(bitPattern: tag)) }
    }

    /// How many operations are still waiting for gRPC core.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Starts one gRPC core batch; returns false (and runs nothing) if core refused it.
    func startBatch(
        _ start: (UnsafeMutableRawPointer) -> grpc_call_error,
        completion: @escaping Completion
    ) -> Bool {
        let tag = register(completion)
        if start(tag) == GRPC_CALL_OK { return true }
        discard(tag: tag)
        return false
    }
}
