import Foundation
import GRPCCoreTransport
import TLSCertificates

/// PEM files for TLS on the xDS port, made at test time: a server CA and a certificate for
/// `serverName`, and a separate client CA and a client certificate for mTLS.
public struct XDSTLSFiles: Sendable {
    public static let serverName = "meridian-xds"

    public let directory: URL
    public let serverCA: GeneratedCertificate
    public let clientCA: GeneratedCertificate
    public let server: GeneratedCertificate
    public let client: GeneratedCertificate

    public var serverCAPath: String { path("server-ca.pem") }
    public var serverCertificatePath: String { path("server.pem") }
    public var serverKeyPath: String { path("server-key.pem") }
    public var clientCAPath: String { path("client-ca.pem") }
    public var clientCertificatePath: String { path("client.pem") }
    public var clientKeyPath: String { path("client-key.pem") }

    /// Makes the certificates and writes them to `directory`.
    public init(directory: URL) throws {
        self.directory = directory
        serverCA = try Self.authority("meridian-test-server-ca")
        clientCA = try Self.authority("meridian-test-client-ca")
        server = try Self.leaf(Self.serverName, issuer: serverCA, serial: 10)
        client = try Self.leaf("envoy-proxy", issuer: clientCA, serial: 20)
        for (name, text) in [
            ("server-ca.pem", serverCA.certificatePEM), ("server.pem", server.certificatePEM), ("server-key.pem", server.privateKeyPEM),
            ("client-ca.pem", clientCA.certificatePEM), ("client.pem", client.certificatePEM), ("client-key.pem", client.privateKeyPEM),
        ] {
            try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
    }

    /// A self-signed CA.
    public static func authority(_ name: String) throws -> GeneratedCertificate {
        let now = CertificateInspection.currentTime()
        return try CertificateGenerator.make(commonName: name, dnsNames: [], notBefore: now - TestCertificates.day,
                                             notAfter: now + 30 * TestCertificates.day, isCA: true)
    }

    /// A certificate for `name` signed by `issuer`.
    public static func leaf(_ name: String, issuer: GeneratedCertificate, serial: Int) throws -> GeneratedCertificate {
        let now = CertificateInspection.currentTime()
        return try CertificateGenerator.make(commonName: name, dnsNames: [name], notBefore: now - TestCertificates.day,
                                             notAfter: now + 30 * TestCertificates.day, serial: serial, issuer: issuer)
    }

    /// The server setting for these files; `mutual` requires client certificates.
    public func serverTLS(mutual: Bool, onReload: (@Sendable (TLSReloadEvent) -> Void)? = nil) -> ServerTLS {
        ServerTLS(certificateChainPath: serverCertificatePath, privateKeyPath: serverKeyPath, clientCAPath: mutual ? clientCAPath : nil, onReload: onReload)
    }

    /// A client channel setting trusting `trusting` (the server CA by default), with the client certificate when `withCertificate`.
    public func clientTLS(trusting: GeneratedCertificate? = nil, withCertificate: Bool = false, certificate: GeneratedCertificate? = nil) -> GRPCChannel.TLS {
        let presented = certificate ?? (withCertificate ? client : nil)
        return GRPCChannel.TLS(rootCertificates: (trusting ?? serverCA).certificatePEM, certificateChain: presented?.certificatePEM,
                               privateKey: presented?.privateKeyPEM, serverNameOverride: Self.serverName)
    }

    /// Replaces a file the way certificate managers do: write aside, rename over.
    public func replace(_ name: String, with text: String) throws {
        let temporary = directory.appendingPathComponent(name + ".new")
        try text.write(to: temporary, atomically: false, encoding: .utf8)
        guard rename(temporary.path, directory.appendingPathComponent(name).path) == 0 else { throw FixtureError("rename \(name): errno \(errno)") }
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// The certificate a TLS server on 127.0.0.1:`port` presents, seen by a Python `ssl` client
/// offering ALPN h2 (gRPC core's TLS wants it) and verifying nothing; bounded (5 s).
public enum ServedCertificate {
    static let script = """
    import hashlib, socket, ssl, sys
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=sys.argv[2]) as tls:
            print("fingerprint", hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest())
    """

    /// The SHA-256 fingerprint of the served certificate (as `TestCertificates.fingerprint`), or nil when the handshake failed.
    public static func fingerprint(port: Int, serverName: String = XDSTLSFiles.serverName) async throws -> String? {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let directory = try RepositoryPaths.makeScratchDirectory("served-certificate")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try ChildProcess(executable: python, arguments: ["-c", script, String(port), serverName],
                                                   logFile: directory.appendingPathComponent("probe.log"))
                    _ = process.waitForExit(timeout: 10)
                    let line = process.output.split(separator: "\n").first { $0.hasPrefix("fingerprint ") }
                    return line.map { String($0.dropFirst("fingerprint ".count)) }
                })
            }
        }
    }
}

extension RepositoryPaths {
    /// The `meridian` executable next to the test bundle (or in .build/debug).
    public static var meridianBinary: URL {
        get throws {
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meridian")
            let fallback = root.appendingPathComponent(".build/debug/meridian")
            for candidate in [beside, fallback] where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            throw FixtureError("the meridian executable is not built: run swift build --build-tests")
        }
    }
}
