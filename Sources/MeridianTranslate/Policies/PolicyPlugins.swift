import MeridianIR
import MeridianLoad

/// Every policy kind Meridian reads, each a small plugin into the policy pass.
enum PolicyPlugins {
    static let all: [any PolicyPlugin.Type] = [
        RetryPolicyPlugin.self,
        CircuitBreakerPolicyPlugin.self,
        RateLimitPolicyPlugin.self,
        ConnectionPoolSettingsPlugin.self,
        GatewayClassConfigPlugin.self,
        TrafficPolicyPlugin.self,
        BackendConfigPolicyPlugin.self,
        DirectResponsePlugin.self,
        BackendLBPolicyPlugin.self,
    ]

    /// The API group of each policy kind.
    static let groups: [String: String] = [
        "RetryPolicy": "kgateway.dev",
        "CircuitBreakerPolicy": "kgateway.dev",
        "RateLimitPolicy": "kgateway.dev",
        "ConnectionPoolSettings": "kgateway.dev",
        "GatewayClassConfig": "kgateway.dev",
        "TrafficPolicy": "gateway.kgateway.dev",
        "BackendConfigPolicy": "gateway.kgateway.dev",
        "DirectResponse": "gateway.kgateway.dev",
        "BackendLBPolicy": "gateway.networking.k8s.io",
        // Not a plugin (see `BackendTLSPolicies`); here so an invalid one gets its status.
        "BackendTLSPolicy": "gateway.networking.k8s.io",
    ]

    /// The `group/kind`s an HTTPRoute ExtensionRef filter may name.
    static let extensionRefKinds: Set<String> = [
        "kgateway.dev/RetryPolicy", "gateway.kgateway.dev/TrafficPolicy", "gateway.kgateway.dev/DirectResponse",
    ]

    static func describeAll(_ context: TranslationContext) -> [PolicyDescription] {
        // A rejected object whose identity is loaded anyway (its last good version, or the first
        // of two declarations) is described by that version; only the others are `Invalid`.
        let described = all.flatMap { $0.describe(context) }
        let loaded = Set(described.map { "\($0.identity.kind) \($0.identity.qualifiedName)" })
        let absent = context.input.rejectedObjects.filter { !loaded.contains("\($0.kind) \($0.qualifiedName)") }
        return described + absent.compactMap(rejected)
    }

    /// A policy document that did not decode: invalid, with its load errors, so an ExtensionRef
    /// to it answers 500 and its status says why.
    private static func rejected(_ object: RejectedObject) -> PolicyDescription? {
        guard let group = groups[object.kind], object.apiVersion.hasPrefix(group + "/") else { return nil }
        var description = PolicyDescription(identity: PolicyIdentity(
            kind: object.kind, namespace: object.namespace, name: object.name, creationTimestamp: nil, location: object.location
        ))
        description.attachableByExtensionRef = extensionRefKinds.contains("\(group)/\(object.kind)")
        description.problems = object.errors.map { "\($0.location.file):\($0.location.line):\($0.location.column): \($0.fieldPath.map { "\($0): " } ?? "")\($0.message)" }
        return description
    }
}

/// Target kinds, as `group/kind`.
enum TargetKind {
    static let gateway = "gateway.networking.k8s.io/Gateway"
    static let httpRoute = "gateway.networking.k8s.io/HTTPRoute"
    static let grpcRoute = "gateway.networking.k8s.io/GRPCRoute"
    static let service = "/Service"
    static let backend = "gateway.kgateway.dev/Backend"
}

extension PolicyDescription {
    /// Reads an integer field into an Envoy uint32, recording a problem when it does not fit.
    mutating func uint32(_ value: Int?, _ field: String, minimum: Int = 0) -> UInt32? {
        guard let value else { return nil }
        guard value >= minimum, value <= Int(UInt32.max) else {
            problems.append("\(field): must be between \(minimum) and \(UInt32.max), got \(value)")
            return nil
        }
        return UInt32(value)
    }

    /// Reads a duration that Envoy needs to be positive.
    mutating func positive(_ value: GatewayAPIDuration?, _ field: String) -> Duration? {
        guard let value else { return nil }
        guard value.duration > .zero else {
            problems.append("\(field): must be greater than 0, got \(value.text)")
            return nil
        }
        return value.duration
    }

    /// A token bucket; Envoy needs at least one token and a fill interval of 50 ms or more
    /// (kgateway's own minimum for `fillInterval`).
    mutating func tokenBucket(_ bucket: RateLimitTokenBucket, _ field: String) -> TokenBucket? {
        let maxTokens = uint32(bucket.maxTokens, "\(field).maxTokens", minimum: 1)
        let tokensPerFill = uint32(bucket.tokensPerFill ?? 1, "\(field).tokensPerFill", minimum: 1)
        guard bucket.fillInterval.duration >= .milliseconds(50) else {
            problems.append("\(field).fillInterval: must be at least 50ms, got \(bucket.fillInterval.text)")
            return nil
        }
        guard let maxTokens, let tokensPerFill else { return nil }
        return TokenBucket(maxTokens: maxTokens, tokensPerFill: tokensPerFill, fillInterval: bucket.fillInterval.duration)
    }

    /// Envoy's `retry_on` conditions, with `retriable-status-codes` added when codes are given.
    static func retryOn(_ conditions: [RetryOnCondition], statusCodes: [Int]) -> [String] {
        var names = conditions.map(\.rawValue)
        if !statusCodes.isEmpty && !names.contains(RetryOnCondition.retriableStatusCodes.rawValue) {
            names.append(RetryOnCondition.retriableStatusCodes.rawValue)
        }
        return names
    }
}
