import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import TLSCertificates
import Testing

/// Gateway `spec.tls.backend.clientCertificateRef` from YAML through `meridian serve` to real
/// Envoys and a loopback HTTPS backend that requires a client certificate from a CA made at
/// test time (`loopback-backend.py --tls-client-ca`, which reports the certificate it got).
@Suite("Backend client certificates through meridian serve", .serialized, .timeLimit(.minutes(3)))
struct BackendClientCertificateServeTests {
    static let day = TestCertificates.day

    /// Gateways `ns/gw` (HTTP on `port`) and `ns/gw2` (HTTP on `port2`), each with its own
    /// `clientCertificateRef` (none when nil), and the route `/mtls` on both.
    static func gateways(port: Int, port2: Int, client: String?, client2: String?) -> String {
        func gateway(_ name: String, _ port: Int, _ reference: String?) -> String {
            """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: \(name), namespace: ns}
            spec:
              gatewayClassName: meridian
              listeners: [{name: http, protocol: HTTP, port: \(port)}]
            \(reference.map { "  tls: {backend: {clientCertificateRef: {name: \($0)}}}" } ?? "")

            """
        }
        return """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: meridian}
            spec: {controllerName: meridian.dev/gateway-controller}

            """ + gateway("gw", port, client) + gateway("gw2", port2, client2)
    }

