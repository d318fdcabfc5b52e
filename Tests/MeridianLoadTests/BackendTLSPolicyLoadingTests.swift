import MeridianLoad
import Testing

@Suite("Loading BackendTLSPolicy and ConfigMap")
struct BackendTLSPolicyLoadingTests {
    @Test func validPolicyAndConfigMap() throws {
        let loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: p, namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z"}
        spec:
          targetRefs: [{group: "", kind: Service, name: svc, sectionName: https}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
            hostname: backend.example.com
            subjectAltNames: [{type: Hostname, hostname: a.example.com}, {type: URI, uri: "spiffe://cluster.example/ns/a/sa/b"}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: system, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: other}]
          validation: {wellKnownCACertificates: System, hostname: other.example.com}
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: ca, namespace: ns}
        immutable: true
        data: {ca.crt: "PEM"}
        binaryData: {raw.bin: AAEC}
        """)
        #expect(loaded.errors.map(\.description) == [])
        let policies = loaded.policies.backendTLSPolicies
        try #require(policies.count == 2)
        #expect(policies[0].spec.targetRefs == [PolicyTargetReference(group: "", kind: "Service", name: "svc", sectionName: "https")])
        #expect(policies[0].spec.validation.caCertificateRefs == [.init(kind: "ConfigMap", name: "ca")])
        #expect(policies[0].spec.validation.subjectAltNames?.map(\.type) == [.hostname, .uri])
        #expect(policies[1].spec.validation.wellKnownCACertificates == .system)
        let configMap = try #require(loaded.configMaps.first)
        #expect(configMap.data == ["ca.crt": Array("PEM".utf8), "raw.bin": [0, 1, 2]])
    }

    @Test func crdRules() {
        #expect(errorLines("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: p, namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: svc}, {group: "", kind: Service, name: svc, sectionName: a}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: ca}]
            wellKnownCACertificates: System
            hostname: "*.example.com"
            subjectAltNames: [{type: Hostname}, {type: URI, uri: "spiffe://x", hostname: a.example.com}]
          option: {}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: q, namespace: ns}
        spec:
          targetRefs: []
          validation: {hostname: a.example.com, wellKnownCACertificates: Mine}
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha3
        kind: BackendTLSPolicy
        metadata: {name: r, namespace: ns}
        spec: {}
        """) == [
            "test.yaml:5:15: spec.targetRefs: sectionName must be specified when targetRefs includes 2 or more references to the same target",
            "test.yaml:7:5: spec.validation: must not contain both CACertificateRefs and WellKnownCACertificates",
            "test.yaml:9:15: spec.validation.hostname: invalid hostname \"*.example.com\": wildcards are not allowed here",
            "test.yaml:10:23: spec.validation.subjectAltNames[0].hostname: SubjectAltName element must contain Hostname, if Type is set to Hostname",
            "test.yaml:10:82: spec.validation.subjectAltNames[1].hostname: SubjectAltName element must not contain Hostname, if Type is not set to Hostname",
            "test.yaml:11:3: spec.option: unknown field; did you mean `options`?",
            "test.yaml:17:15: spec.targetRefs: must have at least 1 item",
            "test.yaml:18:15: spec.validation: must specify either CACertificateRefs or WellKnownCACertificates",
            "test.yaml:18:66: spec.validation.wellKnownCACertificates: unsupported value \"Mine\"; supported values: \"System\"",
            "test.yaml:20:13: apiVersion: apiVersion gateway.networking.k8s.io/v1alpha3 is not supported for kind BackendTLSPolicy; supported: gateway.networking.k8s.io/v1",
        ])
    }
}
