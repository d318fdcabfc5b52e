// The parts HTTPRoute and GRPCRoute specs share (the CRDs' CommonRouteSpec, hostnames,
// rule names, header matches), decoded and validated once for both kinds.

enum RouteSpecDecoding {
    /// `parentRefs`, with the CRD's rule on several references to the same parent.
    static func parentRefs(_ spec: MappingReader, maxItems: Int) -> [ParentReference] {
        var parentRefs: [(reference: ParentReference, mapping: MappingReader)] = []
        for item in spec.list("parentRefs", maxItems: maxItems) ?? [] {
            if let mapping = item.mapping() {
                parentRefs.append((ParentReference.decode(mapping), mapping))
            }
        }
        checkParentSections(parentRefs)
        return parentRefs.map(\.reference)
    }

    /// `hostnames`: precise or `*.` wildcard host names.
    static func hostnames(_ spec: MappingReader, maxItems: Int) -> [String] {
        var hostnames: [String] = []
        for item in spec.list("hostnames", maxItems: maxItems) ?? [] {
            if let hostname = item.string(problem: NameSyntax.hostnameProblem) {
                hostnames.append(hostname)
            }
        }
        return hostnames
    }

    /// The CRD's limit on matches across all rules.
    static func checkTotalMatches(_ total: Int, spec: MappingReader, maximum: Int) {
        if total > maximum, let rulesReader = spec.value("rules") {
            rulesReader.report(
                .tooMany,
                "the total number of matches across all rules must be at most \(maximum), got \(total)"
            )
        }
    }

    /// Rule names seen so far: a rule name must be unique within its route.
    struct RuleNames {
        private var firstLineOfName: [String: Int] = [:]

        mutating func check(_ name: String?, in rule: MappingReader) {
            guard let name, let nameReader = rule.value("name") else { return }
            if let firstLine = firstLineOfName[name] {
                nameReader.report(.duplicateEntry, "duplicate rule name \(quoted(name)) (first at line \(firstLine))")
            } else {
                firstLineOfName[name] = nameReader.location.line
            }
        }
    }

    /// Two references to the same parent must both name distinct sections (CRD CEL rules).
    private static func checkParentSections(_ references: [(reference: ParentReference, mapping: MappingReader)]) {
        for (index, (reference, mapping)) in references.enumerated() {
            for (earlier, _) in references[..<index] {
                guard earlier.group == reference.group, earlier.kind == reference.kind, earlier.name == reference.name,
                      (earlier.namespace ?? "") == (reference.namespace ?? "") else { continue }
                let otherLine = earlier.source.location.line
                if (earlier.sectionName == nil) != (reference.sectionName == nil) {
                    mapping.report(
                        .invalidValue,
                        "sectionName must be specified when parentRefs includes 2 or more references to the same parent (other reference at line \(otherLine))"
                    )
                    break
                }
                if earlier.sectionName == reference.sectionName {
                    mapping.report(
                        .duplicateEntry,
                        "sectionName must be unique when parentRefs includes 2 or more references to the same parent (other reference at line \(otherLine))"
                    )
                    break
                }
            }
        }
    }
}

extension HTTPHeaderMatch {
    /// A `headers` list of a match; names are unique, case-insensitively.
    static func decodeList(_ items: [NodeReader]) -> [HTTPHeaderMatch] {
        var headers: [HTTPHeaderMatch] = []
        var firstLineOfHeader: [String: Int] = [:]
        for item in items {
            guard let headerMapping = item.mapping() else { continue }
            let type: StringMatchType = headerMapping.enumValue("type") ?? .exact
            let header = HTTPHeaderMatch(
                type: type,
                name: headerMapping.string("name", required: true, problem: NameSyntax.headerNameProblem) ?? "",
                // A RegularExpression value is checked with RE2 as Envoy checks it.
                value: headerMapping.string("value", required: true, maxLength: 4096, problem: type.valueProblem) ?? ""
            )
            if let nameReader = headerMapping.value("name"), !header.name.isEmpty {
                // Header names are case-insensitive, so `X-Model` and `x-model` collide.
                let key = header.name.lowercased()
                if let firstLine = firstLineOfHeader[key] {
                    nameReader.report(.duplicateEntry, "duplicate header name \(quoted(header.name)) (first at line \(firstLine))")
                } else {
                    firstLineOfHeader[key] = nameReader.location.line
                }
            }
            headers.append(header)
        }
        return headers
    }
}
