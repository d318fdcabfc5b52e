/// Gateway API host name rules: exact names and `*.` wildcards that match one or more labels.
enum HostnameIntersection {
    /// The host names a route serves on a listener: the intersection of the
    /// listener's host name (nil: any) with the route's (empty: any).
    /// `["*"]` means any host; an empty result means they do not overlap.
    static func intersect(listener: String?, route: [String]) -> [String] {
        guard let listener else { return route.isEmpty ? ["*"] : route }
        guard !route.isEmpty else { return [listener] }
        var result: [String] = []
        for hostname in route {
            if let common = intersect(listener, hostname), !result.contains(common) { result.append(common) }
        }
        return result
    }

    /// The host names two lists (as `intersect` returns them; `*` is any host) share: the
    /// narrower of each overlapping pair.
    static func shared(_ a: [String], _ b: [String]) -> [String] {
        var result: [String] = []
        for first in a {
            for second in b {
                let common = first == "*" ? second : second == "*" ? first : intersect(first, second)
                if let common, !result.contains(common) { result.append(common) }
            }
        }
        return result
    }

    /// The narrower of two host names when one covers the other, else nil.
    static func intersect(_ a: String, _ b: String) -> String? {
        if a == b { return a }
        if matches(pattern: a, hostname: b) { return b }
        if matches(pattern: b, hostname: a) { return a }
        return nil
    }

    /// Whether `pattern` (exact, or `*.suffix`) covers `hostname` (exact or wildcard).
    static func matches(pattern: String, hostname: String) -> Bool {
        guard pattern.hasPrefix("*.") else { return pattern == hostname }
        let suffix = pattern.dropFirst(1)  // ".example.com"
        if hostname.hasPrefix("*.") {
            return hostname.dropFirst(1).hasSuffix(suffix) && hostname.count > pattern.count
        }
        return hostname.hasSuffix(suffix) && hostname.count > suffix.count
    }
}
