import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

/// HTTPS listeners from YAML through `meridian serve` to a real Envoy: two host names on
/// one port, each with its own certificate made at test time, reached by SNI.
@Suite("HTTPS listeners through meridian serve", .serialized, .timeLimit(.minutes(3)))
struct TLSServeTests {
    /// An HTTP listener and two HTTPS listeners sharing the TLS port.
    static func gateway(listenerPort: Int, tlsPort: Int) -> String {
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
          listeners:
            - {name: http, protocol: HTTP, port: \(listenerPort)}
            - {name: a, protocol: HTTPS, port: \(tlsPort), hostname: a.example.com, tls: {certificateRefs: [{name: a-cert}]}}
            - {name: b, protocol: HTTPS, port: \(tlsPort), hostname: b.example.com, tls: {certificateRefs: [{name: b-cert}]}}
            - {name: c, protocol: HTTPS, port: \(tlsPort), hostname: c.example.com, tls: {certificateRefs: [{name: a-cert}]}}

        """
    }

    /// a → alpha, b → beta, plain HTTP → alpha, and on HTTP a.example.com redirects to HTTPS.
    static func routes(tlsPort: Int) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: to-a, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: a}]
          rules: [{backendRefs: [{name: alpha, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: to-b, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: b}]
          rules: [{backendRefs: [{name: beta, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: plain, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: http}]
          rules: [{backendRefs: [{name: alpha, port: 80}]}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: upgrade, namespace: ns}
        spec:
          parentRefs: [{name: gw, sectionName: http}]
          hostnames: [a.example.com]
          rules:
            - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: \(tlsPort), statusCode: 301}}]

        """
    }

    static func secrets(a: GeneratedCertificate, b: String) -> String {
        TestCertificates.secretYAML(name: "a-cert", namespace: "ns", a) + b
    }

    static func start(_ label: String, a: GeneratedCertificate, b: GeneratedCertificate) async throws -> ServeFixture {
        // The routes need the TLS port, known once the fixture exists: each test writes them first.
        try await ServeFixture(
            label, backendNames: ["alpha", "beta"], routes: "",
            gateway: { http, tls in gateway(listenerPort: http, tlsPort: tls) },
            files: ["secrets.yaml": secrets(a: a, b: TestCertificates.secretYAML(name: "b-cert", namespace: "ns", b))]
        )
    }

    /// The current translation of the fixture's files, checked by `envoy --mode validate`.
    static func validate(_ fixture: ServeFixture) throws -> ConfigurationBuild {
        let build = ConfigurationPipeline.build(paths: [fixture.configDirectory.path], options: ServeFixture.options)
        let snapshot = try #require(build.snapshots[ServeFixture.group])
        let result = try StaticBootstrap.validate(try StaticBootstrap.embedding(snapshot), directory: fixture.directory)
        #expect(result.valid, "envoy --mode validate: \(result.output)")
        return build
    }

