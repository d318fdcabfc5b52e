import MeridianLoad
import MeridianTranslate

/// The policy objects that name what served a request (its Gateway and listener, its route
/// and rule, its backend Services) by `targetRefs`, `targetSelectors` or an `ExtensionRef`
/// filter, each with what its status says is in effect. The route's settings are the merge
/// of these; this says where each came from.
struct PolicyReferences {
    /// What a request went through, as policies name it.
    struct Path {
        var gateway: Gateway
        var gatewayListener: String?
        var route: (kind: String, namespace: String, name: String, labels: [String: String], ruleName: String?)?
        var extensionRefs: [LocalObjectReference]
        /// `namespace/name` of each backend Service (and port name, for BackendTLSPolicy sections).
        var services: [(namespace: String, name: String)]
    }

    private struct Entry {
        var kind: String
        var object: KubernetesObjectIdentity
        var targetRefs: [PolicyTargetReference]
        var targetSelectors: [PolicyTargetSelector]
    }

    private struct KubernetesObjectIdentity {
        var namespace: String
        var name: String
        var location: SourceLocation
    }

    private let entries: [Entry]
    private let statuses: [ResourceStatus]
    private let services: [String: Service]

    init(loaded: LoadedConfiguration, statuses: [ResourceStatus]) {
        func entries<Spec>(_ objects: [CustomResource<Spec>], _ refs: (Spec) -> [PolicyTargetReference]?, _ selectors: (Spec) -> [PolicyTargetSelector]? = { _ in nil }) -> [Entry] {
            objects.map { object in
                Entry(
                    kind: Spec.kind,
                    object: KubernetesObjectIdentity(namespace: object.metadata.namespace ?? "default", name: object.metadata.name, location: object.location),
                    targetRefs: refs(object.spec) ?? [], targetSelectors: selectors(object.spec) ?? []
                )
            }
        }
        let policies = loaded.policies
        self.entries = entries(policies.trafficPolicies, \.targetRefs, \.targetSelectors)
            + entries(policies.backendConfigPolicies, \.targetRefs, \.targetSelectors)
            + entries(policies.backendTLSPolicies, { $0.targetRefs })
            + entries(policies.backendLBPolicies, { $0.targetRefs })
            + entries(policies.circuitBreakerPolicies, \.targetRefs)
            + entries(policies.rateLimitPolicies, \.targetRefs)
            + entries(policies.connectionPoolSettings, \.targetRefs)
            + entries(policies.retryPolicies, { _ in nil })
            + entries(policies.directResponses, { _ in nil })
        self.statuses = statuses.filter(\.isPolicy)
        services = Dictionary(loaded.services.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// One line per policy naming part of `path`: how it names it, where it is written, and
    /// its status through this Gateway.
    func lines(for path: Path) -> [PolicyLine] {
        var lines: [PolicyLine] = []
        for entry in entries {
            guard let how = attachment(entry, path) else { continue }
            let at = "\(entry.object.location.file):\(entry.object.location.line)"
            lines.append(PolicyLine(name: "policy", value: "\(entry.kind) \(entry.object.namespace)/\(entry.object.name) (\(at)) \(how): \(status(entry, gateway: path.gateway.qualifiedName))"))
        }
        return lines
    }

    /// How the policy names something on the path, or nil.
    private func attachment(_ entry: Entry, _ path: Path) -> String? {
        let namespace = entry.object.namespace
        for reference in path.extensionRefs where reference.kind == entry.kind && reference.name == entry.object.name && namespace == path.route?.namespace {
            return "via the rule's ExtensionRef"
        }
        for target in entry.targetRefs {
            if let how = describe(target.kind, target.name, target.sectionName, labels: nil, namespace: namespace, path) { return "targets \(how)" }
        }
        for selector in entry.targetSelectors {
            if let how = describe(selector.kind, nil, selector.sectionName, labels: selector.matchLabels, namespace: namespace, path) { return "selects \(how)" }
        }
        return nil
    }

    /// `HTTPRoute ns/name rule r` when `kind`/`name` (or `labels`) in `namespace` is on the path.
    private func describe(_ kind: String, _ name: String?, _ section: String?, labels: [String: String]?, namespace: String, _ path: Path) -> String? {
        func named(_ objectName: String, _ objectLabels: [String: String]) -> Bool {
            if let name { return name == objectName }
            return labels.map { $0.allSatisfy { objectLabels[$0.key] == $0.value } } ?? false
        }
        switch kind {
        case "Gateway":
            let gateway = path.gateway
            guard (gateway.metadata.namespace ?? "default") == namespace, named(gateway.metadata.name, gateway.metadata.labels),
                  section == nil || section == path.gatewayListener else { return nil }
            return "Gateway \(gateway.qualifiedName)" + (section.map { " listener \($0)" } ?? "")
        case "HTTPRoute", "GRPCRoute":
            guard let route = path.route, route.kind == kind, route.namespace == namespace, named(route.name, route.labels),
                  section == nil || section == route.ruleName else { return nil }
            return "\(kind) \(namespace)/\(route.name)" + (section.map { " rule \($0)" } ?? "")
        case "Service":
            for service in path.services where service.namespace == namespace {
                let labels = services["\(service.namespace)/\(service.name)"]?.metadata.labels ?? [:]
                if named(service.name, labels) { return "Service \(namespace)/\(service.name)" + (section.map { " port \($0)" } ?? "") }
            }
            return nil
        default:
            return nil
        }
    }

    /// The policy's `Accepted` condition through the Gateway, as its status reports it.
    private func status(_ entry: Entry, gateway: String) -> String {
        let status = statuses.first { $0.kind == entry.kind && $0.qualifiedName == "\(entry.object.namespace)/\(entry.object.name)" }
        let ancestor = status?.parents.first { "\($0.reference.namespace ?? "default")/\($0.reference.name)" == gateway && $0.reference.kind == "Gateway" }
            ?? status?.parents.first
        guard let condition = ancestor?.conditions.first(where: { $0.type == .accepted }) else { return "no status through this Gateway" }
        return "\(condition.reason.rawValue)" + (condition.message.isEmpty ? "" : ", \(condition.message)")
    }
}
