// kgateway's CRD rules (`+kubebuilder:validation` markers and CEL rules of its Go types),
// with kgateway's own messages where it has them, and the fields Meridian refuses.

private let int32Range = 0...Int(Int32.max)
private let positiveInt32Range = 1...Int(Int32.max)

extension TrafficPolicySpec: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = [
        "ai", "transformation", "extProc", "extAuth", "cors", "csrf", "headerModifiers", "autoHostRewrite", "buffer",
        "internalRedirect", "rbac", "jwtAuth", "urlRewrite", "compression", "basicAuth", "apiKeyAuth", "oauth2",
        "tracing", "faultInjection", "acl", "statPrefix",
    ]

    private static let targetKinds = "targetRefs may only reference Gateway, HTTPRoute, GRPCRoute, or ListenerSet resources"

    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        for (index, reference) in (targetRefs ?? []).enumerated() where !Self.isTargetKind(reference.kind) {
            report.invalid(["targetRefs", .index(index), "kind"], Self.targetKinds)
        }
        for (index, selector) in (targetSelectors ?? []).enumerated() where !Self.isTargetKind(selector.kind) {
            report.invalid(["targetSelectors", .index(index), "kind"], "targetSelectors may only reference Gateway, HTTPRoute, GRPCRoute, or ListenerSet resources")
        }
        if let perTry = retry?.perTryTimeout, let request = timeouts?.request, perTry.duration >= request.duration {
            report.invalid(["retry", "perTryTimeout"], "retry.perTryTimeout must be less than timeouts.request")
        }
    }

    private static func isTargetKind(_ kind: String) -> Bool {
        ["Gateway", "HTTPRoute", "GRPCRoute"].contains(kind) || kind.hasSuffix("ListenerSet")
    }
}

extension TrafficPolicySpec.Retry: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["retryHostPredicates"]

    func validate(_ report: inout ValidationReport) {
        if retryOn == nil && statusCodes == nil {
            report.missing(["retryOn"], "retryOn or statusCodes must be set.")
        }
        report.check(retryOn, count: 1...Int.max, ["retryOn"])
        report.check(attempts, in: int32Range, ["attempts"])
        report.check(perTryTimeout, atLeast: .milliseconds(1), ["perTryTimeout"])
        report.check(statusCodes, count: 1...Int.max, ["statusCodes"])
        for (index, code) in (statusCodes ?? []).enumerated() {
            report.check(code, in: 400...599, ["statusCodes", .index(index)])
        }
        report.check(backoffBaseInterval, atLeast: .milliseconds(1), ["backoffBaseInterval"])
    }
}

extension TrafficPolicySpec.RateLimit: UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["global"]
}

extension BackendSpec: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["ai", "aws", "dynamicForwardProxy", "gcp"]

    func validate(_ report: inout ValidationReport) {
        if `static` == nil { report.missing(["static"]) }
    }
}

extension BackendSpec.StaticBackend: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(hosts, count: 1...Int.max, ["hosts"])
    }
}

extension BackendSpec.Host: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if host.isEmpty { report.invalid(["host"], "must not be empty") }
        report.check(port, in: 1...65535, ["port"])
    }
}

extension DirectResponseSpec: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["bodyFormat"]

    func validate(_ report: inout ValidationReport) {
        report.check(status, in: 200...599, ["status"])
        if let body, body.isEmpty || body.count > 4096 {
            report.invalid(["body"], "must be 1 to 4096 characters long (got \(body.count))")
        }
    }
}

extension BackendConfigPolicySpec: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["dns", "tcpKeepalive", "http1ProtocolOptions", "tls", "upstreamProxyProtocol"]

    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        for (index, reference) in (targetRefs ?? []).enumerated() {
            if !Self.isTarget(group: reference.group, kind: reference.kind) {
                report.invalid(["targetRefs", .index(index)], "TargetRefs must reference either a Kubernetes Service or a Backend API")
            }
            if reference.sectionName != nil {
                report.report(.unknownField, ["targetRefs", .index(index), "sectionName"], "unknown field (BackendConfigPolicy targets have no sections)")
            }
        }
        for (index, selector) in (targetSelectors ?? []).enumerated() {
            if !Self.isTarget(group: selector.group, kind: selector.kind) {
                report.invalid(["targetSelectors", .index(index)], "TargetSelectors must reference either a Kubernetes Service or a Backend API")
            }
            if selector.sectionName != nil {
                report.report(.unknownField, ["targetSelectors", .index(index), "sectionName"], "unknown field (BackendConfigPolicy targets have no sections)")
            }
        }
        report.check(connectTimeout, atLeast: .zero, ["connectTimeout"])
        report.check(perConnectionBufferLimitBytes, in: int32Range, ["perConnectionBufferLimitBytes"])
    }

    private static func isTarget(group: String, kind: String) -> Bool {
        (group.isEmpty && kind == "Service") || (group == "gateway.kgateway.dev" && kind == "Backend")
    }
}

extension BackendConfigPolicySpec.CommonHttpProtocolOptions: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["maxStreamDuration"]

    func validate(_ report: inout ValidationReport) {
        report.check(maxHeadersCount, in: positiveInt32Range, ["maxHeadersCount"])
        report.check(maxRequestsPerConnection, in: int32Range, ["maxRequestsPerConnection"])
    }
}

