// Rules of the seed documents' policy kinds beyond their field types. These kinds have no
// published CRD, so the bounds are those of the Envoy fields they become.

/// Envoy's `UInt32Value` range.
let uint32Range = 0...Int(UInt32.max)
/// Positive `UInt32Value`s (limits and thresholds where 0 would disable everything).
let positiveUInt32Range = 1...Int(UInt32.max)

extension PolicyTargetReference: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if !group.isEmpty { report.check(group, NameSyntax.groupProblem, ["group"]) }
        report.check(kind, NameSyntax.kindProblem, ["kind"])
        report.check(name, NameSyntax.dnsSubdomainProblem, ["name"])
        report.check(sectionName, NameSyntax.sectionNameProblem, ["sectionName"])
    }
}

extension PolicyTargetSelector: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if !group.isEmpty { report.check(group, NameSyntax.groupProblem, ["group"]) }
        report.check(kind, NameSyntax.kindProblem, ["kind"])
        report.check(sectionName, NameSyntax.sectionNameProblem, ["sectionName"])
        for (key, value) in matchLabels.sorted(by: { $0.key < $1.key }) {
            if let problem = NameSyntax.qualifiedNameProblem(key) {
                report.invalid(["matchLabels", .field(key)], "invalid key \(quoted(key)): \(problem)")
            } else if let problem = NameSyntax.labelValueProblem(value) {
                report.invalid(["matchLabels", .field(key)], "invalid value \(quoted(value)): \(problem)")
            }
        }
    }
}

extension RetryPolicySpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(numRetries, in: uint32Range, ["numRetries"])
        report.check(perTryTimeout, atLeast: .zero, ["perTryTimeout"])
    }
}

extension RetryPolicySpec.RetryBackOff: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(baseInterval, atLeast: .milliseconds(1), ["baseInterval"])
        report.check(maxInterval, atLeast: .milliseconds(1), ["maxInterval"])
        if let baseInterval, let maxInterval, maxInterval.duration < baseInterval.duration {
            report.invalid(["maxInterval"], "must not be shorter than baseInterval (\(baseInterval))")
        }
    }
}

extension CircuitBreakerPolicySpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        report.check(maxConnections, in: positiveUInt32Range, ["maxConnections"])
        report.check(maxPendingRequests, in: positiveUInt32Range, ["maxPendingRequests"])
        report.check(maxRequests, in: positiveUInt32Range, ["maxRequests"])
        report.check(consecutiveErrors, in: uint32Range, ["consecutiveErrors"])
        report.check(interval, atLeast: .milliseconds(1), ["interval"])
        report.check(maxEjectionPercent, in: 0...100, ["maxEjectionPercent"])
    }
}

extension RateLimitPolicySpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        report.check(descriptors, count: 1...64, ["descriptors"])
        if local?.tokenBucket == nil && (descriptors ?? []).isEmpty {
            report.missing(["local"], "local.tokenBucket or descriptors must be set")
        }
    }
}

extension RateLimitPolicySpec.Descriptor: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(entries, count: 1...16, ["entries"])
    }
}

extension RateLimitPolicySpec.Limit: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(requestsPerUnit, in: positiveUInt32Range, ["requestsPerUnit"])
    }
}

extension RateLimitPolicySpec.Entry: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(key, NameSyntax.headerNameProblem, ["key"])
    }
}

extension RateLimitTokenBucket: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(maxTokens, in: positiveUInt32Range, ["maxTokens"])
        report.check(tokensPerFill, in: positiveUInt32Range, ["tokensPerFill"])
        report.check(fillInterval, atLeast: .milliseconds(50), ["fillInterval"])
    }
}

extension ConnectionPoolSettingsSpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        report.check(tcp?.maxConnections, in: positiveUInt32Range, ["tcp", "maxConnections"])
        report.check(tcp?.connectTimeout, atLeast: .zero, ["tcp", "connectTimeout"])
        report.check(http?.maxRequestsPerConnection, in: positiveUInt32Range, ["http", "maxRequestsPerConnection"])
        report.check(http?.maxRetries, in: uint32Range, ["http", "maxRetries"])
    }
}

extension GatewayClassConfigSpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(proxy?.replicas, in: 0...Int(Int32.max), ["proxy", "replicas"])
        report.check(connectionSettings?.maxConnections, in: positiveUInt32Range, ["connectionSettings", "maxConnections"])
        report.check(connectionSettings?.connectTimeout, atLeast: .zero, ["connectionSettings", "connectTimeout"])
    }
}
