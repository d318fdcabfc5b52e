import MeridianLoad

/// Which ListenerSets add listeners to an accepted Gateway: those whose `parentRef` names it
/// and whose namespace its `spec.allowedListeners` allows, in the precedence the spec gives
/// (oldest first by `creationTimestamp`, then by `namespace/name`; files usually have no
/// timestamps, so the name decides). The others are refused as a whole, with the reason.
enum ListenerSetAdmission {
    /// The ListenerSets the Gateway takes, in precedence order; refused ones get their status.
    static func admit(to gateway: Gateway, context: TranslationContext, refused: inout [String: ResourceStatus]) -> [ListenerSet] {
        var admitted: [ListenerSet] = []
        for set in context.input.listenerSets where names(set, gateway) {
            if let problem = refusal(of: set, by: gateway, context: context) {
                refused[set.qualifiedName] = refusedStatus(set, reason: .notAllowed, problem)
            } else {
                admitted.append(set)
            }
        }
        return admitted.sorted { ($0.metadata.creationTimestamp ?? "~", $0.qualifiedName) < ($1.metadata.creationTimestamp ?? "~", $1.qualifiedName) }
    }

    /// Status for every ListenerSet whose parent is not an accepted Gateway.
    static func refuseOrphans(context: TranslationContext, acceptedGateways: Set<String>, refused: inout [String: ResourceStatus]) {
        for set in context.input.listenerSets where refused[set.qualifiedName] == nil {
            let parent = set.spec.parentRef
            let gateway = "\(parent.namespace ?? set.metadata.namespace ?? "default")/\(parent.name)"
            if parent.group != GatewayTranslator.gatewayGroup || parent.kind != Gateway.kind {
                let kind = parent.group.isEmpty ? parent.kind : "\(parent.group)/\(parent.kind)"
                refused[set.qualifiedName] = refusedStatus(set, reason: .invalid, "spec.parentRef: \(kind) is not a kind listeners can be added to; only \(GatewayTranslator.gatewayGroup)/Gateway")
            } else if context.gateways[gateway] == nil {
                refused[set.qualifiedName] = refusedStatus(set, reason: .parentNotAccepted, "Gateway \(gateway) is not declared")
            } else if !acceptedGateways.contains(gateway) {
                refused[set.qualifiedName] = refusedStatus(set, reason: .parentNotAccepted, "Gateway \(gateway) is not accepted")
            }
        }
    }

    /// The status of a ListenerSet before its conditions are known.
    static func status(of set: ListenerSet) -> ResourceStatus {
        var status = ResourceStatus(kind: ListenerSet.kind, namespace: set.metadata.namespace, name: set.metadata.name, location: set.location)
        status.generation = set.metadata.generation
        status.apiVersion = set.apiVersion
        return status
    }

    private static func refusedStatus(_ set: ListenerSet, reason: ConditionReason, _ message: String) -> ResourceStatus {
        var status = status(of: set)
        status.conditions = [Condition(.accepted, false, reason: reason, message: message), Condition(.programmed, false, reason: reason, message: message)]
        return status
    }

    /// Whether the ListenerSet's `parentRef` names this Gateway.
    private static func names(_ set: ListenerSet, _ gateway: Gateway) -> Bool {
        let parent = set.spec.parentRef
        return parent.group == GatewayTranslator.gatewayGroup && parent.kind == Gateway.kind
            && "\(parent.namespace ?? set.metadata.namespace ?? "default")/\(parent.name)" == gateway.qualifiedName
    }

    /// Why the Gateway's `spec.allowedListeners` does not take the ListenerSet, or nil.
    private static func refusal(of set: ListenerSet, by gateway: Gateway, context: TranslationContext) -> String? {
        let allowed = gateway.spec.allowedListeners
        let namespace = set.metadata.namespace ?? "default"
        let gatewayNamespace = gateway.metadata.namespace ?? "default"
        switch allowed.from {
        case .none:
            return "Gateway \(gateway.qualifiedName) allows no ListenerSets (spec.allowedListeners.namespaces.from is None, the default)"
        case .all:
            return nil
        case .same:
            return namespace == gatewayNamespace ? nil : "Gateway \(gateway.qualifiedName) allows ListenerSets from namespace \(gatewayNamespace) only, not \(namespace)"
        case .selector:
            let selector = allowed.selector ?? LabelSelector()
            let labels = Namespace.labels(of: namespace, declared: context.namespaces)
            guard !selector.matches(labels) else { return nil }
            let shown = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            return "Gateway \(gateway.qualifiedName) selects ListenerSet namespaces by labels \(selector.description); namespace \(namespace) has \(shown)"
        }
    }
}
