import EnvoyAPI
import Foundation
import GRPCCoreTransport
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
