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

    public static func translate(_ input: TranslationInput, options: TranslationOptions = TranslationOptions()) -> Translation {
        var run = TranslationRun(input: input, options: options)
        return run.translate()
    }
}

/// One Gateway listener as the translator sees it.
struct PlannedListener {
    var listener: MeridianLoad.Listener
    var port: Int
    var acceptsRoutes: Bool
    var programmable: Bool
    var allowsHTTPRoute: Bool
    var conditions: [Condition] = []
    var attachedRoutes = 0
    var refusal: String?
}

/// A route rule's compiled action and anything about it worth reporting.
struct CompiledRule {
    var action: RouteAction
    var timeout: Duration?
    var retry: RetryPolicy?
    var requestHeaders = HeaderModifications()
    var responseHeaders = HeaderModifications()
    var rewrite: URLRewrite?
    var clusters: [Cluster]
}

struct TranslationRun {
    let input: TranslationInput
    let options: TranslationOptions
    var statuses: [ResourceStatus] = []

    private var classes: [String: GatewayClass] = [:]
    private var servicesByName: [String: Service] = [:]
    private var slicesByService: [String: [EndpointSlice]] = [:]

    init(input: TranslationInput, options: TranslationOptions) {
        self.input = input
        self.options = options
        for gatewayClass in input.gatewayClasses { classes[gatewayClass.metadata.name] = gatewayClass }
        for service in input.services { servicesByName[service.qualifiedName] = service }
        for slice in input.endpointSlices {
            guard let service = slice.serviceName else { continue }
            slicesByService["\(slice.metadata.namespace ?? "default")/\(service)", default: []].append(slice)
        }
    }

    mutating func translate() -> Translation {
        var classStatuses: [ResourceStatus] = []
        for gatewayClass in input.gatewayClasses.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            let served = options.controllerNames?.contains(gatewayClass.spec.controllerName) ?? true
            classStatuses.append(ResourceStatus(
                kind: "GatewayClass", namespace: nil, name: gatewayClass.metadata.name, location: gatewayClass.location,
                conditions: [served
                    ? Condition("Accepted", true, reason: "Accepted", message: "served by Meridian (controller \(gatewayClass.spec.controllerName))")
                    : Condition("Accepted", false, reason: "InvalidParameters", message: "controller \(gatewayClass.spec.controllerName) is not one Meridian serves")],
                listeners: [], parents: []
            ))
        }

        // Gateways and their listeners.
        var plans: [String: [PlannedListener]] = [:]
        var gatewayStatuses: [String: ResourceStatus] = [:]
        let gateways = input.gateways.sorted { $0.qualifiedName < $1.qualifiedName }
        for gateway in gateways {
            var status = ResourceStatus(kind: "Gateway", namespace: gateway.metadata.namespace, name: gateway.metadata.name, location: gateway.location, conditions: [], listeners: [], parents: [])
            guard let gatewayClass = classes[gateway.spec.gatewayClassName] else {
                status.conditions = [
                    Condition("Accepted", false, reason: "Invalid", message: "GatewayClass \"\(gateway.spec.gatewayClassName)\" is not declared"),
                    Condition("Programmed", false, reason: "Invalid", message: "the Gateway is not accepted"),
                ]
                gatewayStatuses[gateway.qualifiedName] = status
                continue
            }
            if let names = options.controllerNames, !names.contains(gatewayClass.spec.controllerName) {
                status.conditions = [Condition("Accepted", false, reason: "Invalid", message: "GatewayClass \"\(gatewayClass.metadata.name)\" is not served by Meridian")]
                gatewayStatuses[gateway.qualifiedName] = status
                continue
            }
            plans[gateway.qualifiedName] = planListeners(gateway)
            gatewayStatuses[gateway.qualifiedName] = status
        }

