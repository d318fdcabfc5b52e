import MeridianIR
import MeridianLoad

// kgateway's own kinds (group `gateway.kgateway.dev`).

/// `TrafficPolicy`: request timeouts, retries and local rate limits on Gateways, listeners,
/// HTTPRoutes, GRPCRoutes and their rules (by reference or label), or on one rule through an
/// ExtensionRef.
enum TrafficPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.trafficPolicies.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs ?? []
            description.targetSelectors = spec.targetSelectors ?? []
            description.allowedTargetKinds = [TargetKind.gateway, TargetKind.httpRoute, TargetKind.grpcRoute]
            description.attachableByExtensionRef = true
            description.route.timeout = description.positive(spec.timeouts?.request, "spec.timeouts.request")
            description.route.idleTimeout = description.positive(spec.timeouts?.streamIdle, "spec.timeouts.streamIdle")
            if let retry = spec.retry {
                let codes = retry.statusCodes ?? []
                if let bad = codes.first(where: { !(100...599).contains($0) }) {
                    description.problems.append("spec.retry.statusCodes: \(bad) is not an HTTP status")
                }
                if (retry.retryOn ?? []).isEmpty && codes.isEmpty {
                    description.problems.append("spec.retry: needs retryOn or statusCodes, or nothing is retried")
                }
                description.route.retry = RetryPolicy(
                    retryOn: PolicyDescription.retryOn(retry.retryOn ?? [], statusCodes: codes),
                    numRetries: description.uint32(retry.attempts ?? 1, "spec.retry.attempts") ?? 1,
                    backOffBase: description.positive(retry.backoffBaseInterval, "spec.retry.backoffBaseInterval"),
                    retriableStatusCodes: codes.map { UInt32($0) }
                )
                description.route.perTryTimeout = description.positive(retry.perTryTimeout, "spec.retry.perTryTimeout")
            }
            if let bucket = spec.rateLimit?.local?.tokenBucket {
                description.route.rateLimit = description.tokenBucket(bucket, "spec.rateLimit.local.tokenBucket").map { LocalRateLimit(tokenBucket: $0) }
            }
            return description
        }
    }
}

/// `DirectResponse`, named by an ExtensionRef filter: the proxy answers by itself.
enum DirectResponsePlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.directResponses.map { response in
            var description = PolicyDescription(response)
            description.attachableByExtensionRef = true
            if !(200...599).contains(response.spec.status) {
                description.problems.append("spec.status: must be between 200 and 599, got \(response.spec.status)")
            }
            description.route.directResponse = DirectResponseAction(status: response.spec.status, body: response.spec.body ?? "")
            return description
        }
    }
}

/// `BackendConfigPolicy` on Services and Backends: how Envoy connects to and balances over them.
enum BackendConfigPolicyPlugin: PolicyPlugin {
    static func describe(_ context: TranslationContext) -> [PolicyDescription] {
        context.input.policies.backendConfigPolicies.map { policy in
            var description = PolicyDescription(policy)
            let spec = policy.spec
            description.targetRefs = spec.targetRefs ?? []
            description.targetSelectors = spec.targetSelectors ?? []
            description.allowedTargetKinds = [TargetKind.service, TargetKind.backend]
            description.backend.connectTimeout = description.positive(spec.connectTimeout, "spec.connectTimeout")
            if spec.perConnectionBufferLimitBytes != nil {
                description.problems.append("spec.perConnectionBufferLimitBytes: not supported by Meridian")
            }
            if let breakers = spec.circuitBreakers {
                description.backend.maxConnections = description.uint32(breakers.maxConnections, "spec.circuitBreakers.maxConnections")
                description.backend.maxPendingRequests = description.uint32(breakers.maxPendingRequests, "spec.circuitBreakers.maxPendingRequests")
                description.backend.maxRequests = description.uint32(breakers.maxRequests, "spec.circuitBreakers.maxRequests")
                description.backend.maxRetries = description.uint32(breakers.maxRetries, "spec.circuitBreakers.maxRetries")
            }
            if let outlier = spec.outlierDetection {
                description.backend.outlierDetection = OutlierDetection(
                    consecutive5xx: description.uint32(outlier.consecutive5xx, "spec.outlierDetection.consecutive5xx"),
                    interval: description.positive(outlier.interval, "spec.outlierDetection.interval"),
                    baseEjectionTime: description.positive(outlier.baseEjectionTime, "spec.outlierDetection.baseEjectionTime"),
                    maxEjectionPercent: description.uint32(outlier.maxEjectionPercent, "spec.outlierDetection.maxEjectionPercent")
                )
            }
            if let check = spec.healthCheck {
                description.backend.healthChecks = healthCheck(check, &description).map { [$0] }
            }
            if let options = spec.commonHttpProtocolOptions {
                description.backend.idleTimeout = description.positive(options.idleTimeout, "spec.commonHttpProtocolOptions.idleTimeout")
                description.backend.maxConnectionDuration = description.positive(options.maxConnectionDuration, "spec.commonHttpProtocolOptions.maxConnectionDuration")
                description.backend.maxHeadersCount = description.uint32(options.maxHeadersCount, "spec.commonHttpProtocolOptions.maxHeadersCount", minimum: 1)
                description.backend.maxRequestsPerConnection = description.uint32(options.maxRequestsPerConnection, "spec.commonHttpProtocolOptions.maxRequestsPerConnection", minimum: 1)
            }
            if let http2 = spec.http2ProtocolOptions {
                description.backend.http2 = HTTP2Options(
                    maxConcurrentStreams: description.uint32(http2.maxConcurrentStreams, "spec.http2ProtocolOptions.maxConcurrentStreams", minimum: 1),
                    initialStreamWindowSize: description.uint32(http2.initialStreamWindowSize?.integerValue, "spec.http2ProtocolOptions.initialStreamWindowSize", minimum: 65_535),
                    initialConnectionWindowSize: description.uint32(http2.initialConnectionWindowSize?.integerValue, "spec.http2ProtocolOptions.initialConnectionWindowSize", minimum: 65_535)
                )
            }
            if let balancer = spec.loadBalancer {
                loadBalancer(balancer, &description)
            }
            return description
        }
    }