    @Test("SNI picks the listener and its certificate; SNI a with Host b is 421; HTTP redirects to HTTPS; a rotated certificate changes only the Secret")
    func sniRouting() async throws {
        let a = try TestCertificates.make(["a.example.com"])
        let b = try TestCertificates.make(["b.example.com"], key: .rsa(bits: 2048))
        let fixture = try await Self.start("tls-sni", a: a, b: b)
        defer { fixture.stop() }
        try fixture.writeRoutes(Self.routes(tlsPort: fixture.tlsPort))
        let port = fixture.tlsPort
        let ready = await eventually(timeout: .seconds(20)) { (try? await TLSProbe.send(port: port, sni: "b.example.com"))?.backend == "beta" }
        #expect(ready, "no answer from beta over TLS:\n\(fixture.meridianLog)\n\(fixture.envoy.log)")
        _ = try Self.validate(fixture)

        let caFile = fixture.directory.appendingPathComponent("a.pem")
        try a.certificatePEM.write(to: caFile, atomically: true, encoding: .utf8)
        let answers = try await TLSProbe.send(port: port, [
            .init(sni: "a.example.com"),
            .init(sni: "b.example.com"),
            .init(sni: "a.example.com", host: "b.example.com"),
            .init(sni: "b.example.com", host: "a.example.com:\(port)"),
            .init(sni: "a.example.com", ca: caFile.path),
            .init(sni: "d.example.com"),
            .init(sni: nil, host: "a.example.com"),
            .init(sni: "c.example.com"),
            .init(sni: "c.example.com", host: "a.example.com"),
        ])
        try #require(answers.count == 9)
        #expect(answers[0].status == 200 && answers[0].backend == "alpha", "\(answers[0])")
        #expect(answers[0].fingerprint == TestCertificates.fingerprint(a), "SNI a is answered with a's certificate")
        #expect(answers[0].alpn == "http/1.1")
        #expect(answers[1].status == 200 && answers[1].backend == "beta", "\(answers[1])")
        #expect(answers[1].fingerprint == TestCertificates.fingerprint(b), "SNI b is answered with b's certificate")
        #expect(answers[2].status == 421, "SNI a, Host b is misdirected: \(answers[2])")
        #expect(answers[3].status == 421, "the port in Host does not matter: \(answers[3])")
        #expect(answers[4].status == 200, "a's certificate verifies for a.example.com: \(answers[4])")
        #expect(answers[5].error != nil && answers[6].error != nil, "no listener without a host name, so no filter chain for other names or no SNI")
        #expect(answers[7].status == 404, "listener c has no route: its own host gets 404, not 421: \(answers[7])")
        #expect(answers[8].status == 421, "\(answers[8])")
        // Over HTTP/2 (ALPN h2), where a client reusing a connection for another host is the real case.
        let h2 = try await TLSProbe.http2(port: port, sni: "a.example.com", host: "b.example.com")
        #expect(h2.status == 421 && h2.version == "2", "\(h2)")
        #expect(try await TLSProbe.http2(port: port, sni: "b.example.com", host: "b.example.com") == (200, "2"))

        // Plain HTTP on its own port: served, and a.example.com is redirected to HTTPS.
        #expect(await fixture.request()?.backend == "alpha")
        let redirect = try await HTTPProbe.send(port: fixture.listenerPort, path: "/x?y=1", host: "a.example.com")
        #expect(redirect.status == 301)
        #expect(redirect.headers["location"] == "https://a.example.com:\(port)/x?y=1")
        let followed = try await TLSProbe.send(port: port, sni: "a.example.com", path: "/x?y=1")
        #expect(followed.status == 200 && followed.backend == "alpha")

        // Rotation: a new certificate for a. Envoy presents it on new connections, and its
        // Listener is the one it had: only the Secret changed, so nothing was drained.
        let before = try await fixture.envoy.configDump()
        let modifiedBefore = try await fixture.envoy.stat("listener_manager.listener_modified")
        let rotated = try TestCertificates.make(["a.example.com"])
        try fixture.write(Self.secrets(a: rotated, b: TestCertificates.secretYAML(name: "b-cert", namespace: "ns", b)), to: "secrets.yaml")
        let rotatedAt = ContinuousClock.now
        let presented = await eventually(timeout: .seconds(10)) {
            (try? await TLSProbe.send(port: port, sni: "a.example.com"))?.fingerprint == TestCertificates.fingerprint(rotated)
        }
        #expect(presented, "the rotated certificate is not presented:\n\(fixture.meridianLog)")
        print("figure: Secret file rewritten to the new certificate presented: \(ContinuousClock.now - rotatedAt)")
        let after = try await fixture.envoy.configDump()
        #expect(EnvoyConfigDump(after).listenerVersion == EnvoyConfigDump(before).listenerVersion, "the Listener was not updated")
        #expect(try await fixture.envoy.stat("listener_manager.listener_modified") == modifiedBefore, "Envoy modified no listener")
        #expect(try await fixture.envoy.stat("listener_manager.total_filter_chains_draining") == 0, "no filter chain is draining")
        #expect(Self.secretVersions(after)["ns/a-cert"] != Self.secretVersions(before)["ns/a-cert"])
        #expect(Self.secretVersions(after)["ns/b-cert"] != nil)
        #expect(try await TLSProbe.send(port: port, sni: "b.example.com").fingerprint == TestCertificates.fingerprint(b))
    }

    /// Envoy's `dynamic_active_secrets`: name → version.
    static func secretVersions(_ dump: [String: Any]) -> [String: String] {
        var versions: [String: String] = [:]
        for config in dump["configs"] as? [[String: Any]] ?? [] where (config["@type"] as? String)?.hasSuffix("SecretsConfigDump") == true {
            for secret in config["dynamic_active_secrets"] as? [[String: Any]] ?? [] {
                if let name = secret["name"] as? String { versions[name] = secret["version_info"] as? String }
            }
        }
        return versions
    }