        // Routes attach to listeners; their rules compile once and are placed on every host they serve.
        var hosts: [String: PlacedRoutes] = [:]  // by gateway
        var clusters: [String: [String: Cluster]] = [:]  // gateway → name → cluster
        var routeStatuses: [ResourceStatus] = []
        let routes = input.httpRoutes.sorted {
            ($0.metadata.creationTimestamp ?? "~", $0.qualifiedName) < ($1.metadata.creationTimestamp ?? "~", $1.qualifiedName)
        }
        for route in routes {
            let namespace = route.metadata.namespace ?? "default"
            var rules: [CompiledRule] = []
            var backendProblems: [(reason: String, message: String)] = []
            var unsupported: [String] = []
            for (ruleIndex, rule) in route.spec.rules.enumerated() {
                rules.append(compile(rule, ruleIndex: ruleIndex, namespace: namespace, problems: &backendProblems, unsupported: &unsupported))
            }
            var status = ResourceStatus(kind: "HTTPRoute", namespace: route.metadata.namespace, name: route.metadata.name, location: route.location, conditions: [], listeners: [], parents: [])
            for parentRef in route.spec.parentRefs {
                let parentNamespace = parentRef.namespace ?? namespace
                var parent = ParentStatus(parent: describe(parentRef, namespace: parentNamespace), conditions: [])
                switch attach(route, parentRef: parentRef, parentNamespace: parentNamespace, plans: &plans) {
                case .refused(let reason, let message):
                    parent.conditions.append(Condition("Accepted", false, reason: reason, message: message))
                case .attached(let gatewayName, let placements):
                    parent.conditions.append(Condition("Accepted", true, reason: "Accepted", message: "attached to \(placements.map(\.listenerName).uniqued().joined(separator: ", "))"))
                    for placement in placements where placement.programmed {
                        place(route, rules: rules, on: placement, hosts: &hosts[gatewayName, default: [:]], clusters: &clusters[gatewayName, default: [:]])
                    }
                }
                if backendProblems.isEmpty {
                    parent.conditions.append(Condition("ResolvedRefs", true, reason: "ResolvedRefs", message: "every backend reference resolved"))
                } else {
                    parent.conditions.append(Condition("ResolvedRefs", false, reason: backendProblems[0].reason, message: backendProblems.map(\.message).joined(separator: "; ")))
                }
                if !unsupported.isEmpty {
                    parent.conditions.append(Condition("PartiallyInvalid", true, reason: "UnsupportedValue", message: unsupported.joined(separator: "; ")))
                }
                status.parents.append(parent)
            }
            routeStatuses.append(status)
        }

