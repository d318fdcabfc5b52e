import MeridianIR
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

@Suite("Translating a Gateway's spec.tls.frontend (client certificate validation)")
struct FrontendTLSTranslationTests {
    static let server = try! TestCertificates.make(["example.org", "*.example.org"])
    static let caA = try! TestCertificates.make(["client-ca-a"])
    static let caB = try! TestCertificates.make(["client-ca-b"])

    static func pem(_ certificate: GeneratedCertificate) -> [UInt8] { Array(certificate.certificatePEM.utf8) }

    /// Gateway `ns/gw` with `spec.tls` = `tls` (YAML flow style) and the given listeners, the
    /// server certificate Secret, CA ConfigMaps `ca-a` and `ca-b` and a route on every listener.
    static func yaml(tls: String, listeners: String, extra: String = "") -> String {
        gateway(listeners: listeners).replacingOccurrences(of: "  listeners:\n", with: "  tls: \(tls)\n  listeners:\n")
            + TestCertificates.secretYAML(name: "cert", namespace: "ns", server)
            + BackendTLSPolicyTranslationTests.configMap("ca-a", caA.certificatePEM)
            + BackendTLSPolicyTranslationTests.configMap("ca-b", caB.certificatePEM)
            + service("svc") + httpRoute() + extra
    }

    static func https(_ name: String, port: Int, hostname: String? = nil) -> String {
        "      - {name: \(name), protocol: HTTPS, port: \(port),\(hostname.map { " hostname: \($0)," } ?? "") tls: {certificateRefs: [{name: cert}]}}"
    }

    static func refs(_ list: String, mode: String? = nil) -> String {
        "{caCertificateRefs: [\(list)]\(mode.map { ", mode: \($0)" } ?? "")}"
    }

    static let caARef = "{group: \"\", kind: ConfigMap, name: ca-a}"
    static let caBRef = "{group: \"\", kind: ConfigMap, name: ca-b}"

    /// The listener's conditions, as `Type=Status Reason: message`.
    static func conditions(_ translation: Translation, _ listener: String) -> [String] {
        (translation.status("Gateway", "ns/gw")?.listeners.first { $0.name == listener }?.conditions ?? []).map(\.description)
    }

    /// The client validation of the filter chain serving listener `name` on `port`, if it is served.
    static func chain(_ translation: Translation, port: Int, _ name: String) -> FilterChain? {
        translation.proxy("ns/gw")?.listeners.first { $0.port == port }?.filterChains.first { $0.name == "https-\(port)-\(name)" }
    }

