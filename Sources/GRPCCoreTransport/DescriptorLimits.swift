import Foundation
import Synchronization

/// The process's file-descriptor limit (RLIMIT_NOFILE), and raising it.
///
/// Every xDS connection costs a descriptor. Debian's gRPC core 1.51 stops accepting for good
/// after one EMFILE (see `ConnectionAcceptor` and `ListenerWatchdog` for how that is handled),
/// and libdispatch aborts the process when it cannot open `/proc/<tid>/stat`, so the process
/// should never run out: start with the most the hard limit allows.
public struct DescriptorLimits: Sendable, Equatable, CustomStringConvertible {
    public var soft: Int
    public var hard: Int

    /// The limits now.
    public static func current() -> DescriptorLimits {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0 else { return DescriptorLimits(soft: 1024, hard: 1024) }
        return DescriptorLimits(soft: clamp(limits.rlim_cur), hard: clamp(limits.rlim_max))
    }

    /// Raises the soft limit to the hard limit.
    /// - Returns: the limits before and after.
    @discardableResult
    public static func raiseSoftToHard() -> (before: DescriptorLimits, after: DescriptorLimits) {
        let before = current()
        var limits = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0, limits.rlim_cur < limits.rlim_max {
            limits.rlim_cur = limits.rlim_max
            // Failure leaves the old soft limit, which is still a valid state to serve from.
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
        }
        return (before, current())
    }

    /// Descriptors open in this process, counted in /proc/self/fd (one directory read).
    public static func openCount() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    public var description: String { "soft \(soft), hard \(hard)" }

    private static func clamp(_ value: rlim_t) -> Int {
        // RLIM_INFINITY is all ones, which is beyond Int.max too.
        value > rlim_t(Int.max) ? Int.max : Int(value)
    }
}

/// Decides whether one more stream fits without the process coming near its descriptor limit.
///
/// Counting /proc/self/fd costs one directory read per open descriptor, too much for every
/// call in a storm of thousands; the count is refreshed at most every `refreshInterval`, and
/// each stream admitted in between is assumed to have cost one more descriptor (its connection),
/// which errs on the side of refusing.
final class DescriptorBudget: Sendable {
    private struct State {
        var counted = 0
        var admittedSinceCount = 0
        var countedAt: ContinuousClock.Instant?
    }

    /// Descriptors kept free (or 5% of the limit, if more): new streams are refused once fewer remain.
    let headroom: Int
    /// The margin is at least the limit divided by this (20: 5%).
    private let limitDivisor: Int
    private let limit: @Sendable () -> Int
    private let count: @Sendable () -> Int
    private let refreshInterval: Duration
    private let state = Mutex(State())

    init(headroom: Int, limitDivisor: Int = 20, refreshInterval: Duration = .milliseconds(100),
         limit: @escaping @Sendable () -> Int = { DescriptorLimits.current().soft },
         count: @escaping @Sendable () -> Int = { DescriptorLimits.openCount() }) {
        self.headroom = headroom
        self.limitDivisor = max(1, limitDivisor)
        self.refreshInterval = refreshInterval
        self.limit = limit
        self.count = count
    }

    /// Whether a new stream may start; counts it when it may.
    func admit() -> Bool {
        let now = ContinuousClock.now
        let needsCount = state.withLock { state in
            state.countedAt.map { now - $0 >= refreshInterval } ?? true
        }
        let fresh = needsCount ? count() : nil
        let limit = self.limit()
        return state.withLock { state in
            if let fresh {
                state.counted = fresh
                state.admittedSinceCount = 0
                state.countedAt = now
            }
            // 5% of a large limit is more than a fixed margin: gRPC core, logging and the
            // admin server also open descriptors while a storm is being refused.
            let margin = max(headroom, limit / limitDivisor)
            guard state.counted + state.admittedSinceCount + margin < limit else { return false }
            state.admittedSinceCount += 1
            return true
        }
    }

    /// Gives back one `admit` that did not cost a descriptor after all (no connection came).
    func release() {
        state.withLock { state in
            if state.admittedSinceCount > 0 { state.admittedSinceCount -= 1 }
        }
    }
}
