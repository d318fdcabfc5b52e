import EnvoyAPI
import Foundation
import GRPCCoreTransport
import MeridianServe
import MeridianTestSupport
import Testing

/// `meridian serve --xds-tls-*` with a real Envoy bootstrapped by `meridian bootstrap --xds-ca …`:
/// Envoy syncs over TLS and mTLS and serves traffic; clients without the right certificate are refused.
@Suite("xDS over TLS end to end", .serialized, .timeLimit(.minutes(3)))
struct XDSTLSEndToEndTests {
    /// Opens an ADS stream and asks for clusters: nil when it synced, else the status it ended with.
    static func subscribe(port: Int, tls: GRPCChannel.TLS?) async throws -> GRPCStatus? {
        let client = try await XDSTestClient(port: port, tls: tls)
        try? await client.send(DiscoveryRequest(node: Node(id: "scripted", cluster: ServeProcess.group), typeURL: ResourceType.cluster.typeURL))
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while ContinuousClock.now < deadline {
            if let status = client.endedStatus { return status }
            if await client.next(timeout: .milliseconds(50)) != nil { return nil }
        }
        return GRPCStatus(code: .deadlineExceeded, message: "no answer in 20 s")
    }

    /// Envoy with `bootstrap` until a request through its Gateway listener reaches the backend.
    static func servesTraffic(_ serve: ServeProcess, bootstrap: String, label: String) async throws -> Bool {
        let directory = serve.directory.appendingPathComponent(label)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let envoy = try await EnvoyProcess(bootstrapYAML: bootstrap, directory: directory)
        defer { envoy.stop() }
        let served = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            await HTTPProbe.trySend(port: serve.listenerPort)?.headers["x-backend"] == "echo"
        }
        if !served { print("envoy log:\n\(envoy.log.suffix(3_000))\nmeridian log:\n\(serve.process.output.suffix(3_000))") }
        return served
    }

    @Test("TLS: Envoy syncs with the bootstrap `meridian bootstrap --xds-ca` writes and serves traffic; a plaintext client is refused")
    func envoyOverTLS() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("xds-tls-certs"))
        let serve = try await ServeProcess("xds-tls", arguments: ["--xds-tls-certificate", files.serverCertificatePath, "--xds-tls-key", files.serverKeyPath])
        defer { serve.stop() }
        #expect(serve.process.output.contains("tls=tls"))
        let bootstrap = try serve.bootstrap(nodeID: "envoy-tls", arguments: ["--xds-ca", files.serverCAPath, "--xds-sni", XDSTLSFiles.serverName])
        #expect(bootstrap.contains("envoy.transport_sockets.tls"))
        #expect(!bootstrap.contains("tls_certificates"))
        #expect(try await Self.servesTraffic(serve, bootstrap: bootstrap, label: "envoy-tls"))

        #expect(try await Self.subscribe(port: serve.ports.xds, tls: files.clientTLS()) == nil)
        let plaintext = try await Self.subscribe(port: serve.ports.xds, tls: nil)
        #expect(plaintext?.code == .unavailable, "a plaintext client got \(String(describing: plaintext))")
    }

    @Test("mTLS: Envoy with the client certificate syncs and serves traffic; a client without one, or trusting another CA, is refused")
    func envoyOverMutualTLS() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("xds-mtls-certs"))
        let serve = try await ServeProcess("xds-mtls", arguments: [
            "--xds-tls-certificate", files.serverCertificatePath, "--xds-tls-key", files.serverKeyPath, "--xds-tls-client-ca", files.clientCAPath,
        ])
        defer { serve.stop() }
        #expect(serve.process.output.contains("tls=mtls"))
        let bootstrap = try serve.bootstrap(nodeID: "envoy-mtls", arguments: [
            "--xds-ca", files.serverCAPath, "--xds-sni", XDSTLSFiles.serverName,
            "--xds-client-certificate", files.clientCertificatePath, "--xds-client-key", files.clientKeyPath,
        ])
        #expect(bootstrap.contains("tls_certificates"))
        #expect(try await Self.servesTraffic(serve, bootstrap: bootstrap, label: "envoy-mtls"))

        #expect(try await Self.subscribe(port: serve.ports.xds, tls: files.clientTLS(withCertificate: true)) == nil)
        let anonymous = try await Self.subscribe(port: serve.ports.xds, tls: files.clientTLS())
        #expect(anonymous?.code == .unavailable, "a client without a certificate got \(String(describing: anonymous))")
        let otherCA = try XDSTLSFiles.authority("another-ca")
        let untrusting = try await Self.subscribe(port: serve.ports.xds, tls: files.clientTLS(trusting: otherCA, withCertificate: true))
        #expect(untrusting?.code == .unavailable, "a client trusting another CA got \(String(describing: untrusting))")
    }

    @Test("without --xds-sni an address is checked against the certificate's IP SAN and no SNI is sent; Envoy validates it; client files need --xds-ca")
    func bootstrapVariants() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("xds-tls-bootstrap"))
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: 18_000, proxyGroup: ServeProcess.group, nodeID: "by-address", adminPort: 0,
                                       xdsTLS: EnvoyBootstrap.XDSTLS(trustedCAPath: files.serverCAPath))
        #expect(bootstrap.yaml.contains(#"san_type: IP_ADDRESS, matcher: { exact: "127.0.0.1" }"#))
        #expect(!bootstrap.yaml.contains("sni:"))
        try ServeProcess.validate(bootstrap: bootstrap.yaml, name: "by-address", directory: files.directory)
        let named = EnvoyBootstrap(xdsHost: "meridian.example", xdsPort: 18_000, proxyGroup: ServeProcess.group, nodeID: "by-name", adminPort: 0,
                                   xdsTLS: EnvoyBootstrap.XDSTLS(trustedCAPath: files.serverCAPath))
        #expect(named.yaml.contains(#"sni: "meridian.example""#))
        #expect(named.yaml.contains(#"san_type: DNS, matcher: { exact: "meridian.example" }"#))

        let command = try ChildProcess(executable: try RepositoryPaths.meridianBinary, arguments: [
            "bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--xds-client-certificate", files.clientCertificatePath,
            "--xds-client-key", files.clientKeyPath,
        ], logFile: files.directory.appendingPathComponent("bootstrap.log"))
        #expect(command.waitForExit(timeout: 20) != 0)
        #expect(command.output.contains("need --xds-ca"), "\(command.output)")
    }

    @Test("serve refuses to start on a key that does not match the certificate, naming the file")
    func invalidFilesStopServe() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("xds-tls-bad"))
        let directory = try RepositoryPaths.makeScratchDirectory("xds-tls-bad-serve")
        let process = try ChildProcess(executable: try RepositoryPaths.meridianBinary, arguments: [
            "serve", "--config", directory.path, "--xds-address", "127.0.0.1:0", "--admin-address", "127.0.0.1:0",
            "--xds-tls-certificate", files.serverCertificatePath, "--xds-tls-key", files.clientKeyPath,
        ], logFile: directory.appendingPathComponent("meridian.log"))
        #expect(process.waitForExit(timeout: 20) == 1)
        #expect(process.output.contains("xDS TLS: \(files.clientKeyPath):"), "\(process.output.suffix(1_000))")
    }
}
