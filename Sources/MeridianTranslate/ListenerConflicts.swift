/// Conflicts between the listeners of one Gateway, its own and its ListenerSets': listeners
/// that share a port must share a protocol and differ in host name (one Envoy listener per
/// port, one filter chain or virtual host set per host name).
///
/// Owners are taken in precedence order (the Gateway, then its ListenerSets oldest first,
/// then by `namespace/name`), as the ListenerSet spec asks: a listener that conflicts with an
/// earlier owner's listener loses, and the earlier one keeps working. Within one owner no
/// listener is picked as the winner of a protocol conflict: all of them are refused, as the
/// Gateway spec asks (identical port, protocol and host name within one owner is refused when
/// loading).
enum ListenerConflicts {
    static func mark(_ plans: inout [PlannedListener]) {
        var owners: [ListenerOwner] = []
        for plan in plans where !owners.contains(plan.owner) { owners.append(plan.owner) }
        // A listener whose port is unusable takes no part in conflicts.
        let usable = plans.indices.filter { plans[$0].port <= 65_535 }
        for port in Set(usable.map { plans[$0].port }).sorted() {
            var established: (protocol: String, listener: String)?
            var hostnames: [String: String] = [:]
            for owner in owners {
                let indices = usable.filter { plans[$0].port == port && plans[$0].owner == owner }
                guard !indices.isEmpty else { continue }
                var contenders = indices
                if let established {
                    for index in indices where plans[index].listener.protocol.rawValue != established.protocol {
                        conflict(&plans[index], .protocolConflict, "port \(port) is already used with protocol \(established.protocol) by listener \(established.listener)")
                    }
                    contenders = indices.filter { plans[$0].listener.protocol.rawValue == established.protocol }
                } else {
                    let protocols = Set(indices.map { plans[$0].listener.protocol.rawValue })
                    if protocols.count > 1 {
                        for index in indices {
                            conflict(&plans[index], .protocolConflict, "port \(port) is used with protocols \(protocols.sorted().joined(separator: ", "))")
                        }
                        continue
                    }
                    established = (protocols.first!, plans[indices[0]].qualifiedName)
                }
                for index in contenders {
                    let hostname = plans[index].listener.hostname ?? "*"
                    if let first = hostnames[hostname] {
                        conflict(&plans[index], .hostnameConflict, "listener \(first) already serves host \(hostname) on port \(port)")
                    } else {
                        hostnames[hostname] = plans[index].qualifiedName
                    }
                }
            }
        }
        for index in plans.indices where !plans[index].conditions.contains(where: { $0.type == .conflicted }) {
            plans[index].conditions.insert(Condition(.conflicted, false, reason: .noConflicts), at: min(2, plans[index].conditions.count))
        }
    }

    /// A conflicted listener is neither accepted nor programmed, whatever else was found.
    private static func conflict(_ plan: inout PlannedListener, _ reason: ConditionReason, _ message: String) {
        plan.programmable = false
        plan.acceptsRoutes = false
        plan.refusal = message
        plan.conditions.removeAll { $0.type == .accepted || $0.type == .programmed }
        plan.conditions.insert(Condition(.accepted, false, reason: reason, message: message), at: 0)
        plan.conditions.append(Condition(.conflicted, true, reason: reason, message: message))
        plan.conditions.append(Condition(.programmed, false, reason: reason, message: message))
    }
}