    private static func healthCheck(_ check: BackendConfigPolicySpec.HealthCheck, _ description: inout PolicyDescription) -> HealthCheck? {
        let probe: HealthCheck.Probe
        switch (check.http, check.grpc) {
        case (let http?, nil):
            probe = .http(path: http.path, host: http.host, expectedStatuses: [])
        case (nil, let grpc?):
            probe = .grpc(serviceName: grpc.serviceName, authority: grpc.authority)
        default:
            description.problems.append("spec.healthCheck: set exactly one of http and grpc")
            return nil
        }
        guard let timeout = description.positive(check.timeout, "spec.healthCheck.timeout"),
              let interval = description.positive(check.interval, "spec.healthCheck.interval"),
              let unhealthy = description.uint32(check.unhealthyThreshold, "spec.healthCheck.unhealthyThreshold", minimum: 1),
              let healthy = description.uint32(check.healthyThreshold, "spec.healthCheck.healthyThreshold", minimum: 1)
        else { return nil }
        return HealthCheck(probe: probe, timeout: timeout, interval: interval, unhealthyThreshold: unhealthy, healthyThreshold: healthy)
    }

    private static func loadBalancer(_ balancer: BackendConfigPolicySpec.LoadBalancer, _ description: inout PolicyDescription) {
        var chosen: [(String, LoadBalancer, [BackendConfigPolicySpec.HashPolicy]?)] = []
        if let least = balancer.leastRequest {
            chosen.append(("leastRequest", .leastRequest(choiceCount: description.uint32(least.choiceCount, "spec.loadBalancer.leastRequest.choiceCount", minimum: 2)), nil))
        }
        if balancer.roundRobin != nil { chosen.append(("roundRobin", .roundRobin, nil)) }
        if balancer.random != nil { chosen.append(("random", .random, nil)) }
        if let ring = balancer.ringHash {
            let minimum = ring.minimumRingSize.map { UInt64(max(0, $0)) }
            let maximum = ring.maximumRingSize.map { UInt64(max(0, $0)) }
            if let minimum, let maximum, minimum > maximum {
                description.problems.append("spec.loadBalancer.ringHash.minimumRingSize: must not exceed maximumRingSize")
            }
            chosen.append(("ringHash", .ringHash(minimumRingSize: minimum, maximumRingSize: maximum), ring.hashPolicies))
        }
        if let maglev = balancer.maglev { chosen.append(("maglev", .maglev(tableSize: nil), maglev.hashPolicies)) }
        guard chosen.count == 1, let (_, algorithm, hashPolicies) = chosen.first else {
            description.problems.append("spec.loadBalancer: set exactly one of leastRequest, roundRobin, random, ringHash, maglev (got \(chosen.isEmpty ? "none" : chosen.map(\.0).joined(separator: ", ")))")
            return
        }
        description.backend.loadBalancer = algorithm
        if let hashPolicies, !hashPolicies.isEmpty {
            description.backend.hashPolicies = hashPolicies.enumerated().compactMap { index, policy in
                Self.hashPolicy(policy, field: "spec.loadBalancer.hashPolicies[\(index)]", &description)
            }
        }
    }

    private static func hashPolicy(_ policy: BackendConfigPolicySpec.HashPolicy, field: String, _ description: inout PolicyDescription) -> MeridianIR.HashPolicy? {
        var sources: [MeridianIR.HashPolicy.Source] = []
        if let header = policy.header { sources.append(.header(header.name.lowercased())) }
        if let cookie = policy.cookie { sources.append(.cookie(name: cookie.name, ttl: cookie.ttl?.duration, path: cookie.path)) }
        if policy.sourceIP != nil { sources.append(.sourceIP) }
        guard sources.count == 1 else {
            description.problems.append("\(field): set exactly one of header, cookie, sourceIP")
            return nil
        }
        return MeridianIR.HashPolicy(sources[0], terminal: policy.terminal ?? false)
    }
}
