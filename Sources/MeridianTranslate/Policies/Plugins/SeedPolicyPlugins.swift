import MeridianIR
import MeridianLoad

// The policy kinds of the seed documents (group `kgateway.dev`), as the users wrote them.

/// `RetryPolicy`, named by an HTTPRoute ExtensionRef filter: Envoy's route `retry_policy`.
enum RetryPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.retryPolicies.map { policy in
            var description = PolicyDescription(policy)
            description.attachableByExtensionRef = true
            let spec = policy.spec
            let retries = description.uint32(spec.numRetries ?? 1, "spec.numRetries") ?? 1
            let backOff = spec.retryBackOff
            if let base = backOff?.baseInterval?.duration, let max = backOff?.maxInterval?.duration, max < base {
                description.problems.append("spec.retryBackOff.maxInterval: must not be shorter than baseInterval (\(backOff!.baseInterval!.text))")
            }
            description.route.retry = RetryPolicy(
                retryOn: PolicyDescription.retryOn(spec.retryOn ?? [.fiveXX], statusCodes: []),
                numRetries: retries,
                backOffBase: description.positive(backOff?.baseInterval, "spec.retryBackOff.baseInterval"),
                backOffMax: description.positive(backOff?.maxInterval, "spec.retryBackOff.maxInterval")
            )
            description.route.perTryTimeout = description.positive(spec.perTryTimeout, "spec.perTryTimeout")
            return description
        }
    }
}

/// `CircuitBreakerPolicy` on a Service: Envoy circuit breakers and outlier detection.
enum CircuitBreakerPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.circuitBreakerPolicies.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs ?? []
            description.allowedTargetKinds = [TargetKind.service, TargetKind.backend]
            description.backend.maxConnections = description.uint32(spec.maxConnections, "spec.maxConnections")
            description.backend.maxPendingRequests = description.uint32(spec.maxPendingRequests, "spec.maxPendingRequests")
            description.backend.maxRequests = description.uint32(spec.maxRequests, "spec.maxRequests")
            if spec.consecutiveErrors != nil || spec.interval != nil || spec.maxEjectionPercent != nil {
                // The seed's `interval` is described as the block duration: Envoy's base ejection time.
                let interval = description.positive(spec.interval, "spec.interval")
                description.backend.outlierDetection = OutlierDetection(
                    consecutive5xx: description.uint32(spec.consecutiveErrors, "spec.consecutiveErrors", minimum: 1),
                    interval: interval,
                    baseEjectionTime: interval,
                    maxEjectionPercent: description.uint32(spec.maxEjectionPercent, "spec.maxEjectionPercent")
                )
            }
            return description
        }
    }
}

/// `RateLimitPolicy` on an HTTPRoute: Envoy's local rate limit, with a bucket per distinct
/// value of each descriptor's headers.
enum RateLimitPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.rateLimitPolicies.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs ?? []
            description.allowedTargetKinds = [TargetKind.httpRoute, TargetKind.gateway]
            var limit = LocalRateLimit()
            if let bucket = spec.local?.tokenBucket {
                limit.tokenBucket = description.tokenBucket(bucket, "spec.local.tokenBucket")
            }
            for (index, descriptor) in (spec.descriptors ?? []).enumerated() {
                let field = "spec.descriptors[\(index)]"
                guard let requests = description.uint32(descriptor.limit.requestsPerUnit, "\(field).limit.requestsPerUnit", minimum: 1) else { continue }
                let unit: Duration = switch descriptor.limit.unit {
                case .second: .seconds(1)
                case .minute: .seconds(60)
                case .hour: .seconds(3600)
                case .day: .seconds(86_400)
                }
                let headers = descriptor.entries.map { $0.key.lowercased() }
                guard !headers.isEmpty else {
                    description.problems.append("\(field).entries: must name at least one request header")
                    continue
                }
                limit.descriptors.append(RateLimitDescriptor(headers: headers, tokenBucket: TokenBucket(maxTokens: requests, tokensPerFill: requests, fillInterval: unit)))
            }
            if limit.tokenBucket != nil || !limit.descriptors.isEmpty {
                description.route.rateLimit = limit
            } else if description.problems.isEmpty {
                description.problems.append("spec: sets neither local.tokenBucket nor descriptors, so it limits nothing")
            }
            return description
        }
    }
}

/// `ConnectionPoolSettings` on a Service: Envoy circuit-breaker thresholds, connect timeout
/// and upstream HTTP options.
enum ConnectionPoolSettingsPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.connectionPoolSettings.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs ?? []
            description.allowedTargetKinds = [TargetKind.service, TargetKind.backend]
            description.backend.maxConnections = description.uint32(spec.tcp?.maxConnections, "spec.tcp.maxConnections")
            description.backend.connectTimeout = description.positive(spec.tcp?.connectTimeout, "spec.tcp.connectTimeout")
            description.backend.maxRequestsPerConnection = description.uint32(spec.http?.maxRequestsPerConnection, "spec.http.maxRequestsPerConnection", minimum: 1)
            description.backend.maxRetries = description.uint32(spec.http?.maxRetries, "spec.http.maxRetries")
            if spec.http?.h2UpgradePolicy == .upgrade {
                // Istio's UPGRADE: speak HTTP/2 to the endpoints.
                description.backend.http2 = HTTP2Options()
            }
            return description
        }
    }
}

/// `GatewayClassConfig`, named by a GatewayClass `parametersRef`: connection defaults for
/// every backend of every Gateway of the class.
enum GatewayClassConfigPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.gatewayClassConfigs.map { config in
            var description = PolicyDescription(config)
            let classes = context.input.gatewayClasses.filter { $0.spec.parametersRef?.kind == GatewayClassConfig.kind && $0.spec.parametersRef?.name == config.metadata.name }
            description.unusedReason = classes.isEmpty
                ? "no GatewayClass names it in parametersRef"
                : "no backend of a Gateway of GatewayClass \(classes.map(\.metadata.name).sorted().joined(separator: ", ")) is resolved"
            let settings = config.spec.connectionSettings
            description.backend.maxConnections = description.uint32(settings?.maxConnections, "spec.connectionSettings.maxConnections")
            description.backend.connectTimeout = description.positive(settings?.connectTimeout, "spec.connectionSettings.connectTimeout")
            description.backend.idleTimeout = description.positive(settings?.idleTimeout, "spec.connectionSettings.idleTimeout")
            if config.spec.proxy != nil {
                description.notes.append("spec.proxy has no effect: Meridian configures the Envoys it is given and does not deploy or size them")
            }
            return description
        }
    }
}
