import MeridianIR
import MeridianLoad

/// How Gateway API resources become proxy configurations.
public struct TranslationOptions: Sendable, Hashable {
    /// The DNS suffix of Services that have no EndpointSlices: `<name>.<namespace>.svc.<domain>`.
    public var clusterDomain = "cluster.local"
    /// The address Envoy listeners bind.
    public var listenerAddress = "0.0.0.0"
    /// Added to every Gateway listener port below 1024, so an unprivileged Envoy can bind it (80 → 8080 with 8000).
    public var privilegedPortOffset = 0
    /// GatewayClass controller names Meridian serves; nil serves every GatewayClass.
    public var controllerNames: Set<String>?
    public var connectTimeout: Duration = .seconds(5)

    public init() {}
}

/// What the translator reads.
public struct TranslationInput: Sendable {
    public var gatewayClasses: [GatewayClass]
    public var gateways: [Gateway]
    public var httpRoutes: [HTTPRoute]
    public var services: [Service]
    public var endpointSlices: [EndpointSlice]
    public var referenceGrants: [ReferenceGrant]

    public init(
        gatewayClasses: [GatewayClass] = [],
        gateways: [Gateway] = [],
        httpRoutes: [HTTPRoute] = [],
        services: [Service] = [],
        endpointSlices: [EndpointSlice] = [],
        referenceGrants: [ReferenceGrant] = []
    ) {
        self.gatewayClasses = gatewayClasses
        self.gateways = gateways
        self.httpRoutes = httpRoutes
        self.services = services
        self.endpointSlices = endpointSlices
        self.referenceGrants = referenceGrants
    }
}

extension TranslationInput {
    /// Everything the loader produced that the translator reads.
    public init(_ loaded: LoadedConfiguration) {
        self.init(
            gatewayClasses: loaded.gatewayClasses,
            gateways: loaded.gateways,
            httpRoutes: loaded.httpRoutes,
            services: loaded.services,
            endpointSlices: loaded.endpointSlices,
            referenceGrants: loaded.referenceGrants
        )
    }
}

/// What the translator produces: one configuration per Gateway, and a status for every input.
public struct Translation: Sendable {
    /// One per accepted Gateway, keyed by its proxy group `<namespace>/<name>`, sorted.
    public var proxies: [ProxyConfiguration]
    /// GatewayClasses, Gateways, then HTTPRoutes, each sorted by namespace/name.
    public var statuses: [ResourceStatus]
}

/// Translates Gateway API resources into proxy configurations. Pure and deterministic.
public enum GatewayTranslator {
    public static let gatewayGroup = "gateway.networking.k8s.io"

    /// Runs the passes in order: listeners, rules and backends, attachment, assembly, status.
    public static func translate(_ input: TranslationInput, options: TranslationOptions = TranslationOptions()) -> Translation {
        let context = TranslationContext(input: input, options: options)
        var listeners = ListenerPlanning(context)
        var assembly = ProxyAssembly()
        let routes = input.httpRoutes.sorted {
            ($0.metadata.creationTimestamp ?? "~", $0.qualifiedName) < ($1.metadata.creationTimestamp ?? "~", $1.qualifiedName)
        }
        let routeStatuses = routes.map { route in
            translateRoute(route, context: context, plans: &listeners.plans, assembly: &assembly)
        }

        var proxies: [ProxyConfiguration] = []
        var gatewayStatuses: [ResourceStatus] = []
        for gateway in input.gateways.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            gatewayStatuses.append(listeners.finishedStatus(of: gateway))
            guard let planned = listeners.plans[gateway.qualifiedName], planned.contains(where: \.programmable) else { continue }
            let ports = Set(planned.filter(\.programmable).map(\.port)).sorted()
            proxies.append(assembly.configuration(for: gateway, ports: ports, listenerAddress: options.listenerAddress))
        }
        return Translation(proxies: proxies, statuses: listeners.classStatuses + gatewayStatuses + routeStatuses)
    }

    /// Compiles a route's rules once, attaches it to each parent and places its rules there.
    private static func translateRoute(
        _ route: HTTPRoute,
        context: TranslationContext,
        plans: inout [String: [PlannedListener]],
        assembly: inout ProxyAssembly
    ) -> ResourceStatus {
        let namespace = route.metadata.namespace ?? "default"
        var problems = RuleProblems()
        let rules = route.spec.rules.enumerated().map { index, rule in
            RuleCompilation.compile(rule, ruleIndex: index, namespace: namespace, context: context, problems: &problems)
        }
        var status = ResourceStatus(kind: "HTTPRoute", namespace: route.metadata.namespace, name: route.metadata.name, location: route.location)
        for parentRef in route.spec.parentRefs {
            let parentNamespace = parentRef.namespace ?? namespace
            var parent = ParentStatus(parent: RouteAttachment.describe(parentRef, namespace: parentNamespace), conditions: [])
            switch RouteAttachment.attach(route, parentRef: parentRef, parentNamespace: parentNamespace, context: context, plans: &plans) {
            case .refused(let reason, let message):
                parent.conditions.append(Condition(.accepted, false, reason: reason, message: message))
            case .attached(_, let placements):
                parent.conditions.append(Condition(.accepted, true, reason: .accepted, message: "attached to \(placements.map(\.listenerName).uniqued().joined(separator: ", "))"))
                for placement in placements where placement.programmed {
                    place(route, rules: rules, on: placement, assembly: &assembly)
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

    /// Puts every rule of an attached route on the placement, one Envoy route per match.
    private static func place(_ route: HTTPRoute, rules: [CompiledRule], on placement: Placement, assembly: inout ProxyAssembly) {
        for (ruleIndex, rule) in route.spec.rules.enumerated() {
            let compiled = rules[ruleIndex]
            for cluster in compiled.clusters { assembly.add(cluster, gateway: placement.gateway) }
            let matches = rule.matches.isEmpty ? [HTTPRouteMatch.matchEverything] : rule.matches
            for (matchIndex, match) in matches.enumerated() {
                let irRoute = Route(
                    name: "\(route.qualifiedName)/rule\(ruleIndex)/match\(matchIndex)",
                    match: RuleCompilation.irMatch(match), action: compiled.action, timeout: compiled.timeout, retry: compiled.retry,
                    requestHeaders: compiled.requestHeaders, responseHeaders: compiled.responseHeaders, rewrite: compiled.rewrite
                )
                let precedence = RoutePrecedence(match: match, route: route, ruleIndex: ruleIndex, matchIndex: matchIndex)
                assembly.place(irRoute, precedence: precedence, on: placement)
            }
        }
    }
}

