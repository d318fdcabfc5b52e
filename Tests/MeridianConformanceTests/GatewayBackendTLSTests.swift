import Testing

/// Gateway `spec.tls.backend.clientCertificateRef`: the certificate the Gateway presents to TLS
/// backends (a BackendTLSPolicy's), and the Gateway's `ResolvedRefs` for unusable references.
/// The `tls-backend-with-client-cert-validation` echo pod asks for a client certificate from the
/// suite's `tls-checks-ca-certificate` CA (echo-basic's `TLS_CLIENT_CACERTS`) and reports what it
/// got in `tls.peerCertificates`.
@Suite("Conformance: Gateway backend client certificates", .timeLimit(.minutes(5)))
struct GatewayBackendTLSConformance {
    @Test func GatewayTLSBackendClientCertificate() async throws {
        try await conformance("GatewayTLSBackendClientCertificate", manifests: ["gateway-tls-backend-client-certificate.yaml"], generations: true) { t in
            let route = nn(infra, "gateway-tls-backend-client-certificate")
            let gateway = nn(infra, "gateway-tls-backend-client-certificate")
            let policy = nn(infra, "gateway-tls-backend-client-certificate-test")
            t.namespacesMustBeReady([infra])
            let address = try await t.gatewayAndRoutesMustBeAccepted(gateway, routes: [route])
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))
            t.policyMustHaveCondition(policy, gateway: gateway, .init("Accepted", "True", "Accepted"))
            t.gatewayMustHaveCondition(gateway, .init("ResolvedRefs", "True", "ResolvedRefs"))

            // "HTTP request sent to Service using TLS should succeed and the configured client
            // certificate should be presented." (upstream reads the Secret back: GetTLSSecret)
            let clientCertificate = SuiteSecrets.checksClient.certificatePEM
            if clientCertificate.isEmpty { t.fail("missing required server certificate pem for the test") }
            var expected = request("/", host: "abc.example.com", namespace: infra, statuses: [200])
            expected.request.sni = "abc.example.com"
            expected.request.clientCert = clientCertificate
            await t.expect(address, expected)
        }
    }

    @Test func GatewayInvalidTLSBackendConfiguration() async throws {
        try await conformance("GatewayInvalidTLSBackendConfiguration", manifests: ["gateway-invalid-tls-backend-configuration.yaml"], generations: true) { t in
            let cases: [(gateway: String, reason: String)] = [
                ("gateway-client-certificate-nonexistent-secret", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-unsupported-group", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-unsupported-kind", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-malformed-secret", "InvalidClientCertificateRef"),
                ("gateway-client-certificate-missing-reference-grant", "RefNotPermitted"),
            ]
            for (name, reason) in cases {
                let gateway = nn(infra, name)
                t.gatewayMustHaveLatestConditions(gateway)
                t.gatewayMustHaveCondition(gateway, .init("ResolvedRefs", "False", reason))
                t.gatewayMustHaveCondition(gateway, .init("Accepted", "True", "Accepted"))
            }
        }
    }
}
