import MeridianIR
import MeridianLoad

/// Compiles each route once, attaches it to its parents, merges the policies in effect for
/// each placement, and hands the resulting Envoy routes and clusters to assembly.
struct RoutePlacement {
    let context: TranslationContext
    var assembly = ProxyAssembly()
    /// Merged backend settings, per Gateway and backend, computed once.
    private var backendSettings: [String: [BackendKey: BackendSettings]] = [:]
    /// The last build's route translations (see `TranslationMemo`), and this build's, kept
    /// only when a memo is in use.
    var previous: [String: TranslationMemo.Entry] = [:]
    var recorded: [String: TranslationMemo.Entry]?
    private(set) var memoHits = 0
    /// Route host names whose placed routes may differ from the last build's (see
    /// `ListenerIsolation.HostMemo.changedHostnames`); nil when the last build's routes are
    /// not known (no memo, or anything but routes changed).
    private(set) var changedHostnames: Set<String>?

    /// Starts from the last build's route translations.
    mutating func reuse(_ entries: [String: TranslationMemo.Entry]) {
        previous = entries
        recorded = [:]
        changedHostnames = entries.isEmpty ? nil : []
    }

    /// Adds the host names of routes the last build placed and this one did not visit
    /// (deleted, or no longer attached): call after every route was translated.
    mutating func finishChangedHostnames() {
        guard changedHostnames != nil, let recorded else { return }
        for (name, entry) in previous where recorded[name] == nil {
            for placement in entry.placed { changedHostnames?.formUnion(placement.hostnames) }
        }
    }

    init(context: TranslationContext) {
        self.context = context
    }

    mutating func translate(_ route: RouteSource, key: TranslationMemo.RouteKey? = nil, listeners: inout ListenerPlanning, policies: inout PolicyAttachment) -> ResourceStatus {
        let namespace = route.namespace
        let name = key?.name
        let reused = name.flatMap { previous[$0] }.flatMap { $0.route == key ? $0 : nil }
        var problems = reused?.problems ?? RuleProblems()
        let rules = reused?.rules ?? route.rules.enumerated().map { index, rule in
            RuleCompilation.compile(rule, ruleIndex: index, kind: route.kind, namespace: namespace, context: context, policies: policies, problems: &problems)
        }
        if reused != nil { memoHits += 1 }
        var placedNow: [Placement: TranslationMemo.Placed] = [:]
        var placedKeys: [Placement] = []
        defer {
            if let key, let name, recorded != nil {
                recorded?[name] = TranslationMemo.Entry(route: key, rules: rules, problems: problems, placements: placedNow, placed: placedKeys)
            }
            // What the route had last build and not now: a changed route's old placements,
            // and placements it no longer has (or that were made afresh).
            if changedHostnames != nil, let name, let before = previous[name] {
                for placement in before.placed where reused == nil || placedNow[placement] == nil {
                    changedHostnames?.formUnion(placement.hostnames)
                }
            }
        }
        var status = ResourceStatus(kind: route.kind.rawValue, namespace: route.metadata.namespace, name: route.metadata.name, location: route.location)
        status.generation = route.metadata.generation
        status.apiVersion = route.apiVersion
        for parentRef in route.parentRefs {
            let parentNamespace = parentRef.namespace ?? namespace
            let controller = context.gateway(of: parentRef, namespace: parentNamespace).flatMap { context.classes[$0.spec.gatewayClassName]?.spec.controllerName }
            var parent = ParentStatus(reference: RouteAttachment.reference(parentRef, namespace: parentNamespace), controllerName: controller, conditions: [])
            switch RouteAttachment.attach(route, parentRef: parentRef, parentNamespace: parentNamespace, context: context, listenerSets: listeners.listenerSetGateways, plans: &listeners.plans) {
            case .refused(let reason, let message):
                parent.conditions.append(Condition(.accepted, false, reason: reason, message: message))
            case .attached(_, let placements, let crossServing):
                let refusedElsewhere = crossServing.isEmpty ? "" : "; not attached where " + crossServing.joined(separator: "; ")
                parent.conditions.append(Condition(.accepted, true, reason: .accepted, message: "attached to \(placements.map(\.listenerName).uniqued().joined(separator: ", "))\(refusedElsewhere)"))
                for placement in placements where placement.programmed {
                    placedKeys.append(placement)
                    if let placed = reused?.placements[placement] {
                        replay(placed, on: placement, policies: &policies)
                        placedNow[placement] = placed
                    } else {
                        changedHostnames?.formUnion(placement.hostnames)
                        if let placed = place(route, rules: rules, on: placement, policies: &policies) {
                            placedNow[placement] = placed
                        }
                    }
                }
            }
            if let first = problems.unresolvedBackends.first {
                parent.conditions.append(Condition(.resolvedRefs, false, reason: first.reason, message: problems.unresolvedBackends.map(\.message).joined(separator: "; ")))
            } else {
                parent.conditions.append(Condition(.resolvedRefs, true, reason: .resolvedRefs, message: "every backend reference resolved"))
            }
            if !problems.unsupported.isEmpty {
                parent.conditions.append(Condition(.partiallyInvalid, true, reason: .unsupportedValue, message: problems.unsupported.joined(separator: "; ")))
            }
            status.parents.append(parent)
        }
        return status
    }

