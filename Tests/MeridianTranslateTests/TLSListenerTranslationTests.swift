import MeridianIR
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

@Suite("Translating HTTPS listeners")
struct TLSListenerTranslationTests {
    static let a = try! TestCertificates.make(["a.example.com"])
    static let b = try! TestCertificates.make(["b.example.com"], key: .rsa(bits: 2048))
    static let bECDSA = try! TestCertificates.make(["b.example.com"])

    /// A route `ns/<name>` attached to one listener (section) of `ns/gw`, sending `/` to `svc`.
    static func route(_ name: String, section: String, hostnames: [String] = []) -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: \(section)}]
          hostnames: [\(hostnames.map { "\"\($0)\"" }.joined(separator: ", "))]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        """
    }

    static let twoHosts = gateway(listeners: """
          - {name: http, protocol: HTTP, port: 8080}
          - {name: a, protocol: HTTPS, port: 8443, hostname: a.example.com, tls: {certificateRefs: [{name: a-cert}]}}
          - {name: b, protocol: HTTPS, port: 8443, hostname: b.example.com, tls: {certificateRefs: [{name: b-rsa}, {name: b-ecdsa}]}}
    """) + service("svc") + route("to-a", section: "a") + route("to-b", section: "b") + route("plain", section: "http")
        + TestCertificates.secretYAML(name: "a-cert", namespace: "ns", a)
        + TestCertificates.secretYAML(name: "b-rsa", namespace: "ns", b)
        + TestCertificates.secretYAML(name: "b-ecdsa", namespace: "ns", bECDSA)

    @Test("two host names on one port: one Envoy listener, a filter chain per SNI name with its certificates and its own route table")
    func twoHostsOnePort() throws {
        let translation = translate(Self.twoHosts)
        let proxy = try #require(translation.proxy("ns/gw"))
        #expect(proxy.listeners.map(\.name) == ["http-8080", "https-8443"])
        let https = proxy.listeners[1]
        #expect(https.filterChains == [
            FilterChain(name: "https-8443-a", serverNames: ["a.example.com"], tls: DownstreamTLS(certificateSecrets: ["ns/a-cert"]), routeTableName: "https-8443-a"),
            FilterChain(name: "https-8443-b", serverNames: ["b.example.com"], tls: DownstreamTLS(certificateSecrets: ["ns/b-rsa", "ns/b-ecdsa"]), routeTableName: "https-8443-b"),
        ])
        #expect(proxy.secrets.map(\.name) == ["ns/a-cert", "ns/b-ecdsa", "ns/b-rsa"])
        #expect(proxy.secrets[0].certificateChain == Array(Self.a.certificatePEM.utf8))
        #expect(proxy.secrets[0].privateKey == Array(Self.a.privateKeyPEM.utf8))
        #expect(!proxy.secrets[0].description.contains("PRIVATE"), "a secret never prints its key")

        // Listener isolation: each chain's table holds only its listener's routes; any other host is misdirected.
        func table(_ name: String) -> [String] {
            (proxy.routeTables.first { $0.name == name }?.virtualHosts ?? []).map { host in
                "\(host.domains.joined(separator: ",")) -> " + host.routes.map { route in
                    if case .directResponse(let status, _) = route.action { return "\(status)" }
                    return route.name
                }.joined(separator: ", ")
            }
        }
        #expect(table("https-8443-a") == ["a.example.com -> ns/to-a/rule0/match0", "* -> 421"])
        #expect(table("https-8443-b") == ["b.example.com -> ns/to-b/rule0/match0", "* -> 421"])
        #expect(table("http-8080") == ["* -> ns/plain/rule0/match0"])

        let listeners = try #require(translation.status("Gateway", "ns/gw")?.listeners)
        #expect(listeners.map { $0.conditions.map { "\($0.type.rawValue)=\($0.status)" } } == Array(repeating: ["Accepted=true", "ResolvedRefs=true", "Conflicted=false", "Programmed=true"], count: 3))
        let resolved = try #require(listeners[2].conditions.first { $0.type == .resolvedRefs }?.message)
        #expect(resolved.hasPrefix("certificates: Secret ns/b-rsa (RSA 2048 for b.example.com; valid until "), "\(resolved)")
        #expect(resolved.contains("Secret ns/b-ecdsa (ECDSA P-256 for b.example.com;"))
        #expect(listeners[1].conditions.last?.message == "Envoy listener on port 8443, TLS for server name a.example.com")
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.description == "Accepted=True Accepted")
    }

    /// The Gateway API conformance test HTTPRouteHTTPSListenerDetectMisdirectedRequests, as route tables.
    @Test("misdirected requests: each chain answers 421 for the host names of the other listeners it overlaps, and for any host outside its own")
    func misdirected() throws {
        let certificate = TestCertificates.secretYAML(name: "cert", namespace: "ns", Self.a)
        let yaml = gateway(listeners: """
              - {name: https, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: cert}]}}
              - {name: second, protocol: HTTPS, port: 443, hostname: second-example.org, tls: {certificateRefs: [{name: cert}]}}
              - {name: wildcard, protocol: HTTPS, port: 443, hostname: "*.wildcard.org", tls: {certificateRefs: [{name: cert}]}}
              - {name: fourth, protocol: HTTPS, port: 443, hostname: fourth-example.wildcard.org, tls: {certificateRefs: [{name: cert}]}}
        """) + service("svc") + certificate
            + Self.route("one", section: "https", hostnames: ["example.org"]) + Self.route("two", section: "second")
            + Self.route("three", section: "wildcard") + Self.route("four", section: "fourth")
            // On the wildcard listener, but for the host name the more specific listener owns: not served here.
            + Self.route("stray", section: "wildcard", hostnames: ["fourth-example.wildcard.org"])
        let proxy = try #require(translate(yaml).proxy("ns/gw"))
        let chains = try #require(proxy.listeners.first?.filterChains)
        #expect(chains.map(\.serverNames) == [["*.wildcard.org"], ["fourth-example.wildcard.org"], ["second-example.org"], []])
        func domains(_ chain: String) -> [String] {
            (proxy.routeTables.first { $0.name == "https-443-\(chain)" }?.virtualHosts ?? []).map { host in
                let misdirected = host.routes.allSatisfy { if case .directResponse(421, _) = $0.action { true } else { false } }
                return host.domains.joined() + (misdirected ? " 421" : "")
            }
        }
        #expect(domains("https") == ["example.org", "*.wildcard.org 421", "fourth-example.wildcard.org 421", "second-example.org 421"])
        #expect(domains("second") == ["second-example.org", "* 421"])
        #expect(domains("wildcard") == ["*.wildcard.org", "fourth-example.wildcard.org 421", "* 421"])
        #expect(domains("fourth") == ["fourth-example.wildcard.org", "* 421"])
        #expect(proxy.secrets.map(\.name) == ["ns/cert"], "a Secret several listeners name is served once")
    }

    @Test("a host of the chain's own listener with no route for it gets 404; only other listeners' hosts get 421")
    func ownHostWithoutRoute() throws {
        let yaml = gateway(listeners: """
              - {name: a, protocol: HTTPS, port: 8443, hostname: "*.example.com", tls: {certificateRefs: [{name: a-cert}]}}
              - {name: b, protocol: HTTPS, port: 8443, hostname: b.example.com, tls: {certificateRefs: [{name: a-cert}]}}
        """) + service("svc") + TestCertificates.secretYAML(name: "a-cert", namespace: "ns", Self.a)
            + Self.route("only-x", section: "a", hostnames: ["x.example.com"])
        let proxy = try #require(translate(yaml).proxy("ns/gw"))
        func domains(_ chain: String) -> [String] {
            (proxy.routeTables.first { $0.name == "https-8443-\(chain)" }?.virtualHosts ?? []).map { host in
                host.domains.joined() + (host.routes.isEmpty ? " 404" : host.routes.contains { if case .directResponse(421, _) = $0.action { true } else { false } } ? " 421" : "")
            }
        }
        #expect(domains("a") == ["*.example.com 404", "x.example.com", "b.example.com 421", "* 421"])
        #expect(domains("b") == ["b.example.com 404", "* 421"])
    }

    @Test("each bad certificate reference refuses its listener with the precise reason; the other listeners keep serving")
    func badReferences() throws {
        let now = CertificateInspection.currentTime()
        let expired = try TestCertificates.make(["e.example.com"], notBefore: now - 30 * TestCertificates.day, notAfter: now - TestCertificates.day)
        let future = try TestCertificates.make(["f.example.com"], notBefore: now + TestCertificates.day, notAfter: now + 30 * TestCertificates.day)
        let cases: [(tls: String, secrets: String, expected: String)] = [
            ("{name: missing}", "", "InvalidCertificateRef: Secret ns/missing does not exist"),
            ("{name: opaque}", TestCertificates.secretYAML(name: "opaque", namespace: "ns", Self.a, type: "Opaque"),
             "InvalidCertificateRef: Secret ns/opaque is of type Opaque, not kubernetes.io/tls"),
            ("{name: malformed}", TestCertificates.secretYAML(name: "malformed", namespace: "ns", certificatePEM: "Hello world\n", privateKeyPEM: "Hello world\n"),
             "InvalidCertificateRef: Secret ns/malformed: tls.crt holds no PEM certificate"),
            ("{name: mismatch}", TestCertificates.secretYAML(name: "mismatch", namespace: "ns", certificatePEM: Self.a.certificatePEM, privateKeyPEM: Self.b.privateKeyPEM),
             "InvalidCertificateRef: Secret ns/mismatch: tls.key does not match the certificate in tls.crt (certificate key ECDSA P-256, private key RSA 2048)"),
            ("{name: expired}", TestCertificates.secretYAML(name: "expired", namespace: "ns", expired),
             "InvalidCertificateRef: Secret ns/expired: tls.crt: the certificate expired at \(CertificateInspection.formatTime(now - TestCertificates.day))"),
            ("{name: future}", TestCertificates.secretYAML(name: "future", namespace: "ns", future),
             "InvalidCertificateRef: Secret ns/future: tls.crt: the certificate is not valid before \(CertificateInspection.formatTime(now + TestCertificates.day))"),
            ("{name: cert, kind: ConfigMap}", "", "InvalidCertificateRef: ConfigMap ns/cert is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only"),
            ("{name: cert, group: wrong.group.company.io}", "",
             "InvalidCertificateRef: wrong.group.company.io/Secret ns/cert is not a Secret (group \"\", kind Secret): Meridian reads certificates from Secrets only"),
            // Not permitted, whether or not the Secret exists (as the conformance suite asks).
            ("{name: nowhere, namespace: other}", "",
             "RefNotPermitted: Secret other/nowhere is in another namespace, and no ReferenceGrant in other lets Gateways in ns refer to it"),
            ("{name: a-cert, namespace: other}", TestCertificates.secretYAML(name: "a-cert", namespace: "other", Self.a),
             "RefNotPermitted: Secret other/a-cert is in another namespace, and no ReferenceGrant in other lets Gateways in ns refer to it"),
            ("{name: a-cert}, {name: missing}", TestCertificates.secretYAML(name: "a-cert", namespace: "ns", Self.a),
             "InvalidCertificateRef: tls.certificateRefs[1]: Secret ns/missing does not exist"),
        ]
        for (tls, secrets, expected) in cases {
            let yaml = gateway(listeners: """
                  - {name: http, protocol: HTTP, port: 8080}
                  - {name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [\(tls)]}}
            """) + service("svc") + Self.route("plain", section: "http") + Self.route("secure", section: "secure") + secrets
            let translation = translate(yaml)
            let listener = try #require(translation.status("Gateway", "ns/gw")?.listeners.last)
            let refs = listener.conditions.first { $0.type == .resolvedRefs }
            #expect(refs.map { "\($0.reason.rawValue): \($0.message)" } == expected && refs?.status == false, "\(tls)")
            #expect(listener.conditions.contains { $0.type == .programmed && !$0.status })
            #expect(listener.attachedRoutes == 1, "routes still attach to a listener with bad certificates")
            let gateway = try #require(translation.status("Gateway", "ns/gw"))
            #expect(gateway.conditions.map(\.description).first?.hasPrefix("Accepted=True ListenersNotValid: not programmed: secure (") == true)
            #expect(translation.proxy("ns/gw")?.listeners.map(\.name) == ["http-8080"], "the HTTP listener keeps serving")
            #expect(translation.proxy("ns/gw")?.secrets == [])
        }
    }

    @Test("a ReferenceGrant from Gateways lets a listener use a Secret in another namespace")
    func referenceGrant() throws {
        let yaml = gateway(listeners: """
              - {name: secure, protocol: HTTPS, port: 8443, hostname: a.example.com, tls: {certificateRefs: [{name: a-cert, namespace: certs}]}}
        """) + TestCertificates.secretYAML(name: "a-cert", namespace: "certs", Self.a) + """

        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: gateways, namespace: certs}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: ns}]
          to: [{group: "", kind: Secret, name: a-cert}]
        """
        let translation = translate(yaml)
        #expect(translation.proxy("ns/gw")?.secrets.map(\.name) == ["certs/a-cert"])
        #expect(translation.status("Gateway", "ns/gw")?.listeners[0].conditions[1].status == true)
    }

    @Test("a host name no certificate names is served, and said in the status")
    func uncoveredHostname() throws {
        let yaml = gateway(listeners: """
              - {name: secure, protocol: HTTPS, port: 8443, hostname: c.example.com, tls: {certificateRefs: [{name: a-cert}]}}
        """) + TestCertificates.secretYAML(name: "a-cert", namespace: "ns", Self.a)
        let condition = try #require(translate(yaml).status("Gateway", "ns/gw")?.listeners[0].conditions[1])
        #expect(condition.status)
        #expect(condition.message.hasSuffix("; none of them names the listener's host name c.example.com, so clients checking it will refuse the connection"))
    }

    @Test("implementation-specific tls.options are refused by name, not ignored")
    func options() throws {
        let yaml = gateway(listeners: """
              - {name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: a-cert}], options: {example.com/min-version: "1.3"}}}
        """) + TestCertificates.secretYAML(name: "a-cert", namespace: "ns", Self.a)
        let translation = translate(yaml)
        let listener = try #require(translation.status("Gateway", "ns/gw")?.listeners.first)
        #expect(listener.conditions.first?.description == "Accepted=False UnsupportedValue: tls.options (example.com/min-version): Meridian implements no implementation-specific TLS options")
        #expect(translation.proxies.isEmpty)
    }

    @Test("validity is checked at the time the options give, so a translation can be reproduced")
    func checkTime() throws {
        let yaml = gateway(listeners: """
              - {name: secure, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: a-cert}]}}
        """) + TestCertificates.secretYAML(name: "a-cert", namespace: "ns", Self.a)
        var options = TranslationOptions()
        options.certificateCheckTime = CertificateInspection.currentTime() + 365 * TestCertificates.day
        let condition = try #require(translate(yaml, options: options).status("Gateway", "ns/gw")?.listeners[0].conditions[1])
        #expect(condition.reason == .invalidCertificateRef && condition.message.contains("the certificate expired at"))
    }
}
