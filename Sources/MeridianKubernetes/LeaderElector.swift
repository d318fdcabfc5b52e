import Foundation
import Logging

/// Runs `LeaseElection` against the API server: reads the Lease every retry period, writes
/// what the election says, and reports when this replica starts or stops leading. When its task
/// is cancelled (the replica shuts down), a leader gives the Lease up, so another replica takes
/// over at its next try rather than after the lease duration.
public struct LeaderElector: Sendable {
    public var client: KubernetesAPIClient
    /// The Lease's namespace and name.
    public var namespace: String
    public var name: String
    public var identity: String
    public var leaseDuration: Duration
    public var renewDeadline: Duration
    public var retryPeriod: Duration
    public var logger: Logger

    /// client-go's defaults (15 s, 10 s, 2 s) unless given; the renew deadline and retry
    /// period scale with a shorter lease duration, keeping their proportions.
    public init(client: KubernetesAPIClient, namespace: String, name: String, identity: String, leaseDuration: Duration = .seconds(15), logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.leaseDuration = leaseDuration
        self.renewDeadline = leaseDuration * 2 / 3
        self.retryPeriod = leaseDuration / 7.5
        self.logger = logger
    }

    var collection: String { "/apis/coordination.k8s.io/v1/namespaces/\(namespace)/leases" }

    /// Until cancelled; `onChange` is told `true` when this replica starts leading and `false`
    /// when it stops (also on the way out, before the Lease is given up).
    public func run(onChange: @Sendable (Bool) async -> Void) async {
        var election = LeaseElection(identity: identity, leaseDuration: leaseDuration, renewDeadline: renewDeadline)
        let clock = ContinuousClock()
        let origin = clock.now
        var leading = false
        while !Task.isCancelled {
            let observation: LeaseElection.Observation
            do {
                observation = Self.observation(try await client.get(collection, name: name)) ?? .failed
            } catch .status(404, _) {
                observation = .notFound
            } catch {
                logger.warning("could not read the leader Lease", metadata: ["lease": "\(namespace)/\(name)", "error": "\(error)"])
                observation = .failed
            }
            election.observe(observation, now: clock.now - origin)
            let action = election.next(now: clock.now - origin, wallTime: Self.microTime(Date()))
            await write(action, election: &election, now: { clock.now - origin })
            if election.isLeader != leading {
                leading = election.isLeader
                logger.notice(leading ? "leading: this replica writes status" : "no longer leading: another replica writes status",
                              metadata: ["lease": "\(namespace)/\(name)", "identity": "\(identity)"])
                await onChange(leading)
            }
            try? await Task.sleep(for: retryPeriod)
        }
        guard election.isLeader else { return }
        await onChange(false)
        // Cancelled: the requests are made from a task of its own, which is not.
        let given = await Task { await release() }.value
        logger.notice(given ? "gave up the leader Lease" : "could not give up the leader Lease; another replica takes it once it expires",
                      metadata: ["lease": "\(namespace)/\(name)"])
    }

    /// Gives the Lease up if this replica still holds it: read, then write it released. The
    /// Lease read is the one to write over: a renewal cut short by the shutdown may still
    /// have reached the server and moved its version (a 409 reads it again).
    private func release() async -> Bool {
        for _ in 0..<3 {
            guard let current = try? await client.get(collection, name: name),
                  case .found(let record, let version)? = Self.observation(current) else { return false }
            guard record.holderIdentity == identity else { return true }
            let released = LeaseElection.released(record, wallTime: Self.microTime(Date()))
            do {
                _ = try await client.replace(collection, name: name, object: Self.leaseJSON(released, namespace: namespace, name: name, resourceVersion: version))
                return true
            } catch .status(409, _) {
                continue
            } catch {
                return false
            }
        }
        return false
    }

    private func write(_ action: LeaseElection.Action, election: inout LeaseElection, now: () -> Duration) async {
        let stored: KubernetesObject
        let record: LeaseElection.Record
        do {
            switch action {
            case .wait:
                return
            case .create(let created):
                record = created
                stored = try await client.create(collection, object: Self.leaseJSON(created, namespace: namespace, name: name, resourceVersion: nil))
            case .update(let updated, let version):
                record = updated
                stored = try await client.replace(collection, name: name, object: Self.leaseJSON(updated, namespace: namespace, name: name, resourceVersion: version))
            }
        } catch {
            // 409: another replica wrote first; read again next time.
            if case .status(409, _) = error {} else {
                logger.warning("could not write the leader Lease", metadata: ["lease": "\(namespace)/\(name)", "error": "\(error)"])
            }
            election.writeFailed(now: now())
            return
        }
        election.written(record, resourceVersion: stored.resourceVersion, now: now())
    }

    /// The Lease's spec, from its JSON; nil when it has none.
    static func observation(_ object: KubernetesObject) -> LeaseElection.Observation? {
        guard let tree = (try? JSONSerialization.jsonObject(with: Data(object.json))) as? [String: Any] else { return nil }
        let spec = tree["spec"] as? [String: Any] ?? [:]
        let record = LeaseElection.Record(
            holderIdentity: spec["holderIdentity"] as? String ?? "",
            leaseDurationSeconds: (spec["leaseDurationSeconds"] as? NSNumber)?.intValue ?? 0,
            acquireTime: spec["acquireTime"] as? String,
            renewTime: spec["renewTime"] as? String,
            leaseTransitions: (spec["leaseTransitions"] as? NSNumber)?.intValue ?? 0
        )
        return .found(record, resourceVersion: object.resourceVersion)
    }

    static func leaseJSON(_ record: LeaseElection.Record, namespace: String, name: String, resourceVersion: String?) -> [UInt8] {
        var metadata: [String: Any] = ["name": name, "namespace": namespace]
        if let resourceVersion { metadata["resourceVersion"] = resourceVersion }
        var spec: [String: Any] = ["holderIdentity": record.holderIdentity, "leaseDurationSeconds": record.leaseDurationSeconds, "leaseTransitions": record.leaseTransitions]
        if let time = record.acquireTime { spec["acquireTime"] = time }
        if let time = record.renewTime { spec["renewTime"] = time }
        let lease: [String: Any] = ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec]
        return (try? JSONSerialization.data(withJSONObject: lease, options: [.sortedKeys])).map(Array.init) ?? []
    }

    /// `MicroTime` as the API writes it: RFC 3339 in UTC with six decimals.
    static func microTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int((date.timeIntervalSince1970 - seconds) * 1_000_000)
        let whole = Date(timeIntervalSince1970: seconds).formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false).timeZone(separator: .omitted))
            .replacingOccurrences(of: "+0000", with: "").replacingOccurrences(of: "Z", with: "")
        return whole + "." + String(format: "%06d", micros) + "Z"
    }
}
