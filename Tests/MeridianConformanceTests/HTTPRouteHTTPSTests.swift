import Testing

/// HTTPS listeners: requests over TLS with a chosen server name (SNI) and Host header, the
/// server certificate checked against the suite's `tls-validity-checks-certificate`.
@Suite("Conformance: HTTPS listeners", .timeLimit(.minutes(5)))
struct HTTPRouteHTTPSConformance {
    @Test func HTTPRouteHTTPSListener() async throws {
        try await conformance("HTTPRouteHTTPSListener", manifests: ["httproute-https-listener.yaml"]) { t in
            let gateway = nn(infra, "same-namespace-with-https-listener")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "httproute-https-test"), nn(infra, "httproute-https-test-no-hostname")])
            let ca = try t.validityChecksCertificateFile()
            for (host, status, backend) in [("example.org", 200, v1), ("unknown-example.org", 404, ""), ("second-example.org", 200, v2)] {
                await t.expect(address.https(serverName: host, caFile: ca), request("/", host: host, backend: backend, namespace: infra, status: status))
            }
        }
    }

    @Test func HTTPRouteHTTPSListenerDetectMisdirectedRequests() async throws {
        try await conformance("HTTPRouteHTTPSListenerDetectMisdirectedRequests", manifests: ["httproute-https-listener-detect-misdirected-requests.yaml"]) { t in
            let gateway = nn(infra, "same-namespace-with-https-listener")
            let routes = (1...4).map { nn(infra, "https-listener-detect-misdirected-requests-test-\($0)") }
            let address = try await acceptedWithRefs(t, gateway, routes)
            let ca = try t.validityChecksCertificateFile()
            let cases: [(serverName: String, host: String, status: Int, backend: String)] = [
                ("example.org", "example.org", 200, v1),
                ("example.org", "second-example.org", 421, ""),
                ("example.org", "unknown-example.org", 404, ""),
                ("second-example.org", "second-example.org", 200, v2),
                ("second-example.org", "example.org", 421, ""),
                ("second-example.org", "unknown-example.org", 421, ""),
                ("third-example.wildcard.org", "third-example.wildcard.org", 200, v3),
                ("third-example.wildcard.org", "fith-example.wildcard.org", 200, v3),
                ("third-example.wildcard.org", "fourth-example.wildcard.org", 421, ""),
                ("third-example.wildcard.org", "second-example.org", 421, ""),
                ("third-example.wildcard.org", "unknown-example.org", 421, ""),
                // infra-backend-v4 does not exist: the fourth route reuses v1 (as upstream notes).
                ("fourth-example.wildcard.org", "fourth-example.wildcard.org", 200, v1),
                ("fourth-example.wildcard.org", "fith-example.wildcard.org", 421, ""),
                ("unknown-example.org", "example.org", 200, v1),
                ("unknown-example.org", "unknown-example.org", 404, ""),
            ]
            await withTaskGroup(of: Void.self) { group in
                for (index, c) in cases.enumerated() {
                    group.addTask {
                        await t.expect(address.https(serverName: c.serverName, caFile: ca, http2: true),
                                       request("/detect-misdirected-requests", host: c.host, backend: c.backend, namespace: infra, status: c.status,
                                               name: "\(index): SNI \(c.serverName), Host \(c.host) should get \(c.status)\(c.backend.isEmpty ? "" : " from \(c.backend)")"))
                    }
                }
            }
        }
    }
}
