import MeridianIR
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

@Suite("Translating BackendTLSPolicy")
struct BackendTLSPolicyTranslationTests {
    static let ca = try! TestCertificates.make(["backend.example.com"])

    static func configMap(_ name: String, _ pem: String) -> String {
        """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: \(name), namespace: ns}
        data:
          ca.crt: |
        \(pem.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))

        """
    }

    static func tlsPolicy(_ name: String, timestamp: String? = nil, target: String = "{group: \"\", kind: Service, name: svc}", validation: String) -> String {
        policy("gateway.networking.k8s.io/v1", "BackendTLSPolicy", name, timestamp: timestamp, spec: """
              targetRefs: [\(target)]
              validation: \(validation)
            """)
    }

    static func translateWith(_ objects: String) -> Translation {
        translate(gateway(listeners: httpListener) + service("svc") + httpRoute() + configMap("ca", ca.certificatePEM) + objects)
    }

    @Test("the targeted Service port's cluster gets TLS: SNI hostname, the ConfigMap's CA inline, the hostname as DNS SAN")
    func inlineCA() throws {
        let translation = Self.translateWith(Self.tlsPolicy("p", validation: "{caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}], hostname: backend.example.com}"))
        let cluster = try #require(translation.cluster("ns/svc:80"))
        #expect(cluster.upstreamTLS == UpstreamTLS(serverName: "backend.example.com", trust: .inline(Array(Self.ca.certificatePEM.utf8)), subjectAltNames: [.dns("backend.example.com")]))
        #expect(translation.policyConditions("BackendTLSPolicy", "ns/p") == [
            "Gateway ns/gw: Accepted=True Accepted: TLS to the targets with SNI backend.example.com",
            "Gateway ns/gw: ResolvedRefs=True ResolvedRefs: CA certificates resolved",
        ])
    }

    @Test("subjectAltNames replace the hostname for authentication; System trusts the machine's CA file; a section names a port")
    func systemAndNames() throws {
        let translation = Self.translateWith(Self.tlsPolicy("p", target: "{group: \"\", kind: Service, name: svc, sectionName: http}", validation: """
            {wellKnownCACertificates: System, hostname: sni.example.com, subjectAltNames: [{type: Hostname, hostname: a.example.com}, {type: URI, uri: "spiffe://c/ns/a"}]}
            """))
        let cluster = try #require(translation.cluster("ns/svc:80"))
        #expect(cluster.upstreamTLS == UpstreamTLS(serverName: "sni.example.com", trust: .file("/etc/ssl/certs/ca-certificates.crt"), subjectAltNames: [.dns("a.example.com"), .uri("spiffe://c/ns/a")]))
        let otherSection = Self.translateWith(Self.tlsPolicy("p", target: "{group: \"\", kind: Service, name: svc, sectionName: grpc}", validation: "{wellKnownCACertificates: System, hostname: a.example.com}"))
        #expect(otherSection.cluster("ns/svc:80")?.upstreamTLS == nil, "a policy on another port name leaves this port alone")
    }

    @Test("two policies on one Service: the older wins, the other is Conflicted")
    func conflict() throws {
        let validation = "{caCertificateRefs: [{group: \"\", kind: ConfigMap, name: ca}], hostname: %@.example.com}"
        let translation = Self.translateWith(
            Self.tlsPolicy("newer", timestamp: "2026-02-01T00:00:00Z", validation: validation.replacingOccurrences(of: "%@", with: "newer"))
                + Self.tlsPolicy("older", timestamp: "2026-01-01T00:00:00Z", validation: validation.replacingOccurrences(of: "%@", with: "older"))
        )
        #expect(translation.cluster("ns/svc:80")?.upstreamTLS?.serverName == "older.example.com")
        #expect(translation.condition("BackendTLSPolicy", "ns/newer", "Accepted")?.description == "Accepted=False Conflicted: a target is already given TLS by the older BackendTLSPolicy ns/older")
        #expect(translation.condition("BackendTLSPolicy", "ns/older", "Accepted")?.status == true)
    }

    @Test("unusable CA references: InvalidKind, InvalidCACertificateRef, NoValidCACertificate; the cluster has no endpoints, so 503")
    func invalidReferences() throws {
        let cases: [(String, String, String)] = [
            ("[{group: \"\", kind: Pod, name: ca}]", "ResolvedRefs=False InvalidKind: spec.validation.caCertificateRefs[0]: Pod is not a kind Meridian reads CA certificates from; only ConfigMap and Secret", "NoValidCACertificate"),
            ("[{group: \"\", kind: ConfigMap, name: missing}]", "ResolvedRefs=False InvalidCACertificateRef: spec.validation.caCertificateRefs[0]: ConfigMap ns/missing does not exist", "NoValidCACertificate"),
            ("[{group: \"\", kind: ConfigMap, name: junk}]", "ResolvedRefs=False InvalidCACertificateRef: spec.validation.caCertificateRefs[0]: ConfigMap ns/junk: ca.crt holds no PEM certificate", "NoValidCACertificate"),
            ("[{group: \"\", kind: ConfigMap, name: ca}, {group: \"\", kind: ConfigMap, name: missing}]", "ResolvedRefs=False InvalidCACertificateRef: spec.validation.caCertificateRefs[1]: ConfigMap ns/missing does not exist", "Accepted"),
        ]
        for (refs, resolved, accepted) in cases {
            let translation = Self.translateWith(Self.configMap("junk", "not a certificate") + Self.tlsPolicy("p", validation: "{caCertificateRefs: \(refs), hostname: a.example.com}"))
            #expect(translation.condition("BackendTLSPolicy", "ns/p", "ResolvedRefs")?.description == resolved)
            #expect(translation.condition("BackendTLSPolicy", "ns/p", "Accepted")?.reason.rawValue == accepted)
            let cluster = try #require(translation.cluster("ns/svc:80"))
            #expect(cluster.discovery == .endpoints([]) && cluster.upstreamTLS == nil, "connections using an invalid reference fail")
            #expect(translation.status("HTTPRoute", "ns/r")?.parents.first?.conditions.contains { $0.type == .resolvedRefs && $0.status } == true)
        }
    }

    @Test("a CA bundle with a broken block after a good one is refused, as Envoy refuses it in a trusted_ca")
    func brokenBlockInBundle() throws {
        let broken = Self.ca.certificatePEM + "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
        let translation = Self.translateWith(Self.configMap("half", broken)
            + Self.tlsPolicy("p", validation: "{caCertificateRefs: [{group: \"\", kind: ConfigMap, name: half}], hostname: a.example.com}"))
        let resolved = try #require(translation.condition("BackendTLSPolicy", "ns/p", "ResolvedRefs"))
        #expect(resolved.reason == .invalidCACertificateRef)
        #expect(resolved.message.hasPrefix("spec.validation.caCertificateRefs[0]: ConfigMap ns/half: ca.crt "), "\(resolved.message)")
        #expect(translation.cluster("ns/svc:80")?.upstreamTLS == nil)
    }

    @Test("appProtocol https needs a policy: without one the backend is UnsupportedProtocol; with one it is served over TLS")
    func httpsAppProtocol() throws {
        let yaml = gateway(listeners: httpListener) + service("svc").replacingOccurrences(of: "{name: http, port: 80,", with: "{name: http, port: 80, appProtocol: https,") + httpRoute()
        let without = translate(yaml)
        #expect(without.status("HTTPRoute", "ns/r")?.parents.first?.conditions.first { $0.type == .resolvedRefs }?.reason == .unsupportedProtocol)
        let with = translate(yaml + Self.tlsPolicy("p", validation: "{wellKnownCACertificates: System, hostname: a.example.com}"))
        #expect(with.cluster("ns/svc:80")?.upstreamTLS?.serverName == "a.example.com")
        #expect(with.policyConditions("BackendTLSPolicy", "ns/p").first?.hasPrefix("Gateway ns/gw: Accepted=True") == true)
    }

    @Test("a policy no route uses reports against itself; options are refused")
    func unusedAndOptions() {
        let unused = Self.translateWith(Self.tlsPolicy("p", target: "{group: \"\", kind: Service, name: nobody}", validation: "{wellKnownCACertificates: System, hostname: a.example.com}"))
        #expect(unused.policyConditions("BackendTLSPolicy", "ns/p").first?.hasPrefix("BackendTLSPolicy ns/p: Accepted=True") == true)
        let options = Self.translateWith(policy("gateway.networking.k8s.io/v1", "BackendTLSPolicy", "p", spec: """
              targetRefs: [{group: "", kind: Service, name: svc}]
              validation: {wellKnownCACertificates: System, hostname: a.example.com}
              options: {example.com/min-version: "1.3"}
            """))
        #expect(options.condition("BackendTLSPolicy", "ns/p", "Accepted")?.description == "Accepted=False Invalid: spec.options: Meridian defines no options (got example.com/min-version)")
        #expect(options.cluster("ns/svc:80")?.upstreamTLS == nil)
    }
}
