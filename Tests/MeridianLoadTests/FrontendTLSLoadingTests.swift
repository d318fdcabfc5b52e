import MeridianLoad
import Testing

@Suite struct FrontendTLSLoadingTests {
    private func gateway(_ tls: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: meridian
          tls:
        \(tls)
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """
    }

    @Test func defaultAndPerPortValidationLoad() throws {
        let loaded = load(gateway("""
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
              perPort:
              - port: 8443
                tls:
                  validation:
                    caCertificateRefs: [{group: "", kind: Secret, name: ca2, namespace: other}]
                    mode: AllowInsecureFallback
              - port: 9443
                tls: {}
        """))
        #expect(loaded.errors.isEmpty)
        let frontend = try #require(loaded.gateways.first?.spec.frontendTLS)
        #expect(frontend.defaultValidation == FrontendTLSValidation(caCertificateRefs: [SecretObjectReference(group: "", kind: "ConfigMap", name: "ca", namespace: nil)]))
        #expect(frontend.validation(forPort: 443)?.mode == .allowValidOnly)
        #expect(frontend.validation(forPort: 8443)?.mode == .allowInsecureFallback)
        #expect(frontend.validation(forPort: 8443)?.caCertificateRefs.first?.namespace == "other")
        #expect(frontend.validation(forPort: 9443) == nil)
    }

    @Test func crdRulesAreEnforced() {
        let errors = errorLines(gateway("""
            frontend:
              perPort:
              - port: 8443
                tls: {validation: {caCertificateRefs: [], mode: Sometimes}}
              - port: 8443
                tls: {validation: {caCertificateRefs: [{kind: ConfigMap, name: ca}]}}
        """))
        #expect(errors.contains { $0.contains("spec.tls.frontend.default") })
        #expect(errors.contains { $0.contains("caCertificateRefs") })
        #expect(errors.contains { $0.contains("mode") })
        #expect(errors.contains { $0.contains("must be unique") })
        #expect(errors.contains { $0.contains("group") })
    }
}
