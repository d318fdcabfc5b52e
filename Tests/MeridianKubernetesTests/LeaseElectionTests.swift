import MeridianKubernetes
import Testing

/// Leader election on a Lease, rule by rule (client-go's): what was read or how a write went,
/// at which time (seconds on this replica's clock), and then what the replica writes and
/// whether it leads. Lease duration 15 s, renew deadline 10 s.
@Suite("Lease election, rule by rule")
struct LeaseElectionTests {
    typealias Record = LeaseElection.Record

    static func held(by holder: String, transitions: Int = 0, renewed: String = "w0", duration: Int = 15) -> Record {
        Record(holderIdentity: holder, leaseDurationSeconds: duration, acquireTime: "w0", renewTime: renewed, leaseTransitions: transitions)
    }

    enum Step: Sendable {
        case read(LeaseElection.Observation, at: Int)
        /// The write asked for last was stored with this resourceVersion.
        case stored(version: String, at: Int)
        case refused(at: Int)
    }

    /// What the replica does after a step: the action (described) and whether it leads.
    struct Expected: Sendable, Equatable {
        var action: String
        var leads: Bool
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var rule: String
        var steps: [Step]
        var expected: [Expected]
        var testDescription: String { rule }
    }

    static func describe(_ action: LeaseElection.Action) -> String {
        switch action {
        case .wait: return "wait"
        case .create(let record): return "create \(record.holderIdentity) t\(record.leaseTransitions)"
        case .update(let record, let version): return "update@\(version) \(record.holderIdentity.isEmpty ? "-" : record.holderIdentity) t\(record.leaseTransitions)"
        }
    }

    static let rows: [Row] = [
        Row(rule: "no Lease: create it, and lead once it is stored",
            steps: [.read(.notFound, at: 0), .stored(version: "1", at: 0)],
            expected: [Expected(action: "create me t0", leads: false), Expected(action: "update@1 me t0", leads: true)]),
        Row(rule: "a Lease held by another and renewed is not taken",
            steps: [.read(.found(held(by: "other"), resourceVersion: "4"), at: 0),
                    .read(.found(held(by: "other", renewed: "w2"), resourceVersion: "5"), at: 12),
                    .read(.found(held(by: "other", renewed: "w2"), resourceVersion: "5"), at: 26)],
            expected: [Expected(action: "wait", leads: false), Expected(action: "wait", leads: false), Expected(action: "wait", leads: false)]),
        Row(rule: "a Lease unchanged for its duration (by this replica's clock) is taken, counting a transition",
            steps: [.read(.found(held(by: "other", transitions: 2), resourceVersion: "4"), at: 0),
                    .read(.found(held(by: "other", transitions: 2), resourceVersion: "4"), at: 14),
                    .read(.found(held(by: "other", transitions: 2), resourceVersion: "4"), at: 15),
                    .stored(version: "6", at: 15)],
            expected: [Expected(action: "wait", leads: false), Expected(action: "wait", leads: false),
                       Expected(action: "update@4 me t3", leads: false), Expected(action: "update@6 me t3", leads: true)]),
        Row(rule: "a Lease given up (no holder) is taken at once",
            steps: [.read(.found(held(by: "", duration: 1), resourceVersion: "8"), at: 0)],
            expected: [Expected(action: "update@8 me t1", leads: false)]),
        Row(rule: "losing the race for it (409) leaves the other leading",
            steps: [.read(.found(held(by: ""), resourceVersion: "8"), at: 0), .refused(at: 0),
                    .read(.found(held(by: "other", transitions: 1), resourceVersion: "9"), at: 1)],
            expected: [Expected(action: "update@8 me t1", leads: false), Expected(action: "update@8 me t1", leads: false),
                       Expected(action: "wait", leads: false)]),
        Row(rule: "a leader that cannot renew for the renew deadline stops leading",
            steps: [.read(.notFound, at: 0), .stored(version: "1", at: 0), .refused(at: 5), .read(.failed, at: 9), .read(.failed, at: 11)],
            expected: [Expected(action: "create me t0", leads: false), Expected(action: "update@1 me t0", leads: true),
                       Expected(action: "update@1 me t0", leads: true), Expected(action: "update@1 me t0", leads: true),
                       Expected(action: "update@1 me t0", leads: false)]),
        Row(rule: "a leader that sees another holder stops leading",
            steps: [.read(.notFound, at: 0), .stored(version: "1", at: 0), .read(.found(held(by: "other", transitions: 1), resourceVersion: "3"), at: 2)],
            expected: [Expected(action: "create me t0", leads: false), Expected(action: "update@1 me t0", leads: true),
                       Expected(action: "wait", leads: false)]),
    ]

    @Test("election", arguments: rows)
    func election(_ row: Row) throws {
        var election = LeaseElection(identity: "me")
        var lastAction = LeaseElection.Action.wait
        for (index, step) in row.steps.enumerated() {
            switch step {
            case .read(let observation, let at):
                election.observe(observation, now: .seconds(at))
            case .stored(let version, let at):
                switch lastAction {
                case .create(let record), .update(let record, _): election.written(record, resourceVersion: version, now: .seconds(at))
                case .wait: Issue.record("\(row.rule): stored without a write")
                }
            case .refused(let at):
                election.writeFailed(now: .seconds(at))
            }
            let at: Int
            switch step { case .read(_, let time), .stored(_, let time), .refused(let time): at = time }
            lastAction = election.next(now: .seconds(at), wallTime: "w\(at)")
            #expect(Expected(action: Self.describe(lastAction), leads: election.isLeader) == row.expected[index], "\(row.rule), step \(index + 1)")
        }
    }

    @Test("a leader that stops gives the Lease up: no holder, one second; the rest kept")
    func release() {
        let held = Self.held(by: "me", transitions: 3)
        let released = LeaseElection.released(held, wallTime: "w9")
        #expect(released == Record(holderIdentity: "", leaseDurationSeconds: 1, acquireTime: "w0", renewTime: "w9", leaseTransitions: 3))
        // Given up, it is free at once for the next replica that reads it.
        var other = LeaseElection(identity: "other")
        other.observe(.found(released, resourceVersion: "12"), now: .seconds(100))
        #expect(other.next(now: .seconds(100), wallTime: "w10") == .update(Record(holderIdentity: "other", leaseDurationSeconds: 15, acquireTime: "w10", renewTime: "w10", leaseTransitions: 4), resourceVersion: "12"))
    }
}
