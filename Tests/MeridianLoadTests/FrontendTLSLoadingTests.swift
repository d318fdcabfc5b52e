import MeridianLoad
import Testing

/// A Gateway's `spec.tls.frontend` (client certificate validation): every field, the
/// default/per-port choice, and each CRD rule as a load error at its line and column.
@Suite struct FrontendTLSLoadingTests {
    /// A Gateway whose `spec.tls` is `tls` (written with four spaces of indentation, from line 7).
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

    @Test("default and perPort load in order; a perPort entry replaces the default, so one without validation turns it off")
    func defaultAndPerPortValidationLoad() throws {
        let loaded = load(gateway("""
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
              perPort:
              - port: 8443
                tls:
                  validation:
                    caCertificateRefs: [{group: "", kind: Secret, name: ca2, namespace: other}, {group: example.com, kind: Bundle, name: b}]
                    mode: AllowInsecureFallback
              - port: 9443
                tls: {}
        """))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let frontend = try #require(loaded.gateways.first?.spec.frontendTLS)
        let defaultValidation = FrontendTLSValidation(caCertificateRefs: [SecretObjectReference(group: "", kind: "ConfigMap", name: "ca", namespace: nil)], mode: .allowValidOnly)
        #expect(frontend.defaultValidation == defaultValidation)
        #expect(frontend.perPort == [
            FrontendTLSPortConfig(port: 8443, validation: FrontendTLSValidation(caCertificateRefs: [
                SecretObjectReference(group: "", kind: "Secret", name: "ca2", namespace: "other"),
                SecretObjectReference(group: "example.com", kind: "Bundle", name: "b", namespace: nil),
            ], mode: .allowInsecureFallback)),
            FrontendTLSPortConfig(port: 9443, validation: nil),
        ])
        #expect(frontend.validation(forPort: 443)?.validation == defaultValidation)
        #expect(frontend.validation(forPort: 443)?.field == "spec.tls.frontend.default.validation")
        #expect(frontend.validation(forPort: 8443)?.validation.mode == .allowInsecureFallback)
        #expect(frontend.validation(forPort: 8443)?.field == "spec.tls.frontend.perPort[0].tls.validation")
        #expect(frontend.validation(forPort: 9443) == nil, "a perPort entry without validation turns the default off")
        #expect(frontend.insecureFallbackFields == ["spec.tls.frontend.perPort[0].tls.validation.mode (port 8443)"])
    }

    @Test("an empty default validates nothing; without spec.tls there is no frontend configuration")
    func emptyDefault() throws {
        let loaded = load(gateway("    frontend: {default: {}}"))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let frontend = try #require(loaded.gateways.first?.spec.frontendTLS)
        #expect(frontend == FrontendTLSConfig())
        #expect(frontend.validation(forPort: 443) == nil && frontend.insecureFallbackFields.isEmpty)
        let plain = load(gateway("    {}"))
        #expect(plain.errors.isEmpty && plain.gateways.first?.spec.frontendTLS == nil)
    }

    @Test("the CRD's rules: default required, 1 to 16 caCertificateRefs, group/kind/name required, the mode enum, unique ports, port range, tls required")
    func crdRulesAreEnforced() {
        let errors = errorLines(gateway("""
            frontend:
              perPort:
              - port: 8443
                tls: {validation: {caCertificateRefs: [], mode: Sometimes}}
              - port: 8443
                tls: {validation: {caCertificateRefs: [{kind: ConfigMap, name: ca}]}}
              - port: 70000
                tls: {}
              - port: 7443
              - port: 6443
                tls: {validation: {caCertificateRefs: [{group: "", name: ca}, {group: "", kind: ConfigMap}], extra: 1}}
        """))
        #expect(errors == [
            "test.yaml:8:7: spec.tls.frontend.default: required field is missing",
            "test.yaml:10:47: spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs: must have at least 1 item",
            "test.yaml:10:57: spec.tls.frontend.perPort[0].tls.validation.mode: unsupported value \"Sometimes\"; supported values: \"AllowValidOnly\", \"AllowInsecureFallback\"",
            "test.yaml:11:15: spec.tls.frontend.perPort[1].port: Port for TLS configuration must be unique within the Gateway (port 8443 is listed twice)",
            "test.yaml:12:48: spec.tls.frontend.perPort[1].tls.validation.caCertificateRefs[0].group: required field is missing",
            "test.yaml:13:15: spec.tls.frontend.perPort[2].port: must be between 1 and 65535",
            "test.yaml:15:9: spec.tls.frontend.perPort[3].tls: required field is missing",
            "test.yaml:17:48: spec.tls.frontend.perPort[4].tls.validation.caCertificateRefs[0].kind: required field is missing",
            "test.yaml:17:71: spec.tls.frontend.perPort[4].tls.validation.caCertificateRefs[1].name: required field is missing",
            "test.yaml:17:102: spec.tls.frontend.perPort[4].tls.validation.extra: unknown field",
        ])
    }

    @Test("more than 16 CA references and more than 64 ports are refused")
    func listLimits() {
        let references = (0..<17).map { "{group: \"\", kind: ConfigMap, name: ca\($0)}" }.joined(separator: ", ")
        let ports = (1...65).map { "{port: \($0), tls: {}}" }.joined(separator: ", ")
        let errors = errorLines(gateway("""
            frontend:
              default: {validation: {caCertificateRefs: [\(references)]}}
              perPort: [\(ports)]
        """))
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.first?.hasSuffix("spec.tls.frontend.default.validation.caCertificateRefs: must have at most 16 items, got 17") == true, "\(errors)")
        #expect(errors.last?.hasSuffix("spec.tls.frontend.perPort: must have at most 64 items, got 65") == true, "\(errors)")
    }
}
