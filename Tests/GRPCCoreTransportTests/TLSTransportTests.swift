import Foundation
import GRPCCoreTransport
import MeridianTestSupport
import Synchronization
import Testing

/// TLS and mTLS on the server's port, with gRPC core's own TLS client on the other side, and
/// certificate files replaced under a running server.
@Suite("TLS transport", .serialized, .timeLimit(.minutes(2)))
struct TLSTransportTests {
    /// An echo server with `tls`, on a free loopback port.
    static func server(_ tls: ServerTLS) throws -> (GRPCServer, Int) {
        var configuration = GRPCServer.Configuration()
        configuration.tls = tls
        return try makeEchoServer(configuration: configuration)
    }

    /// Opens a stream and sends one message: the status when the call failed, nil when it echoed.
    /// Each on a connection of its own: gRPC core's shared pool could hand it a connection to
    /// an earlier test's server on the same (reused) port, still in reconnect backoff.
    static func echo(port: Int, tls: GRPCChannel.TLS?) async throws -> GRPCStatus? {
        let channel = GRPCChannel(target: "127.0.0.1:\(port)", tls: tls, ownConnection: true)
        let stream = try await channel.openStream(method: echoMethod, timeout: .seconds(30))
        var responses = stream.responses.makeAsyncIterator()
        try? await stream.send([1, 2, 3])
        let answer = await responses.next()
        let status = answer == [3, 2, 1] ? nil : await stream.status()
        await channel.close()
        return status
    }

    @Test("TLS: a client trusting the server's CA streams; a plaintext client and one trusting another CA are refused")
    func tlsRefusesUntrustedClients() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("tls-transport"))
        let (server, port) = try Self.server(files.serverTLS(mutual: false))
        #expect(try await Self.echo(port: port, tls: files.clientTLS()) == nil)
        #expect(try await ServedCertificate.fingerprint(port: port) == TestCertificates.fingerprint(files.server))

        let plaintext = try await Self.echo(port: port, tls: nil)
        #expect(plaintext?.code == .unavailable, "plaintext got \(String(describing: plaintext))")
        let otherCA = try XDSTLSFiles.authority("another-ca")
        let untrusted = try await Self.echo(port: port, tls: files.clientTLS(trusting: otherCA))
        #expect(untrusted?.code == .unavailable, "a client trusting another CA got \(String(describing: untrusted))")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("mTLS: a client certificate from the client CA streams; none, or one from another CA, is refused")
    func mtlsRequiresClientCertificates() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("mtls-transport"))
        let (server, port) = try Self.server(files.serverTLS(mutual: true))
        #expect(try await Self.echo(port: port, tls: files.clientTLS(withCertificate: true)) == nil)

        let anonymous = try await Self.echo(port: port, tls: files.clientTLS())
        #expect(anonymous?.code == .unavailable, "a client without a certificate got \(String(describing: anonymous))")
        let stranger = try XDSTLSFiles.leaf("stranger", issuer: try XDSTLSFiles.authority("stranger-ca"), serial: 99)
        let foreign = try await Self.echo(port: port, tls: files.clientTLS(certificate: stranger))
        #expect(foreign?.code == .unavailable, "a certificate from another CA got \(String(describing: foreign))")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("replaced certificate files are served to new connections without a restart; a bad replacement keeps the last good certificate")
    func certificateRotation() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("tls-rotation"))
        let events = Mutex<[String]>([])
        let (server, port) = try Self.server(files.serverTLS(mutual: false) { event in events.withLock { $0.append("\(event)") } })
        let first = TestCertificates.fingerprint(files.server)
        #expect(try await ServedCertificate.fingerprint(port: port) == first)
        // A stream opened before the rotation keeps its connection.
        let kept = GRPCChannel(target: "127.0.0.1:\(port)", tls: files.clientTLS())
        let keptStream = try await kept.openStream(method: echoMethod)
        var keptResponses = keptStream.responses.makeAsyncIterator()
        try await keptStream.send([1])
        #expect(await keptResponses.next() == [1])

        // A new certificate from a new CA; a client trusting only the new CA is refused before.
        let newCA = try XDSTLSFiles.authority("meridian-test-server-ca-2")
        let renewed = try XDSTLSFiles.leaf(XDSTLSFiles.serverName, issuer: newCA, serial: 11)
        #expect(try await Self.echo(port: port, tls: files.clientTLS(trusting: newCA)) != nil)
        try files.replace("server-key.pem", with: renewed.privateKeyPEM)
        try files.replace("server.pem", with: renewed.certificatePEM)
        let second = TestCertificates.fingerprint(renewed)
        #expect(await eventually(timeout: .seconds(5)) { (try? await ServedCertificate.fingerprint(port: port)) == second },
                "the new certificate was not served: \(events.withLock { $0 })")
        #expect(try await Self.echo(port: port, tls: files.clientTLS(trusting: newCA)) == nil)
        try await keptStream.send([2])
        #expect(await keptResponses.next() == [2], "the stream opened before the rotation broke")

        // A half-written certificate: the renewed one keeps serving, and the problem is told once.
        try files.replace("server.pem", with: "-----BEGIN CERTIFICATE-----\nnot base64\n")
        for _ in 0..<3 { #expect(try await ServedCertificate.fingerprint(port: port) == second) }
        #expect(try await Self.echo(port: port, tls: files.clientTLS(trusting: newCA)) == nil)
        let rejected = events.withLock { $0.filter { $0.hasPrefix("kept the previous certificate") } }
        #expect(rejected.count == 1, "\(events.withLock { $0 })")
        #expect(rejected.first?.contains("server.pem") == true)

        await kept.close()
        await server.shutdown(gracePeriod: .seconds(1))
    }

    @Test("start refuses invalid files, naming the file and the reason")
    func invalidFilesAtStart() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("tls-invalid"))
        var tls = files.serverTLS(mutual: false)
        tls.privateKeyPath = files.clientKeyPath
        var configuration = GRPCServer.Configuration()
        configuration.tls = tls
        let server = GRPCServer(configuration: configuration, handlers: [:])
        let error = #expect(throws: TransportError.self) { try server.start(address: "127.0.0.1:0") }
        #expect(error?.code == .invalidTLSFiles)
        #expect(error?.message.contains(files.clientKeyPath) == true, "\(String(describing: error))")

        configuration.tls = ServerTLS(certificateChainPath: files.directory.appendingPathComponent("missing.pem").path, privateKeyPath: files.serverKeyPath)
        let missing = #expect(throws: TransportError.self) { try GRPCServer(configuration: configuration, handlers: [:]).start(address: "127.0.0.1:0") }
        #expect(missing?.message.contains("missing.pem: No such file or directory") == true, "\(String(describing: missing))")
    }
}
