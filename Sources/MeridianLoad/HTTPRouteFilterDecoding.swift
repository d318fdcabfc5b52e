// Decoding and validation of HTTPRoute filters, following the upstream CRD schema and its
// CEL rules (gateway.networking.k8s.io standard channel).

/// The route kind whose filter list is decoded: a GRPCRoute allows a subset of the types.
enum FilterRouteKind {
    case httpRoute
    case grpcRoute

    /// The filter types the kind's CRD allows, in the order error messages list them.
    var allowedTypes: [HTTPRouteFilterType] {
        switch self {
        case .httpRoute: HTTPRouteFilterType.allCases
        case .grpcRoute: [.requestHeaderModifier, .responseHeaderModifier, .requestMirror, .extensionRef]
        }
    }
}

extension HTTPRouteFilter {
    /// Filter types that may appear at most once per list (CRD CEL rules).
    private static let unrepeatable: Set<HTTPRouteFilterType> = [
        .requestHeaderModifier, .responseHeaderModifier, .requestRedirect, .urlRewrite, .cors,
    ]

    /// Decodes a `filters` list and applies the list-level rules; each filter comes with its node.
    static func decodeList(_ items: [NodeReader], in routeKind: FilterRouteKind) -> [(filter: HTTPRouteFilter, item: NodeReader)] {
        var filters: [(filter: HTTPRouteFilter, item: NodeReader)] = []
        var firstLineOfType: [HTTPRouteFilterType: Int] = [:]
        for item in items {
            guard let mapping = item.mapping(), let filter = decode(mapping, in: routeKind) else { continue }
            if unrepeatable.contains(filter.type) {
                if let firstLine = firstLineOfType[filter.type] {
                    item.report(.duplicateEntry, "\(filter.type.rawValue) filter cannot be repeated (first at line \(firstLine))")
                } else {
                    firstLineOfType[filter.type] = item.location.line
                }
            }
            filters.append((filter, item))
        }
        HTTPHeaderFilter.checkHostRewrites(filters)
        let redirectsAndRewrites = filters.filter { $0.filter.type == .requestRedirect || $0.filter.type == .urlRewrite }
        if Set(redirectsAndRewrites.map(\.filter.type)).count == 2, let last = redirectsAndRewrites.last {
            last.item.reportInvalid("may specify either a RequestRedirect or a URLRewrite filter, but not both")
        }
        return filters
    }

    /// Keys of filter configurations, including `externalAuth`, which the CRD defines
    /// (experimental channel) but this loader does not support.
    private static let configurationKeys = HTTPRouteFilterType.allCases.map(\.configurationKey) + ["externalAuth"]

    static func decode(_ mapping: MappingReader, in routeKind: FilterRouteKind) -> HTTPRouteFilter? {
        let allowed = routeKind.allowedTypes
        // Which configuration belongs to the filter depends on its type: without a usable type
        // the other keys are not checked.
        guard let typeReader = mapping.value("type") else {
            mapping.reportMissing("type")
            mapping.leaveUnchecked()
            return nil
        }
        guard let typeName = typeReader.string() else {
            mapping.leaveUnchecked()
            return nil
        }
        guard let type = HTTPRouteFilterType(rawValue: typeName), allowed.contains(type) else {
            mapping.leaveUnchecked()
            typeReader.reportInvalid("unsupported value \(quoted(typeName)); supported values: \(allowed.map { quoted($0.rawValue) }.joined(separator: ", "))")
            return nil
        }
        for key in configurationKeys where key != type.configurationKey {
            guard let reader = mapping.value(key) else { continue }
            if routeKind == .grpcRoute, !allowed.map(\.configurationKey).contains(key) {
                reader.report(.unknownField, "unknown field (GRPCRoute filters have no \(key))")
            } else {
                reader.reportInvalid("must not be set when type is \(type.rawValue)")
            }
        }
        guard let configuration = mapping.value(type.configurationKey) else {
            mapping.reportMissing(type.configurationKey, "required when type is \(type.rawValue)")
            return nil
        }
        guard let config = configuration.mapping() else { return nil }
        switch type {
        case .requestHeaderModifier:
            return .requestHeaderModifier(HTTPHeaderFilter.decode(config, direction: .request))
        case .responseHeaderModifier:
            return .responseHeaderModifier(HTTPHeaderFilter.decode(config, direction: .response))
        case .requestMirror:
            return .requestMirror(HTTPRequestMirrorFilter.decode(config))
        case .requestRedirect:
            return .requestRedirect(HTTPRequestRedirectFilter.decode(config))
        case .urlRewrite:
            return .urlRewrite(HTTPURLRewriteFilter.decode(config))
        case .extensionRef:
            return .extensionRef(LocalObjectReference.decode(config))
        case .cors:
            return .cors(HTTPCORSFilter.decode(config))
        }
    }

