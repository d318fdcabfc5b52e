import MeridianIR

/// What Envoy does to the path and host of a request it forwards or redirects, as the encoder
/// configures it (`RouteActionEncoding`), so the explanation can show the resulting path and
/// the `Location` of a redirect.
enum EnvoyRewrites {
    /// The path after `rewrite`, for a request whose route matched with `match`.
    ///
    /// `ReplaceFullPath` is a `regex_rewrite` of `^/.*$` (forwarding) or a `path_redirect`
    /// (redirects): the path before the query becomes the replacement, the query stays.
    /// `ReplacePrefixMatch` is a `prefix_rewrite` of the matched prefix, trailing slashes of
    /// the replacement dropped; with `/` as replacement it is a `regex_rewrite` of
    /// `^prefix/*` to `/`, so the separator after the prefix goes too.
    static func path(_ path: String, rewrite: PathRewrite, match: PathMatch) -> String {
        let end = path.firstIndex { $0 == "?" || $0 == "#" } ?? path.endIndex
        let (justPath, rest) = (path[..<end], path[end...])
        switch rewrite {
        case .fullPath(let replacement):
            return replacement + rest
        case .prefix(let replacement):
            let rewrite = PrefixReplacement(replacement, match: match)
            let (matched, trimmed) = (rewrite.matched, rewrite.replacement)
            // Bytes, as Envoy replaces them.
            if rewrite.stripsSeparators {
                guard justPath.utf8.starts(with: matched.utf8) else { return path }
                let after = justPath.utf8.dropFirst(matched.utf8.count).drop { $0 == UInt8(ascii: "/") }
                return "/" + String(decoding: after, as: UTF8.self) + rest
            }
            guard path.utf8.starts(with: matched.utf8) else { return path }
            return trimmed + String(decoding: path.utf8.dropFirst(matched.utf8.count), as: UTF8.self)
        }
    }

    /// The `Location` Envoy writes for `redirect` (`Http::Utility::newUri`): the scheme (the
    /// request's when not redirected); the port (`port_redirect`, literally); the host (the
    /// redirect's, else the request's `Host`, whose port is dropped when a port is given, or
    /// when the scheme changes away from the port's own, `:80` for http and `:443` for
    /// https); the path, rewritten as configured, with the request's query.
    static func location(_ redirect: Redirect, match: PathMatch, request: RoutedRequest) -> String {
        let scheme = redirect.scheme ?? request.scheme
        let port = redirect.port.map { ":\($0)" } ?? ""
        let host = redirect.hostname ?? requestHost(request, newScheme: scheme, newPort: port)
        var finalPath = request.path
        switch redirect.path {
        case .fullPath(let replacement)?:
            // A `path_redirect` without a query keeps the request's query.
            if replacement.contains("?") {
                finalPath = replacement
            } else {
                finalPath = replacement + (request.path.firstIndex(of: "?").map { String(request.path[$0...]) } ?? "")
            }
        case .prefix(let replacement)?:
            finalPath = Self.path(request.path, rewrite: .prefix(replacement), match: match)
        case nil:
            break
        }
        if !finalPath.hasPrefix("/") { finalPath = "/" + finalPath }
        return "\(scheme)://\(host)\(port)\(finalPath)"
    }

    /// Envoy's `processRequestHost`.
    private static func requestHost(_ request: RoutedRequest, newScheme: String, newPort: String) -> String {
        let host = request.authority
        guard !host.isEmpty else { return host }
        let portStart: String.Index?
        if host.hasPrefix("[") {
            // The last `]:`, at its `:`.
            portStart = host.indices.reversed().first { $0 > host.startIndex && host[$0] == ":" && host[host.index(before: $0)] == "]" }
        } else {
            portStart = host.lastIndex(of: ":")
        }
        guard let portStart else { return host }
        let requestPort = host[portStart...]
        let requestProtocol = request.headerValue("x-forwarded-proto") ?? request.scheme
        var removePort = !newPort.isEmpty
        if newScheme != requestProtocol {
            removePort = removePort || (requestProtocol == "https" && requestPort == ":443") || (requestProtocol == "http" && requestPort == ":80")
        }
        return removePort ? String(host[..<portStart]) : host
    }
}
