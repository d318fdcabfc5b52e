import MeridianIR
import MeridianLoad
import TLSCertificates

/// The BackendTLSPolicy pass: which policy each Service port uses, what TLS it asks of Envoy,
/// and each policy's status. Not a `PolicyPlugin`: a BackendTLSPolicy does not merge field by
/// field; the one policy that wins a Service port sets its whole TLS, and the others are
/// `Conflicted`.
struct BackendTLSPolicies {
    /// What a policy asks for, or why it cannot be used.
    enum Outcome {
        case tls(UpstreamTLS)
        /// A CA reference is unusable: `ResolvedRefs=False` with `reason` (and, when every one
        /// is, `Accepted=False NoValidCACertificate`); connections to its targets fail.
        case unresolved(reason: ConditionReason, message: String, noneValid: Bool)
        /// A field Meridian does not implement: `Accepted=False Invalid`.
        case invalid(String)
    }

    struct Entry {
        var policy: BackendTLSPolicy
        var identity: PolicyIdentity
        var outcome: Outcome
    }

    /// Oldest first (creation timestamp, then namespace/name): the order that wins conflicts.
    private(set) var entries: [Entry]
    /// `ns/service` and a section (`""` for the whole Service) → the winning entry's index.
    private var winners: [String: Int] = [:]
    /// Entry index → the policy that won each of its targets it lost.
    private(set) var conflicts: [Int: [String]] = [:]

    init(_ policies: [BackendTLSPolicy], services: [String: Service], configMaps: [String: ConfigMap], secrets: [String: Secret], systemTrustedCAFile: String) {
        entries = policies.map { policy in
            Entry(policy: policy, identity: PolicyIdentity(policy), outcome: Self.outcome(policy, configMaps: configMaps, secrets: secrets, systemTrustedCAFile: systemTrustedCAFile))
        }.sorted { $0.identity < $1.identity }
        for (index, entry) in entries.enumerated() {
            for target in entry.policy.spec.targetRefs where target.group.isEmpty && target.kind == "Service" {
                let key = Self.key(namespace: entry.identity.namespace ?? "default", service: target.name, section: target.sectionName)
                if let winner = winners[key] {
                    conflicts[index, default: []].append(entries[winner].identity.description)
                } else {
                    winners[key] = index
                }
            }
        }
    }

    private static func key(namespace: String, service: String, section: String?) -> String {
        "\(namespace)/\(service)#\(section ?? "")"
    }

    /// The policy in effect for a Service port: one naming the port (by name) first, else one
    /// naming the whole Service.
    func entry(namespace: String, service: String, portName: String?) -> Entry? {
        let specific = portName.flatMap { winners[Self.key(namespace: namespace, service: service, section: $0)] }
        return (specific ?? winners[Self.key(namespace: namespace, service: service, section: nil)]).map { entries[$0] }
    }

    /// Applies the policy in effect for a Service port to its cluster: TLS, or, when the policy's
    /// CA references are all unusable, no endpoints at all (so every request answers 503, as
    /// the API asks: connections using an invalid CA reference must fail).
    func apply(to cluster: inout Cluster, namespace: String, service: String, portName: String?) {
        guard let entry = entry(namespace: namespace, service: service, portName: portName) else { return }
        switch entry.outcome {
        case .tls(let tls): cluster.upstreamTLS = tls
        case .unresolved: cluster.discovery = .endpoints([])
        case .invalid: break
        }
    }

    /// Whether a Service port has a BackendTLSPolicy in effect (so its `https`/`tls` appProtocol is served).
    func hasTLS(namespace: String, service: String, portName: String?) -> Bool {
        entry(namespace: namespace, service: service, portName: portName) != nil
    }

    // MARK: Validation

    private static func outcome(_ policy: BackendTLSPolicy, configMaps: [String: ConfigMap], secrets: [String: Secret], systemTrustedCAFile: String) -> Outcome {
        let validation = policy.spec.validation
        if let options = policy.spec.options, !options.isEmpty {
            return .invalid("spec.options: Meridian defines no options (got \(options.keys.sorted().joined(separator: ", ")))")
        }
        let names: [SubjectAltNameMatch] = (validation.subjectAltNames ?? []).isEmpty
            ? [.dns(validation.hostname)]
            : (validation.subjectAltNames ?? []).map { name in
                name.type == .hostname ? .dns(name.hostname ?? "") : .uri(name.uri ?? "")
            }
        if validation.wellKnownCACertificates == .system {
            return .tls(UpstreamTLS(serverName: validation.hostname, trust: .file(systemTrustedCAFile), subjectAltNames: names))
        }
        let namespace = policy.metadata.namespace ?? "default"
        var bundle: [UInt8] = []
        var problems: [(reason: ConditionReason, message: String)] = []
        for (index, reference) in (validation.caCertificateRefs ?? []).enumerated() {
            let field = "spec.validation.caCertificateRefs[\(index)]"
            let qualified = "\(namespace)/\(reference.name)"
            guard CACertificateBundles.isReadableKind(group: reference.group, kind: reference.kind) else {
                let kind = reference.group.isEmpty ? reference.kind : "\(reference.group)/\(reference.kind)"
                problems.append((.invalidKind, "\(field): \(kind) is not a kind Meridian reads CA certificates from; only ConfigMap and Secret"))
                continue
            }
            switch CACertificateBundles.load(kind: reference.kind, qualified: qualified, configMaps: configMaps, secrets: secrets) {
            case .success(let pem):
                CACertificateBundles.append(pem, to: &bundle)
            case .failure(let problem):
                problems.append((problem.reason, "\(field): \(problem.message)"))
            }
        }
        if !problems.isEmpty {
            // Any invalid reference fails the policy's connections (the API: connections using
            // an invalid reference must fail); Meridian does not use the valid rest.
            return .unresolved(
                reason: problems[0].reason, message: problems.map(\.message).joined(separator: "; "),
                noneValid: problems.count == (validation.caCertificateRefs ?? []).count
            )
        }
        return .tls(UpstreamTLS(serverName: validation.hostname, trust: .inline(bundle), subjectAltNames: names))
    }
}
