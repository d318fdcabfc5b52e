import Testing

@Suite("Conformance: listener isolation", .timeLimit(.minutes(5)))
struct GatewayListenerIsolationConformance {
    /// Each host reaches only the routes of the most specific listener matching it.
    static let cases: [ExpectedResponse] = {
        let hosts = ["bar.com": "/empty-hostname", "bar.example.com": "/wildcard-example-com", "bar.foo.example.com": "/wildcard-foo-example-com", "abc.foo.example.com": "/abc-foo-example-com"]
        let paths = ["/empty-hostname", "/wildcard-example-com", "/wildcard-foo-example-com", "/abc-foo-example-com"]
        return hosts.sorted { $0.key < $1.key }.flatMap { host, served in
            paths.map { path in
                path == served
                    ? request(path, host: host, backend: v1, namespace: infra)
                    : request(path, host: host, status: 404)
            }
        }
    }()

    @Test func GatewayHTTPListenerIsolation() async throws {
        try await conformance("GatewayHTTPListenerIsolation", manifests: ["gateway-http-listener-isolation.yaml", "gateway-http-listener-isolation-with-hostname-intersection.yaml"]) { t in
            // Host names configured only in listeners.
            let gateway = nn(infra, "http-listener-isolation")
            let routes = ["attaches-to-empty-hostname", "attaches-to-wildcard-example-com", "attaches-to-wildcard-foo-example-com", "attaches-to-abc-foo-example-com"]
            let address = try await acceptedWithRefs(t, gateway, routes.map { nn(infra, $0) })
            await t.expectAll(address, Self.cases)

            // Intersecting host names in listeners and routes.
            let intersecting = nn(infra, "http-listener-isolation-with-hostname-intersection")
            let intersectingAddress = try await acceptedWithRefs(t, intersecting, routes.map { nn(infra, $0 + "-with-hostname-intersection") })
            await t.expectAll(intersectingAddress, Self.cases)
        }
    }
}
