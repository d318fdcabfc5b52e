// How policies name what they apply to: by reference (group, kind, name and optionally a
// section such as a listener) or by label selector, always in the policy's own namespace.

/// A policy's reference to one object in its namespace (kgateway's
/// `LocalPolicyTargetReferenceWithSectionName`, Gateway API's `LocalPolicyTargetReference`).
public struct PolicyTargetReference: Sendable, Hashable, Decodable {
    /// API group; `""` is the core group (Services). When not written, it is inferred from
    /// `kind` (see `PolicyTargetReference.defaultGroup(forKind:)`), as the seed documents omit it.
    public var group: String
    /// Kind of the target, e.g. `Service`, `HTTPRoute`, `Gateway`, `Backend`.
    public var kind: String
    /// Name of the target.
    public var name: String
    /// A section of the target (a Gateway listener, an HTTPRoute rule name), when the policy applies to that part only.
    public var sectionName: String?

    /// Memberwise initializer.
    public init(group: String, kind: String, name: String, sectionName: String? = nil) {
        self.group = group
        self.kind = kind
        self.name = name
        self.sectionName = sectionName
    }

    private enum CodingKeys: String, CodingKey {
        case group, kind, name, sectionName
    }

    /// Decodes a reference, inferring an omitted `group` from `kind`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        name = try container.decode(String.self, forKey: .name)
        group = try container.decodeIfPresent(String.self, forKey: .group) ?? Self.defaultGroup(forKind: kind)
        sectionName = try container.decodeIfPresent(String.self, forKey: .sectionName)
    }

    /// The group a kind almost always belongs to: `gateway.networking.k8s.io` for Gateway API
    /// kinds, `gateway.kgateway.dev` for `Backend`, the core group `""` otherwise.
    public static func defaultGroup(forKind kind: String) -> String {
        switch kind {
        case "Gateway", "GatewayClass", "HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute", "ListenerSet":
            "gateway.networking.k8s.io"
        case "XListenerSet":
            "gateway.networking.x-k8s.io"
        case "Backend":
            "gateway.kgateway.dev"
        default:
            ""
        }
    }
}

/// A policy's selection of objects in its namespace by kind and labels (kgateway's
/// `LocalPolicyTargetSelectorWithSectionName`).
public struct PolicyTargetSelector: Sendable, Hashable, Decodable {
    /// API group of the selected objects; inferred from `kind` when not written.
    public var group: String
    /// Kind of the selected objects.
    public var kind: String
    /// Labels every selected object must carry with these values.
    public var matchLabels: [String: String]
    /// A section of each selected object, when the policy applies to that part only.
    public var sectionName: String?

    /// Memberwise initializer.
    public init(group: String, kind: String, matchLabels: [String: String], sectionName: String? = nil) {
        self.group = group
        self.kind = kind
        self.matchLabels = matchLabels
        self.sectionName = sectionName
    }

    private enum CodingKeys: String, CodingKey {
        case group, kind, matchLabels, sectionName
    }

    /// Decodes a selector, inferring an omitted `group` from `kind`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        matchLabels = try container.decode([String: String].self, forKey: .matchLabels)
        group = try container.decodeIfPresent(String.self, forKey: .group) ?? PolicyTargetReference.defaultGroup(forKind: kind)
        sectionName = try container.decodeIfPresent(String.self, forKey: .sectionName)
    }
}
