// Gateway API's BackendTLSPolicy (gateway.networking.k8s.io/v1, standard channel since
// v1.4): how a Gateway connects to a Service over TLS, and its CRD rules.

/// A Gateway API `BackendTLSPolicy` (`gateway.networking.k8s.io/v1`).
public typealias BackendTLSPolicy = CustomResource<BackendTLSPolicySpec>

/// TLS from the Gateway to the targeted Services (or one named port of each).
public struct BackendTLSPolicySpec: CustomResourceSpec {
    /// `BackendTLSPolicy`.
    public static let kind = "BackendTLSPolicy"
    /// `gateway.networking.k8s.io/v1`, the version Gateway API v1.6.1's standard channel serves.
    public static let apiVersions = ["gateway.networking.k8s.io/v1"]
    /// `LoadedConfiguration.policies.backendTLSPolicies`.
    public static var loadedObjects: WritableKeyPath<LoadedConfiguration, [CustomResource<Self>]> { \.policies.backendTLSPolicies }

    /// The Services the policy applies to (1 to 16); `sectionName` is a Service port's name.
    public var targetRefs: [PolicyTargetReference]
    /// How the backend's certificate is checked.
    public var validation: Validation
    /// Implementation-specific options (at most 16); Meridian defines none, so any key is refused at translation.
    public var options: [String: String]?

    /// Memberwise initializer.
    public init(targetRefs: [PolicyTargetReference], validation: Validation, options: [String: String]? = nil) {
        self.targetRefs = targetRefs
        self.validation = validation
        self.options = options
    }

    /// `spec.validation`.
    public struct Validation: Sendable, Hashable, Decodable {
        /// ConfigMaps (key `ca.crt`) or Secrets holding the trusted PEM CA bundle (at most 8).
        public var caCertificateRefs: [CACertificateReference]?
        /// `System`: trust the machine's CA bundle instead.
        public var wellKnownCACertificates: WellKnownCACertificates?
        /// SNI, and the name the certificate must carry unless `subjectAltNames` is given.
        public var hostname: String
        /// Names of which the certificate must carry one (at most 5).
        public var subjectAltNames: [SubjectAltName]?

        /// Memberwise initializer.
        public init(
            caCertificateRefs: [CACertificateReference]? = nil, wellKnownCACertificates: WellKnownCACertificates? = nil,
            hostname: String, subjectAltNames: [SubjectAltName]? = nil
        ) {
            self.caCertificateRefs = caCertificateRefs
            self.wellKnownCACertificates = wellKnownCACertificates
            self.hostname = hostname
            self.subjectAltNames = subjectAltNames
        }
    }

    /// A `LocalObjectReference` to a CA bundle in the policy's namespace.
    public struct CACertificateReference: Sendable, Hashable, Decodable {
        /// API group; `""` for the core group.
        public var group: String
        /// `ConfigMap` or `Secret`.
        public var kind: String
        /// Name of the object.
        public var name: String

        /// Memberwise initializer.
        public init(group: String = "", kind: String, name: String) {
            self.group = group
            self.kind = kind
            self.name = name
        }

        private enum CodingKeys: String, CodingKey { case group, kind, name }

        /// Decodes a reference; `group` may be left out for the core group.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            group = try container.decodeIfPresent(String.self, forKey: .group) ?? ""
            kind = try container.decode(String.self, forKey: .kind)
            name = try container.decode(String.self, forKey: .name)
        }
    }

    /// Well-known CA sets.
    public enum WellKnownCACertificates: String, KubernetesEnum {
        case system = "System"
    }

    /// One Subject Alternative Name.
    public struct SubjectAltName: Sendable, Hashable, Decodable {
        /// `Hostname` or `URI`.
        public var type: SubjectAltNameType
        /// The DNS name, for `type: Hostname`.
        public var hostname: String?
        /// The URI (a SPIFFE ID, say), for `type: URI`.
        public var uri: String?

        /// Memberwise initializer.
        public init(type: SubjectAltNameType, hostname: String? = nil, uri: String? = nil) {
            self.type = type
            self.hostname = hostname
            self.uri = uri
        }
    }

    /// Kinds of Subject Alternative Name.
    public enum SubjectAltNameType: String, KubernetesEnum {
        case hostname = "Hostname"
        case uri = "URI"
    }
}

