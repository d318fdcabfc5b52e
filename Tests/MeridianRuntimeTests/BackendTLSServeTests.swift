import Foundation
import MeridianRuntime
import MeridianTestSupport
import TLSCertificates
import Testing

/// BackendTLSPolicy from YAML through `meridian serve` to a real Envoy and a loopback HTTPS
/// backend whose certificate is made at test time: the right CA and name reach it with the
/// policy's SNI; a wrong CA or a wrong Subject Alternative Name is Envoy's upstream TLS failure.
@Suite("BackendTLSPolicy through meridian serve", .serialized, .timeLimit(.minutes(3)))
struct BackendTLSServeTests {
    /// A Service `ns/<name>` on the TLS backend's port.
    static func service(_ name: String, port: Int) -> String {
        """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: ns}
        spec: {ports: [{name: https, port: 443, targetPort: \(port), appProtocol: https}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: \(name), namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
        addressType: IPv4
        ports: [{name: https, port: \(port)}]
        endpoints: [{addresses: [127.0.0.1]}]

        """
    }

    /// A ConfigMap `ns/<name>` with `ca.crt`.
    static func caConfigMap(_ name: String, _ certificate: GeneratedCertificate) -> String {
        let indented = certificate.certificatePEM.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        return """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: \(name), namespace: ns}
        data:
          ca.crt: |
        \(indented)

        """
    }

    /// A BackendTLSPolicy on Service `service`.
    static func policy(_ name: String, service: String, ca: String, hostname: String, subjectAltNames: String? = nil) -> String {
        """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: BackendTLSPolicy
        metadata: {name: \(name), namespace: ns}
        spec:
          targetRefs: [{group: "", kind: Service, name: \(service)}]
          validation:
            caCertificateRefs: [{group: "", kind: ConfigMap, name: \(ca)}]
            hostname: \(hostname)
        \(subjectAltNames.map { "    subjectAltNames: \($0)" } ?? "")

        """
    }

    static let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: tls, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - {matches: [{path: {type: Exact, value: /good}}], backendRefs: [{name: good, port: 443}]}
            - {matches: [{path: {type: Exact, value: /san}}], backendRefs: [{name: by-san, port: 443}]}
            - {matches: [{path: {type: Exact, value: /wrong-ca}}], backendRefs: [{name: wrong-ca, port: 443}]}
            - {matches: [{path: {type: Exact, value: /wrong-san}}], backendRefs: [{name: wrong-san, port: 443}]}

        """

    @Test("the right CA and name reach the HTTPS backend with the policy's SNI; a wrong CA or SAN answers 503")
    func upstreamTLS() async throws {
        let scratch = try RepositoryPaths.makeScratchDirectory("btls-backend")
        let served = try TestCertificates.make(["backend.example.com", "spiffe-less.example.com"])
        let other = try TestCertificates.make(["backend.example.com"])
        let certificateFile = scratch.appendingPathComponent("backend.crt")
        let keyFile = scratch.appendingPathComponent("backend.key")
        try served.certificatePEM.write(to: certificateFile, atomically: true, encoding: .utf8)
        try served.privateKeyPEM.write(to: keyFile, atomically: true, encoding: .utf8)
        let backend = try await LoopbackBackend(name: "secure", directory: scratch, tls: (certificateFile.path, keyFile.path))
        defer { backend.stop() }

        let port = backend.port
        var objects = ["good", "by-san", "wrong-ca", "wrong-san"].map { Self.service($0, port: port) }.joined()
        objects += Self.caConfigMap("served-ca", served)
        objects += Self.caConfigMap("other-ca", other)
        objects += Self.policy("good", service: "good", ca: "served-ca", hostname: "backend.example.com")
        let bySANNames = "[{type: Hostname, hostname: spiffe-less.example.com}]"
        objects += Self.policy("by-san", service: "by-san", ca: "served-ca", hostname: "sni.example.com", subjectAltNames: bySANNames)
        objects += Self.policy("wrong-ca", service: "wrong-ca", ca: "other-ca", hostname: "backend.example.com")
        let wrongSANNames = "[{type: Hostname, hostname: elsewhere.example.com}]"
        objects += Self.policy("wrong-san", service: "wrong-san", ca: "served-ca", hostname: "backend.example.com", subjectAltNames: wrongSANNames)
        let fixture = try await ServeFixture("btls", backendNames: [], routes: Self.routes, files: ["backends.yaml": objects])
        defer { fixture.stop() }

        let listener = fixture.listenerPort
        let ready = await eventually(timeout: .seconds(20)) { (await HTTPProbe.trySend(port: listener, path: "/good"))?.status == 200 }
        #expect(ready, "no answer over TLS:\n\(fixture.meridianLog)\n\(fixture.envoy.log)")
        let good = try await HTTPProbe.send(port: listener, path: "/good")
        #expect(good.status == 200)
        #expect(good.headers["x-backend"] == "secure")
        #expect(good.headers["x-sni"] == "backend.example.com", "the policy's hostname is the SNI: \(good.headers)")
        let bySAN = try await HTTPProbe.send(port: listener, path: "/san")
        #expect(bySAN.status == 200)
        #expect(bySAN.headers["x-sni"] == "sni.example.com", "SNI is hostname, the SAN checked is subjectAltNames: \(bySAN.headers)")
        let wrongCA = try await HTTPProbe.send(port: listener, path: "/wrong-ca")
        #expect(wrongCA.status == 503, "a certificate from another CA fails the handshake: \(wrongCA.status)")
        let wrongSAN = try await HTTPProbe.send(port: listener, path: "/wrong-san")
        #expect(wrongSAN.status == 503, "a certificate without the SAN asked for fails: \(wrongSAN.status)")
        let failures = try await fixture.envoy.stats(matching: "ssl.fail_verify")
        #expect(failures.contains { $0.key.contains("wrong-ca") && $0.key.hasSuffix("fail_verify_error") && $0.value > 0 }, "\(failures)")
        #expect(failures.contains { $0.key.contains("wrong-san") && $0.key.hasSuffix("fail_verify_san") && $0.value > 0 }, "\(failures)")
    }
}
