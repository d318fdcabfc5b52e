import MeridianLoad

extension BackendTLSPolicies {
    /// One status per BackendTLSPolicy. Its ancestors are the Gateways whose routes send to a
    /// Service port it targets (as the Gateway API's conformance tests expect); with none, the
    /// policy itself.
    func statuses(_ context: TranslationContext) -> [ResourceStatus] {
        entries.indices.map { index in
            let entry = entries[index]
            let identity = entry.identity
            var status = ResourceStatus(kind: identity.kind, namespace: identity.namespace, name: identity.name, location: identity.location)
            status.isPolicy = true
            status.generation = identity.generation
            status.apiVersion = identity.apiVersion
            let conditions = conditions(of: index)
            var ancestors = self.ancestors(of: entry, context: context).map(StatusReference.gateway)
            if ancestors.isEmpty {
                ancestors = [StatusReference(group: GatewayTranslator.gatewayGroup, kind: identity.kind, namespace: identity.namespace, name: identity.name)]
            }
            status.parents = ancestors.map { ancestor in
                let gateway = ancestor.kind == "Gateway" ? context.gateways["\(ancestor.namespace ?? "default")/\(ancestor.name)"] : nil
                let controller = gateway.flatMap { context.classes[$0.spec.gatewayClassName]?.spec.controllerName }
                return ParentStatus(reference: ancestor, controllerName: controller, conditions: conditions)
            }
            return status
        }
    }

    /// The `Accepted` and `ResolvedRefs` conditions of a policy (the same for every ancestor).
    private func conditions(of index: Int) -> [Condition] {
        let entry = entries[index]
        var missing: [String] = []
        for target in entry.policy.spec.targetRefs {
            if !target.group.isEmpty || target.kind != "Service" {
                let kind = target.group.isEmpty ? target.kind : "\(target.group)/\(target.kind)"
                missing.append("\(kind) \(target.name) is not a Service, the only kind a BackendTLSPolicy applies to")
            }
        }
        if let lost = conflicts[index] {
            let message = "a target is already given TLS by the older " + lost.uniqued().joined(separator: ", ")
            return [Condition(.accepted, false, reason: .conflicted, message: message), resolved(entry.outcome)]
        }
        switch entry.outcome {
        case .invalid(let problem):
            return [Condition(.accepted, false, reason: .invalid, message: problem)]
        case .unresolved(let reason, let message, let noneValid):
            let accepted = noneValid
                ? Condition(.accepted, false, reason: .noValidCACertificate, message: "no CA certificate reference is usable; connections to the targets fail")
                : Condition(.accepted, true, reason: .accepted, message: "connections to the targets fail while a CA certificate reference is unusable")
            return [accepted, Condition(.resolvedRefs, false, reason: reason, message: message)]
        case .tls(let tls):
            var message = "TLS to the targets with SNI \(tls.serverName)"
            if !missing.isEmpty { message += "; ignored: " + missing.joined(separator: "; ") }
            return [Condition(.accepted, true, reason: .accepted, message: message), resolved(entry.outcome)]
        }
    }

    private func resolved(_ outcome: Outcome) -> Condition {
        switch outcome {
        case .unresolved(let reason, let message, _): Condition(.resolvedRefs, false, reason: reason, message: message)
        default: Condition(.resolvedRefs, true, reason: .resolvedRefs, message: "CA certificates resolved")
        }
    }

    /// Gateways (`ns/name`, sorted) a route sending to one of the policy's target ports names as parent.
    private func ancestors(of entry: Entry, context: TranslationContext) -> [String] {
        let namespace = entry.identity.namespace ?? "default"
        let targets = entry.policy.spec.targetRefs.filter { $0.group.isEmpty && $0.kind == "Service" }
        func targeted(_ reference: BackendObjectReference, routeNamespace: String) -> Bool {
            guard reference.group.isEmpty, reference.kind == "Service", (reference.namespace ?? routeNamespace) == namespace,
                  let service = context.services["\(namespace)/\(reference.name)"] else { return false }
            let portName = service.spec.ports.first { $0.port == reference.port }?.name
            return targets.contains { $0.name == reference.name && ($0.sectionName == nil || $0.sectionName == portName) }
        }
        var gateways: Set<String> = []
        func visit(metadata: ObjectMeta, parents: [ParentReference], backends: [BackendObjectReference]) {
            let routeNamespace = metadata.namespace ?? "default"
            guard backends.contains(where: { targeted($0, routeNamespace: routeNamespace) }) else { return }
            for parent in parents where parent.group == GatewayTranslator.gatewayGroup && parent.kind == "Gateway" {
                let qualified = "\(parent.namespace ?? routeNamespace)/\(parent.name)"
                if context.gateways[qualified] != nil { gateways.insert(qualified) }
            }
        }
        for route in context.input.httpRoutes {
            visit(metadata: route.metadata, parents: route.spec.parentRefs, backends: route.spec.rules.flatMap { $0.backendRefs.map(\.reference) })
        }
        for route in context.input.grpcRoutes {
            visit(metadata: route.metadata, parents: route.spec.parentRefs, backends: route.spec.rules.flatMap { $0.backendRefs.map(\.reference) })
        }
        return gateways.sorted()
    }
}