        // Gateway and listener status, then one proxy configuration per accepted Gateway.
        var proxies: [ProxyConfiguration] = []
        var finishedGateways: [ResourceStatus] = []
        for gateway in gateways {
            var status = gatewayStatuses[gateway.qualifiedName]!
            guard let planned = plans[gateway.qualifiedName] else {
                finishedGateways.append(status)
                continue
            }
            status.listeners = planned.map { plan in
                var conditions = plan.conditions
                if !conditions.contains(where: { $0.type == "Programmed" }) {
                    conditions.append(Condition("Programmed", true, reason: "Programmed", message: "Envoy listener on port \(plan.port)"))
                }
                return ListenerStatus(name: plan.listener.name, attachedRoutes: plan.attachedRoutes, conditions: conditions)
            }
            let programmed = planned.filter(\.programmable)
            let refused = planned.filter { !$0.programmable }
            if programmed.isEmpty {
                status.conditions = [
                    Condition("Accepted", false, reason: "ListenersNotValid", message: "no listener can be programmed"),
                    Condition("Programmed", false, reason: "Invalid", message: "no listener can be programmed"),
                ]
            } else {
                status.conditions = [
                    refused.isEmpty
                        ? Condition("Accepted", true, reason: "Accepted")
                        : Condition("Accepted", true, reason: "ListenersNotValid", message: "not programmed: " + refused.map { "\($0.listener.name) (\($0.refusal ?? "invalid"))" }.joined(separator: "; ")),
                    Condition("Programmed", true, reason: "Programmed", message: "proxy group \(gateway.qualifiedName)"),
                ]
            }
            finishedGateways.append(status)

            proxies.append(proxyConfiguration(
                for: gateway, ports: Set(programmed.map(\.port)).sorted(),
                hosts: hosts[gateway.qualifiedName] ?? [:], clusters: clusters[gateway.qualifiedName] ?? [:]
            ))
        }
        return Translation(proxies: proxies, statuses: classStatuses + finishedGateways + routeStatuses)
    }

    /// Routes placed on one Gateway: port → host name → routes with their precedence.
    typealias PlacedRoutes = [Int: [String: [(RoutePrecedence, Route)]]]

    /// Puts every rule of an attached route on each host name its placement serves.
    private func place(_ route: HTTPRoute, rules: [CompiledRule], on placement: Placement, hosts: inout PlacedRoutes, clusters: inout [String: Cluster]) {
        for (ruleIndex, rule) in route.spec.rules.enumerated() {
            let compiled = rules[ruleIndex]
            for cluster in compiled.clusters { clusters[cluster.name] = cluster }
            let matches = rule.matches.isEmpty ? [HTTPRouteMatch.matchEverything] : rule.matches
            for (matchIndex, match) in matches.enumerated() {
                let irRoute = Route(
                    name: "\(route.qualifiedName)/rule\(ruleIndex)/match\(matchIndex)",
                    match: irMatch(match), action: compiled.action, timeout: compiled.timeout, retry: compiled.retry,
                    requestHeaders: compiled.requestHeaders, responseHeaders: compiled.responseHeaders, rewrite: compiled.rewrite
                )
                let precedence = RoutePrecedence(match: match, route: route, ruleIndex: ruleIndex, matchIndex: matchIndex)
                for hostname in placement.hostnames {
                    hosts[placement.port, default: [:]][hostname, default: []].append((precedence, irRoute))
                }
            }
        }
    }

    /// One Envoy listener and route table per programmed port, virtual hosts in name order, routes by precedence.
    private func proxyConfiguration(for gateway: Gateway, ports: [Int], hosts: PlacedRoutes, clusters: [String: Cluster]) -> ProxyConfiguration {
        var listeners: [MeridianIR.Listener] = []
        var tables: [RouteTable] = []
        for port in ports {
            let name = "http-\(port)"
            listeners.append(MeridianIR.Listener(name: name, address: options.listenerAddress, port: port, routeTableName: name))
            let byHost = hosts[port] ?? [:]
            let virtualHosts = byHost.keys.sorted().map { hostname in
                let ordered = byHost[hostname]!.sorted { $0.0 < $1.0 }.map(\.1)
                return VirtualHost(name: hostname == "*" ? "any-host" : hostname, domains: [hostname], routes: ordered.uniqued())
            }
            tables.append(RouteTable(name: name, virtualHosts: virtualHosts))
        }
        return ProxyConfiguration(group: gateway.qualifiedName, listeners: listeners, routeTables: tables, clusters: clusters.values.sorted { $0.name < $1.name })
    }

    // MARK: Listeners

    private func planListeners(_ gateway: Gateway) -> [PlannedListener] {
        var plans: [PlannedListener] = gateway.spec.listeners.map { planListener($0) }
        // One Envoy listener per port: listeners sharing a port must share a protocol and differ in host name.
        let byPort = Dictionary(grouping: plans.indices.filter { plans[$0].acceptsRoutes }, by: { plans[$0].port })
        for (port, indices) in byPort where indices.count > 1 {
            let protocols = Set(indices.map { plans[$0].listener.protocol.rawValue })
            if protocols.count > 1 {
                for index in indices {
                    plans[index].programmable = false
                    plans[index].refusal = "protocol conflict on port \(port)"
                    plans[index].conditions.append(Condition("Conflicted", true, reason: "ProtocolConflict", message: "port \(port) is used with protocols \(protocols.sorted().joined(separator: ", "))"))
                    plans[index].conditions.append(Condition("Programmed", false, reason: "Invalid", message: "conflicted"))
                }
                continue
            }
            var seen: [String: String] = [:]
            for index in indices {
                let hostname = plans[index].listener.hostname ?? "*"
                if let first = seen[hostname] {
                    plans[index].programmable = false
                    plans[index].refusal = "host name conflict with \(first)"
                    plans[index].conditions.append(Condition("Conflicted", true, reason: "HostnameConflict", message: "listener \(first) already serves host \(hostname) on port \(port)"))
                    plans[index].conditions.append(Condition("Programmed", false, reason: "Invalid", message: "conflicted"))
                } else {
                    seen[hostname] = plans[index].listener.name
                }
            }
        }
        for index in plans.indices where !plans[index].conditions.contains(where: { $0.type == "Conflicted" }) {
            plans[index].conditions.insert(Condition("Conflicted", false, reason: "NoConflicts"), at: min(2, plans[index].conditions.count))
        }
        return plans
    }

    private func planListener(_ listener: MeridianLoad.Listener) -> PlannedListener {
        var port = listener.port
        if port < 1024, options.privilegedPortOffset > 0 { port += options.privilegedPortOffset }
        var plan = PlannedListener(listener: listener, port: port, acceptsRoutes: true, programmable: true, allowsHTTPRoute: true)

        func refuse(_ type: String, reason: String, _ message: String, acceptsRoutes: Bool) {
            plan.programmable = false
            plan.acceptsRoutes = plan.acceptsRoutes && acceptsRoutes
            plan.refusal = plan.refusal ?? message
            plan.conditions.append(Condition(type, false, reason: reason, message: message))
        }

        if port > 65_535 {
            refuse("Accepted", reason: "PortUnavailable", "port \(listener.port) shifted by --privileged-port-offset is \(port), above 65535", acceptsRoutes: false)
        }
        switch listener.protocol {
        case .http:
            break
        case .https:
            if let tls = listener.tls, tls.mode == .passthrough {
                refuse("Accepted", reason: "UnsupportedValue", "TLS mode Passthrough is not valid for protocol HTTPS", acceptsRoutes: false)
            } else {
                let secrets = (listener.tls?.certificateRefs ?? []).map { "\($0.kind) \($0.namespace.map { "\($0)/" } ?? "")\($0.name)" }
                let message = secrets.isEmpty
                    ? "an HTTPS listener needs tls.certificateRefs"
                    : "\(secrets.joined(separator: ", ")): TLS termination needs Secrets, which Meridian does not load yet"
                refuse("ResolvedRefs", reason: "InvalidCertificateRef", message, acceptsRoutes: true)
            }
        default:
            refuse("Accepted", reason: "UnsupportedProtocol", "protocol \(listener.protocol) is not supported; Meridian serves HTTP listeners", acceptsRoutes: false)
        }

        let kinds = listener.allowedRoutes.kinds
        if !kinds.isEmpty {
            let supported = kinds.filter { $0.group == GatewayTranslator.gatewayGroup && $0.kind == "HTTPRoute" }
            plan.allowsHTTPRoute = !supported.isEmpty
            let others = kinds.filter { !($0.group == GatewayTranslator.gatewayGroup && $0.kind == "HTTPRoute") }
            if !others.isEmpty {
                let names = others.map { $0.group.isEmpty ? $0.kind : "\($0.group)/\($0.kind)" }.joined(separator: ", ")
                plan.conditions.append(Condition("ResolvedRefs", false, reason: "InvalidRouteKinds", message: "\(names): Meridian supports HTTPRoute only"))
                if supported.isEmpty {
                    plan.programmable = false
                    plan.refusal = plan.refusal ?? "no supported route kind"
                }
            }
        }
        if plan.conditions.first(where: { $0.type == "Accepted" }) == nil {
            plan.conditions.insert(Condition("Accepted", true, reason: "Accepted"), at: 0)
        }
        if plan.conditions.first(where: { $0.type == "ResolvedRefs" }) == nil {
            plan.conditions.insert(Condition("ResolvedRefs", true, reason: "ResolvedRefs"), at: 1)
        }
        if !plan.programmable {
            plan.conditions.append(Condition("Programmed", false, reason: "Invalid", message: plan.refusal ?? "invalid"))
        }
        return plan
    }

    // MARK: Attachment

    private struct Placement {
        var listenerName: String
        var port: Int
        var hostnames: [String]
        var programmed: Bool
    }

    private enum Attachment {
        case attached(gateway: String, [Placement])
        case refused(reason: String, message: String)
    }

    private func describe(_ parentRef: ParentReference, namespace: String) -> String {
        var text = "\(parentRef.kind) \(namespace)/\(parentRef.name)"
        if let section = parentRef.sectionName { text += " section \(section)" }
        if let port = parentRef.port { text += " port \(port)" }
        return text
    }

    private func attach(_ route: HTTPRoute, parentRef: ParentReference, parentNamespace: String, plans: inout [String: [PlannedListener]]) -> Attachment {
        guard parentRef.group == GatewayTranslator.gatewayGroup, parentRef.kind == "Gateway" else {
            return .refused(reason: "NoMatchingParent", message: "parent kind \(parentRef.group)/\(parentRef.kind) is not supported; only Gateway")
        }
        let gatewayName = "\(parentNamespace)/\(parentRef.name)"
        guard input.gateways.contains(where: { $0.qualifiedName == gatewayName }) else {
            return .refused(reason: "NoMatchingParent", message: "Gateway \(gatewayName) is not declared")
        }
        guard var listeners = plans[gatewayName] else {
            return .refused(reason: "NoMatchingParent", message: "Gateway \(gatewayName) is not accepted")
        }
        let candidates = listeners.indices.filter { index in
            let listener = listeners[index].listener
            if let section = parentRef.sectionName, listener.name != section { return false }
            if let port = parentRef.port, listener.port != port { return false }
            return true
        }
        guard !candidates.isEmpty else {
            var wanted: [String] = []
            if let section = parentRef.sectionName { wanted.append("named \"\(section)\"") }
            if let port = parentRef.port { wanted.append("on port \(port)") }
            return .refused(reason: "NoMatchingParent", message: "Gateway \(gatewayName) has no listener \(wanted.joined(separator: " "))")
        }
        let routeNamespace = route.metadata.namespace ?? "default"
        var notAllowed: [String] = []
        var allowed: [Int] = []
        for index in candidates {
            let plan = listeners[index]
            if !plan.acceptsRoutes {
                notAllowed.append("listener \(plan.listener.name) is not accepted (\(plan.refusal ?? "invalid"))")
            } else if !plan.allowsHTTPRoute {
                notAllowed.append("listener \(plan.listener.name) does not allow HTTPRoute")
            } else if plan.listener.protocol != .http && plan.listener.protocol != .https {
                notAllowed.append("listener \(plan.listener.name) speaks \(plan.listener.protocol)")
            } else if let refusal = namespaceRefusal(plan.listener, gatewayNamespace: parentNamespace, routeNamespace: routeNamespace) {
                notAllowed.append("listener \(plan.listener.name) \(refusal)")
            } else {
                allowed.append(index)
            }
        }
        guard !allowed.isEmpty else {
            return .refused(reason: "NotAllowedByListeners", message: notAllowed.joined(separator: "; "))
        }
        var placements: [Placement] = []
        for index in allowed {
            let plan = listeners[index]
            let hostnames = HostnameIntersection.intersect(listener: plan.listener.hostname, route: route.spec.hostnames)
            guard !hostnames.isEmpty else { continue }
            listeners[index].attachedRoutes += 1
            placements.append(Placement(listenerName: plan.listener.name, port: plan.port, hostnames: hostnames, programmed: plan.programmable))
        }
        plans[gatewayName] = listeners
        guard !placements.isEmpty else {
            let listenerHosts = allowed.map { "\(listeners[$0].listener.name): \(listeners[$0].listener.hostname ?? "*")" }.joined(separator: ", ")
            return .refused(reason: "NoMatchingListenerHostname", message: "route host names \(route.spec.hostnames.joined(separator: ", ")) match no listener host name (\(listenerHosts))")
        }
        return .attached(gateway: gatewayName, placements)
    }

    private func namespaceRefusal(_ listener: MeridianLoad.Listener, gatewayNamespace: String, routeNamespace: String) -> String? {
        switch listener.allowedRoutes.namespaces.from {
        case .all:
            return nil
        case .same:
            return routeNamespace == gatewayNamespace ? nil : "allows routes from namespace \(gatewayNamespace) only, not \(routeNamespace)"
        case .selector:
            return "selects route namespaces by label, and Meridian does not load Namespace objects yet"
        }
    }

    // MARK: Rules and backends

    private func compile(_ rule: HTTPRouteRule, ruleIndex: Int, namespace: String, problems: inout [(reason: String, message: String)], unsupported: inout [String]) -> CompiledRule {
        let rulePath = "spec.rules[\(ruleIndex)]"
        var timeout: Duration?
        var retry: RetryPolicy?
        if let timeouts = rule.timeouts {
            timeout = timeouts.request?.duration
            if let backend = timeouts.backendRequest?.duration {
                if timeout == nil { timeout = backend }
                retry = RetryPolicy(retryOn: [], numRetries: 0, perTryTimeout: backend)
            }
        }
        var requestHeaders = HeaderModifications()
        var responseHeaders = HeaderModifications()
        var rewrite: URLRewrite?
        var redirect: Redirect?
        var refusedFilters: [String] = []
        for (index, filter) in rule.filters.enumerated() {
            switch filter {
            case .requestHeaderModifier(let modifier):
                requestHeaders.merge(modifier)
            case .responseHeaderModifier(let modifier):
                responseHeaders.merge(modifier)
            case .urlRewrite(let filter):
                rewrite = URLRewrite(hostname: filter.hostname, path: filter.path.map(pathRewrite))
            case .requestRedirect(let filter):
                redirect = Redirect(scheme: filter.scheme, hostname: filter.hostname, port: filter.port, path: filter.path.map(pathRewrite), statusCode: filter.statusCode)
            case .requestMirror, .extensionRef:
                refusedFilters.append("\(rulePath).filters[\(index)]: \(describe(filter)) is not supported yet; the rule answers 500")
            }
        }
        func compiled(_ action: RouteAction, clusters: [Cluster] = []) -> CompiledRule {
            CompiledRule(action: action, timeout: timeout, retry: retry, requestHeaders: requestHeaders, responseHeaders: responseHeaders, rewrite: rewrite, clusters: clusters)
        }
        if !refusedFilters.isEmpty {
            // A filter that cannot be applied must not be skipped: the Gateway API asks for an error instead.
            unsupported.append(contentsOf: refusedFilters)
            return compiled(.directResponse(status: 500, body: ""))
        }
        if let redirect {
            return compiled(.redirect(redirect))
        }
        guard !rule.backendRefs.isEmpty else {
            return compiled(.directResponse(status: 500, body: ""))
        }
        var backends: [WeightedBackend] = []
        var clusters: [Cluster] = []
        var unresolvedWeight: UInt32 = 0
        for (index, backendRef) in rule.backendRefs.enumerated() {
            let weight = UInt32(clamping: backendRef.weight)
            let path = "\(rulePath).backendRefs[\(index)]"
            if !backendRef.filters.isEmpty {
                unsupported.append("\(path).filters: backend filters are not supported yet; ignored")
            }
            switch resolve(backendRef.reference, routeNamespace: namespace) {
            case .success(let cluster):
                clusters.append(cluster)
                if weight > 0 { backends.append(WeightedBackend(clusterName: cluster.name, weight: weight)) }
            case .failure(let problem):
                problems.append((problem.reason, "\(path): \(problem.message)"))
                unresolvedWeight += weight
            }
        }
        let action: RouteAction
        if backends.isEmpty {
            action = .directResponse(status: 500, body: "")
        } else if unresolvedWeight > 0 {
            // Envoy answers a missing cluster with the route's cluster_not_found code: 500.
            action = .forward(backends + [WeightedBackend(clusterName: "unresolved-backend", weight: unresolvedWeight)])
        } else {
            action = .forward(backends)
        }
        return compiled(action, clusters: clusters)
    }

    private func pathRewrite(_ modifier: HTTPPathModifier) -> PathRewrite {
        switch modifier {
        case .replaceFullPath(let path): .fullPath(path)
        case .replacePrefixMatch(let prefix): .prefix(prefix)
        }
    }

    private struct BackendProblem: Error {
        var reason: String
        var message: String
    }

    private func resolve(_ reference: BackendObjectReference, routeNamespace: String) -> Result<Cluster, BackendProblem> {
        guard reference.group.isEmpty, reference.kind == "Service" else {
            return .failure(BackendProblem(reason: "InvalidKind", message: "backend kind \(reference.group.isEmpty ? "" : reference.group + "/")\(reference.kind) is not supported; only Service"))
        }
        let namespace = reference.namespace ?? routeNamespace
        let qualified = "\(namespace)/\(reference.name)"
        if namespace != routeNamespace, !referenceGranted(from: routeNamespace, to: reference.name, in: namespace) {
            return .failure(BackendProblem(reason: "RefNotPermitted", message: "Service \(qualified) is in another namespace and no ReferenceGrant in \(namespace) allows HTTPRoutes from \(routeNamespace)"))
        }
        guard let service = servicesByName[qualified] else {
            return .failure(BackendProblem(reason: "BackendNotFound", message: "Service \(qualified) is not declared"))
        }
        guard let port = reference.port, let servicePort = service.spec.ports.first(where: { $0.port == port }) else {
            let ports = service.spec.ports.map { String($0.port) }.joined(separator: ", ")
            return .failure(BackendProblem(reason: "BackendNotFound", message: "Service \(qualified) has no port \(reference.port.map(String.init) ?? "(none given)"); it has \(ports.isEmpty ? "none" : ports)"))
        }
        return .success(cluster(for: service, port: servicePort))
    }

    private func referenceGranted(from routeNamespace: String, to name: String, in namespace: String) -> Bool {
        input.referenceGrants.contains { grant in
            (grant.metadata.namespace ?? "default") == namespace
                && grant.spec.from.contains { $0.group == GatewayTranslator.gatewayGroup && $0.kind == "HTTPRoute" && $0.namespace == routeNamespace }
                && grant.spec.to.contains { $0.group.isEmpty && $0.kind == "Service" && ($0.name == nil || $0.name == name) }
        }
    }

    /// A Service port as an Envoy cluster: EDS from its EndpointSlices, else DNS.
    private func cluster(for service: Service, port: ServicePort) -> Cluster {
        let namespace = service.metadata.namespace ?? "default"
        let name = "\(namespace)/\(service.metadata.name):\(port.port)"
        if service.spec.type == .externalName, let external = service.spec.externalName {
            return Cluster(name: name, discovery: .dns([MeridianIR.Endpoint(address: external, port: port.port)]), connectTimeout: options.connectTimeout)
        }
        let slices = slicesByService["\(namespace)/\(service.metadata.name)"] ?? []
        guard !slices.isEmpty else {
            let hostname = "\(service.metadata.name).\(namespace).svc.\(options.clusterDomain)"
            return Cluster(name: name, discovery: .dns([MeridianIR.Endpoint(address: hostname, port: port.port)]), connectTimeout: options.connectTimeout)
        }
        var endpoints: [MeridianIR.Endpoint] = []
        for slice in slices where slice.addressType != .fqdn {
            // Slice ports carry the Service port's name; an unnamed single port matches an unnamed Service port.
            let slicePort = slice.ports.first { ($0.name ?? "") == (port.name ?? "") }
            let targetPort: Int?
            if let number = slicePort?.port {
                targetPort = number
            } else if case .number(let number) = port.targetPort, slice.ports.isEmpty {
                targetPort = number
            } else {
                targetPort = nil
            }
            guard let targetPort else { continue }
            for endpoint in slice.endpoints {
                guard let address = endpoint.addresses.first else { continue }
                endpoints.append(MeridianIR.Endpoint(address: address, port: targetPort, ready: endpoint.conditions.ready ?? true))
            }
        }
        endpoints.sort { ($0.address, $0.port) < ($1.address, $1.port) }
        return Cluster(name: name, discovery: .endpoints(endpoints.uniqued()), connectTimeout: options.connectTimeout)
    }

    private func describe(_ filter: HTTPRouteFilter) -> String {
        switch filter {
        case .extensionRef(let reference):
            "ExtensionRef \(reference.group)/\(reference.kind) \(reference.name)"
        default:
            "filter \(filter.type.rawValue)"
        }
    }

    private func irMatch(_ match: HTTPRouteMatch) -> RouteMatch {
        let path: PathMatch
        switch match.path.type {
        case .exact:
            path = .exact(match.path.value)
        case .regularExpression:
            path = .regularExpression(match.path.value)
        case .pathPrefix:
            var prefix = match.path.value
            while prefix.count > 1, prefix.hasSuffix("/") { prefix.removeLast() }
            path = prefix == "/" ? .prefix("/") : .segmentPrefix(prefix)
        }
        return RouteMatch(
            path: path,
            headers: match.headers.map { HeaderMatch(name: $0.name.lowercased(), value: $0.type == .exact ? .exact($0.value) : .regularExpression($0.value)) },
            queryParameters: match.queryParams.map { QueryParameterMatch(name: $0.name, value: $0.type == .exact ? .exact($0.value) : .regularExpression($0.value)) },
            method: match.method?.rawValue
        )
    }
}

extension HeaderModifications {
    /// Adds a Gateway API header filter; header names are case-insensitive, so they are lowercased.
    mutating func merge(_ filter: HTTPHeaderFilter) {
        overwrite += filter.set.map { HeaderValue(name: $0.name.lowercased(), value: $0.value) }
        append += filter.add.map { HeaderValue(name: $0.name.lowercased(), value: $0.value) }
        remove += filter.remove.map { $0.lowercased() }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each first occurrence only.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