    /// A prefix replacement needs exactly one PathPrefix match to replace (CRD CEL rules).
    static func checkPrefixReplacement(_ filters: [(filter: HTTPRouteFilter, item: NodeReader)], matches: [HTTPRouteMatch]) {
        guard !(matches.count == 1 && matches[0].path.type == .pathPrefix) else { return }
        for (filter, item) in filters {
            let name: String
            switch filter {
            case .requestRedirect(let redirect):
                guard case .replacePrefixMatch? = redirect.path else { continue }
                name = "RequestRedirect"
            case .urlRewrite(let rewrite):
                guard case .replacePrefixMatch? = rewrite.path else { continue }
                name = "URLRewrite"
            default:
                continue
            }
            item.reportInvalid("when using a \(name) filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified")
        }
    }
}

extension HTTPRequestMirrorFilter {
    static func decode(_ mapping: MappingReader) -> HTTPRequestMirrorFilter {
        let backendRef = mapping.mapping("backendRef", required: true).map(BackendObjectReference.decode)
            ?? BackendObjectReference(group: "", kind: "Service", name: "", namespace: nil, port: nil)
        let percent = mapping.int("percent", range: 0...100)
        var fraction: MirrorFraction?
        if let fractionMapping = mapping.mapping("fraction") {
            let numerator = fractionMapping.int("numerator", required: true, range: 0...Int(Int32.max)) ?? 0
            let denominator = fractionMapping.int("denominator", range: 1...Int(Int32.max)) ?? 100
            if numerator > denominator, let reader = fractionMapping.value("numerator") {
                reader.reportInvalid("must be less than or equal to denominator (\(denominator))")
            }
            fraction = MirrorFraction(numerator: numerator, denominator: denominator)
        }
        if mapping.has("percent") && mapping.has("fraction") {
            mapping.value("fraction")?.reportInvalid("only one of percent or fraction may be specified")
        }
        return HTTPRequestMirrorFilter(backendRef: backendRef, percent: percent, fraction: fraction)
    }
}

extension HTTPRequestRedirectFilter {
    static let supportedStatusCodes = [301, 302, 303, 307, 308]

    static func decode(_ mapping: MappingReader) -> HTTPRequestRedirectFilter {
        let scheme = mapping.string("scheme", problem: { scheme in
            ["http", "https"].contains(scheme) ? nil : "unsupported value \(quoted(scheme)); supported values: \"http\", \"https\""
        })
        var statusCode = 302
        if let reader = mapping.value("statusCode"), let code = reader.int() {
            if supportedStatusCodes.contains(code) {
                statusCode = code
            } else {
                reader.reportInvalid("unsupported value \(code); supported values: \(supportedStatusCodes.map(String.init).joined(separator: ", "))")
            }
        }
        return HTTPRequestRedirectFilter(
            scheme: scheme,
            hostname: mapping.string("hostname", problem: NameSyntax.preciseHostnameProblem),
            path: mapping.mapping("path").flatMap(HTTPPathModifier.decode),
            port: mapping.int("port", range: 1...65535),
            statusCode: statusCode
        )
    }
}

extension HTTPURLRewriteFilter {
    static func decode(_ mapping: MappingReader) -> HTTPURLRewriteFilter {
        HTTPURLRewriteFilter(
            hostname: mapping.string("hostname", problem: NameSyntax.preciseHostnameProblem),
            path: mapping.mapping("path").flatMap(HTTPPathModifier.decode)
        )
    }
}

extension HTTPPathModifier {
    private enum ModifierType: String, CaseIterable {
        case replaceFullPath = "ReplaceFullPath"
        case replacePrefixMatch = "ReplacePrefixMatch"
    }

    static func decode(_ mapping: MappingReader) -> HTTPPathModifier? {
        guard let type: ModifierType = mapping.enumValue("type", required: true) else {
            mapping.leaveUnchecked()
            return nil
        }
        let fullPath = mapping.string("replaceFullPath", allowEmpty: true, maxLength: 1024)
        let prefix = mapping.string("replacePrefixMatch", allowEmpty: true, maxLength: 1024)
        switch type {
        case .replaceFullPath:
            mapping.value("replacePrefixMatch")?.reportInvalid("must not be set when type is ReplaceFullPath")
            guard mapping.has("replaceFullPath") else {
                mapping.reportMissing("replaceFullPath", "required when type is ReplaceFullPath")
                return nil
            }
            return fullPath.map { .replaceFullPath($0) }
        case .replacePrefixMatch:
            mapping.value("replaceFullPath")?.reportInvalid("must not be set when type is ReplacePrefixMatch")
            guard mapping.has("replacePrefixMatch") else {
                mapping.reportMissing("replacePrefixMatch", "required when type is ReplacePrefixMatch")
                return nil
            }
            return prefix.map { .replacePrefixMatch($0) }
        }
    }
}
