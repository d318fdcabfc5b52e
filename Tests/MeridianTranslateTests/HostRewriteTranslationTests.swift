import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// RequestHeaderModifier `set: Host` is the rule's host rewrite, never a header Envoy would refuse.
@Suite("Host set by a header modifier")
struct HostRewriteTranslationTests {
    @Test("set Host becomes the host rewrite; the other headers stay headers, and a path rewrite is kept")
    func setHostIsRewrite() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(path: "/api", rule: """
        filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: {set: [{name: Host, value: internal.example.com}, {name: x-tier, value: gold}]}
          - type: URLRewrite
            urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}
        """)
        let route = try #require(translate(yaml).route("ns/r"))
        #expect(route.rewrite == URLRewrite(hostname: "internal.example.com", path: .prefix("/v2")))
        #expect(route.requestHeaders == HeaderModifications(overwrite: [HeaderValue(name: "x-tier", value: "gold")]))
    }

    @Test("without a URLRewrite filter, set Host alone rewrites the host")
    func setHostAlone() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(rule: """
        filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: {set: [{name: HOST, value: a.example.com}]}
        """)
        let route = try #require(translate(yaml).route("ns/r"))
        #expect(route.rewrite == URLRewrite(hostname: "a.example.com"))
        #expect(route.requestHeaders.isEmpty)
    }
}
