import MeridianIR
import MeridianLoad

// The Gateway API's own resilience fields: BackendLBPolicy, and an HTTPRoute rule's
// `retry`, `timeouts` and `sessionPersistence`, which outrank every policy.

/// `BackendLBPolicy` (v1alpha2) on a Service: session persistence for every route sending to
/// it. The seed documents' `default.backendRef` ("fallback") is not Gateway API; Meridian
/// maps it to Envoy priority failover: the fallback Service's endpoints join the target's
/// cluster at priority 1, taking traffic only while the target's endpoints are unhealthy.
enum BackendLBPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.backendLBPolicies.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs
            description.allowedTargetKinds = [TargetKind.service]
            if let persistence = spec.sessionPersistence {
                var unsupported: [String] = []
                description.backend.sessionPersistence = SessionPersistenceMapping.map(persistence, field: "spec.sessionPersistence", unsupported: &unsupported)
                description.problems += unsupported
            }
            if let fallback = spec.fallback?.backendRef {
                let field = "spec.default.backendRef"
                let group = fallback.group ?? ""
                let kind = fallback.kind ?? "Service"
                let qualified = "\(description.namespace)/\(fallback.name)"
                if !group.isEmpty || kind != "Service" {
                    description.problems.append("\(field): a fallback must be a Service, not \(group.isEmpty ? kind : "\(group)/\(kind)")")
                } else if let service = context.services[qualified] {
                    if let port = fallback.port, !service.spec.ports.contains(where: { $0.port == port }) {
                        description.problems.append("\(field).port: Service \(qualified) has no port \(port)")
                    } else if fallback.port == nil && service.spec.ports.count != 1 {
                        description.problems.append("\(field).port: Service \(qualified) has \(service.spec.ports.count) ports; say which")
                    } else {
                        description.backend.failover = FailoverTarget(namespace: description.namespace, name: fallback.name, port: fallback.port)
                    }
                } else {
                    description.problems.append("\(field): Service \(qualified) is not declared")
                }
            }
            return description
        }
    }
}

/// Gateway API session persistence → Envoy's stateful session (cookie or header).
enum SessionPersistenceMapping {
    static let defaultCookieName = "meridian-session"
    static let defaultHeaderName = "x-meridian-session"

    static func map(_ persistence: GatewayAPISessionPersistence, field: String, unsupported: inout [String]) -> SessionPersistence? {
        if persistence.idleTimeout != nil {
            unsupported.append("\(field).idleTimeout: Envoy's stateful sessions have no idle timeout")
        }
        switch persistence.type ?? .cookie {
        case .cookie:
            let permanent = persistence.cookieConfig?.lifetimeType == .permanent
            if permanent && persistence.absoluteTimeout == nil {
                unsupported.append("\(field).absoluteTimeout: a Permanent cookie needs an absoluteTimeout")
                return nil
            }
            // A session cookie unless the lifetime is Permanent: then it expires after absoluteTimeout.
            return SessionPersistence(.cookie(
                name: persistence.sessionName ?? defaultCookieName,
                ttl: permanent ? persistence.absoluteTimeout?.duration : nil,
                path: "/"
            ))
        case .header:
            if persistence.absoluteTimeout != nil {
                unsupported.append("\(field).absoluteTimeout: header-based sessions do not expire in Envoy")
            }
            return SessionPersistence(.header(name: (persistence.sessionName ?? defaultHeaderName).lowercased()))
        }
    }
}

/// An HTTPRoute rule's own `timeouts`, `retry` and `sessionPersistence`.
enum RuleOwnSettings {
    /// Envoy retries connection failures whenever a rule has a retry stanza (GEP-1731: "SHOULD
    /// retry on connection errors"), and the listed codes.
    static let connectionErrors = ["connect-failure", "refused-stream", "reset"]

    static func settings(_ rule: HTTPRouteRule, rulePath: String, unsupported: inout [String]) -> RouteSettings {
        var settings = RouteSettings()
        if let timeouts = rule.timeouts {
            settings.timeout = timeouts.request?.duration
            if let backend = timeouts.backendRequest?.duration {
                if settings.timeout == nil { settings.timeout = backend }
                settings.perTryTimeout = backend
            }
        }
        if let retry = rule.retry {
            let codes = (retry.codes ?? []).map { UInt32($0) }
            settings.retry = RetryPolicy(
                retryOn: connectionErrors + (codes.isEmpty ? [] : ["retriable-status-codes"]),
                numRetries: UInt32(clamping: retry.attempts ?? 1),
                backOffBase: retry.backoff.flatMap { $0.duration > .zero ? $0.duration : nil },
                retriableStatusCodes: codes
            )
        }
        if let persistence = rule.sessionPersistence {
            settings.sessionPersistence = SessionPersistenceMapping.map(persistence, field: "\(rulePath).sessionPersistence", unsupported: &unsupported)
        }
        return settings
    }
}