    /// Does again what placing a route did in the last build (see `TranslationMemo`).
    private mutating func replay(_ placed: TranslationMemo.Placed, on placement: Placement, policies: inout PolicyAttachment) {
        guard let gateway = context.gateways[placement.gateway] else { return }
        for (backend, cluster) in placed.clusters {
            // Asked again for what it records in the policy ledger (computed once per backend).
            _ = settings(for: backend, gateway: gateway, policies: &policies)
            assembly.add(cluster, gateway: placement.gateway)
        }
        for (route, precedence) in placed.routes {
            assembly.place(route, precedence: precedence, on: placement)
        }
    }

    /// Puts every rule of an attached route on the placement, one Envoy route per match,
    /// with the policies in effect there. Returns what it did, for `TranslationMemo`, unless a
    /// policy took part (its ledger records must be made again on every build).
    private mutating func place(_ route: RouteSource, rules: [CompiledRule], on placement: Placement, policies: inout PolicyAttachment) -> TranslationMemo.Placed? {
        guard let gateway = context.gateways[placement.gateway] else { return nil }
        var placed = TranslationMemo.Placed()
        var fromPolicies = false
        for (ruleIndex, rule) in route.rules.enumerated() {
            let compiled = rules[ruleIndex]
            var backendSide = RouteSettings()
            for (backend, cluster) in compiled.mirrorClusters {
                var cluster = cluster
                apply(settings(for: backend, gateway: gateway, policies: &policies), to: &cluster)
                assembly.add(cluster, gateway: placement.gateway)
                placed.clusters.append((backend, cluster))
            }
            for (backend, cluster) in compiled.clusters {
                let settings = settings(for: backend, gateway: gateway, policies: &policies)
                var cluster = cluster
                apply(settings, to: &cluster)
                assembly.add(cluster, gateway: placement.gateway)
                placed.clusters.append((backend, cluster))
                // What a backend asks of the routes sending to it: the first backend's, in rule order.
                backendSide.sessionPersistence = backendSide.sessionPersistence ?? settings.sessionPersistence
                backendSide.hashPolicies = backendSide.hashPolicies ?? settings.hashPolicies
            }
            let (merged, gatewayRateLimit, ruleFromPolicies) = policies.routeSettings(
                route: route, ruleName: rule.name, placement: placement,
                own: compiled.ownSettings, extensionPolicies: compiled.extensionPolicies, backendSide: backendSide
            )
            fromPolicies = fromPolicies || ruleFromPolicies
            if let gatewayRateLimit { assembly.setListenerRateLimit(gatewayRateLimit, gateway: placement.gateway, port: placement.port) }
            // Every match of the rule counts under the rule's name: dashboards show rules, not matches.
            let ruleName = "\(route.kind == .grpc ? "grpc:" : "")\(route.qualifiedName)/rule\(ruleIndex)"
            for (matchIndex, (match, specificity)) in rule.matches.enumerated() {
                var irRoute = Route(
                    name: "\(ruleName)/match\(matchIndex)",
                    match: match, action: RedirectPorts.action(compiled.action, on: placement),
                    requestHeaders: compiled.requestHeaders, responseHeaders: compiled.responseHeaders, rewrite: compiled.rewrite,
                    unresolvedBackendStatus: RuleCompilation.unusableBackendStatus(route.kind),
                    mirrors: compiled.mirrors, cors: compiled.cors, statPrefix: ruleName
                )
                merged.apply(to: &irRoute)
                if route.kind == .grpc, irRoute.timeout == nil {
                    // Streams may last: unless a policy sets a timeout, the call's own deadline
                    // (grpc-timeout) instead of Envoy's default route timeout of 15 s.
                    irRoute.honorsGRPCTimeout = true
                }
                let precedence = RoutePrecedence(specificity: specificity, route: route, ruleIndex: ruleIndex, matchIndex: matchIndex)
                assembly.place(irRoute, precedence: precedence, on: placement)
                placed.routes.append((irRoute, precedence))
            }
        }
        return fromPolicies ? nil : placed
    }

    private mutating func settings(for backend: BackendKey, gateway: Gateway, policies: inout PolicyAttachment) -> BackendSettings {
        if let cached = backendSettings[gateway.qualifiedName]?[backend] { return cached }
        let merged = policies.backendSettings(backend, gateway: gateway)
        backendSettings[gateway.qualifiedName, default: [:]][backend] = merged
        return merged
    }

    /// Backend settings on a cluster, and a fallback Service's endpoints at priority 1.
    private func apply(_ settings: BackendSettings, to cluster: inout Cluster) {
        settings.apply(to: &cluster)
        guard let failover = settings.failover, let service = context.services["\(failover.namespace)/\(failover.name)"],
              let port = service.spec.ports.first(where: { failover.port == nil || $0.port == failover.port })
        else { return }
        let fallback: [MeridianIR.Endpoint]
        switch BackendResolution.discovery(for: service, port: port, context: context) {
        case .endpoints(let endpoints), .dns(let endpoints): fallback = endpoints
        }
        let demoted = fallback.map { MeridianIR.Endpoint(address: $0.address, port: $0.port, ready: $0.ready, priority: 1) }
        switch cluster.discovery {
        case .endpoints(let endpoints): cluster.discovery = .endpoints(endpoints + demoted)
        case .dns(let endpoints): cluster.discovery = .dns(endpoints + demoted)
        }
        if cluster.outlierDetection == nil && cluster.healthChecks.isEmpty {
            // Without a health signal Envoy never fails over: eject endpoints that keep failing.
            cluster.outlierDetection = OutlierDetection(consecutive5xx: 3, interval: .seconds(5), baseEjectionTime: .seconds(30), maxEjectionPercent: 100)
        }
    }
}
