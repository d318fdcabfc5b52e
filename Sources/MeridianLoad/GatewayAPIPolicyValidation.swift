// Gateway API's rules for rule retries, session persistence and BackendLBPolicy
// (CRD markers and CEL rules of gateway.networking.k8s.io).

extension HTTPRouteRetry: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        for (index, code) in (codes ?? []).enumerated() {
            report.check(code, in: 400...599, ["codes", .index(index)])
        }
        report.check(attempts, in: 0...Int(Int32.max), ["attempts"])
    }
}

extension GatewayAPISessionPersistence: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if let sessionName, sessionName.count > 128 {
            report.invalid(["sessionName"], "must be at most 128 characters long (got \(sessionName.count))")
        }
        if cookieConfig?.lifetimeType == .permanent && absoluteTimeout == nil {
            report.missing(["absoluteTimeout"], "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent")
        }
        if type == .header && cookieConfig != nil {
            report.invalid(["cookieConfig"], "must not be set when type is Header")
        }
    }
}

extension BackendLBPolicySpec: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        report.check(targetRefs, count: 1...16, ["targetRefs"])
        for (index, reference) in targetRefs.enumerated() where reference.sectionName != nil {
            report.report(.unknownField, ["targetRefs", .index(index), "sectionName"], "unknown field (BackendLBPolicy targets have no sections)")
        }
    }
}

extension BackendLBPolicySpec.FallbackBackendReference: ValidatedDecodable {
    func validate(_ report: inout ValidationReport) {
        if let group, !group.isEmpty { report.check(group, NameSyntax.groupProblem, ["group"]) }
        report.check(kind, NameSyntax.kindProblem, ["kind"])
        report.check(name, NameSyntax.dnsSubdomainProblem, ["name"])
        report.check(port, in: 1...65535, ["port"])
        if (group ?? "").isEmpty && (kind ?? "Service") == "Service" && port == nil {
            report.missing(["port"], "required when referring to a Service")
        }
    }
}
