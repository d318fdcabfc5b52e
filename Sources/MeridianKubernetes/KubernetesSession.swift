import AsyncHTTPClient
import NIOSSL

/// An HTTP client set up for one API server (its CA, our client certificate, or neither), and
/// the API client over it. Shut it down when done.
public final class KubernetesSession: Sendable {
    public let client: KubernetesAPIClient
    private let http: HTTPClient

    /// `watches`: how many watches will be open at once. Over HTTP/1.1 each holds a connection;
    /// AsyncHTTPClient's default of 8 per host left the other collections' watches queued until
    /// one ended, so their changes went unseen (over HTTP/2, which TLS servers offer, watches
    /// share one connection).
    public init(connection: KubernetesConnection, watches: Int = 32) throws(KubernetesConfigurationError) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = max(8, watches + 8)
        if connection.server.hasPrefix("https://") {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                if let pem = connection.certificateAuthorityPEM {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(pem))
                }
                if let certificate = connection.clientCertificatePEM, let key = connection.clientKeyPEM {
                    tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
                }
            } catch {
                throw KubernetesConfigurationError("the API server's CA or the client certificate cannot be read: \(error)")
            }
            if connection.insecureSkipTLSVerify { tls.certificateVerification = .none }
            configuration.tlsConfiguration = tls
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        client = KubernetesAPIClient(baseURL: connection.server, token: connection.token, http: http)
    }

    public func shutdown() async {
        try? await http.shutdown()
    }
}
