// Decoding of RequestHeaderModifier and ResponseHeaderModifier filters: the CRD's rules,
// and the headers Envoy does not let a route touch.
//
// Envoy refuses a route whose `request_headers_to_add` / `response_headers_to_add` name
// `host` (any case) or a `:`-prefixed pseudo-header (":-prefixed or host headers may not
// be modified"), and whose `..._to_remove` lists do ("... may not be removed"):
// `HeaderUtility::isModifiableHeader` and `isRemovableHeader`, used by
// `source/common/router/header_parser.cc`. It also refuses header values containing
// CR, LF or NUL (the `HTTP_HEADER_VALUE` rule of `HeaderValue.value`). Meridian's answer:
//
// * RequestHeaderModifier `set: Host` is a host rewrite (`host_rewrite_literal`), as a
//   URLRewrite `hostname` is; a rule with both is refused, naming both.
// * `add: Host` is refused: a request has exactly one Host, so there is nothing to add
//   a second value to; `set` says what is meant.
// * `remove: Host`, and Host in a ResponseHeaderModifier, are refused with Envoy's reason.
// * Pseudo-headers cannot be written at all: `:` is not an HTTP token character.

extension HTTPHeaderFilter {
    static let maxEntries = 16

    /// Which message a header filter changes.
    enum Direction {
        case request
        case response
    }

    static func decode(_ mapping: MappingReader, direction: Direction) -> HTTPHeaderFilter {
        func headers(_ key: String) -> [HTTPHeader] {
            var result: [HTTPHeader] = []
            var firstLineOfName: [String: Int] = [:]
            for item in mapping.list(key, maxItems: maxEntries) ?? [] {
                guard let header = item.mapping() else { continue }
                let name = header.string("name", required: true, problem: { nameProblem($0, key: key, direction: direction) }) ?? ""
                let value = header.string("value", required: true, maxLength: 4096, problem: valueProblem) ?? ""
                if let nameReader = header.value("name"), !name.isEmpty {
                    if let firstLine = firstLineOfName[name.lowercased()] {
                        nameReader.report(.duplicateEntry, "duplicate header name \(quoted(name)) (first at line \(firstLine))")
                    } else {
                        firstLineOfName[name.lowercased()] = nameReader.location.line
                    }
                }
                result.append(HTTPHeader(name: name, value: value))
            }
            return result
        }
        var remove: [String] = []
        var firstLineOfRemoved: [String: Int] = [:]
        for item in mapping.list("remove", maxItems: maxEntries) ?? [] {
            guard let name = item.string(problem: { nameProblem($0, key: "remove", direction: direction) }) else { continue }
            if let firstLine = firstLineOfRemoved[name.lowercased()] {
                item.report(.duplicateEntry, "duplicate header name \(quoted(name)) (first at line \(firstLine))")
            } else {
                firstLineOfRemoved[name.lowercased()] = item.location.line
            }
            remove.append(name)
        }
        return HTTPHeaderFilter(set: headers("set"), add: headers("add"), remove: remove)
    }

    /// The CRD's header name rule, then what Envoy refuses for `key` (`set`, `add` or `remove`).
    static func nameProblem(_ name: String, key: String, direction: Direction) -> String? {
        if name.hasPrefix(":") {
            return "\(quoted(name)) is a pseudo-header: Envoy does not let a route change `:`-prefixed headers (URLRewrite changes the host and path)"
        }
        if let problem = NameSyntax.headerNameProblem(name) { return problem }
        guard name.lowercased() == "host" else { return nil }
        switch (direction, key) {
        case (.request, "set"):
            return nil
        case (.request, "add"):
            return "a request has exactly one Host, so none can be added; use set, which rewrites the host as URLRewrite hostname does"
        case (.request, _):
            return "Host cannot be removed: Envoy refuses it (\":-prefixed or host headers may not be removed\")"
        case (.response, "remove"):
            return "Envoy does not let a route remove Host from a response (\":-prefixed or host headers may not be removed\")"
        case (.response, _):
            return "Envoy does not let a route set Host on a response (\":-prefixed or host headers may not be modified\")"
        }
    }

    /// Envoy refuses header values with CR, LF or NUL (`HTTP_HEADER_VALUE`).
    static func valueProblem(_ value: String) -> String? {
        let forbidden: Set<Unicode.Scalar> = ["\r", "\n", "\0"]
        guard value.unicodeScalars.contains(where: forbidden.contains) else { return nil }
        return "must not contain CR, LF or NUL: Envoy refuses such header values"
    }

    /// The host a RequestHeaderModifier sets, if it sets one: Meridian's host rewrite.
    public var hostRewrite: String? {
        self.set.first { $0.name.lowercased() == "host" }?.value
    }

    /// Refuses a list of filters where both a RequestHeaderModifier `set: Host` and a
    /// URLRewrite `hostname` rewrite the host; the error is at the Host entry and names the hostname.
    static func checkHostRewrites(_ filters: [(filter: HTTPRouteFilter, item: NodeReader)]) {
        var hostEntry: NodeReader?
        var hostname: NodeReader?
        for (filter, item) in filters {
            switch filter {
            case .requestHeaderModifier(let modifier) where modifier.hostRewrite != nil:
                hostEntry = item.quietValue("requestHeaderModifier")?.quietValue("set")?.quietItems()
                    .first { $0.quietValue("name")?.node.scalar?.text.lowercased() == "host" }?.quietValue("name")
            case .urlRewrite(let rewrite) where rewrite.hostname != nil:
                hostname = item.quietValue("urlRewrite")?.quietValue("hostname")
            default:
                continue
            }
        }
        guard let hostEntry, let hostname else { return }
        hostEntry.reportInvalid(
            "setting Host rewrites the host, and so does the URLRewrite hostname at \(hostname.path) (line \(hostname.location.line)); a rule can rewrite the host only once"
        )
    }
}

extension NodeReader {
    /// The value of `key` when this node is a mapping that has it; reports nothing
    /// (for looking again at nodes that were already decoded and reported).
    fileprivate func quietValue(_ key: String) -> NodeReader? {
        guard case .mapping(let entries) = node.content else { return nil }
        return MappingReader(node: node, entries: entries, path: path, diagnostics: diagnostics).value(key)
    }

    /// The items when this node is a sequence; reports nothing.
    fileprivate func quietItems() -> [NodeReader] {
        guard case .sequence(let items) = node.content else { return [] }
        return items.enumerated().map { NodeReader(node: $1, path: path.index($0), diagnostics: diagnostics) }
    }
}
