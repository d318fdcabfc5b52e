/// What happened to each policy's fields, per ancestor (the Gateway it takes effect
/// through): the raw material of policy status.
struct PolicyLedger {
    struct Loss: Hashable {
        var field: String
        var winner: String
        var sameLevel: Bool
    }

    struct Record {
        var applied: Set<String> = []
        var lost: Set<Loss> = []
        var partners: Set<String> = []
    }

    /// Policy → ancestor → record.
    private(set) var records: [PolicyIdentity: [StatusReference: Record]] = [:]

    /// One contribution to a merge: who set which fields, at which level.
    struct Contribution<Settings: PolicySettings> {
        /// Nil for the HTTPRoute's own fields, which are not a policy.
        var policy: PolicyIdentity?
        var level: AttachmentLevel
        var settings: Settings
        var describedAs: String { policy.map { "\($0) (\(level))" } ?? level.description }
    }

    /// Merges contributions field by field: higher level first, then oldest; records who won.
    /// Returns the merged settings and the level each set field came from.
    mutating func merge<Settings: PolicySettings>(_ contributions: [Contribution<Settings>], ancestor: StatusReference) -> (settings: Settings, levels: [String: AttachmentLevel]) {
        // Most rules have no policy at all, or only their own fields: nothing to rank or record.
        if contributions.allSatisfy({ $0.policy == nil }), contributions.lazy.filter({ !$0.settings.isEmpty }).count <= 1 {
            var result = Settings()
            var levels: [String: AttachmentLevel] = [:]
            if let only = contributions.first(where: { !$0.settings.isEmpty }) {
                for field in Settings.fields where field.isSet(only.settings) {
                    field.copy(only.settings, &result)
                    levels[field.name] = only.level
                }
            }
            return (result, levels)
        }
        let ordered = contributions.filter { !$0.settings.isEmpty }.sorted { lhs, rhs in
            if lhs.level != rhs.level { return lhs.level > rhs.level }
            switch (lhs.policy, rhs.policy) {
            case let (left?, right?): return left < right
            case (nil, _): return true
            case (_, nil): return false
            }
        }
        var result = Settings()
        var winners: [String: Contribution<Settings>] = [:]
        let names = Set(ordered.compactMap { $0.policy?.description })
        for contribution in ordered {
            if let policy = contribution.policy {
                records[policy, default: [:]][ancestor, default: Record()].partners.formUnion(names.subtracting([policy.description]))
            }
            for field in Settings.fields where field.isSet(contribution.settings) {
                if let winner = winners[field.name] {
                    if let policy = contribution.policy {
                        let loss = Loss(field: field.name, winner: winner.describedAs, sameLevel: winner.level == contribution.level)
                        records[policy, default: [:]][ancestor, default: Record()].lost.insert(loss)
                    }
                } else {
                    field.copy(contribution.settings, &result)
                    winners[field.name] = contribution
                    if let policy = contribution.policy {
                        records[policy, default: [:]][ancestor, default: Record()].applied.insert(field.name)
                    }
                }
            }
        }
        return (result, winners.mapValues(\.level))
    }

    /// The ancestor conditions of a policy that attached somewhere.
    func conditions(for policy: PolicyIdentity) -> [(ancestor: StatusReference, condition: Condition)] {
        (records[policy] ?? [:]).keys.sorted().map { ancestor in
            let record = records[policy]![ancestor]!
            let lost = record.lost
            let lossText = lost.sorted { ($0.field, $0.winner) < ($1.field, $1.winner) }
                .map { "\($0.field) is set by \($0.winner)" }.joined(separator: "; ")
            if record.applied.isEmpty {
                // Nothing of it is in effect here: a peer at the same level won (Conflicted), or a more specific one did.
                let reason: ConditionReason = lost.allSatisfy(\.sameLevel) ? .conflicted : .overridden
                return (ancestor, Condition(.accepted, false, reason: reason, message: lossText))
            }
            let applied = record.applied.sorted().joined(separator: ", ")
            if !lost.isEmpty {
                return (ancestor, Condition(.accepted, true, reason: .merged, message: "in effect: \(applied); not in effect: \(lossText)"))
            }
            if !record.partners.isEmpty {
                return (ancestor, Condition(.accepted, true, reason: .merged, message: "in effect: \(applied); merged with \(record.partners.sorted().joined(separator: ", "))"))
            }
            return (ancestor, Condition(.accepted, true, reason: .attached, message: "in effect: \(applied)"))
        }
    }
}
