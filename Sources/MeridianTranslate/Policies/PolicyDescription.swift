import MeridianLoad

/// Where a policy attaches, least specific first. For the same field, a more specific level
/// wins; at the same level the oldest policy (`creationTimestamp`, then namespace/name) wins.
enum AttachmentLevel: Int, Comparable, CustomStringConvertible {
    /// A GatewayClass's parameters (GatewayClassConfig): defaults for every Gateway of the class.
    case gatewayClass
    /// A Service or Backend targeted directly.
    case backend
    case gateway
    /// A Gateway listener (`targetRef` with `sectionName`).
    case listener
    case route
    /// An HTTPRoute rule (`targetRef` with the rule's `sectionName`).
    case rule
    /// A rule's `ExtensionRef` filter.
    case extensionRef
    /// The HTTPRoute's own fields (`retry`, `timeouts`, `sessionPersistence`): they outrank every policy.
    case routeField

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    var description: String {
        switch self {
        case .gatewayClass: "GatewayClass level"
        case .backend: "backend level"
        case .gateway: "Gateway level"
        case .listener: "listener level"
        case .route: "route level"
        case .rule: "rule level"
        case .extensionRef: "ExtensionRef"
        case .routeField: "the HTTPRoute's own field"
        }
    }
}

/// A policy object's identity, ordered oldest first (the order that wins ties).
struct PolicyIdentity: Hashable, Comparable, CustomStringConvertible {
    var kind: String
    var namespace: String?
    var name: String
    var creationTimestamp: String?
    var location: SourceLocation
    var generation: Int? = nil
    var apiVersion: String? = nil

    var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }
    var description: String { "\(kind) \(qualifiedName)" }

    static func < (lhs: Self, rhs: Self) -> Bool {
        // RFC 3339 UTC timestamps sort as strings; a policy without one counts as newest.
        (lhs.creationTimestamp ?? "~", lhs.qualifiedName, lhs.kind) < (rhs.creationTimestamp ?? "~", rhs.qualifiedName, rhs.kind)
    }

    init(kind: String, namespace: String?, name: String, creationTimestamp: String?, location: SourceLocation) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.creationTimestamp = creationTimestamp
        self.location = location
    }

    init<Resource: KubernetesResource>(_ resource: Resource) {
        self.init(
            kind: Resource.kind, namespace: resource.metadata.namespace, name: resource.metadata.name,
            creationTimestamp: resource.metadata.creationTimestamp, location: resource.location
        )
        generation = resource.metadata.generation
        apiVersion = resource.apiVersion
    }
}

/// What a policy plugin makes of one policy object: the settings it contributes and how it
/// attaches. The policy pass resolves the targets, merges, and reports status.
struct PolicyDescription {
    var identity: PolicyIdentity
    /// Direct references, in the policy's namespace.
    var targetRefs: [PolicyTargetReference] = []
    /// Label selections, in the policy's namespace.
    var targetSelectors: [PolicyTargetSelector] = []
    /// Target kinds this policy kind may name (`group/kind`, `/Service` for the core group).
    var allowedTargetKinds: Set<String> = []
    /// Whether an HTTPRoute `ExtensionRef` filter may name it.
    var attachableByExtensionRef = false
    var route = RouteSettings()
    var backend = BackendSettings()
    /// Field problems that make the whole policy invalid (reported as `Accepted=False Invalid`).
    var problems: [String] = []
    /// Fields accepted but without effect in Meridian, said in the status message.
    var notes: [String] = []
    /// Why it is in effect nowhere, when it attaches in a way targets do not say (GatewayClass parameters).
    var unusedReason: String?

    init(identity: PolicyIdentity) {
        self.identity = identity
    }

    init<Resource: KubernetesResource>(_ resource: Resource) {
        self.init(identity: PolicyIdentity(resource))
    }

    var namespace: String { identity.namespace ?? "default" }
}

/// Turns the loaded objects of one policy kind into descriptions: the one place that knows
/// the kind's fields. Plugins are listed in `PolicyPlugins.all`.
protocol PolicyPlugin: SendableMetatype {
    static func describe(_ context: TranslationContext) -> [PolicyDescription]
}

extension PolicyTargetReference {
    /// `group/kind`, with an empty group for the core API group (`/Service`).
    var groupKind: String { "\(group)/\(kind)" }
}

extension PolicyTargetSelector {
    var groupKind: String { "\(group)/\(kind)" }
}
