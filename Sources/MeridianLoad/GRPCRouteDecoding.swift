// Decoding and validation of GRPCRoute specs, following the upstream CRD schema and its
// CEL rules (gateway.networking.k8s.io/v1, standard channel), with API defaults applied.
// Regular expressions are checked as Envoy checks them (RE2, program size limit).

import RegexCheck

extension GRPCRouteSpec {
    static let maxParentRefs = 32
    static let maxHostnames = 16
    static let maxRules = 16
    static let maxTotalMatches = 128

    static func decode(_ spec: MappingReader) -> GRPCRouteSpec {
        let parentRefs = RouteSpecDecoding.parentRefs(spec, maxItems: maxParentRefs)
        let hostnames = RouteSpecDecoding.hostnames(spec, maxItems: maxHostnames)
        var rules: [GRPCRouteRule] = []
        var writtenMatches = 0
        var names = RouteSpecDecoding.RuleNames()
        for item in spec.list("rules", maxItems: maxRules) ?? [] {
            guard let mapping = item.mapping() else { continue }
            let rule = GRPCRouteRule.decode(mapping)
            names.check(rule.name, in: mapping)
            // The CEL rule counts the matches written; a rule without any is not counted.
            if case .sequence(let written)? = mapping.value("matches")?.node.content { writtenMatches += written.count }
            rules.append(rule)
        }
        RouteSpecDecoding.checkTotalMatches(writtenMatches, spec: spec, maximum: maxTotalMatches)
        return GRPCRouteSpec(parentRefs: parentRefs, hostnames: hostnames, rules: rules)
    }
}

extension GRPCRouteRule {
    static let maxMatches = 64
    static let maxFilters = 16
    static let maxBackendRefs = 16

    /// HTTPRoute rule fields a GRPCRoute rule does not have, and why they are refused.
    private static let foreignFields: [(key: String, code: LoadError.Code, message: String)] = [
        ("timeouts", .unknownField, "unknown field (GRPCRoute rules have no timeouts)"),
        ("retry", .unknownField, "unknown field (GRPCRoute rules have no retry)"),
        ("sessionPersistence", .unsupportedField, "not supported by Meridian on GRPCRoute rules (an experimental-channel field)"),
    ]

    static func decode(_ mapping: MappingReader) -> GRPCRouteRule {
        let name = mapping.string("name", problem: NameSyntax.sectionNameProblem)

        var matches: [GRPCRouteMatch] = []
        for item in mapping.list("matches", maxItems: maxMatches) ?? [] {
            if let matchMapping = item.mapping() {
                matches.append(GRPCRouteMatch.decode(matchMapping))
            }
        }
        if matches.isEmpty {
            // Absent or `[]`: "If no matches are specified, the implementation MUST match every gRPC request."
            matches = [.matchEverything]
        }

        let filters = HTTPRouteFilter.decodeList(mapping.list("filters", maxItems: maxFilters) ?? [], in: .grpcRoute)

        var backendRefs: [HTTPBackendReference] = []
        for item in mapping.list("backendRefs", maxItems: maxBackendRefs) ?? [] {
            if let backendMapping = item.mapping() {
                backendRefs.append(HTTPBackendReference.decode(backendMapping, in: .grpcRoute))
            }
        }

        for field in foreignFields {
            mapping.value(field.key)?.report(field.code, field.message)
        }

        return GRPCRouteRule(
            name: name,
            matches: matches,
            filters: filters.map(\.filter),
            backendRefs: backendRefs,
            source: FieldSource(mapping)
        )
    }
}

extension GRPCRouteMatch {
    static func decode(_ mapping: MappingReader) -> GRPCRouteMatch {
        let method = mapping.mapping("method").flatMap(GRPCMethodMatch.decode)
        let headers = HTTPHeaderMatch.decodeList(mapping.list("headers", maxItems: HTTPRouteMatch.maxHeaders) ?? [])
        return GRPCRouteMatch(method: method, headers: headers)
    }
}

extension GRPCMethodMatch {
    static let maxLength = 1024

    /// Nil when neither service nor method is given (reported) or a value is invalid.
    static func decode(_ mapping: MappingReader) -> GRPCMethodMatch? {
        let writtenType: GRPCMethodMatchType? = mapping.enumValue("type")
        let typeIsValid = writtenType != nil || !mapping.has("type")
        let type = writtenType ?? .exact
        let exact = typeIsValid && type == .exact
        let regex = typeIsValid && type == .regularExpression
        let service = mapping.string("service", allowEmpty: true, maxLength: maxLength, problem: { value in
            if regex { return value.isEmpty ? nil : EnvoyRegex.problem(value) }
            return exact && !isServiceName(value)
                ? "must only contain valid characters (matching ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)" : nil
        })
        let method = mapping.string("method", allowEmpty: true, maxLength: maxLength, problem: { value in
            if regex { return value.isEmpty ? nil : EnvoyRegex.problem(value) }
            return exact && !isMethodName(value) ? "must only contain valid characters (matching ^[A-Za-z_][A-Za-z_0-9]*$)" : nil
        })
        if regex, let service, let method {
            // Envoy sees one path regex made of both parts; each may pass alone and the whole not.
            let part = { (pattern: String) in pattern.isEmpty ? "[^/]+" : "(?:\(pattern))" }
            if let problem = EnvoyRegex.problem("/\(part(service))/\(part(method))") {
                mapping.report(.invalidValue, "service and method together (the path regex Envoy gets): \(problem)")
            }
        }
        guard mapping.has("service") || mapping.has("method") else {
            mapping.report(.missingField, "one or both of service or method must be specified")
            return nil
        }
        guard typeIsValid, service != nil || !mapping.has("service"), method != nil || !mapping.has("method") else { return nil }
        // An empty regular expression matches anything, as an omitted one does.
        return GRPCMethodMatch(type: type, service: service.flatMap { $0.isEmpty ? nil : $0 }, method: method.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// `^(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*$`: dot-separated identifiers, optionally with a leading dot.
    static func isServiceName(_ value: String) -> Bool {
        var labels = value.split(separator: ".", omittingEmptySubsequences: false)
        if value.hasPrefix(".") { labels.removeFirst() }
        return !labels.isEmpty && labels.allSatisfy { isIdentifier($0) }
    }

    /// `^[A-Za-z_][A-Za-z_0-9]*$`.
    static func isMethodName(_ value: String) -> Bool {
        isIdentifier(Substring(value))
    }

    private static func isIdentifier(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, isLetterOrUnderscore(first) else { return false }
        return text.utf8.allSatisfy { isLetterOrUnderscore($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func isLetterOrUnderscore(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
    }
}
