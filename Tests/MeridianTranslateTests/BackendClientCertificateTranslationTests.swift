import Foundation
import MeridianIR
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

/// Gateway `spec.tls.backend.clientCertificateRef`: the certificate on the Gateway's TLS
/// clusters (over SDS), the Gateway's `ResolvedRefs`, and per-Gateway clusters.
@Suite("Translating a Gateway's backend client certificate")
struct BackendClientCertificateTranslationTests {
    static let client = try! TestCertificates.make(["client.example.com"])
    static let other = try! TestCertificates.make(["other-client.example.com"], key: .rsa(bits: 2048))
    static let ca = try! TestCertificates.make(["backend.example.com"])

    /// A Gateway `ns/<name>` with one HTTP listener and, when given, `spec.tls.backend.clientCertificateRef`.
    static func gateway(_ name: String = "gw", reference: String?, port: Int = 8080) -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: \(name), namespace: ns}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: \(port)}]
        \(reference.map { "  tls: {backend: {clientCertificateRef: \($0)}}" } ?? "")

        """
    }

    static let gatewayClass = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}

        """

    /// Services `tls` (with a BackendTLSPolicy) and `plain`, and a route sending `/tls` and
    /// `/plain` to them from the given Gateways.
    static func backends(parents: [String] = ["gw"]) -> String {
        service("tls") + service("plain") + "\n" + BackendTLSPolicyTranslationTests.configMap("ca", ca.certificatePEM)
            + BackendTLSPolicyTranslationTests.tlsPolicy("p", target: "{group: \"\", kind: Service, name: tls}", validation: "{caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}], hostname: backend.example.com}")
            + """

            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r, namespace: ns}
            spec:
              parentRefs: [\(parents.map { "{name: \($0)}" }.joined(separator: ", "))]
              rules:
                - {matches: [{path: {type: PathPrefix, value: /tls}}], backendRefs: [{name: tls, port: 80}]}
                - {matches: [{path: {type: PathPrefix, value: /plain}}], backendRefs: [{name: plain, port: 80}]}

            """
    }

    static func resolvedRefs(_ translation: Translation, _ gateway: String = "ns/gw") -> Condition? {
        translation.status("Gateway", gateway)?.conditions.first { $0.type == .resolvedRefs }
    }

    @Test("a resolved certificate goes on every TLS cluster by SDS name, is served once, and leaves plain clusters alone")
    func resolved() throws {
        let translation = translate(Self.gatewayClass + Self.gateway(reference: "{name: client}") + Self.backends()
            + TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client))
        let proxy = try #require(translation.proxy("ns/gw"))
        #expect(translation.cluster("ns/tls:80")?.upstreamTLS?.clientCertificateSecret == "ns/client")
        #expect(translation.cluster("ns/tls:80")?.upstreamTLS?.serverName == "backend.example.com", "the policy's TLS is kept")
        #expect(translation.cluster("ns/plain:80")?.upstreamTLS == nil)
        #expect(proxy.secrets == [TLSSecret(name: "ns/client", certificateChain: Array(Self.client.certificatePEM.utf8), privateKey: Array(Self.client.privateKeyPEM.utf8))])
        let condition = try #require(Self.resolvedRefs(translation))
        #expect(condition.status && condition.reason == .resolvedRefs)
        #expect(condition.message.hasPrefix("client certificate for TLS backends: Secret ns/client (ECDSA P-256 for client.example.com; valid until "), "\(condition.message)")
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.description == "Accepted=True Accepted")
    }

    @Test("no TLS cluster: the certificate is checked and reported, but no Secret is served for nothing to fetch")
    func noTLSBackends() throws {
        let translation = translate(Self.gatewayClass + Self.gateway(reference: "{name: client}") + service("svc") + httpRoute()
            + TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client))
        #expect(translation.proxy("ns/gw")?.secrets == [])
        #expect(Self.resolvedRefs(translation)?.status == true)
    }

    @Test("a Gateway without spec.tls.backend: TLS clusters present no certificate; ResolvedRefs=True")
    func without() throws {
        let translation = translate(Self.gatewayClass + Self.gateway(reference: nil) + Self.backends())
        #expect(translation.cluster("ns/tls:80")?.upstreamTLS?.clientCertificateSecret == nil)
        #expect(Self.resolvedRefs(translation)?.description == "ResolvedRefs=True ResolvedRefs")
    }

    @Test("each unusable reference: the Gateway's ResolvedRefs=False with the API's reason (Meridian's own for content checks), Accepted stays True, TLS clusters lose their endpoints")
    func unusable() throws {
        let now = CertificateInspection.currentTime()
        let expired = try TestCertificates.make(["e.example.com"], notBefore: now - 30 * TestCertificates.day, notAfter: now - TestCertificates.day)
        let small = try TestCertificates.make(["s.example.com"], key: .rsa(bits: 1024))
        let effect = "; requests to TLS backends answer 503 (Envoy does not connect without the certificate)"
        let field = "spec.tls.backend.clientCertificateRef: "
        let cases: [(reference: String, secrets: String, expected: String)] = [
            ("{name: nonexistent-certificate}", "", "InvalidClientCertificateRef: \(field)Secret ns/nonexistent-certificate does not exist"),
            ("{group: wrong.group.company.io, kind: Secret, name: client}", TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client),
             "InvalidClientCertificateRef: \(field)wrong.group.company.io/Secret ns/client is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only"),
            ("{group: \"\", kind: WrongKind, name: client}", TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client),
             "InvalidClientCertificateRef: \(field)WrongKind ns/client is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only"),
            // The conformance suite's malformed Secret: type Opaque, no tls.crt or tls.key.
            ("{name: malformed-client-certificate}", "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: malformed-client-certificate, namespace: ns}\ndata: {}\ntype: Opaque\n",
             "InvalidClientCertificateRef: \(field)Secret ns/malformed-client-certificate is of type Opaque, not kubernetes.io/tls"),
            ("{name: junk}", TestCertificates.secretYAML(name: "junk", namespace: "ns", certificatePEM: "Hello world\n", privateKeyPEM: "Hello world\n"),
             "InvalidClientCertificateRef: \(field)Secret ns/junk: tls.crt holds no PEM certificate"),
            ("{name: mismatch}", TestCertificates.secretYAML(name: "mismatch", namespace: "ns", certificatePEM: Self.client.certificatePEM, privateKeyPEM: Self.other.privateKeyPEM),
             "InvalidClientCertificateRef: \(field)Secret ns/mismatch: tls.key does not match the certificate in tls.crt (certificate key ECDSA P-256, private key RSA 2048)"),
            // Not permitted, whether or not the Secret exists.
            ("{name: certificate, namespace: other}", "",
             "RefNotPermitted: \(field)Secret other/certificate is in another namespace, and no ReferenceGrant in other lets Gateways in ns refer to it"),
            ("{name: client, namespace: other}", TestCertificates.secretYAML(name: "client", namespace: "other", Self.client),
             "RefNotPermitted: \(field)Secret other/client is in another namespace, and no ReferenceGrant in other lets Gateways in ns refer to it"),
            ("{name: expired}", TestCertificates.secretYAML(name: "expired", namespace: "ns", expired),
             "ClientCertificateNotValid: \(field)Secret ns/expired: tls.crt: the certificate expired at \(CertificateInspection.formatTime(now - TestCertificates.day))"),
            ("{name: small}", TestCertificates.secretYAML(name: "small", namespace: "ns", small),
             "UnsupportedClientCertificateKey: \(field)Secret ns/small: tls.crt: RSA 1024 keys are not supported by Envoy (RSA of 2048 bits or more, ECDSA P-256, P-384 or P-521, Ed25519)"),
        ]
        for (reference, secrets, expected) in cases {
            let translation = translate(Self.gatewayClass + Self.gateway(reference: reference) + Self.backends() + secrets)
            let condition = try #require(Self.resolvedRefs(translation))
            #expect(condition.status == false && "\(condition.reason.rawValue): \(condition.message)" == expected + effect, "\(reference): \(condition)")
            #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.description == "Accepted=True Accepted", "\(reference)")
            #expect(translation.status("Gateway", "ns/gw")?.conditions.contains { $0.type == .programmed && $0.status } == true)
            let tls = try #require(translation.cluster("ns/tls:80"))
            #expect(tls.discovery == .endpoints([]) && tls.upstreamTLS?.clientCertificateSecret == nil, "no connection without the certificate: \(reference)")
            #expect(translation.cluster("ns/plain:80")?.discovery == .endpoints([MeridianIR.Endpoint(address: "10.0.0.1", port: 9000)]), "plain text keeps serving")
            #expect(translation.proxy("ns/gw")?.secrets == [])
            #expect(translation.status("HTTPRoute", "ns/r")?.parents.first?.conditions.contains { $0.type == .resolvedRefs && $0.status } == true, "the route's own references are fine")
        }
    }

    @Test("a ReferenceGrant from Gateways lets the reference cross namespaces")
    func referenceGrant() throws {
        let grant = """

            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: gateways, namespace: certs}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: ns}]
              to: [{group: "", kind: Secret, name: client}]

            """
        let translation = translate(Self.gatewayClass + Self.gateway(reference: "{name: client, namespace: certs}") + Self.backends()
            + TestCertificates.secretYAML(name: "client", namespace: "certs", Self.client) + grant)
        #expect(Self.resolvedRefs(translation)?.status == true)
        #expect(translation.cluster("ns/tls:80")?.upstreamTLS?.clientCertificateSecret == "certs/client")
        #expect(translation.proxy("ns/gw")?.secrets.map(\.name) == ["certs/client"])
    }

    @Test("one route on two Gateways with different certificates: each Gateway's cluster for the Service port carries its own, and a third Gateway's none")
    func twoGateways() throws {
        let translation = translate(Self.gatewayClass
            + Self.gateway("a", reference: "{name: client-a}", port: 8080) + Self.gateway("b", reference: "{name: client-b}", port: 8081)
            + Self.gateway("c", reference: nil, port: 8082) + Self.backends(parents: ["a", "b", "c"])
            + TestCertificates.secretYAML(name: "client-a", namespace: "ns", Self.client) + TestCertificates.secretYAML(name: "client-b", namespace: "ns", Self.other))
        #expect(translation.cluster("ns/tls:80", group: "ns/a")?.upstreamTLS?.clientCertificateSecret == "ns/client-a")
        #expect(translation.cluster("ns/tls:80", group: "ns/b")?.upstreamTLS?.clientCertificateSecret == "ns/client-b")
        #expect(translation.cluster("ns/tls:80", group: "ns/c")?.upstreamTLS?.clientCertificateSecret == nil)
        #expect(translation.proxy("ns/a")?.secrets.map(\.name) == ["ns/client-a"])
        #expect(translation.proxy("ns/b")?.secrets.map(\.name) == ["ns/client-b"])
        #expect(translation.proxy("ns/c")?.secrets == [])
        // Everything else about the cluster is the same in each group.
        var a = try #require(translation.cluster("ns/tls:80", group: "ns/a"))
        a.upstreamTLS?.clientCertificateSecret = nil
        #expect(a == translation.cluster("ns/tls:80", group: "ns/c"))
    }

    @Test("a Secret that is both a listener certificate and the client certificate is one SDS resource")
    func sharedWithListener() throws {
        let yaml = Self.gatewayClass + """

            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns}
            spec:
              gatewayClassName: meridian
              listeners: [{name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: client}]}}]
              tls: {backend: {clientCertificateRef: {name: client}}}

            """ + Self.backends() + TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client)
        let translation = translate(yaml)
        #expect(translation.proxy("ns/gw")?.secrets.map(\.name) == ["ns/client"])
        #expect(translation.cluster("ns/tls:80")?.upstreamTLS?.clientCertificateSecret == "ns/client")
    }

    @Test("the Gateway's ResolvedRefs summarises its listeners': ListenersNotResolved names those with unresolved references")
    func listenersNotResolved() throws {
        let yaml = Self.gatewayClass + """

            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: gw, namespace: ns}
            spec:
              gatewayClassName: meridian
              listeners:
                - {name: http, protocol: HTTP, port: 8080}
                - {name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: missing}]}}
              tls: {backend: {clientCertificateRef: {name: %@}}}

            """
        let listenerOnly = translate(yaml.replacingOccurrences(of: "%@", with: "client") + TestCertificates.secretYAML(name: "client", namespace: "ns", Self.client))
        let condition = try #require(Self.resolvedRefs(listenerOnly))
        #expect(condition.status == false && condition.reason == .listenersNotResolved)
        #expect(condition.message.hasPrefix("listeners with unresolved references: secure; client certificate for TLS backends: Secret ns/client"), "\(condition.message)")
        let both = translate(yaml.replacingOccurrences(of: "%@", with: "absent"))
        #expect(Self.resolvedRefs(both)?.description == "ResolvedRefs=False InvalidClientCertificateRef: spec.tls.backend.clientCertificateRef: Secret ns/absent does not exist; requests to TLS backends answer 503 (Envoy does not connect without the certificate); listeners with unresolved references: secure",
                "the Gateway's own reference is named first")
    }
}
