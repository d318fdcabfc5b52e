import MeridianIR
import MeridianLoad

/// An Envoy cluster's origin: a Service port or a kgateway Backend.
struct BackendKey: Hashable, Comparable {
    var kind: String
    var namespace: String
    var name: String
    var port: Int?

    var target: String { "\(kind) \(namespace)/\(name)" }

    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.kind, lhs.namespace, lhs.name, lhs.port ?? -1) < (rhs.kind, rhs.namespace, rhs.name, rhs.port ?? -1)
    }
}

/// The policy pass: resolves every policy's targets once, then merges what applies to each
/// Envoy route and cluster (field by field, most specific then oldest first), recording
/// every outcome in the ledger for status.
struct PolicyAttachment {
    private let context: TranslationContext
    private(set) var descriptions: [PolicyDescription]
    /// Target (`Kind namespace/name`) → policies naming it, with the section they name.
    private var targets: [String: [(policy: Int, section: String?)]] = [:]
    /// `group/kind namespace/name` → the policy an ExtensionRef filter may name.
    private var extensionTargets: [String: Int] = [:]
    /// Per policy: targets it names that do not exist, and why.
    private var missingTargets: [Int: [(target: StatusReference, problem: String)]] = [:]
    /// Per policy: selectors that matched nothing.
    private var emptySelections: [Int: [String]] = [:]
    var ledger = PolicyLedger()

    init(context: TranslationContext, descriptions: [PolicyDescription]) {
        self.context = context
        self.descriptions = descriptions.sorted { $0.identity < $1.identity }
        for index in self.descriptions.indices { resolveTargets(of: index) }
    }

    // MARK: Target resolution

