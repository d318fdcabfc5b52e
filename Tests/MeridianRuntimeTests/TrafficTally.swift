import Synchronization

/// Outcomes of requests sent by traffic workers while configuration changes, counted by
/// outcome ("200", another status, "no answer"), and the flag that stops the workers.
final class TrafficTally: Sendable {
    // Shared by the traffic workers; every access takes the lock.
    let counts = Mutex<[String: Int]>([:])
    let running = Atomic<Bool>(true)
    func record(_ outcome: String) { counts.withLock { $0[outcome, default: 0] += 1 } }
    var failures: [String: Int] { counts.withLock { $0.filter { $0.key != "200" } } }
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
