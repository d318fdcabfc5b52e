import MeridianLoad

/// Where an attached route is served: one listener, on these host names.
struct Placement: Hashable {
    var gateway: String
    var listenerName: String
    /// The Envoy listener's port (the Gateway's, moved by `--privileged-port-offset`).
    var port: Int
    var hostnames: [String]
    var programmed: Bool
    /// The listener's host name, `*` for none: requests are served by the most specific
    /// listener matching their host (listener isolation).
    var listenerHostname = "*"
    /// The port as the Gateway writes it, which redirects use.
    var gatewayPort = 80
    /// `http` or `https`: the scheme requests arrive with.
    var scheme = "http"
}

/// The attachment pass: which listeners of which Gateway each parentRef of a route reaches,
/// and on which host names; counts attached routes on the listeners.
enum RouteAttachment {
    enum Outcome {
        /// Placed on these listeners; `crossServing` says which other listeners refused it for
        /// a host name an HTTPRoute and a GRPCRoute would share.
        case attached(gateway: String, [Placement], crossServing: [String])
        case refused(reason: ConditionReason, message: String)
    }

    static func reference(_ parentRef: ParentReference, namespace: String) -> StatusReference {
        StatusReference(group: parentRef.group, kind: parentRef.kind, namespace: namespace, name: parentRef.name, sectionName: parentRef.sectionName, port: parentRef.port)
    }

    /// `listenerSets`: the ListenerSets Gateways accepted, each with its Gateway.
    static func attach(
        _ route: RouteSource,
        parentRef: ParentReference,
        parentNamespace: String,
        context: TranslationContext,
        listenerSets: [String: String],
        plans: inout [String: [PlannedListener]]
    ) -> Outcome {
        let parentName = "\(parentNamespace)/\(parentRef.name)"
        let owner: ListenerOwner
        let gatewayName: String
        switch (parentRef.group, parentRef.kind) {
        case (GatewayTranslator.gatewayGroup, Gateway.kind):
            guard context.gateways[parentName] != nil else {
                return .refused(reason: .noMatchingParent, message: "Gateway \(parentName) is not declared")
            }
            (owner, gatewayName) = (.gateway, parentName)
        case (GatewayTranslator.gatewayGroup, ListenerSet.kind):
            guard context.listenerSets[parentName] != nil else {
                return .refused(reason: .noMatchingParent, message: "ListenerSet \(parentName) is not declared")
            }
            guard let gateway = listenerSets[parentName] else {
                return .refused(reason: .noMatchingParent, message: "ListenerSet \(parentName) is not accepted by a Gateway")
            }
            (owner, gatewayName) = (.listenerSet(parentName), gateway)
        default:
            return .refused(reason: .noMatchingParent, message: "parent kind \(parentRef.group)/\(parentRef.kind) is not supported; only Gateway and ListenerSet")
        }
        let parentDescription = "\(parentRef.kind) \(parentName)"
        // Taken out of `plans` while it changes, so the listeners' growing arrays are not shared
        // with the dictionary's copy (a copy per attached route would make attachment quadratic).
        guard var listeners = plans.removeValue(forKey: gatewayName) else {
            return .refused(reason: .noMatchingParent, message: "Gateway \(gatewayName) is not accepted")
        }
        defer { plans[gatewayName] = listeners }
        // A Gateway parent is its own listeners; a ListenerSet parent, the listeners it adds.
        let candidates = listeners.indices.filter { index in
            let listener = listeners[index].listener
            if listeners[index].owner != owner { return false }
            if let section = parentRef.sectionName, listener.name != section { return false }
            if let port = parentRef.port, listener.port != port { return false }
            return true
        }
        guard !candidates.isEmpty else {
            var wanted: [String] = []
            if let section = parentRef.sectionName { wanted.append("named \"\(section)\"") }
            if let port = parentRef.port { wanted.append("on port \(port)") }
            return .refused(reason: .noMatchingParent, message: "\(parentDescription) has no listener \(wanted.joined(separator: " "))")
        }
        let routeNamespace = route.namespace
        var notAllowed: [String] = []
        var allowed: [Int] = []
        for index in candidates {
            let plan = listeners[index]
            if !plan.acceptsRoutes {
                notAllowed.append("listener \(plan.listener.name) is not accepted (\(plan.refusal ?? "invalid"))")
            } else if !plan.allowedKinds.contains(route.kind) {
                notAllowed.append("listener \(plan.listener.name) does not allow \(route.kind.rawValue)")
            } else if plan.listener.protocol != .http && plan.listener.protocol != .https {
                notAllowed.append("listener \(plan.listener.name) speaks \(plan.listener.protocol)")
            } else if let refusal = namespaceRefusal(plan.listener, ownerNamespace: plan.ownerNamespace, routeNamespace: routeNamespace, context: context) {
                notAllowed.append("listener \(plan.listener.name) \(refusal)")
            } else {
                allowed.append(index)
            }
        }
        guard !allowed.isEmpty else {
            return .refused(reason: .notAllowedByListeners, message: notAllowed.joined(separator: "; "))
        }
        var placements: [Placement] = []
        var crossServing: [String] = []
        for index in allowed {
            // No copy of the plan is held across the append below: a second reference to its
            // arrays would make each append copy them (quadratic in attached routes).
            let (placement, conflicts) = placement(of: route, on: listeners[index], gateway: gatewayName)
            guard let placement else { continue }
            if !conflicts.isEmpty {
                crossServing.append("listener \(listeners[index].listener.name) already serves \(conflicts.joined(separator: " and ")): an HTTPRoute and a GRPCRoute may not share a host name, and the older route keeps it")
                continue
            }
            listeners[index].attachedRoutes += 1
            listeners[index].attachedHostnames[route.kind, default: []].append((route.qualifiedName, placement.hostnames))
            placements.append(placement)
        }
        guard !placements.isEmpty else {
            if !crossServing.isEmpty {
                return .refused(reason: .notAllowedByListeners, message: crossServing.joined(separator: "; "))
            }
            let listenerHosts = allowed.map { "\(listeners[$0].listener.name): \(listeners[$0].listener.hostname ?? "*")" }.joined(separator: ", ")
            return .refused(reason: .noMatchingListenerHostname, message: "route host names \(route.hostnames.joined(separator: ", ")) match no listener host name (\(listenerHosts))")
        }
        return .attached(gateway: gatewayName, placements, crossServing: crossServing)
    }