    @Test("the default validation: every HTTPS listener requires a certificate from the ConfigMap's CA; HTTP listeners are untouched")
    func defaultValidation() throws {
        let translation = translate(Self.yaml(tls: "{frontend: {default: {validation: \(Self.refs(Self.caARef))}}}", listeners: httpListener + "\n" + Self.https("https", port: 8443)))
        let chain = try #require(Self.chain(translation, port: 8443, "https"))
        #expect(chain.tls?.clientValidation == ClientCertificateValidation(trustedCA: Self.pem(Self.caA), required: true))
        #expect(Self.conditions(translation, "https").map { String($0.prefix { $0 != ":" }) } == [
            "Accepted=True Accepted", "ResolvedRefs=True ResolvedRefs", "Conflicted=False NoConflicts", "Programmed=True Programmed",
        ])
        #expect(translation.proxy("ns/gw")?.listeners.first { $0.port == 8080 }?.filterChains.allSatisfy { $0.tls == nil } == true)
        #expect(translation.status("Gateway", "ns/gw")?.conditions.map(\.type) == [.accepted, .programmed, .resolvedRefs], "no InsecureFrontendValidationMode")
    }

    @Test("perPort replaces the default on its port: another CA, AllowInsecureFallback, or no validation; the Gateway warns of the fallback")
    func perPortAndMode() throws {
        let tls = """
            {frontend: {default: {validation: \(Self.refs(Self.caARef))}, perPort: [{port: 9443, tls: {validation: \(Self.refs(Self.caBRef, mode: "AllowInsecureFallback"))}}, {port: 10443, tls: {}}]}}
            """
        let listeners = [Self.https("default", port: 8443), Self.https("fallback", port: 9443, hostname: "a.example.org"),
                         Self.https("fallback-b", port: 9443, hostname: "b.example.org"), Self.https("none", port: 10443)].joined(separator: "\n")
        let translation = translate(Self.yaml(tls: tls, listeners: listeners))
        #expect(Self.chain(translation, port: 8443, "default")?.tls?.clientValidation == ClientCertificateValidation(trustedCA: Self.pem(Self.caA), required: true))
        let fallback = ClientCertificateValidation(trustedCA: Self.pem(Self.caB), required: false)
        #expect(Self.chain(translation, port: 9443, "fallback")?.tls?.clientValidation == fallback)
        #expect(Self.chain(translation, port: 9443, "fallback-b")?.tls?.clientValidation == fallback, "every listener of the port")
        let none = try #require(Self.chain(translation, port: 10443, "none"))
        #expect(none.tls != nil && none.tls?.clientValidation == nil, "a perPort entry without validation turns the default off")
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first { $0.type.rawValue == "InsecureFrontendValidationMode" }?.description
            == "InsecureFrontendValidationMode=True ConfigurationChanged: AllowInsecureFallback (spec.tls.frontend.perPort[0].tls.validation.mode (port 9443)): HTTPS clients without a valid certificate are accepted")
    }

    @Test("a default in AllowInsecureFallback is named in the Gateway's condition")
    func insecureDefault() {
        let translation = translate(Self.yaml(tls: "{frontend: {default: {validation: \(Self.refs(Self.caARef, mode: "AllowInsecureFallback"))}}}", listeners: Self.https("https", port: 8443)))
        let condition = translation.status("Gateway", "ns/gw")?.conditions.first { $0.type == .insecureFrontendValidationMode }
        #expect(condition?.description == "InsecureFrontendValidationMode=True ConfigurationChanged: AllowInsecureFallback (spec.tls.frontend.default.validation.mode): HTTPS clients without a valid certificate are accepted")
        #expect(Self.chain(translation, port: 8443, "https")?.tls?.clientValidation?.required == false)
    }

    @Test("some references usable: they are the bundle, the listener is served, ResolvedRefs=False names each bad one")
    func partlyResolved() throws {
        let translation = translate(Self.yaml(
            tls: "{frontend: {default: {validation: \(Self.refs("\(Self.caARef), {group: \"\", kind: ConfigMap, name: missing}, {group: \"\", kind: Secret, name: cert}, \(Self.caBRef)"))}}}",
            listeners: Self.https("https", port: 8443)
        ))
        #expect(Self.chain(translation, port: 8443, "https")?.tls?.clientValidation == ClientCertificateValidation(trustedCA: Self.pem(Self.caA) + Self.pem(Self.caB), required: true))
        #expect(Self.conditions(translation, "https") == [
            "Accepted=True Accepted",
            "ResolvedRefs=False InvalidCACertificateRef: spec.tls.frontend.default.validation.caCertificateRefs[1]: ConfigMap ns/missing does not exist; spec.tls.frontend.default.validation.caCertificateRefs[2]: Secret ns/cert has no ca.crt",
            "Conflicted=False NoConflicts",
            "Programmed=True Programmed: Envoy listener on port 8443, TLS for server name * (the default filter chain)",
        ])
    }

    @Test("no reference usable: Accepted=False NoValidCACertificate, ResolvedRefs=False with the reason, not programmed, no chain; other listeners serve")
    func refused() throws {
        let other = """

            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other-ca, namespace: other}
            data: {ca.crt: "\(Self.caA.certificatePEM.replacingOccurrences(of: "\n", with: "\\n"))"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: junk, namespace: ns}
            data: {ca.crt: "not a certificate"}
            """
        let cases: [(refs: String, reason: String, message: String)] = [
            ("{group: \"\", kind: ConfigMap, name: missing}", "InvalidCACertificateRef", "ConfigMap ns/missing does not exist"),
            ("{group: \"\", kind: ConfigMap, name: junk}", "InvalidCACertificateRef", "ConfigMap ns/junk: ca.crt holds no PEM certificate"),
            ("{group: \"\", kind: Service, name: svc}", "InvalidCACertificateKind", "Service is not a kind Meridian reads CA certificates from; only ConfigMap and Secret (key ca.crt)"),
            ("{group: example.com, kind: ConfigMap, name: ca-a}", "InvalidCACertificateKind", "example.com/ConfigMap is not a kind Meridian reads CA certificates from; only ConfigMap and Secret (key ca.crt)"),
            ("{group: \"\", kind: ConfigMap, name: other-ca, namespace: other}", "RefNotPermitted", "ConfigMap other/other-ca is in another namespace, and no ReferenceGrant in other lets Gateways in ns refer to it"),
        ]
        for (refs, reason, message) in cases {
            let translation = translate(Self.yaml(
                tls: "{frontend: {default: {}, perPort: [{port: 9443, tls: {validation: \(Self.refs(refs))}}]}}",
                listeners: Self.https("good", port: 8443) + "\n" + Self.https("bad", port: 9443), extra: other
            ))
            #expect(Self.conditions(translation, "bad") == [
                "Accepted=False NoValidCACertificate: no CA certificate reference of spec.tls.frontend.perPort[0].tls.validation is usable",
                "ResolvedRefs=False \(reason): spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0]: \(message)",
                "Conflicted=False NoConflicts",
                "Programmed=False Invalid: spec.tls.frontend.perPort[0].tls.validation.caCertificateRefs[0]: \(message)",
            ], "\(refs)")
            #expect(translation.proxy("ns/gw")?.listeners.map(\.port) == [8443], "the refused listener is not served: \(refs)")
            #expect(Self.chain(translation, port: 8443, "good")?.tls?.clientValidation == nil)
            #expect(translation.status("Gateway", "ns/gw")?.conditions.first.map { "\($0.type.rawValue)=\($0.status) \($0.reason.rawValue)" } == "Accepted=true ListenersNotValid")
        }
    }

    @Test("a ReferenceGrant lets a Gateway use a ConfigMap of another namespace; RefNotPermitted wins the reason over other problems")
    func referenceGrant() throws {
        let other = """

            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other-ca, namespace: other}
            data: {ca.crt: "\(Self.caB.certificatePEM.replacingOccurrences(of: "\n", with: "\\n"))"}
            """
        let grant = """

            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: gateways, namespace: other}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: ns}]
              to: [{group: "", kind: ConfigMap, name: other-ca}]
            """
        let crossNamespace = "{group: \"\", kind: ConfigMap, name: other-ca, namespace: other}"
        let granted = translate(Self.yaml(tls: "{frontend: {default: {validation: \(Self.refs(crossNamespace))}}}", listeners: Self.https("https", port: 8443), extra: other + grant))
        #expect(Self.chain(granted, port: 8443, "https")?.tls?.clientValidation == ClientCertificateValidation(trustedCA: Self.pem(Self.caB), required: true))

        let mixed = translate(Self.yaml(tls: "{frontend: {default: {validation: \(Self.refs("{group: \"\", kind: Service, name: svc}, \(crossNamespace)"))}}}", listeners: Self.https("https", port: 8443), extra: other))
        let resolvedRefs = try #require(Self.conditions(mixed, "https").first { $0.hasPrefix("ResolvedRefs") })
        #expect(resolvedRefs.hasPrefix("ResolvedRefs=False RefNotPermitted: spec.tls.frontend.default.validation.caCertificateRefs[0]: Service is not a kind"), "\(resolvedRefs)")
        #expect(resolvedRefs.contains("; spec.tls.frontend.default.validation.caCertificateRefs[1]: ConfigMap other/other-ca is in another namespace"))
    }

    @Test("a listener already refused for its certificate keeps that reason; a perPort entry on an HTTP listener's port changes nothing")
    func certificateProblemsFirstAndHTTPPorts() {
        let tls = "{frontend: {default: {validation: \(Self.refs("{group: \"\", kind: ConfigMap, name: missing}"))}, perPort: [{port: 8080, tls: {validation: \(Self.refs(Self.caARef))}}]}}"
        let listeners = httpListener + "\n      - {name: https, protocol: HTTPS, port: 8443, tls: {certificateRefs: [{name: no-such-secret}]}}"
        let translation = translate(Self.yaml(tls: tls, listeners: listeners))
        let https = Self.conditions(translation, "https")
        #expect(https.contains { $0.hasPrefix("ResolvedRefs=False InvalidCertificateRef") }, "\(https)")
        #expect(!https.contains { $0.contains("NoValidCACertificate") || $0.contains("InvalidCACertificateRef") }, "\(https)")
        #expect(Self.conditions(translation, "http").map { String($0.prefix { $0 != ":" }) } == [
            "Accepted=True Accepted", "ResolvedRefs=True ResolvedRefs", "Conflicted=False NoConflicts", "Programmed=True Programmed",
        ])
    }
}
