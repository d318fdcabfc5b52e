import Testing

/// HTTPS listener status: certificate references and the ReferenceGrants that permit them.
/// The suite's Secrets (`SuiteSecrets`) are in every environment, as upstream creates them at setup.
@Suite("Conformance: HTTPS listener certificates", .timeLimit(.minutes(5)))
struct GatewayTLSStatusConformance {
    static let refNotPermitted: [ConformanceTest.ExpectedCondition] = [.init("ResolvedRefs", "False", "RefNotPermitted")]
    static let programmed: [ConformanceTest.ExpectedCondition] = [.init("Programmed", "True", "Programmed"), .init("ResolvedRefs", "True")]

    @Test func GatewayInvalidTLSConfiguration() async throws {
        try await conformance("GatewayInvalidTLSConfiguration", manifests: ["gateway-invalid-tls-configuration.yaml"]) { t in
            for gateway in [
                "gateway-certificate-nonexistent-secret", "gateway-certificate-unsupported-group",
                "gateway-certificate-unsupported-kind", "gateway-certificate-malformed-secret",
            ] {
                t.gatewayMustHaveListeners(nn(infra, gateway), [("https", 0, ["HTTPRoute"], [.init("ResolvedRefs", "False", "InvalidCertificateRef")])])
            }
        }
    }

    @Test func GatewaySecretInvalidReferenceGrant() async throws {
        try await conformance("GatewaySecretInvalidReferenceGrant", manifests: ["gateway-secret-invalid-reference-grant.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-secret-invalid-reference-grant"), [("https", 0, ["HTTPRoute"], Self.refNotPermitted)])
        }
    }

    @Test func GatewaySecretMissingReferenceGrant() async throws {
        try await conformance("GatewaySecretMissingReferenceGrant", manifests: ["gateway-secret-missing-reference-grant.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-secret-missing-reference-grant"), [("https", 0, ["HTTPRoute"], Self.refNotPermitted)])
        }
    }

    @Test func GatewaySecretReferenceGrantAllInNamespace() async throws {
        try await conformance("GatewaySecretReferenceGrantAllInNamespace", manifests: ["gateway-secret-reference-grant-all-in-namespace.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-secret-reference-grant-all-in-namespace"), [("https", 0, ["HTTPRoute"], Self.programmed)])
        }
    }

    @Test func GatewaySecretReferenceGrantSpecific() async throws {
        try await conformance("GatewaySecretReferenceGrantSpecific", manifests: ["gateway-secret-reference-grant-specific.yaml"]) { t in
            t.gatewayMustHaveListeners(nn(infra, "gateway-secret-reference-grant-specific"), [("https", 0, ["HTTPRoute"], Self.programmed)])
        }
    }
}
