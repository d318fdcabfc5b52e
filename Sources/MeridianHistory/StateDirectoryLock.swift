import Foundation

/// An exclusive lock on a state directory for the life of one `serve`: a second process on
/// the same directory would evict the first one's snapshots and interleave its entries.
///
/// `flock` on `lock` in the directory: the kernel releases it when the process exits, however
/// it exits (a `kill -9` included), so a stale lock never blocks a restart.
final class StateDirectoryLock: Sendable {
    private let descriptor: Int32
    /// 40 tries 50 ms apart: two seconds.
    private static let attempts = 40
    private static let pause: UInt32 = 50_000

    init(directory: String) throws(HistoryError) {
        let path = directory + "/lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HistoryError(.storage, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // Tried for a while before giving up: a serve that is still exiting, or any process
        // forked in the instant before it execs, holds the lock a little longer.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let busy = errno == EWOULDBLOCK
            attempts += 1
            guard busy, attempts < Self.attempts else {
                let reason = busy ? "another meridian serve is using this state directory" : String(cString: strerror(errno))
                close(descriptor)
                throw HistoryError(.storage, "\(directory): \(reason)")
            }
            usleep(Self.pause)
        }
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
