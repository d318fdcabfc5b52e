import Foundation

/// HTTPS requests with a chosen SNI and Host header, through `scripts/tls-probe.py`
/// (Python's `ssl`): what answered, and which certificate the server presented.
public enum TLSProbe {
    public struct Request: Sendable, Encodable {
        /// The TLS server name; nil sends none.
        public var sni: String?
        public var host: String
        public var path: String
        /// A PEM file the certificate must verify against, for the SNI; nil accepts any certificate.
        public var ca: String?
        /// PEM files of a client certificate and its key, presented when the server asks for one.
        public var cert: String?
        public var key: String?

        public init(sni: String?, host: String? = nil, path: String = "/", ca: String? = nil, clientCertificate: (cert: String, key: String)? = nil) {
            self.sni = sni
            self.host = host ?? sni ?? "localhost"
            self.path = path
            self.ca = ca
            cert = clientCertificate?.cert
            key = clientCertificate?.key
        }
    }

    public struct Response: Sendable, Decodable {
        public var status: Int?
        public var headers: [String: String]?
        public var body: String?
        /// SHA-256 of the presented certificate's DER, lowercase hex.
        public var fingerprint: String?
        public var alpn: String?
        public var tls: String?
        /// Why the connection, handshake or request failed.
        public var error: String?
        /// Whether the server asked for a client certificate (sent a CertificateRequest).
        public var certificateRequested: Bool?

        /// The loopback backend that answered (its `x-backend` header).
        public var backend: String? { headers?["x-backend"] }
    }

    public static let script = RepositoryPaths.root.appendingPathComponent("scripts/tls-probe.py")

    /// Sends the requests one after another, each on its own connection; bounded (5 s per socket operation).
    public static func send(port: Int, _ requests: [Request]) async throws -> [Response] {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let encoder = JSONEncoder()
        let arguments = try [script.path, String(port)] + requests.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let directory = try RepositoryPaths.makeScratchDirectory("tls-probe")
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try ChildProcess(executable: python, arguments: arguments, logFile: directory.appendingPathComponent("probe.log"))
                    guard process.waitForExit(timeout: Double(10 + 10 * requests.count)) == 0 else {
                        throw FixtureError("tls-probe.py failed: \(process.output)")
                    }
                    let lines = process.output.split(separator: "\n").filter { $0.hasPrefix("{") }
                    let decoder = JSONDecoder()
                    return try lines.map { try decoder.decode(Response.self, from: Data($0.utf8)) }
                })
            }
        }
    }

    /// One request.
    public static func send(port: Int, sni: String?, host: String? = nil, path: String = "/", ca: String? = nil) async throws -> Response {
        guard let response = try await send(port: port, [Request(sni: sni, host: host, path: path, ca: ca)]).first else {
            throw FixtureError("tls-probe.py answered nothing")
        }
        return response
    }

    /// One HTTP/2 request with `curl` (negotiated by ALPN): the status and the HTTP version used.
    /// SNI comes from the URL's host name, `:authority` from `host`.
    public static func http2(port: Int, sni: String, host: String) async throws -> (status: Int, version: String) {
        guard let curl = RepositoryPaths.executable(named: "curl") else { throw FixtureError("curl not found on PATH") }
        let directory = try RepositoryPaths.makeScratchDirectory("h2-probe")
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = [
            "--silent", "--insecure", "--http2", "--max-time", "5", "--resolve", "\(sni):\(port):127.0.0.1",
            "--header", "Host: \(host)", "--output", "/dev/null", "--write-out", "%{http_code} %{http_version}\n", "https://\(sni):\(port)/",
        ]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try ChildProcess(executable: curl, arguments: arguments, logFile: directory.appendingPathComponent("curl.log"))
                    _ = process.waitForExit(timeout: 10)
                    let words = process.output.split(whereSeparator: \.isWhitespace)
                    guard words.count == 2, let status = Int(words[0]) else { throw FixtureError("curl: \(process.output)") }
                    return (status, String(words[1]))
                })
            }
        }
    }
}
