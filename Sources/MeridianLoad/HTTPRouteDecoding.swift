// Decoding and validation of HTTPRoute specs, following the upstream CRD schema and its
// CEL rules (gateway.networking.k8s.io standard channel), with API defaults applied.
// Regular expressions are checked as Envoy checks them (RE2, program size limit).

import RegexCheck

extension HTTPRoute {
    /// Decodes an HTTPRoute document (`KnownKinds`); `status` is ignored.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        return .httpRoute(HTTPRoute(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            spec: document.spec().map(HTTPRouteSpec.decode) ?? HTTPRouteSpec(parentRefs: [], hostnames: [], rules: []),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension HTTPRouteSpec {
    static let maxParentRefs = 32
    static let maxHostnames = 16
    static let maxRules = 16
    static let maxTotalMatches = 128

    static func decode(_ spec: MappingReader) -> HTTPRouteSpec {
        spec.refuse("useDefaultGateways")
        let parentRefs = RouteSpecDecoding.parentRefs(spec, maxItems: maxParentRefs)
        let hostnames = RouteSpecDecoding.hostnames(spec, maxItems: maxHostnames)

        var rules: [HTTPRouteRule] = []
        if let ruleItems = spec.list("rules", minItems: 1, maxItems: maxRules) {
            var names = RouteSpecDecoding.RuleNames()
            for item in ruleItems {
                guard let mapping = item.mapping() else { continue }
                let rule = HTTPRouteRule.decode(mapping)
                names.check(rule.name, in: mapping)
                rules.append(rule)
            }
            RouteSpecDecoding.checkTotalMatches(rules.reduce(0) { $0 + $1.matches.count }, spec: spec, maximum: maxTotalMatches)
        } else if !spec.has("rules") {
            // The CRD's default: a single rule matching every path, with no backends.
            let source = FieldSource(location: spec.location, fieldPath: spec.path.field("rules").index(0).description)
            rules = [HTTPRouteRule(name: nil, matches: [.matchEverything], filters: [], backendRefs: [], timeouts: nil, source: source)]
        }
        return HTTPRouteSpec(parentRefs: parentRefs, hostnames: hostnames, rules: rules)
    }
}

extension ParentReference {
    static func decode(_ mapping: MappingReader) -> ParentReference {
        ParentReference(
            group: mapping.referenceGroup(default: "gateway.networking.k8s.io"),
            kind: mapping.referenceKind(default: "Gateway"),
            namespace: mapping.referenceNamespace(),
            name: mapping.referenceName(),
            sectionName: mapping.string("sectionName", problem: NameSyntax.sectionNameProblem),
            port: mapping.int("port", range: 1...65535),
            source: FieldSource(mapping)
        )
    }
}

extension HTTPRouteRule {
    static let maxMatches = 64
    static let maxFilters = 16
    static let maxBackendRefs = 16

    static func decode(_ mapping: MappingReader) -> HTTPRouteRule {
        let name = mapping.string("name", problem: NameSyntax.sectionNameProblem)

        var matches: [HTTPRouteMatch] = []
        let matchItems = mapping.list("matches", maxItems: maxMatches)
        for item in matchItems ?? [] {
            if let matchMapping = item.mapping() {
                matches.append(HTTPRouteMatch.decode(matchMapping))
            }
        }
        if matchItems?.isEmpty ?? !mapping.has("matches") {
            // Absent or `[]`: Gateway API's default match on every path.
            matches = [.matchEverything]
        }

        let filters = HTTPRouteFilter.decodeList(mapping.list("filters", maxItems: maxFilters) ?? [], in: .httpRoute)

        var backendRefs: [HTTPBackendReference] = []
        for item in mapping.list("backendRefs", maxItems: maxBackendRefs) ?? [] {
            if let backendMapping = item.mapping() {
                backendRefs.append(HTTPBackendReference.decode(backendMapping, in: .httpRoute, ruleMatches: matches))
            }
        }

        let timeouts = mapping.mapping("timeouts").map(HTTPRouteTimeouts.decode)
        let retry = mapping.value("retry").flatMap { $0.decode(HTTPRouteRetry.self) }
        let sessionPersistence = mapping.value("sessionPersistence").flatMap { $0.decode(GatewayAPISessionPersistence.self) }

        for (filter, item) in filters {
            if case .requestRedirect = filter, !backendRefs.isEmpty {
                item.reportInvalid("a RequestRedirect filter must not be used together with backendRefs")
            }
        }
        HTTPRouteFilter.checkPrefixReplacement(filters, matches: matches)

        return HTTPRouteRule(
            name: name,
            matches: matches,
            filters: filters.map(\.filter),
            backendRefs: backendRefs,
            timeouts: timeouts,
            retry: retry,
            sessionPersistence: sessionPersistence,
            source: FieldSource(mapping)
        )
    }
}

extension HTTPRouteMatch {
    static let maxHeaders = 16
    static let maxQueryParams = 16

