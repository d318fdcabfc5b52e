import MeridianLoad
import Testing

/// Gateway `spec.tls.backend` (GatewayBackendTLS): the client certificate reference, with the
/// CRD's defaults and rules, read strictly.
@Suite("Loading Gateway spec.tls.backend")
struct BackendClientCertificateLoadingTests {
    private func gateway(_ tls: String) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          tls:
        \(tls)
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """
    }

    @Test("clientCertificateRef: group defaults to core and kind to Secret; namespace is optional")
    func defaults() throws {
        let loaded = load(gateway("""
            backend:
              clientCertificateRef: {name: client}
        """))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let backend = try #require(loaded.gateways.first?.spec.backendTLS)
        #expect(backend.clientCertificateRef == SecretObjectReference(group: "", kind: "Secret", name: "client", namespace: nil))
    }

    @Test("every field as written, a namespace included; other groups and kinds load (the translator refuses them)")
    func everyField() throws {
        let loaded = load(gateway("""
            backend:
              clientCertificateRef: {group: wrong.group.company.io, kind: WrongKind, name: client, namespace: certs}
        """))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.gateways.first?.spec.backendTLS?.clientCertificateRef
            == SecretObjectReference(group: "wrong.group.company.io", kind: "WrongKind", name: "client", namespace: "certs"))
    }

    @Test("backend: {} loads with no certificate; a Gateway without tls has no backend TLS")
    func empty() throws {
        let loaded = load(gateway("    backend: {}"))
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        #expect(loaded.gateways.first?.spec.backendTLS == GatewayBackendTLS(clientCertificateRef: nil))
        let plain = load("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns}
            spec: {gatewayClassName: meridian, listeners: [{name: http, port: 80, protocol: HTTP}]}
            """)
        #expect(plain.errors.isEmpty)
        #expect(plain.gateways.first?.spec.backendTLS == nil)
    }

    @Test("the CRD's rules and strict fields, each at its line and column")
    func errors() {
        #expect(errorLines(gateway("""
            backend:
              clientCertificateRef: {kind: "", namespace: Not_A_Label}
        """)) == [
            "test.yaml:8:29: spec.tls.backend.clientCertificateRef.name: required field is missing",
            "test.yaml:8:36: spec.tls.backend.clientCertificateRef.kind: must not be empty",
            "test.yaml:8:51: spec.tls.backend.clientCertificateRef.namespace: \"Not_A_Label\" must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit)",
        ])
        #expect(errorLines(gateway("""
            backend:
              clientCertificateRefs: {name: client}
        """)) == [
            "test.yaml:8:7: spec.tls.backend.clientCertificateRefs: unknown field; did you mean `clientCertificateRef`?",
        ])
        #expect(errorLines(gateway("    backend: [client]")) == [
            "test.yaml:7:14: spec.tls.backend: expected a mapping, got a list",
        ])
    }
}
