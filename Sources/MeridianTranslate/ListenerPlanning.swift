import MeridianIR
import MeridianLoad

/// Who declares a listener: the Gateway itself, or a ListenerSet attached to it.
enum ListenerOwner: Hashable {
    case gateway
    /// The ListenerSet's `namespace/name`.
    case listenerSet(String)

    /// The kind ReferenceGrants name for references the listener makes.
    var kind: String {
        switch self {
        case .gateway: Gateway.kind
        case .listenerSet: ListenerSet.kind
        }
    }
}

/// One Gateway listener as the translator sees it.
struct PlannedListener {
    var listener: MeridianLoad.Listener
    /// The Gateway, or the ListenerSet that adds the listener to it.
    var owner: ListenerOwner = .gateway
    /// The owner's namespace: `allowedRoutes` `Same` and ReferenceGrants are relative to it.
    var ownerNamespace: String
    var port: Int
    var acceptsRoutes: Bool
    var programmable: Bool
    /// The route kinds it takes: `allowedRoutes.kinds` Meridian serves, or by default both.
    var allowedKinds: [RouteKind]
    var conditions: [Condition] = []
    var attachedRoutes = 0
    /// Host names of the routes attached so far, by kind: an HTTPRoute and a GRPCRoute may not share one.
    var attachedHostnames: [RouteKind: [(route: String, hostnames: [String])]] = [:]
    var refusal: String?
    /// An HTTPS listener's certificates, in `certificateRefs` order.
    var certificates: [ResolvedCertificate] = []
    /// An HTTPS listener's client certificate validation (the Gateway's `spec.tls.frontend`).
    var clientValidation: ClientCertificateValidation?

    /// Unique on the Gateway: a Gateway listener's name, or `namespace/listenerset/name` for a
    /// ListenerSet's (listener names need only be unique within their owner).
    var qualifiedName: String {
        switch owner {
        case .gateway: listener.name
        case .listenerSet(let set): "\(set)/\(listener.name)"
        }
    }

    /// The listener's status entry, with `Programmed=True` once nothing refused it.
    var status: ListenerStatus {
        var conditions = self.conditions
        if !conditions.contains(where: { $0.type == .programmed }) {
            let tls = listener.protocol == .https ? ", TLS for server name \(listener.hostname ?? "* (the default filter chain)")" : ""
            conditions.append(Condition(.programmed, true, reason: .programmed, message: "Envoy listener on port \(port)\(tls)"))
        }
        return ListenerStatus(name: listener.name, supportedKinds: supportedKinds, attachedRoutes: attachedRoutes, conditions: conditions)
    }

    /// The route kinds this listener accepts, as `status.listeners[].supportedKinds` lists them.
    var supportedKinds: [RouteGroupKind] {
        allowedKinds.sorted(by: >).map { RouteGroupKind(group: GatewayTranslator.gatewayGroup, kind: $0.rawValue) }
    }
}

/// The listener pass: which GatewayClasses and Gateways are accepted, and for each accepted
/// Gateway, which of its listeners can be programmed (one Envoy listener per port).
struct ListenerPlanning {
    /// Listener plans of every accepted Gateway, by `namespace/name`.
    var plans: [String: [PlannedListener]] = [:]
    /// GatewayClass statuses, sorted by name.
    var classStatuses: [ResourceStatus] = []
    /// Gateway statuses so far (finished by `finishGatewayStatus` once routes attached).
    var gatewayStatuses: [String: ResourceStatus] = [:]
    /// ListenerSets a Gateway accepted (`namespace/name` → the Gateway's): routes attach to them.
    var listenerSetGateways: [String: String] = [:]
    /// ListenerSets refused as a whole (not allowed, or no accepted parent), final.
    var refusedListenerSets: [String: ResourceStatus] = [:]