extension BackendTLSPolicySpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        for (index, reference) in targetRefs.enumerated() {
            report.check(reference.group.isEmpty ? nil : reference.group, NameSyntax.groupProblem, ["targetRefs", .index(index), "group"])
            report.check(reference.kind, NameSyntax.kindProblem, ["targetRefs", .index(index), "kind"])
            report.check(reference.name, NameSyntax.dnsSubdomainProblem, ["targetRefs", .index(index), "name"])
            report.check(reference.sectionName, NameSyntax.sectionNameProblem, ["targetRefs", .index(index), "sectionName"])
        }
        // The CRD's two CEL rules on targetRefs, each reported once.
        var problems: Set<String> = []
        for reference in targetRefs {
            let sameTarget = targetRefs.filter { $0.group == reference.group && $0.kind == reference.kind && $0.name == reference.name }
            let sections = sameTarget.map { $0.sectionName ?? "" }
            if sameTarget.count > 1 && sections.contains("") {
                problems.insert("sectionName must be specified when targetRefs includes 2 or more references to the same target")
            } else if sections.filter({ $0 == (reference.sectionName ?? "") }).count > 1 {
                problems.insert("sectionName must be unique when targetRefs includes 2 or more references to the same target")
            }
        }
        for problem in problems.sorted() { report.invalid(["targetRefs"], problem) }
        if let options, options.count > 16 {
            report.invalid(["options"], "must have at most 16 entries (got \(options.count))")
        }
    }
}

extension BackendTLSPolicySpec.Validation: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        let refs = caCertificateRefs ?? []
        report.check(caCertificateRefs, count: 0...8, ["caCertificateRefs"])
        report.check(subjectAltNames, count: 0...5, ["subjectAltNames"])
        if !refs.isEmpty && wellKnownCACertificates != nil {
            report.invalid([], "must not contain both CACertificateRefs and WellKnownCACertificates")
        }
        if refs.isEmpty && wellKnownCACertificates == nil {
            report.invalid([], "must specify either CACertificateRefs or WellKnownCACertificates")
        }
        report.check(hostname, NameSyntax.preciseHostnameProblem, ["hostname"])
    }
}

extension BackendTLSPolicySpec.CACertificateReference: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if !group.isEmpty { report.check(group, NameSyntax.groupProblem, ["group"]) }
        report.check(kind, NameSyntax.kindProblem, ["kind"])
        report.check(name, NameSyntax.dnsSubdomainProblem, ["name"])
    }
}

extension BackendTLSPolicySpec.SubjectAltName: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        let hasHostname = !(hostname ?? "").isEmpty
        let hasURI = !(uri ?? "").isEmpty
        switch type {
        case .hostname:
            if !hasHostname { report.missing(["hostname"], "SubjectAltName element must contain Hostname, if Type is set to Hostname") }
            if hasURI { report.invalid(["uri"], "SubjectAltName element must not contain URI, if Type is not set to URI") }
            if let hostname, hasHostname { report.check(hostname, NameSyntax.hostnameProblem, ["hostname"]) }
        case .uri:
            if !hasURI { report.missing(["uri"], "SubjectAltName element must contain URI, if Type is set to URI") }
            if hasHostname { report.invalid(["hostname"], "SubjectAltName element must not contain Hostname, if Type is not set to Hostname") }
            if let uri, hasURI, !uri.contains(":") || uri.hasPrefix(":") {
                report.invalid(["uri"], "must be an absolute URI with a scheme, e.g. spiffe://cluster.example/ns/a/sa/b")
            }
        }
    }
}