    /// Where `route` would be placed on one listener, and the routes of the other kind already
    /// serving one of its host names there (cross serving: on one listener, an HTTPRoute and a
    /// GRPCRoute may not share a host name; the one attached first, the older, keeps it).
    private static func placement(of route: RouteSource, on plan: PlannedListener, gateway: String) -> (Placement?, conflicts: [String]) {
        let hostnames = HostnameIntersection.intersect(listener: plan.listener.hostname, route: route.hostnames)
        guard !hostnames.isEmpty else { return (nil, []) }
        let conflicts = plan.attachedHostnames.filter { $0.key != route.kind }.sorted { $0.key.rawValue < $1.key.rawValue }.flatMap { kind, others in
            others.compactMap { other in
                let shared = HostnameIntersection.shared(other.hostnames, hostnames)
                return shared.isEmpty ? nil : "\(kind.rawValue) \(other.route) on \(shared.joined(separator: ", "))"
            }
        }
        let placement = Placement(
            gateway: gateway, listenerName: plan.qualifiedName, port: plan.port, hostnames: hostnames, programmed: plan.programmable,
            listenerHostname: plan.listener.hostname ?? "*", gatewayPort: plan.listener.port, scheme: plan.listener.protocol == .https ? "https" : "http"
        )
        return (placement, conflicts)
    }

    private static func namespaceRefusal(_ listener: MeridianLoad.Listener, ownerNamespace gatewayNamespace: String, routeNamespace: String, context: TranslationContext) -> String? {
        switch listener.allowedRoutes.namespaces.from {
        case .all:
            return nil
        case .same:
            return routeNamespace == gatewayNamespace ? nil : "allows routes from namespace \(gatewayNamespace) only, not \(routeNamespace)"
        case .selector:
            let selector = listener.allowedRoutes.namespaces.selector ?? LabelSelector()
            let labels = Namespace.labels(of: routeNamespace, declared: context.namespaces)
            guard !selector.matches(labels) else { return nil }
            let shown = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let declared = context.namespaces[routeNamespace] == nil ? " (not declared, so only its name label)" : ""
            return "selects route namespaces by labels \(selector.description); namespace \(routeNamespace) has \(shown)\(declared)"
        }
    }
}
