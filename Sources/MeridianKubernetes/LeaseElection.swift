/// Leader election on a `coordination.k8s.io/v1` Lease, as a pure value: it is told what the
/// Lease looked like and how writes went, and says what to write next. The rules are
/// client-go's (`leaderelection`), so Meridian replicas behave as other controllers do:
///
/// * A Lease held by another identity is taken only once it has not changed for its
///   `leaseDurationSeconds`, timed by this replica's own clock from when it saw the change
///   (never by comparing `renewTime` with the local clock: the replicas' clocks may differ).
/// * An empty `holderIdentity` is free at once: that is how a leader that stops hands over.
/// * The leader renews at each read (`LeaderElector` reads every retry period); it stops leading when it has not renewed for
///   `renewDeadline` (shorter than the lease duration, so it stops before another may start),
///   or when it sees another holder.
/// * Every write carries the `resourceVersion` read: two replicas racing for a free Lease
///   cannot both win (the API server answers 409 to the second).
public struct LeaseElection: Sendable {
    /// The Lease's `spec`.
    public struct Record: Sendable, Hashable {
        public var holderIdentity: String
        public var leaseDurationSeconds: Int
        public var acquireTime: String?
        public var renewTime: String?
        public var leaseTransitions: Int

        public init(holderIdentity: String, leaseDurationSeconds: Int, acquireTime: String? = nil, renewTime: String? = nil, leaseTransitions: Int = 0) {
            self.holderIdentity = holderIdentity
            self.leaseDurationSeconds = leaseDurationSeconds
            self.acquireTime = acquireTime
            self.renewTime = renewTime
            self.leaseTransitions = leaseTransitions
        }
    }

    /// What reading the Lease gave.
    public enum Observation: Sendable, Hashable {
        case found(Record, resourceVersion: String)
        case notFound
        /// No answer (or another error): nothing learnt.
        case failed
    }

    /// What to do next.
    public enum Action: Sendable, Hashable {
        case create(Record)
        case update(Record, resourceVersion: String)
        /// Nothing to write: read again after the retry period.
        case wait
    }

    public let identity: String
    public let leaseDuration: Duration
    public let renewDeadline: Duration

    public private(set) var isLeader = false
    /// The Lease as last read or written, and when (this replica's clock) it last changed.
    private var observed: (record: Record, resourceVersion: String)?
    private var observedChangeAt: Duration = .zero
    private var leaseMissing = false
    /// When this replica last wrote the Lease as its holder.
    private var renewedAt: Duration?

    public init(identity: String, leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10)) {
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = renewDeadline
    }

    /// `now`: a monotonic clock's reading (any origin). `wallTime`: the time to write in the
    /// Lease (RFC 3339 with microseconds, as `MicroTime` is written).
    public mutating func observe(_ observation: Observation, now: Duration) -> Void {
        switch observation {
        case .found(let record, let version):
            if observed?.record != record || observed?.resourceVersion != version {
                observed = (record, version)
                observedChangeAt = now
            }
            leaseMissing = false
            if record.holderIdentity != identity { isLeader = false }
        case .notFound:
            observed = nil
            leaseMissing = true
            isLeader = false
        case .failed:
            break
        }
        stepDownIfLate(now: now)
    }

    /// What to write now, after an observation.
    public func next(now: Duration, wallTime: String) -> Action {
        let seconds = Int(leaseDuration.components.seconds)
        if leaseMissing {
            return .create(Record(holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: wallTime, renewTime: wallTime, leaseTransitions: 0))
        }
        guard let (record, version) = observed else { return .wait }
        if record.holderIdentity == identity {
            var renewed = record
            renewed.renewTime = wallTime
            renewed.leaseDurationSeconds = seconds
            return .update(renewed, resourceVersion: version)
        }
        let expired = now >= observedChangeAt + .seconds(max(record.leaseDurationSeconds, 0))
        guard record.holderIdentity.isEmpty || expired else { return .wait }
        let taken = Record(holderIdentity: identity, leaseDurationSeconds: seconds, acquireTime: wallTime, renewTime: wallTime,
                           leaseTransitions: record.leaseTransitions + 1)
        return .update(taken, resourceVersion: version)
    }

    /// A create or update was stored: this replica holds the Lease.
    public mutating func written(_ record: Record, resourceVersion: String, now: Duration) {
        observed = (record, resourceVersion)
        observedChangeAt = now
        leaseMissing = false
        isLeader = record.holderIdentity == identity
        if isLeader { renewedAt = now }
    }

    /// A write was refused (409: someone else wrote first) or not answered.
    public mutating func writeFailed(now: Duration) {
        stepDownIfLate(now: now)
    }

    /// What a leader that stops writes: `record` given up (no holder, one second left), so
    /// another replica takes it at its next try instead of after the lease duration.
    public static func released(_ record: Record, wallTime: String) -> Record {
        var released = record
        released.holderIdentity = ""
        released.leaseDurationSeconds = 1
        released.renewTime = wallTime
        return released
    }

    private mutating func stepDownIfLate(now: Duration) {
        if isLeader, let renewedAt, now - renewedAt > renewDeadline { isLeader = false }
    }
}
