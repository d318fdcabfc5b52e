import Synchronization

/// The end of a thread that runs until it is told to stop: `wait()` returns once the thread
/// has called `finish()` (at once if it already has).
final class ThreadEnd: Sendable {
    /// Continuations waiting for the end; nil once it happened.
    private let waiters = Mutex<[CheckedContinuation<Void, Never>]?>([])

    func wait() async {
        await withCheckedContinuation { continuation in
            let done = waiters.withLock { waiters -> Bool in
                guard waiters != nil else { return true }
                waiters!.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Called by the thread, last.
    func finish() {
        let waiting = waiters.withLock { waiters in
            defer { waiters = nil }
            return waiters ?? []
        }
        for waiter in waiting { waiter.resume() }
    }
}
