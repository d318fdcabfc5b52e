import MeridianIR
import MeridianLoad

/// A Gateway API `CORS` filter as the proxy's CORS policy.
enum CORSCompilation {
    static func policy(_ filter: HTTPCORSFilter) -> CORSPolicy {
        let credentials = filter.allowCredentials ?? false
        // With credentials a `*` cannot be sent as Access-Control-Expose-Headers (browsers read
        // it as a header name then), and the names it stands for are unknown: only the
        // CORS-safelisted response headers stay exposed.
        let exposed = credentials && filter.exposeHeaders.contains("*") ? [] : filter.exposeHeaders
        return CORSPolicy(
            allowOrigins: filter.allowOrigins.map(originMatch),
            allowMethods: filter.allowMethods,
            allowHeaders: filter.allowHeaders,
            exposeHeaders: exposed,
            maxAgeSeconds: filter.maxAge,
            allowCredentials: credentials
        )
    }

    /// An allowed origin as a match on the request's `Origin` header. `*` alone allows every
    /// origin; a `*` in the host is greedy to the left: any number of DNS labels, so
    /// `https://*.bar.com` allows `https://www.bar.com` and `https://a.www.bar.com`.
    static func originMatch(_ origin: String) -> StringMatch {
        if origin == "*" { return .regularExpression(".*") }
        guard let schemeEnd = origin.firstRange(of: "://"), origin.contains("*") else { return .exact(origin) }
        let scheme = origin[..<schemeEnd.lowerBound]
        var host = origin[schemeEnd.upperBound...]
        var port = ""
        if let colon = host.lastIndex(of: ":") {
            port = String(host[colon...])
            host = host[..<colon]
        }
        let labels = "[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*"
        let hostPattern = host == "*" ? labels : labels + escape(String(host.dropFirst()))
        return .regularExpression("^" + escape(String(scheme)) + "://" + hostPattern + escape(port) + "$")
    }

    private static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "\\.+*?()|[]{}^$".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