extension BackendConfigPolicySpec.Http2ProtocolOptions: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["overrideStreamErrorOnInvalidHttpMessage", "connectionKeepalive"]

    func validate(_ report: inout ValidationReport) {
        for (field, size) in [("initialStreamWindowSize", initialStreamWindowSize), ("initialConnectionWindowSize", initialConnectionWindowSize)] {
            guard let size else { continue }
            if !(65535...2_147_483_647).contains(size.integerValue ?? 0) {
                report.invalid([.field(field)], "must be between 65535 and 2147483647 bytes (inclusive)")
            }
        }
        report.check(maxConcurrentStreams, in: positiveInt32Range, ["maxConcurrentStreams"])
    }
}

extension BackendConfigPolicySpec.CircuitBreakers: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["trackRemaining"]

    func validate(_ report: inout ValidationReport) {
        if maxConnections == nil && maxPendingRequests == nil && maxRequests == nil && maxRetries == nil {
            report.missing([], "at least one of maxConnections, maxPendingRequests, maxRequests, maxRetries must be set")
        }
        report.check(maxConnections, in: positiveInt32Range, ["maxConnections"])
        report.check(maxPendingRequests, in: positiveInt32Range, ["maxPendingRequests"])
        report.check(maxRequests, in: positiveInt32Range, ["maxRequests"])
        report.check(maxRetries, in: int32Range, ["maxRetries"])
    }
}

extension BackendConfigPolicySpec.OutlierDetection: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = [
        "enforcingConsecutive5xx", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailure", "enforcingConsecutiveLocalOriginFailure",
    ]

    func validate(_ report: inout ValidationReport) {
        report.check(consecutive5xx, in: int32Range, ["consecutive5xx"])
        report.check(interval, atLeast: .milliseconds(1), ["interval"])
        report.check(baseEjectionTime, atLeast: .milliseconds(1), ["baseEjectionTime"])
        report.check(maxEjectionPercent, in: 0...100, ["maxEjectionPercent"])
    }
}

extension BackendConfigPolicySpec.HealthCheck: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.exactlyOne([("http", http != nil), ("grpc", grpc != nil)])
        report.check(timeout, atLeast: .zero, ["timeout"])
        report.check(interval, atLeast: .zero, ["interval"])
        report.check(unhealthyThreshold, in: int32Range, ["unhealthyThreshold"])
        report.check(healthyThreshold, in: int32Range, ["healthyThreshold"])
    }
}

extension BackendConfigPolicySpec.HealthCheck.HTTP: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if !path.hasPrefix("/") { report.invalid(["path"], "must be an absolute path starting with \"/\"") }
        if method == .connect {
            let supported = HTTPMethod.allCases.filter { $0 != .connect }.map { quoted($0.rawValue) }.joined(separator: ", ")
            report.invalid(["method"], "unsupported value \"CONNECT\"; supported values: \(supported)")
        }
    }
}

extension BackendConfigPolicySpec.LoadBalancer: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = [
        "healthyPanicThreshold", "updateMergeWindow", "localityType", "zoneAware", "closeConnectionsOnHostSetChange", "useHostnameForHashing",
    ]

    func validate(_ report: inout ValidationReport) {
        report.exactlyOne([
            ("leastRequest", leastRequest != nil), ("roundRobin", roundRobin != nil), ("ringHash", ringHash != nil),
            ("maglev", maglev != nil), ("random", random != nil),
        ])
    }
}

extension BackendConfigPolicySpec.LoadBalancer.LeastRequest: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["slowStart"]

    func validate(_ report: inout ValidationReport) {
        report.check(choiceCount, in: 2...Int(Int32.max), ["choiceCount"])
    }
}

extension BackendConfigPolicySpec.LoadBalancer.RoundRobin: UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["slowStart"]
}

extension BackendConfigPolicySpec.LoadBalancer.RingHash: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["useHostnameForHashing"]

    func validate(_ report: inout ValidationReport) {
        // Envoy's bounds for ring sizes.
        report.check(minimumRingSize, in: 1...8_388_608, ["minimumRingSize"])
        report.check(maximumRingSize, in: 1...8_388_608, ["maximumRingSize"])
        if let minimumRingSize, let maximumRingSize, minimumRingSize > maximumRingSize {
            report.invalid(["minimumRingSize"], "must not be greater than maximumRingSize (\(maximumRingSize))")
        }
        report.check(hashPolicies, count: 1...16, ["hashPolicies"])
    }
}

extension BackendConfigPolicySpec.LoadBalancer.Maglev: ValidatedDecodable, UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["useHostnameForHashing"]

    func validate(_ report: inout ValidationReport) {
        report.check(hashPolicies, count: 1...16, ["hashPolicies"])
    }
}

extension BackendConfigPolicySpec.HashPolicy: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.exactlyOne([("header", header != nil), ("cookie", cookie != nil), ("sourceIP", sourceIP != nil)])
        report.check(header?.name, NameSyntax.headerNameProblem, ["header", "name"])
        if cookie?.name.isEmpty == true { report.invalid(["cookie", "name"], "must not be empty") }
    }
}

extension BackendConfigPolicySpec.HashPolicy.Cookie: UnsupportedFieldsDeclaring {
    static let unsupportedFields = ["secure", "httpOnly", "sameSite"]
}
