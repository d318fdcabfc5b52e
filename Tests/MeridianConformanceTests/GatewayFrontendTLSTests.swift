import Testing

/// A Gateway's `spec.tls.frontend` (client certificate validation, GEP-91): requests over TLS
/// presenting the suite's client certificates (`SuiteSecrets`), and listener statuses.
@Suite("Conformance: client certificate validation", .timeLimit(.minutes(5)))
struct GatewayFrontendTLSConformance {
    static let resolvedAcceptedProgrammed: [ConformanceTest.ExpectedCondition] = [.init("ResolvedRefs", "True"), .init("Accepted", "True"), .init("Programmed", "True")]

    /// Listener conditions of a listener whose only CA reference is unusable for `reason`.
    static func noValidCA(_ reason: String) -> [ConformanceTest.ExpectedCondition] {
        [.init("ResolvedRefs", "False", reason), .init("Accepted", "False", "NoValidCACertificate"), .init("Programmed", "False")]
    }

    @Test func GatewayFrontendClientCertificateValidation() async throws {
        try await conformance("GatewayFrontendClientCertificateValidation", manifests: ["gateway-with-clientcertificate-validation.yaml"]) { t in
            let gateway = nn(infra, "client-validation-default")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "client-certificate-validation-https-test"), nn(infra, "client-certificate-validation-https-test-no-hostname")])
            let server = try t.validityChecksCertificateFile()
            let client = try t.clientCertificateFiles("tls-validity-checks-client-certificate", SuiteSecrets.validityChecksClient)
            let perPortClient = try t.clientCertificateFiles("tls-validity-checks-per-port-client-certificate", SuiteSecrets.perPortClient)

            // Validate default configuration (port 443).
            let defaultAddress = address.at(port: 443)
            await t.expect(defaultAddress.https(serverName: "example.org", caFile: server, clientCertificate: client),
                           request("/", host: "example.org", backend: v1, namespace: infra, status: 200))
            await t.expectTLSFailure(defaultAddress.https(serverName: "example.org", caFile: server, clientCertificate: perPortClient),
                                     .init(host: "example.org", path: "/"))

            // Validate per port configuration (port 8443).
            let perPortAddress = address.at(port: 8443)
            await t.expect(perPortAddress.https(serverName: "second-example.org", caFile: server, clientCertificate: perPortClient),
                           request("/", host: "second-example.org", backend: v2, namespace: infra, status: 200))
            await t.expectTLSFailure(perPortAddress.https(serverName: "second-example.org", caFile: server, clientCertificate: client),
                                     .init(host: "second-example.org", path: "/"))
        }
    }

    @Test func GatewayFrontendClientCertificateValidationInsecureFallback() async throws {
        try await conformance("GatewayFrontendClientCertificateValidationInsecureFallback", manifests: ["gateway-with-clientcertificate-validation-insecure-fallback.yaml"]) { t in
            let gateway = nn(infra, "client-validation-insecure-fallback")
            let address = try await acceptedWithRefs(t, gateway, [nn(infra, "client-cert-validation-insecure-fallback-test"), nn(infra, "client-cert-validation-insecure-fallback-test-no-hostname")])
            t.gatewayMustHaveCondition(gateway, .init("InsecureFrontendValidationMode", "True", "ConfigurationChanged"))
            let server = try t.validityChecksCertificateFile()
            let client = try t.clientCertificateFiles("tls-validity-checks-client-certificate", SuiteSecrets.validityChecksClient)
            let perPortClient = try t.clientCertificateFiles("tls-validity-checks-per-port-client-certificate", SuiteSecrets.perPortClient)

            // Each port lets in its own client, the other port's client, and a client without a certificate.
            for (port, host, backend, own, other) in [(443, "example.org", v1, client, perPortClient), (8443, "second-example.org", v2, perPortClient, client)] {
                let target = address.at(port: port)
                for (label, certificate) in [("matching", Optional(own)), ("non-matching", Optional(other)), ("no", nil)] {
                    await t.expect(target.https(serverName: host, caFile: server, clientCertificate: certificate),
                                   request("/", host: host, backend: backend, namespace: infra, status: 200,
                                           name: "port \(port), \(label) client certificate: \(host) should go to \(backend)"))
                }
            }
        }
    }

    @Test func GatewayFrontendInvalidDefaultClientCertificateValidation() async throws {
        try await conformance("GatewayFrontendInvalidDefaultClientCertificateValidation", manifests: ["gateway-invalid-default-frontend-client-certificate-validation.yaml"]) { t in
            let gateway = nn(infra, "invalid-default-client-validation-config")
            let address = try await t.address(gateway)
            let server = try t.validityChecksCertificateFile()

            // The TLS configuration does not impact the HTTP listener (a perPort entry for port 80 included).
            t.gatewayListenersMustHaveConditions(gateway, Self.resolvedAcceptedProgrammed, listeners: ["http"])
            await t.expect(address.at(port: 80), request("/", host: "example.org", backend: v1, namespace: infra, status: 200))

            // The invalid default configuration refuses the HTTPS listener.
            t.gatewayListenersMustHaveConditions(gateway, Self.noValidCA("InvalidCACertificateRef"), listeners: ["https"])
            await t.expectTLSFailure(address.at(port: 443).https(serverName: "example.org", caFile: server), .init(host: "example.org", path: "/"))
        }
    }

    @Test func GatewayInvalidFrontendClientCertificateValidation() async throws {
        try await conformance("GatewayInvalidFrontendClientCertificateValidation", manifests: ["gateway-with-invalid-clientcertificate-validation.yaml"]) { t in
            // Invalid default and perPort configurations affect only the status of their listeners.
            let gateway = nn(infra, "gateway-with-invalid-client-cert-validation")
            let cases: [(listener: String, conditions: [ConformanceTest.ExpectedCondition])] = [
                ("https", Self.resolvedAcceptedProgrammed),
                ("https-unresolved", Self.noValidCA("InvalidCACertificateRef")),
                ("https-invalid-kind", Self.noValidCA("InvalidCACertificateKind")),
                ("https-grant-missing", Self.noValidCA("RefNotPermitted")),
            ]
            for (listener, conditions) in cases {
                t.gatewayListenersMustHaveConditions(gateway, conditions, listeners: [listener])
            }
        }
    }
}