    @Test("each bad certificate for b refuses listener b with its status; a and the HTTP listener keep serving")
    func badCertificates() async throws {
        let a = try TestCertificates.make(["a.example.com"])
        let b = try TestCertificates.make(["b.example.com"])
        let other = try TestCertificates.make(["b.example.com"], key: .rsa(bits: 2048))
        let now = CertificateInspection.currentTime()
        let day = TestCertificates.day
        let expired = try TestCertificates.make(["b.example.com"], notBefore: now - 30 * day, notAfter: now - day)
        let future = try TestCertificates.make(["b.example.com"], notBefore: now + day, notAfter: now + 30 * day)
        let fixture = try await Self.start("tls-bad", a: a, b: b)
        defer { fixture.stop() }
        try fixture.writeRoutes(Self.routes(tlsPort: fixture.tlsPort))
        let port = fixture.tlsPort
        #expect(await eventually(timeout: .seconds(20)) { (try? await TLSProbe.send(port: port, sni: "b.example.com"))?.backend == "beta" })

        let cases: [(String, String)] = [
            ("", "InvalidCertificateRef: Secret ns/b-cert does not exist"),
            (TestCertificates.secretYAML(name: "b-cert", namespace: "ns", b, type: "Opaque"), "InvalidCertificateRef: Secret ns/b-cert is of type Opaque, not kubernetes.io/tls"),
            (TestCertificates.secretYAML(name: "b-cert", namespace: "ns", certificatePEM: "Hello world\n", privateKeyPEM: "Hello world\n"),
             "InvalidCertificateRef: Secret ns/b-cert: tls.crt holds no PEM certificate"),
            (TestCertificates.secretYAML(name: "b-cert", namespace: "ns", certificatePEM: b.certificatePEM, privateKeyPEM: other.privateKeyPEM),
             "InvalidCertificateRef: Secret ns/b-cert: tls.key does not match the certificate in tls.crt (certificate key ECDSA P-256, private key RSA 2048)"),
            (TestCertificates.secretYAML(name: "b-cert", namespace: "ns", expired), "InvalidCertificateRef: Secret ns/b-cert: tls.crt: the certificate expired at \(CertificateInspection.formatTime(now - day))"),
            (TestCertificates.secretYAML(name: "b-cert", namespace: "ns", future), "InvalidCertificateRef: Secret ns/b-cert: tls.crt: the certificate is not valid before \(CertificateInspection.formatTime(now + day))"),
        ]
        for (secretB, expected) in cases {
            try fixture.write(Self.secrets(a: a, b: secretB), to: "secrets.yaml")
            let build = try Self.validate(fixture)
            let listener = build.translation.statuses.first { $0.kind == "Gateway" }?.listeners.first { $0.name == "b" }
            let condition = listener?.conditions.first { $0.type == .resolvedRefs }
            #expect(condition.map { "\($0.status) \($0.reason.rawValue): \($0.message)" } == "false \(expected)")
            let version = try #require(build.snapshots[ServeFixture.group]?.version)
            let served = await eventually(timeout: .seconds(10)) { (try? await fixture.envoy.appliedConfiguration())?.listenerVersion == version }
            #expect(served, "Envoy did not apply the listener without b (\(expected))")
            let answers = try await TLSProbe.send(port: port, [.init(sni: "a.example.com"), .init(sni: "b.example.com")])
            #expect(answers.first?.backend == "alpha", "listener a keeps serving: \(answers)")
            #expect(answers.last?.error != nil, "listener b has no filter chain: \(answers)")
            #expect(await fixture.request()?.backend == "alpha", "the HTTP listener keeps answering")
        }
        // (The counter the rotation test reads does count: losing b's chain modified the listener.)
        #expect(try await fixture.envoy.stat("listener_manager.listener_modified") >= 1)
        // Fixed: b is served again.
        try fixture.write(Self.secrets(a: a, b: TestCertificates.secretYAML(name: "b-cert", namespace: "ns", b)), to: "secrets.yaml")
        #expect(await eventually(timeout: .seconds(10)) { (try? await TLSProbe.send(port: port, sni: "b.example.com"))?.backend == "beta" })
    }
}