    private mutating func resolveTargets(of index: Int) {
        let description = descriptions[index]
        let namespace = description.namespace
        if description.attachableByExtensionRef {
            extensionTargets["\(Self.extensionGroup(description.identity.kind))/\(description.identity.kind) \(namespace)/\(description.identity.name)"] = index
        }
        guard description.problems.isEmpty else { return }
        for (position, reference) in description.targetRefs.enumerated() {
            guard description.allowedTargetKinds.contains(reference.groupKind) else {
                descriptions[index].problems.append("spec.targetRefs[\(position)]: \(Self.describeKind(reference.group, reference.kind)) cannot be a target of \(description.identity.kind); it targets \(description.allowedTargetKinds.sorted().map(Self.describeGroupKind).joined(separator: ", "))")
                continue
            }
            let key = "\(reference.kind) \(namespace)/\(reference.name)"
            if var problem = missing(reference, namespace: namespace) {
                let elsewhere = labelledObjects(kind: reference.kind, namespace: nil).filter { $0.name == reference.name }.map(\.namespace).sorted()
                if let other = elsewhere.first, !elsewhere.contains(namespace) {
                    // The commonest slip: a policy written without the namespace of what it targets.
                    problem += "; targetRefs name objects in the policy's own namespace (\(namespace)), and \(reference.kind) \(other)/\(reference.name) is in \(other)"
                }
                missingTargets[index, default: []].append((Self.describe(reference, namespace: namespace), problem))
            } else {
                targets[key, default: []].append((index, reference.sectionName))
            }
        }
        for (position, selector) in description.targetSelectors.enumerated() {
            guard description.allowedTargetKinds.contains(selector.groupKind) else {
                descriptions[index].problems.append("spec.targetSelectors[\(position)]: \(Self.describeKind(selector.group, selector.kind)) cannot be a target of \(description.identity.kind)")
                continue
            }
            let selected = labelledObjects(kind: selector.kind, namespace: namespace).filter { labels in
                selector.matchLabels.allSatisfy { labels.labels[$0.key] == $0.value }
            }
            if selected.isEmpty {
                emptySelections[index, default: []].append("\(selector.kind) with labels \(selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
            }
            for object in selected {
                targets["\(selector.kind) \(namespace)/\(object.name)", default: []].append((index, selector.sectionName))
            }
        }
    }

    /// Why a target reference names nothing, or nil when it exists.
    private func missing(_ reference: PolicyTargetReference, namespace: String) -> String? {
        let qualified = "\(namespace)/\(reference.name)"
        switch reference.kind {
        case "Gateway":
            guard let gateway = context.gateways[qualified] else { return "Gateway \(qualified) is not declared" }
            if let section = reference.sectionName, !gateway.spec.listeners.contains(where: { $0.name == section }) {
                return "Gateway \(qualified) has no listener named \"\(section)\""
            }
        case "HTTPRoute":
            guard let route = context.routes[qualified] else { return "HTTPRoute \(qualified) is not declared" }
            if let section = reference.sectionName, !route.spec.rules.contains(where: { $0.name == section }) {
                return "HTTPRoute \(qualified) has no rule named \"\(section)\""
            }
        case "GRPCRoute":
            guard let route = context.grpcRoutes[qualified] else { return "GRPCRoute \(qualified) is not declared" }
            if let section = reference.sectionName, !route.spec.rules.contains(where: { $0.name == section }) {
                return "GRPCRoute \(qualified) has no rule named \"\(section)\""
            }
        case "Service":
            guard context.services[qualified] != nil else { return "Service \(qualified) is not declared" }
        case "Backend":
            guard context.backends[qualified] != nil else { return "Backend \(qualified) is not declared" }
        default:
            return "\(reference.kind) \(qualified) is not a kind Meridian resolves"
        }
        return nil
    }

    /// Objects of a kind that policies can target, in `namespace` (every namespace when nil).
    private func labelledObjects(kind: String, namespace: String?) -> [(name: String, namespace: String, labels: [String: String])] {
        func inNamespace<Resource: KubernetesResource>(_ resources: [Resource]) -> [(name: String, namespace: String, labels: [String: String])] {
            resources.map { ($0.metadata.name, $0.metadata.namespace ?? "default", $0.metadata.labels) }.filter { namespace == nil || $0.namespace == namespace }
        }
        switch kind {
        case "Gateway": return inNamespace(context.input.gateways)
        case "HTTPRoute": return inNamespace(context.input.httpRoutes)
        case "GRPCRoute": return inNamespace(context.input.grpcRoutes)
        case "Service": return inNamespace(context.input.services)
        case "Backend": return inNamespace(context.input.policies.backends)
        default: return []
        }
    }

    // MARK: Lookups for the other passes

    enum ExtensionLookup {
        case policy(Int)
        case invalid(String)
        case notFound
        case notAPolicy
    }

    /// The policy an HTTPRoute or GRPCRoute `ExtensionRef` filter names, in the route's namespace.
    func extensionPolicy(_ reference: LocalObjectReference, namespace: String) -> ExtensionLookup {
        let known = PolicyPlugins.extensionRefKinds.contains("\(reference.group)/\(reference.kind)")
        guard let index = extensionTargets["\(reference.group)/\(reference.kind) \(namespace)/\(reference.name)"] else {
            return known ? .notFound : .notAPolicy
        }
        let problems = descriptions[index].problems
        return problems.isEmpty ? .policy(index) : .invalid(problems.joined(separator: "; "))
    }

    /// The route settings in effect for one rule served through one Gateway listener, and a
    /// Gateway-level rate limit, which Envoy enforces per listener (one bucket shared by every
    /// route) rather than per route.
    mutating func routeSettings(
        route: RouteSource,
        ruleName: String?,
        placement: Placement,
        own: RouteSettings,
        extensionPolicies: [Int],
        backendSide: RouteSettings
    ) -> (settings: RouteSettings, gatewayRateLimit: LocalRateLimit?, fromPolicies: Bool) {
        typealias Contribution = PolicyLedger.Contribution<RouteSettings>
        var contributions: [Contribution] = [Contribution(policy: nil, level: .routeField, settings: own)]
        for index in extensionPolicies {
            contributions.append(Contribution(policy: descriptions[index].identity, level: .extensionRef, settings: descriptions[index].route))
        }
        for (index, section) in targets["Gateway \(placement.gateway)"] ?? [] where isApplicable(index) {
            guard section == nil || section == placement.listenerName else { continue }
            contributions.append(Contribution(policy: descriptions[index].identity, level: section == nil ? .gateway : .listener, settings: descriptions[index].route))
        }
        for (index, section) in targets[route.target] ?? [] where isApplicable(index) {
            guard section == nil || section == ruleName else { continue }
            contributions.append(Contribution(policy: descriptions[index].identity, level: section == nil ? .route : .rule, settings: descriptions[index].route))
        }
        if !backendSide.isEmpty {
            contributions.append(Contribution(policy: nil, level: .backend, settings: backendSide))
        }
        // Whether a policy took part: the ledger then records it (a memo may not skip this).
        let fromPolicies = contributions.contains { $0.policy != nil }
        var (settings, levels) = ledger.merge(contributions, ancestor: .gateway(placement.gateway))
        guard levels["rateLimit"] == .gateway else { return (settings, nil, fromPolicies) }
        let limit = settings.rateLimit
        settings.rateLimit = nil
        return (settings, limit, fromPolicies)
    }

    /// The backend settings in effect for one backend of one Gateway: the Gateway's class
    /// parameters first, then policies on the backend itself.
    mutating func backendSettings(_ backend: BackendKey, gateway: Gateway) -> BackendSettings {
        typealias Contribution = PolicyLedger.Contribution<BackendSettings>
        var contributions: [Contribution] = []
        if let index = classParameters(of: gateway), isApplicable(index) {
            contributions.append(Contribution(policy: descriptions[index].identity, level: .gatewayClass, settings: descriptions[index].backend))
        }
        for (index, section) in targets[backend.target] ?? [] where isApplicable(index) {
            // A section on a Service target names a port (by number or name).
            guard section == nil || section == backend.port.map(String.init) else { continue }
            contributions.append(Contribution(policy: descriptions[index].identity, level: .backend, settings: descriptions[index].backend))
        }
        return ledger.merge(contributions, ancestor: .gateway(gateway.qualifiedName)).settings
    }

    /// The GatewayClassConfig a Gateway's class names in `parametersRef`, if any.
    func classParameters(of gateway: Gateway) -> Int? {
        context.classes[gateway.spec.gatewayClassName].flatMap(classParameters(of:))
    }

    /// The GatewayClassConfig a GatewayClass names in `parametersRef`, if any.
    func classParameters(of gatewayClass: GatewayClass) -> Int? {
        guard let reference = gatewayClass.spec.parametersRef else { return nil }
        return descriptions.firstIndex { description in
            description.identity.kind == reference.kind && description.identity.name == reference.name
                && Self.extensionGroup(description.identity.kind) == reference.group
                && (reference.namespace == nil || reference.namespace == description.identity.namespace)
        }
    }

    private func isApplicable(_ index: Int) -> Bool { descriptions[index].problems.isEmpty }

    // MARK: Status

    /// One status per policy: ancestor conditions where it took effect, and why not elsewhere.
    func statuses() -> [ResourceStatus] {
        descriptions.indices.map { index in
            let description = descriptions[index]
            let identity = description.identity
            var status = ResourceStatus(kind: identity.kind, namespace: identity.namespace, name: identity.name, location: identity.location)
            status.isPolicy = true
            status.generation = identity.generation
            status.apiVersion = identity.apiVersion
            let itself = StatusReference(group: Self.extensionGroup(identity.kind), kind: identity.kind, namespace: identity.namespace, name: identity.name)
            let notes = description.notes.isEmpty ? "" : " (\(description.notes.joined(separator: "; ")))"
            guard description.problems.isEmpty else {
                // Invalid: reported against each target it names (or itself, when it names none).
                let invalid = Condition(.accepted, false, reason: .invalid, message: description.problems.joined(separator: "; "))
                let targets = description.targetRefs.map { Self.describe($0, namespace: description.namespace) }
                status.parents = (targets.isEmpty ? [itself] : targets.uniqued()).map { ParentStatus(reference: $0, conditions: [invalid]) }
                return status
            }
            for (ancestor, condition) in ledger.conditions(for: identity) {
                var condition = condition
                condition.message += notes
                let gateway = ancestor.kind == "Gateway" ? context.gateways["\(ancestor.namespace ?? "default")/\(ancestor.name)"] : nil
                let controller = gateway.flatMap { context.classes[$0.spec.gatewayClassName]?.spec.controllerName }
                status.parents.append(ParentStatus(reference: ancestor, controllerName: controller, conditions: [condition]))
            }
            for (target, problem) in missingTargets[index] ?? [] {
                status.parents.append(ParentStatus(reference: target, conditions: [Condition(.accepted, false, reason: .targetNotFound, message: problem)]))
            }
            if status.parents.isEmpty {
                let why: String
                if let unused = description.unusedReason {
                    why = unused
                } else if let empty = emptySelections[index] {
                    why = "its selectors match nothing: " + empty.joined(separator: "; ")
                } else if description.targetRefs.isEmpty && description.targetSelectors.isEmpty && description.attachableByExtensionRef {
                    why = "no HTTPRoute ExtensionRef filter names it"
                } else {
                    why = "no Gateway serves what it targets"
                }
                status.parents = [ParentStatus(reference: itself, conditions: [Condition(.accepted, true, reason: .accepted, message: "not in effect: \(why)\(notes)")])]
            }
            return status
        }
    }

    // MARK: Names

    /// The API group of a policy kind Meridian reads.
    static func extensionGroup(_ kind: String) -> String {
        PolicyPlugins.groups[kind] ?? ""
    }

    /// A target reference as the status names it: `Service ns/name`, with its section.
    static func describe(_ reference: PolicyTargetReference, namespace: String) -> StatusReference {
        StatusReference(group: reference.group, kind: reference.kind, namespace: namespace, name: reference.name, sectionName: reference.sectionName)
    }

    private static func describeKind(_ group: String, _ kind: String) -> String {
        group.isEmpty ? kind : "\(group)/\(kind)"
    }

    private static func describeGroupKind(_ groupKind: String) -> String {
        groupKind.hasPrefix("/") ? String(groupKind.dropFirst()) : groupKind
    }
}
