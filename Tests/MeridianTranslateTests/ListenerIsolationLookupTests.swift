@testable import MeridianTranslate
import Testing

/// Virtual hosts look up routes by the host names that can cover their domain, instead of
/// scanning every route for every domain (quadratic with thousands of host names). The lookup
/// is only sound if that list is complete: every host name `covers` accepts must be in it.
@Suite("Listener isolation: host name lookup")
struct ListenerIsolationLookupTests {
    static let labels = ["a", "b", "example", "com", "x-y", "*"]

    /// Host names from a small alphabet of labels, so that many pairs cover each other.
    static func hostnames() -> [String] {
        var names: Set<String> = ["*"]
        for first in labels {
            for second in labels where second != "*" {
                names.insert("\(first).\(second)")
                for third in labels where third != "*" { names.insert("\(first).\(second).\(third)") }
            }
        }
        return names.sorted()
    }

    @Test("Every host name that covers a domain is among the domain's covering patterns")
    func coveringPatternsAreComplete() {
        let names = Self.hostnames()
        var coveringPairs = 0
        for domain in names {
            let patterns = Set(ListenerIsolation.coveringPatterns(of: domain))
            for pattern in names where ListenerIsolation.covers(pattern, domain) {
                coveringPairs += 1
                #expect(patterns.contains(pattern), "\(pattern) covers \(domain) but is not looked up")
            }
        }
        // The alphabet yields wildcard, suffix and catch-all cover relations, not just identity.
        #expect(coveringPairs > names.count * 2)
    }

    @Test("Covering patterns of a few domains", arguments: [
        ("a.example.com", ["*", "*.com", "*.example.com", "a.example.com"]),
        ("*.example.com", ["*", "*.com", "*.example.com"]),
        ("*", ["*"]),
        ("localhost", ["*", "localhost"]),
    ])
    func coveringPatterns(domain: String, expected: [String]) {
        #expect(ListenerIsolation.coveringPatterns(of: domain).sorted() == expected)
    }
}
