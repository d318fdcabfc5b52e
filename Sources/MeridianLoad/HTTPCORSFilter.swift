// The CORS filter of HTTPRoute rules and backends (Gateway API `HTTPCORSFilter`, apis/v1
// httproute_types.go), with the CRD's validation: patterns, list sizes, sets, and `*` alone.

/// Which cross-origin requests are allowed, and the CORS response headers that say so.
public struct HTTPCORSFilter: Sendable, Hashable {
    /// Origins (`<scheme>://<host>(:<port>)`, the host may hold a `*` wildcard) or `*` alone.
    public var allowOrigins: [String]
    /// Whether `Access-Control-Allow-Credentials: true` is sent; nil when not written.
    public var allowCredentials: Bool?
    /// HTTP methods, or `*` alone.
    public var allowMethods: [String]
    /// Request header names, or `*` alone.
    public var allowHeaders: [String]
    /// Response header names exposed to scripts (may be `*`).
    public var exposeHeaders: [String]
    /// Seconds a preflight answer may be cached; 5 when not written.
    public var maxAge: Int

    /// Memberwise initializer; defaults mirror the API's defaults.
    public init(
        allowOrigins: [String] = [],
        allowCredentials: Bool? = nil,
        allowMethods: [String] = [],
        allowHeaders: [String] = [],
        exposeHeaders: [String] = [],
        maxAge: Int = 5
    ) {
        self.allowOrigins = allowOrigins
        self.allowCredentials = allowCredentials
        self.allowMethods = allowMethods
        self.allowHeaders = allowHeaders
        self.exposeHeaders = exposeHeaders
        self.maxAge = maxAge
    }
}

extension HTTPCORSFilter {
    /// `HTTPMethodWithWildcard`.
    static let methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"]

    static func decode(_ mapping: MappingReader) -> HTTPCORSFilter {
        let origins = set(mapping, "allowOrigins", maxItems: 64, wildcardMessage: "AllowOrigins cannot contain '*' alongside other origins") { item in
            item.string(maxLength: 253, problem: originProblem)
        }
        let allowMethods = set(mapping, "allowMethods", maxItems: 9, wildcardMessage: "AllowMethods cannot contain '*' alongside other methods") { item in
            item.string(problem: { Self.methods.contains($0) ? nil : "unsupported value \(quoted($0)); supported values: \(Self.methods.map { "\"\($0)\"" }.joined(separator: ", "))" })
        }
        let headers = set(mapping, "allowHeaders", maxItems: 64, wildcardMessage: "AllowHeaders cannot contain '*' alongside other methods") { item in
            item.string(problem: NameSyntax.headerNameProblem)
        }
        let exposed = set(mapping, "exposeHeaders", maxItems: 64, wildcardMessage: nil) { item in
            item.string(problem: NameSyntax.headerNameProblem)
        }
        return HTTPCORSFilter(
            allowOrigins: origins,
            allowCredentials: mapping.bool("allowCredentials"),
            allowMethods: allowMethods,
            allowHeaders: headers,
            exposeHeaders: exposed,
            maxAge: mapping.int("maxAge", range: 1...Int(Int32.max)) ?? 5
        )
    }

    /// A `+listType=set` list of strings: no duplicates, at most `maxItems`, and (with a
    /// message) `*` only on its own.
    private static func set(_ mapping: MappingReader, _ key: String, maxItems: Int, wildcardMessage: String?, item decode: (NodeReader) -> String?) -> [String] {
        var values: [String] = []
        var firstLine: [String: Int] = [:]
        for item in mapping.list(key, maxItems: maxItems) ?? [] {
            guard let value = decode(item) else { continue }
            if let line = firstLine[value] {
                item.report(.duplicateEntry, "duplicate value \(quoted(value)) (first at line \(line))")
                continue
            }
            firstLine[value] = item.location.line
            values.append(value)
        }
        if let wildcardMessage, values.contains("*"), values.count > 1, let list = mapping.value(key) {
            list.reportInvalid(wildcardMessage)
        }
        return values
    }

    /// `CORSOrigin`: `*`, or `http(s)://host(:port)` whose host may start with `*.` or be `*`.
    static func originProblem(_ text: String) -> String? {
        if text == "*" { return nil }
        let invalid = "invalid origin \(quoted(text)): must be \"*\" or <scheme>://<host>(:<port>) with scheme http or https"
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst("https://".count)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst("http://".count)
        } else {
            return invalid
        }
        var host = rest
        if let colon = rest.lastIndex(of: ":") {
            let port = rest[rest.index(after: colon)...]
            guard (1...5).contains(port.count), port.allSatisfy(\.isASCIIDigit) else { return invalid }
            host = rest[..<colon]
        }
        if host == "*" { return nil }
        if host.hasPrefix("*.") { host = host.dropFirst(2) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        let valid = labels.allSatisfy { label in
            !label.isEmpty && label.utf8.allSatisfy { NameSyntax.isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
        return valid ? nil : invalid
    }
}
