import Foundation
import MeridianRuntime
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

/// A Gateway's `spec.tls.frontend` from YAML through `meridian serve` to a real Envoy, with
/// a client CA and client certificates made at test time: on the AllowValidOnly port only a
/// client whose certificate chains to the CA completes a request; on the AllowInsecureFallback
/// port every client does, and on both Envoy asks for a certificate.
@Suite("Client certificate validation through meridian serve", .serialized, .timeLimit(.minutes(3)))
struct FrontendTLSServeTests {
    /// Two HTTPS listeners: `strict` on the fixture's first port validates by default,
    /// `fallback` on its TLS port has a perPort AllowInsecureFallback.
    static func gateway(strictPort: Int, fallbackPort: Int) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns}
        spec:
          gatewayClassName: meridian
          tls:
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
              perPort:
                - port: \(fallbackPort)
                  tls:
                    validation:
                      caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
                      mode: AllowInsecureFallback
          listeners:
            - {name: strict, protocol: HTTPS, port: \(strictPort), hostname: strict.example.com, tls: {certificateRefs: [{name: server}]}}
            - {name: fallback, protocol: HTTPS, port: \(fallbackPort), hostname: fallback.example.com, tls: {certificateRefs: [{name: server}]}}

        """
    }

    static let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: all, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules: [{backendRefs: [{name: alpha, port: 80}]}]

        """

    /// A CA and a client certificate it signs, each valid from a minute ago for a day.
    static func authority(_ name: String) throws -> (ca: GeneratedCertificate, client: GeneratedCertificate) {
        let now = CertificateInspection.currentTime()
        let ca = try CertificateGenerator.make(commonName: "\(name) CA", dnsNames: [], key: .rsa(bits: 2048), notBefore: now - 60, notAfter: now + 86_400, isCA: true)
        let client = try CertificateGenerator.make(commonName: "\(name) client", dnsNames: [], notBefore: now - 60, notAfter: now + 86_400, serial: 2, issuer: ca)
        return (ca, client)
    }

    @Test("AllowValidOnly: a trusted client certificate gets 200, none or an untrusted one no response; AllowInsecureFallback: all three get 200")
    func clientCertificates() async throws {
        let trusted = try Self.authority("trusted")
        let untrusted = try Self.authority("untrusted")
        let server = try TestCertificates.make(["strict.example.com", "fallback.example.com"])
        let caConfigMap = """
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: client-ca, namespace: ns}
            data:
              ca.crt: |
            \(trusted.ca.certificatePEM.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n"))

            """
        let fixture = try await ServeFixture(
            "frontend-tls", backendNames: ["alpha"], routes: Self.routes,
            gateway: { strict, fallback in Self.gateway(strictPort: strict, fallbackPort: fallback) },
            files: ["tls.yaml": TestCertificates.secretYAML(name: "server", namespace: "ns", server) + caConfigMap]
        )
        defer { fixture.stop() }

        func files(_ name: String, _ certificate: GeneratedCertificate) throws -> (cert: String, key: String) {
            let cert = fixture.directory.appendingPathComponent("\(name).crt")
            let key = fixture.directory.appendingPathComponent("\(name).key")
            try certificate.certificatePEM.write(to: cert, atomically: true, encoding: .utf8)
            try certificate.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
            return (cert.path, key.path)
        }
        let good = try files("trusted-client", trusted.client)
        let bad = try files("untrusted-client", untrusted.client)
        let (strict, fallback) = (fixture.listenerPort, fixture.tlsPort)

        let ready = await eventually(timeout: .seconds(20)) {
            let strictAnswer = try? await TLSProbe.send(port: strict, [.init(sni: "strict.example.com", clientCertificate: good)])
            let fallbackAnswer = try? await TLSProbe.send(port: fallback, [.init(sni: "fallback.example.com", clientCertificate: good)])
            return strictAnswer?.first?.backend == "alpha" && fallbackAnswer?.first?.backend == "alpha"
        }
        #expect(ready, "Envoy did not serve both listeners:\n\(fixture.meridianLog.suffix(3000))\n\(fixture.envoy.log.suffix(2000))")
        _ = try TLSServeTests.validate(fixture)

        let strictAnswers = try await TLSProbe.send(port: strict, [
            .init(sni: "strict.example.com", clientCertificate: good),
            .init(sni: "strict.example.com"),
            .init(sni: "strict.example.com", clientCertificate: bad),
        ])
        try #require(strictAnswers.count == 3)
        #expect(strictAnswers[0].status == 200 && strictAnswers[0].backend == "alpha", "a certificate from the client CA: \(strictAnswers[0])")
        #expect(strictAnswers[1].status == nil && strictAnswers[1].error != nil, "no certificate, no request: \(strictAnswers[1])")
        #expect(strictAnswers[2].status == nil && strictAnswers[2].error != nil, "a certificate from another CA, no request: \(strictAnswers[2])")
        #expect(strictAnswers.allSatisfy { $0.certificateRequested == true }, "Envoy asks every client for a certificate: \(strictAnswers)")

        let fallbackAnswers = try await TLSProbe.send(port: fallback, [
            .init(sni: "fallback.example.com", clientCertificate: good),
            .init(sni: "fallback.example.com"),
            .init(sni: "fallback.example.com", clientCertificate: bad),
        ])
        try #require(fallbackAnswers.count == 3)
        for (answer, client) in zip(fallbackAnswers, ["trusted", "none", "untrusted"]) {
            #expect(answer.status == 200 && answer.backend == "alpha", "AllowInsecureFallback lets the \(client) client in: \(answer)")
            #expect(answer.certificateRequested == true, "and still asks for a certificate: \(answer)")
        }

        // Envoy's own account: on the strict listener one handshake without a certificate and
        // one whose certificate did not verify, both refused; on the fallback listener the
        // untrusted certificate fails verification too, and is let in all the same.
        let stats = try await fixture.envoy.stats(matching: "ssl\\.(fail_verify_no_cert|fail_verify_error|no_certificate)$")
        func stat(_ port: Int, _ name: String) -> Int? { stats.first { $0.key.contains("_\(port).") && $0.key.hasSuffix(".ssl.\(name)") }?.value }
        #expect(stat(strict, "fail_verify_no_cert") == 1 && stat(strict, "fail_verify_error") == 1, "\(stats)")
        #expect(stat(fallback, "fail_verify_no_cert") == 0 && stat(fallback, "fail_verify_error") == 1 && stat(fallback, "no_certificate") == 1, "\(stats)")

        let build = ConfigurationPipeline.build(paths: [fixture.configDirectory.path], options: ServeFixture.options)
        let gateway = try #require(build.translation.statuses.first { $0.kind == "Gateway" })
        #expect(gateway.conditions.contains { $0.type == .insecureFrontendValidationMode && $0.status && $0.reason == .configurationChanged })
    }
}