    static func decode(_ mapping: MappingReader) -> HTTPRouteMatch {
        let path = mapping.mapping("path").map(HTTPPathMatch.decode) ?? .matchEverything

        let headers = HTTPHeaderMatch.decodeList(mapping.list("headers", maxItems: maxHeaders) ?? [])

        var queryParams: [HTTPQueryParamMatch] = []
        var firstLineOfParam: [String: Int] = [:]
        for item in mapping.list("queryParams", maxItems: maxQueryParams) ?? [] {
            guard let paramMapping = item.mapping() else { continue }
            let type: StringMatchType = paramMapping.enumValue("type") ?? .exact
            let param = HTTPQueryParamMatch(
                type: type,
                name: paramMapping.string("name", required: true, problem: NameSyntax.queryParamNameProblem) ?? "",
                value: paramMapping.string("value", required: true, maxLength: 1024, problem: type.valueProblem) ?? ""
            )
            if let nameReader = paramMapping.value("name"), !param.name.isEmpty {
                if let firstLine = firstLineOfParam[param.name] {
                    nameReader.report(.duplicateEntry, "duplicate query parameter name \(quoted(param.name)) (first at line \(firstLine))")
                } else {
                    firstLineOfParam[param.name] = nameReader.location.line
                }
            }
            queryParams.append(param)
        }

        let method: HTTPMethod? = mapping.enumValue("method")
        return HTTPRouteMatch(path: path, headers: headers, queryParams: queryParams, method: method)
    }
}

extension HTTPPathMatch {
    static let maxValueLength = 1024

    static func decode(_ mapping: MappingReader) -> HTTPPathMatch {
        let type: PathMatchType = mapping.enumValue("type") ?? .pathPrefix
        let value = mapping.string("value", allowEmpty: true, maxLength: maxValueLength, problem: { value in
            type == .regularExpression ? EnvoyRegex.problem(value) : pathProblem(value, type: type)
        }) ?? "/"
        return HTTPPathMatch(type: type, value: value)
    }

    /// The CRD's rules for Exact and PathPrefix values, in the CRD's order.
    static func pathProblem(_ value: String, type: PathMatchType) -> String? {
        let suffix = " for type \(type.rawValue)"
        if !value.hasPrefix("/") { return "must be an absolute path starting with \"/\"" + suffix }
        // Every forbidden sequence has a `#`, a `%` or a `/` followed by `/` or `.`: one pass
        // over the bytes spares the substring searches for ordinary paths.
        if Self.mayHoldDotSegmentOrEscape(value) {
            for forbidden in ["//", "/./", "/../", "%2f", "%2F", "#"] where value.contains(forbidden) {
                return "must not contain \(quoted(forbidden))" + suffix
            }
            for forbidden in ["/..", "/."] where value.hasSuffix(forbidden) {
                return "must not end with \(quoted(forbidden))" + suffix
            }
        }
        if !hasOnlyPathCharacters(value) {
            return "must contain only URL path characters (letters, digits, -._~!$&'()*+,;=:@/ and %-escapes)" + suffix
        }
        return nil
    }

    private static let pathPunctuation = Set("-/._~!$&'()*+,;=:@".utf8)

    private static func mayHoldDotSegmentOrEscape(_ value: String) -> Bool {
        var afterSlash = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: "#") || byte == UInt8(ascii: "%") { return true }
            if afterSlash, byte == UInt8(ascii: "/") || byte == UInt8(ascii: ".") { return true }
            afterSlash = byte == UInt8(ascii: "/")
        }
        return false
    }

    /// `^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$`
    private static func hasOnlyPathCharacters(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if NameSyntax.isAlphanumeric(byte) || pathPunctuation.contains(byte) {
                index += 1
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      Character(UnicodeScalar(bytes[index + 1])).isHexDigit,
                      Character(UnicodeScalar(bytes[index + 2])).isHexDigit {
                index += 3
            } else {
                return false
            }
        }
        return !bytes.isEmpty
    }
}

extension StringMatchType {
    /// A regular expression must be one Envoy accepts; an exact value may be anything.
    func valueProblem(_ value: String) -> String? {
        self == .regularExpression ? EnvoyRegex.problem(value) : nil
    }
}

extension HTTPBackendReference {
    static let maxWeight = 1_000_000

    /// A backend of an HTTPRoute or GRPCRoute rule; `ruleMatches` (HTTPRoute) check prefix replacements.
    static func decode(_ mapping: MappingReader, in routeKind: FilterRouteKind, ruleMatches: [HTTPRouteMatch] = []) -> HTTPBackendReference {
        let reference = BackendObjectReference.decode(mapping)
        let weight = mapping.int("weight", range: 0...maxWeight) ?? 1
        let filters = HTTPRouteFilter.decodeList(mapping.list("filters", maxItems: HTTPRouteRule.maxFilters) ?? [], in: routeKind)
        HTTPRouteFilter.checkPrefixReplacement(filters, matches: ruleMatches)
        return HTTPBackendReference(reference: reference, weight: weight, filters: filters.map(\.filter), source: FieldSource(mapping))
    }
}

extension HTTPRouteTimeouts {
    static func decode(_ mapping: MappingReader) -> HTTPRouteTimeouts {
        func duration(_ key: String) -> GatewayAPIDuration? {
            var parsed: GatewayAPIDuration?
            _ = mapping.string(key, problem: { text in
                parsed = GatewayAPIDuration(text)
                return parsed == nil
                    ? "invalid duration \(quoted(text)): must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")"
                    : nil
            })
            return parsed
        }
        let request = duration("request")
        let backendRequest = duration("backendRequest")
        if let request, let backendRequest, request.duration != .zero, backendRequest.duration > request.duration,
           let reader = mapping.value("backendRequest") {
            reader.reportInvalid("backendRequest timeout (\(backendRequest)) cannot be longer than request timeout (\(request))")
        }
        return HTTPRouteTimeouts(request: request, backendRequest: backendRequest)
    }
}