    init(_ context: TranslationContext, policies: PolicyAttachment) {
        let certificateCache = CertificateResolution.Cache()
        var invalidParameters: [String: String] = [:]
        for gatewayClass in context.input.gatewayClasses.sorted(by: { $0.metadata.name < $1.metadata.name }) {
            let controller = gatewayClass.spec.controllerName
            let condition: Condition
            if !context.serves(gatewayClass) {
                condition = Condition(.accepted, false, reason: .invalidParameters, message: "controller \(controller) is not one Meridian serves")
            } else if let problem = Self.parametersProblem(gatewayClass, policies: policies) {
                invalidParameters[gatewayClass.metadata.name] = problem
                condition = Condition(.accepted, false, reason: .invalidParameters, message: problem)
            } else {
                condition = Condition(.accepted, true, reason: .accepted, message: "served by Meridian (controller \(controller))")
            }
            var status = ResourceStatus(kind: "GatewayClass", namespace: nil, name: gatewayClass.metadata.name, location: gatewayClass.location, conditions: [condition])
            status.generation = gatewayClass.metadata.generation
            status.apiVersion = gatewayClass.apiVersion
            classStatuses.append(status)
        }
        for gateway in context.input.gateways.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            var status = ResourceStatus(kind: "Gateway", namespace: gateway.metadata.namespace, name: gateway.metadata.name, location: gateway.location)
            status.generation = gateway.metadata.generation
            status.apiVersion = gateway.apiVersion
            defer { gatewayStatuses[gateway.qualifiedName] = status }
            guard let gatewayClass = context.classes[gateway.spec.gatewayClassName] else {
                status.conditions = [
                    Condition(.accepted, false, reason: .invalid, message: "GatewayClass \"\(gateway.spec.gatewayClassName)\" is not declared"),
                    Condition(.programmed, false, reason: .invalid, message: "the Gateway is not accepted"),
                ]
                continue
            }
            guard context.serves(gatewayClass) else {
                status.conditions = [Condition(.accepted, false, reason: .invalid, message: "GatewayClass \"\(gatewayClass.metadata.name)\" is not served by Meridian")]
                continue
            }
            if let problem = invalidParameters[gatewayClass.metadata.name] {
                status.conditions = [
                    Condition(.accepted, false, reason: .invalidParameters, message: "GatewayClass \"\(gatewayClass.metadata.name)\": \(problem)"),
                    Condition(.programmed, false, reason: .invalid, message: "the Gateway is not accepted"),
                ]
                continue
            }
            if let reference = gateway.spec.infrastructure?.parametersRef {
                // Meridian has no per-Gateway parameters kind: every reference names something
                // it cannot use, and the Gateway API asks for the Gateway to be refused then.
                let named = "\(reference.group.isEmpty ? "" : reference.group + "/")\(reference.kind) \(reference.name)"
                status.conditions = [
                    Condition(.accepted, false, reason: .invalidParameters, message: "spec.infrastructure.parametersRef \(named): Meridian takes no per-Gateway parameters (GatewayClass parameters are a kgateway.dev GatewayClassConfig)"),
                    Condition(.programmed, false, reason: .invalid, message: "the Gateway is not accepted"),
                ]
                continue
            }
            let sets = ListenerSetAdmission.admit(to: gateway, context: context, refused: &refusedListenerSets)
            for set in sets { listenerSetGateways[set.qualifiedName] = gateway.qualifiedName }
            plans[gateway.qualifiedName] = Self.planListeners(gateway, listenerSets: sets, context: context, certificates: certificateCache)
        }
        ListenerSetAdmission.refuseOrphans(context: context, acceptedGateways: Set(plans.keys), refused: &refusedListenerSets)
    }

    /// Why a GatewayClass's `parametersRef` cannot be used, or nil when it can (or is absent).
    private static func parametersProblem(_ gatewayClass: GatewayClass, policies: PolicyAttachment) -> String? {
        guard let reference = gatewayClass.spec.parametersRef else { return nil }
        let named = "parametersRef \(reference.group)/\(reference.kind) \(reference.namespace.map { "\($0)/" } ?? "")\(reference.name)"
        guard reference.group == PolicyPlugins.groups["GatewayClassConfig"], reference.kind == "GatewayClassConfig" else {
            return "\(named): Meridian reads kgateway.dev/GatewayClassConfig parameters only"
        }
        guard let index = policies.classParameters(of: gatewayClass) else { return "\(named) is not declared" }
        let problems = policies.descriptions[index].problems
        return problems.isEmpty ? nil : "\(named) is invalid: \(problems.joined(separator: "; "))"
    }

    /// The Gateway's status with its own listeners' conditions and attached-route counts.
    func finishedStatus(of gateway: Gateway) -> ResourceStatus {
        var status = gatewayStatuses[gateway.qualifiedName]!
        guard let all = plans[gateway.qualifiedName] else { return status }
        let planned = all.filter { $0.owner == .gateway }
        status.listeners = planned.map(\.status)
        status.attachedListenerSets = listenerSetGateways.filter { set, parent in
            parent == gateway.qualifiedName && all.contains { $0.owner == .listenerSet(set) && $0.programmable }
        }.count
        let refused = planned.filter { !$0.programmable }
        if refused.count == planned.count {
            status.conditions = [
                Condition(.accepted, false, reason: .listenersNotValid, message: "no listener can be programmed"),
                Condition(.programmed, false, reason: .invalid, message: "no listener can be programmed"),
            ]
        } else {
            status.conditions = [
                refused.isEmpty
                    ? Condition(.accepted, true, reason: .accepted)
                    : Condition(.accepted, true, reason: .listenersNotValid, message: "not programmed: " + refused.map { "\($0.listener.name) (\($0.refusal ?? "invalid"))" }.joined(separator: "; ")),
                Condition(.programmed, true, reason: .programmed, message: "proxy group \(gateway.qualifiedName)"),
            ]
        }
        let insecure = gateway.spec.frontendTLS?.insecureFallbackFields ?? []
        if !insecure.isEmpty {
            status.conditions.append(Condition(
                .insecureFrontendValidationMode, true, reason: .configurationChanged,
                message: "AllowInsecureFallback (\(insecure.joined(separator: ", "))): HTTPS clients without a valid certificate are accepted"
            ))
        }
        return status
    }

    /// A ListenerSet's status: refused as a whole, or its listeners' conditions and counts.
    func finishedStatus(of set: ListenerSet) -> ResourceStatus {
        if let refused = refusedListenerSets[set.qualifiedName] { return refused }
        var status = ListenerSetAdmission.status(of: set)
        guard let gateway = listenerSetGateways[set.qualifiedName], let all = plans[gateway] else { return status }
        let planned = all.filter { $0.owner == .listenerSet(set.qualifiedName) }
        status.listeners = planned.map(\.status)
        let refused = planned.filter { !$0.programmable }
        if refused.count == planned.count {
            let message = "no listener can be programmed: " + refused.map { "\($0.listener.name) (\($0.refusal ?? "invalid"))" }.joined(separator: "; ")
            status.conditions = [
                Condition(.accepted, false, reason: .listenersNotValid, message: message),
                Condition(.programmed, false, reason: .listenersNotValid, message: message),
            ]
        } else {
            status.conditions = [
                refused.isEmpty
                    ? Condition(.accepted, true, reason: .accepted, message: "listeners added to Gateway \(gateway)")
                    : Condition(.accepted, true, reason: .listenersNotValid, message: "not programmed: " + refused.map { "\($0.listener.name) (\($0.refusal ?? "invalid"))" }.joined(separator: "; ")),
                Condition(.programmed, true, reason: .programmed, message: "proxy group \(gateway)"),
            ]
        }
        return status
    }

    /// The Gateway's listeners, then each admitted ListenerSet's (in precedence order), with
    /// conflicts between them marked.
    private static func planListeners(_ gateway: Gateway, listenerSets: [ListenerSet], context: TranslationContext, certificates: CertificateResolution.Cache) -> [PlannedListener] {
        let namespace = gateway.metadata.namespace ?? "default"
        var plans: [PlannedListener] = gateway.spec.listeners.map {
            planListener($0, owner: .gateway, ownerNamespace: namespace, gateway: gateway, context: context, certificates: certificates)
        }
        for set in listenerSets {
            plans += set.spec.listeners.map {
                planListener($0, owner: .listenerSet(set.qualifiedName), ownerNamespace: set.metadata.namespace ?? "default", gateway: gateway, context: context, certificates: certificates)
            }
        }
        ListenerConflicts.mark(&plans)
        return plans
    }

    private static func planListener(
        _ listener: MeridianLoad.Listener,
        owner: ListenerOwner,
        ownerNamespace: String,
        gateway: Gateway,
        context: TranslationContext,
        certificates: CertificateResolution.Cache
    ) -> PlannedListener {
        let options = context.options
        var port = listener.port
        if port < 1024, options.privilegedPortOffset > 0 { port += options.privilegedPortOffset }
        var plan = PlannedListener(listener: listener, owner: owner, ownerNamespace: ownerNamespace, port: port, acceptsRoutes: true, programmable: true, allowedKinds: RouteKind.allCases)

        func refuse(_ type: ConditionType, reason: ConditionReason, _ message: String, acceptsRoutes: Bool) {
            plan.programmable = false
            plan.acceptsRoutes = plan.acceptsRoutes && acceptsRoutes
            plan.refusal = plan.refusal ?? message
            plan.conditions.append(Condition(type, false, reason: reason, message: message))
        }

        if port > 65_535 {
            refuse(.accepted, reason: .portUnavailable, "port \(listener.port) shifted by --privileged-port-offset is \(port), above 65535", acceptsRoutes: false)
        }
        switch listener.protocol {
        case .http:
            break
        case .https:
            if let tls = listener.tls, tls.mode == .passthrough {
                refuse(.accepted, reason: .unsupportedValue, "TLS mode Passthrough is not valid for protocol HTTPS", acceptsRoutes: false)
            } else {
                if let options = listener.tls?.options, !options.isEmpty {
                    let keys = options.keys.sorted().joined(separator: ", ")
                    refuse(.accepted, reason: .unsupportedValue, "tls.options (\(keys)): Meridian implements no implementation-specific TLS options", acceptsRoutes: false)
                }
                switch CertificateResolution.resolve(listener, ownerKind: owner.kind, ownerNamespace: ownerNamespace, context: context, cache: certificates) {
                case .refused(let reason, let message):
                    refuse(.resolvedRefs, reason: reason, message, acceptsRoutes: true)
                case .resolved(let resolved):
                    plan.certificates = resolved
                    plan.conditions.append(Condition(.resolvedRefs, true, reason: .resolvedRefs, message: CertificateResolution.summary(resolved, hostname: listener.hostname)))
                }
                // The Gateway's client validation covers its ports, ListenerSets' listeners included;
                // its CA references are the Gateway's, so ReferenceGrants are from Gateways.
                if plan.programmable, let (validation, field) = gateway.spec.frontendTLS?.validation(forPort: listener.port) {
                    switch ClientValidationResolution.resolve(validation, field: field, gatewayNamespace: gateway.metadata.namespace ?? "default", context: context) {
                    case .resolved(let clientValidation):
                        plan.clientValidation = clientValidation
                    case .partly(let clientValidation, let reason, let message):
                        plan.clientValidation = clientValidation
                        plan.conditions.removeAll { $0.type == .resolvedRefs && $0.status }
                        plan.conditions.append(Condition(.resolvedRefs, false, reason: reason, message: message))
                    case .refused(let reason, let message):
                        // Served without its validation, the listener would let in clients the
                        // Gateway means to refuse: it is not served at all.
                        plan.conditions.removeAll { $0.type == .resolvedRefs && $0.status }
                        refuse(.resolvedRefs, reason: reason, message, acceptsRoutes: true)
                        plan.conditions.insert(Condition(.accepted, false, reason: .noValidCACertificate, message: "no CA certificate reference of \(field) is usable"), at: 0)
                    }
                }
            }
        default:
            refuse(.accepted, reason: .unsupportedProtocol, "protocol \(listener.protocol) is not supported; Meridian serves HTTP and HTTPS listeners", acceptsRoutes: false)
        }

        let kinds = listener.allowedRoutes.kinds
        if !kinds.isEmpty {
            plan.allowedKinds = RouteKind.allCases.filter { kind in kinds.contains { RouteKind($0) == kind } }
            let others = kinds.filter { RouteKind($0) == nil }
            if !others.isEmpty {
                let names = others.map { $0.group.isEmpty ? $0.kind : "\($0.group)/\($0.kind)" }.joined(separator: ", ")
                plan.conditions.removeAll { $0.type == .resolvedRefs && $0.status }
                plan.conditions.append(Condition(.resolvedRefs, false, reason: .invalidRouteKinds, message: "\(names): Meridian supports HTTPRoute and GRPCRoute"))
                if plan.allowedKinds.isEmpty {
                    plan.programmable = false
                    plan.refusal = plan.refusal ?? "no supported route kind"
                }
            }
        }
        if listener.protocol != .http && listener.protocol != .https {
            // Routes of the kinds Meridian serves need HTTP; it supports no kind on other protocols.
            plan.allowedKinds = []
        }
        if !plan.conditions.contains(where: { $0.type == .accepted }) {
            plan.conditions.insert(Condition(.accepted, true, reason: .accepted), at: 0)
        }
        if !plan.conditions.contains(where: { $0.type == .resolvedRefs }) {
            plan.conditions.insert(Condition(.resolvedRefs, true, reason: .resolvedRefs), at: 1)
        }
        if !plan.programmable {
            plan.conditions.append(Condition(.programmed, false, reason: .invalid, message: plan.refusal ?? "invalid"))
        }
        return plan
    }
}