    static let routes = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: mtls, namespace: ns}
        spec:
          parentRefs: [{name: gw}, {name: gw2}]
          rules:
            - {matches: [{path: {type: Exact, value: /mtls}}], backendRefs: [{name: secure, port: 443}]}

        """

    @Test("the backend sees each Gateway's own client certificate; a renewed one arrives over SDS with no cluster change; none or an unusable one gets no connection")
    func clientCertificates() async throws {
        let scratch = try RepositoryPaths.makeScratchDirectory("backend-client-cert")
        let now = CertificateInspection.currentTime()
        // The backend's serving certificate (its own CA, as BackendTLSServeTests), and the CA it trusts for clients.
        let served = try TestCertificates.make(["backend.example.com"])
        let clientCA = try CertificateGenerator.make(commonName: "client-ca", dnsNames: [], key: .rsa(bits: 2048), notBefore: now - Self.day, notAfter: now + 30 * Self.day, isCA: true)
        func client(_ name: String, serial: Int, issuer: GeneratedCertificate) throws -> GeneratedCertificate {
            try CertificateGenerator.make(commonName: name, dnsNames: [], key: .rsa(bits: 2048), notBefore: now - Self.day, notAfter: now + 30 * Self.day, serial: serial, issuer: issuer)
        }
        let first = try client("gateway-one", serial: 2, issuer: clientCA)
        let second = try client("gateway-two", serial: 3, issuer: clientCA)
        let renewed = try client("gateway-one-renewed", serial: 4, issuer: clientCA)
        let files = ["backend.crt": served.certificatePEM, "backend.key": served.privateKeyPEM, "client-ca.crt": clientCA.certificatePEM]
        for (name, text) in files { try text.write(to: scratch.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let backend = try await LoopbackBackend(
            name: "secure", directory: scratch,
            tls: (scratch.appendingPathComponent("backend.crt").path, scratch.appendingPathComponent("backend.key").path),
            clientCAFile: scratch.appendingPathComponent("client-ca.crt").path
        )
        defer { backend.stop() }

        func backends(one: GeneratedCertificate) -> String {
            BackendTLSServeTests.service("secure", port: backend.port)
                + BackendTLSServeTests.caConfigMap("served-ca", served)
                + BackendTLSServeTests.policy("secure", service: "secure", ca: "served-ca", hostname: "backend.example.com")
                + TestCertificates.secretYAML(name: "client-one", namespace: "ns", one)
                + TestCertificates.secretYAML(name: "client-two", namespace: "ns", second)
        }
        let fixture = try await ServeFixture(
            "backend-client-cert", backendNames: [], routes: Self.routes,
            gateway: { Self.gateways(port: $0, port2: $1, client: "client-one", client2: "client-two") },
            files: ["backends.yaml": backends(one: first)]
        )
        defer { fixture.stop() }
        // The second Gateway is another proxy group: an Envoy of its own, on the same meridian serve.
        let envoy2Directory = fixture.directory.appendingPathComponent("gw2")
        try FileManager.default.createDirectory(at: envoy2Directory, withIntermediateDirectories: true)
        let envoy2 = try await EnvoyProcess(
            bootstrapYAML: EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: fixture.xdsPort, proxyGroup: "ns/gw2", nodeID: "envoy-gw2", adminPort: 0).yaml,
            directory: envoy2Directory
        )
        defer { envoy2.stop() }

        let (port1, port2) = (fixture.listenerPort, fixture.tlsPort)
        for port in [port1, port2] {
            let ready = await eventually(timeout: .seconds(20)) { (await HTTPProbe.trySend(port: port, path: "/mtls"))?.status == 200 }
            #expect(ready, "no answer from the mutual-TLS backend on \(port):\n\(fixture.meridianLog.suffix(3000))\n\(fixture.envoy.log.suffix(2000))\n\(envoy2.log.suffix(2000))")
        }
        let one = try await HTTPProbe.send(port: port1, path: "/mtls")
        #expect(one.status == 200)
        #expect(one.headers["x-client-cert-sha256"] == TestCertificates.fingerprint(first), "gw presents its certificate: \(one.headers)")
        #expect(one.headers["x-sni"] == "backend.example.com")
        let two = try await HTTPProbe.send(port: port2, path: "/mtls")
        #expect(two.status == 200)
        #expect(two.headers["x-client-cert-sha256"] == TestCertificates.fingerprint(second), "gw2, same Service port, presents its own: \(two.headers)")

        // Renewal: the Secret's content changes, its name does not. Envoy gets only the Secret
        // (SDS) and modifies no cluster; a connection already open keeps the certificate it was
        // made with, and new ones present the renewed one (each probe asks the backend to
        // close its connection, so the next one is new).
        let modifiedBefore = try await fixture.envoy.stats(matching: "^cluster_manager\\.cluster_modified$")["cluster_manager.cluster_modified"] ?? -1
        try fixture.write(backends(one: renewed), to: "backends.yaml")
        let rotated = await eventually(timeout: .seconds(10)) {
            let answer = await HTTPProbe.trySend(port: port1, path: "/mtls", headers: [("x-close-connection", "1")])
            return answer?.headers["x-client-cert-sha256"] == TestCertificates.fingerprint(renewed)
        }
        #expect(rotated, "the renewed certificate is not presented:\n\(fixture.meridianLog.suffix(2000))")
        let modifiedAfter = try await fixture.envoy.stats(matching: "^cluster_manager\\.cluster_modified$")["cluster_manager.cluster_modified"] ?? -2
        #expect(modifiedAfter == modifiedBefore, "Envoy modified no cluster for a renewed client certificate")
        #expect(try await HTTPProbe.send(port: port2, path: "/mtls").headers["x-client-cert-sha256"] == TestCertificates.fingerprint(second))

        // The backend really requires the certificate: a Gateway presenting none fails the
        // handshake (Envoy's 503 names a connection failure) ...
        try fixture.write(Self.gateways(port: port1, port2: port2, client: nil, client2: "client-two"), to: "gateway.yaml")
        let refused = await eventually(timeout: .seconds(10)) {
            guard let answer = await HTTPProbe.trySend(port: port1, path: "/mtls") else { return false }
            return answer.status == 503 && answer.body.contains("connection failure")
        }
        #expect(refused, "without a client certificate the backend must refuse the handshake")
        // ... and a reference that cannot be used gets no connection at all, rather than one
        // without the certificate: the cluster has no endpoints.
        try fixture.write(Self.gateways(port: port1, port2: port2, client: "missing", client2: "client-two"), to: "gateway.yaml")
        let status = ConfigurationPipeline.build(paths: [fixture.configDirectory.path], options: ServeFixture.options)
            .translation.statuses.first { $0.kind == "Gateway" && $0.qualifiedName == "ns/gw" }?.conditions.first { $0.type == .resolvedRefs }
        #expect(status?.reason == .invalidClientCertificateRef)
        let noEndpoints = await eventually(timeout: .seconds(10)) {
            guard let answer = await HTTPProbe.trySend(port: port1, path: "/mtls") else { return false }
            return answer.status == 503 && answer.body.contains("no healthy upstream")
        }
        #expect(noEndpoints, "an unusable client certificate leaves the TLS cluster without endpoints")
        #expect(try await HTTPProbe.send(port: port2, path: "/mtls").headers["x-client-cert-sha256"] == TestCertificates.fingerprint(second), "the other Gateway is untouched")
    }
}
