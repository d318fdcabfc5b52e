import Foundation

/// Upstream's client certificate helpers (`conformance/utils/tls`): the suite's client
/// certificates as files, and a TLS request that must fail.
extension ConformanceTest {
    /// Upstream's `GetTLSSecret` of a client certificate Secret the suite made (`SuiteSecrets`):
    /// its certificate and key as PEM files in the environment's directory.
    func clientCertificateFiles(_ name: String, _ authority: SuiteSecrets.ClientAuthority) throws -> ClientCertificateFiles {
        let certificate = environment.directory.appendingPathComponent("\(name).crt")
        let key = environment.directory.appendingPathComponent("\(name).key")
        try authority.client.certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try authority.client.privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        return ClientCertificateFiles(certificate: certificate.path, key: key.path)
    }

    /// Upstream's `MakeTLSRequestAndExpectFailureResponse`: one request, which must get no
    /// response at all (a refused connection, handshake or read: any HTTP answer, whatever its
    /// status, is a failure of the test); when a client certificate is given, the server must
    /// have asked for it.
    func expectTLSFailure(_ gateway: GatewayAddress, _ request: ExpectedResponse.Request) async {
        guard let tls = gateway.tls else { return fail("expectTLSFailure needs an HTTPS address") }
        let host = request.host.isEmpty ? gateway.defaultHost : request.host
        let path = request.path.isEmpty ? "/" : request.path
        let headers = [("Host", host), ("User-Agent", "Go-http-client/1.1")]
        let what = "request to '\(host)\(path)' with SNI \(tls.serverName)\(tls.clientCertificate == nil ? " and no client certificate" : "")"
        do {
            let captured = try await ConformanceHTTP.tlsRoundTrip(address: gateway.proxy.address, port: gateway.port, tls: tls, method: "GET", target: path, headers: headers)
            fail("\(what): Request should fail, got status \(captured.status) (body: \(captured.body.prefix(200)))")
        } catch let error as ConformanceClientError {
            if tls.clientCertificate != nil, error.clientCertificateRequested != true {
                fail("\(what): client certificate was not presented during the handshake (the request failed: \(error.message))")
            }
        } catch {
            fail("\(what): the TLS client did not run: \(error)")
        }
    }
}
