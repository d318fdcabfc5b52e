import MeridianLoad

/// A Gateway API status condition.
public struct Condition: Sendable, Hashable, CustomStringConvertible {
    /// `Accepted`, `ResolvedRefs`, `Programmed`, `Conflicted`, `PartiallyInvalid`.
    public var type: String
    public var status: Bool
    /// A Gateway API reason: `Accepted`, `NoMatchingParent`, `BackendNotFound`, ...
    public var reason: String
    public var message: String

    public init(_ type: String, _ status: Bool, reason: String, message: String = "") {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public var description: String {
        "\(type)=\(status ? "True" : "False") \(reason)" + (message.isEmpty ? "" : ": \(message)")
    }
}

/// The status Meridian computes for one input resource.
public struct ResourceStatus: Sendable, Hashable {
    public var kind: String
    public var namespace: String?
    public var name: String
    public var location: SourceLocation
    /// Conditions on the resource itself (GatewayClass, Gateway).
    public var conditions: [Condition]
    /// Per-listener status (Gateway).
    public var listeners: [ListenerStatus]
    /// Per-parent status (routes), one per `parentRef`.
    public var parents: [ParentStatus]

    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }
}

public struct ListenerStatus: Sendable, Hashable {
    public var name: String
    public var attachedRoutes: Int
    public var conditions: [Condition]
}

public struct ParentStatus: Sendable, Hashable {
    /// The parentRef as written, such as `ai-gateway/ai-inference-gateway#http`.
    public var parent: String
    public var conditions: [Condition]
}

extension ResourceStatus {
    /// Whether every condition that should be True is (and `Conflicted`/`PartiallyInvalid` are not).
    public var isHealthy: Bool {
        let all = conditions + listeners.flatMap(\.conditions) + parents.flatMap(\.conditions)
        return all.allSatisfy { condition in
            switch condition.type {
            case "Conflicted", "PartiallyInvalid": !condition.status
            default: condition.status
            }
        }
    }
}
