import Foundation
import MeridianTestSupport

/// Our transcription of upstream's `conformance/utils/http` types: a request to send to a
/// Gateway and what must come back (status, response headers, the request as the echo backend
/// saw it, which pod and namespace answered, or where a redirect points).
struct ExpectedResponse: Sendable {
    struct Request: Sendable {
        var host = ""
        var method = ""
        var path = ""
        var headers: [String: String] = [:]
        var unfollowRedirect = false
        /// Upstream's `Request.SNI`: for a request in clear text, the server name the backend must have
        /// seen (a BackendTLSPolicy's hostname), checked as the expected request's `SNI`.
        var sni = ""
        /// Upstream's `Request.ClientCert`: a PEM certificate the backend must have been presented
        /// (echo-basic's `tls.peerCertificates`), checked as the expected request's.
        var clientCert = ""
    }

    /// The request as the backend must see it; nil: the request as sent (host, path, method).
    struct ExpectedRequest: Sendable {
        var host = ""
        var method = ""
        var path = ""
        var headers: [String: String]?
        var absentHeaders: [String] = []
        /// The TLS server name the backend saw (echo-basic's `tls.serverName`); "" for any.
        var sni = ""
        /// A PEM certificate among those the backend's TLS client presented; "" for any.
        var clientCert = ""
    }

    struct Redirect: Sendable {
        var scheme = ""
        var host = ""
        var port = ""
        var path = ""
    }

    struct Response: Sendable {
        var statusCodes: [Int] = []
        var headers: [String: String] = [:]
        var absentHeaders: [String] = []
        /// Headers that must be present with one of these values (upstream's `ValidHeaderValues`).
        var validHeaderValues: [String: [String]] = [:]
        /// Spaces are ignored when comparing `headers` and `validHeaderValues`.
        var ignoreWhitespace = false
    }

    var request = Request()
    var expectedRequest: ExpectedRequest?
    var redirect: Redirect?
    /// Response headers the echo backend is asked to set (`X-Echo-Set-Header`).
    var backendSetResponseHeaders: [String: String] = [:]
    var response = Response()
    /// The Deployment whose pod must answer (a prefix of the pod name); "" for any.
    var backend = ""
    var namespace = ""
    var name = ""

    init(request: Request, expectedRequest: ExpectedRequest? = nil, redirect: Redirect? = nil,
         backendSetResponseHeaders: [String: String] = [:], response: Response = Response(),
         status: Int? = nil, backend: String = "", namespace: String = "", name: String = "") {
        self.request = request
        self.expectedRequest = expectedRequest
        self.redirect = redirect
        self.backendSetResponseHeaders = backendSetResponseHeaders
        self.response = response
        if let status, !self.response.statusCodes.contains(status) { self.response.statusCodes.append(status) }
        self.backend = backend
        self.namespace = namespace
        self.name = name
    }

    var caseName: String {
        if !name.isEmpty { return name }
        let headers = request.headers.isEmpty ? "" : " with headers"
        let target = "request to '\(request.host)\(request.path)'\(headers)"
        return backend.isEmpty ? "\(target) should receive one of \(statusCodes)" : "\(target) should go to \(backend)"
    }

    var statusCodes: [Int] { response.statusCodes.isEmpty ? [200] : response.statusCodes }
}

/// What came back: the response, and the echo backend's JSON account of the request when it answered.
struct CapturedRoundTrip: Sendable {
    var status: Int
    /// Lower-cased names; repeated headers joined with "," (as Go's `strings.Join(values, ",")`).
    var headers: [String: String]
    var body: String
    var echo: Echo?
    /// Over TLS: whether the server asked for a client certificate (upstream's hook was called).
    var clientCertificateRequested: Bool?

    struct Echo: Sendable {
        var path: String
        var host: String
        var method: String
        var proto: String
        /// Lower-cased names; values joined with ",".
        var headers: [String: String]
        var namespace: String
        var pod: String
        /// echo-basic's `tls.serverName` on its HTTPS port; nil over clear text.
        var sni: String? = nil
        /// echo-basic's `tls.peerCertificates`: the client's certificates, PEM.
        var peerCertificates: [String] = []
    }
}

/// How a request reaches an HTTPS listener (upstream's `MakeTLSRequestAndExpectEventuallyConsistentResponse`):
/// the TLS server name, independent of the Host header, and the CA the server certificate must
/// chain to and name the server name under (Go's `tls.Config{RootCAs, ServerName}`).
struct ClientTLS: Sendable {
    var serverName: String
    /// A PEM file.
    var caFile: String
    /// Upstream's `H2Protocol`: HTTP/2, negotiated by ALPN.
    var http2 = false
    /// A client certificate to present when the server asks for one (upstream's `GetClientCertificateHook`).
    var clientCertificate: ClientCertificateFiles?
}

/// A client certificate and its key, as PEM files.
struct ClientCertificateFiles: Sendable {
    var certificate: String
    var key: String
}

/// `scripts/conformance-client.py` got no response: the connection, the handshake or the
/// request failed.
struct ConformanceClientError: Error, CustomStringConvertible {
    var message: String
    /// Over TLS: whether the server had asked for a client certificate before it failed.
    var clientCertificateRequested: Bool?

    var description: String { message }
}

/// A one-request-per-connection HTTP/1.1 client for any loopback address; over TLS through
/// `scripts/conformance-client.py` (Python's `ssl` and `h2`, one short process per request).
enum ConformanceHTTP {
    static let tlsClient = RepositoryPaths.root.appendingPathComponent("scripts/conformance-client.py")

    static func tlsRoundTrip(address: String, port: Int, tls: ClientTLS, method: String, target: String, headers: [(String, String)]) async throws -> CapturedRoundTrip {
        var spec: [String: Any] = [
            "address": address, "port": port, "sni": tls.serverName, "ca": tls.caFile, "method": method, "target": target,
            "headers": headers.map { [$0.0, $0.1] }, "protocol": tls.http2 ? "h2" : "h1",
        ]
        if let client = tls.clientCertificate {
            spec["cert"] = client.certificate
            spec["key"] = client.key
        }
        return try await clientRoundTrip(spec)
    }

    /// Upstream's `H2CPriorKnowledgeProtocol`: one request over HTTP/2 in clear text, with prior knowledge.
    static func h2cRoundTrip(address: String, port: Int, method: String, target: String, headers: [(String, String)]) async throws -> CapturedRoundTrip {
        try await clientRoundTrip(["address": address, "port": port, "method": method, "target": target, "headers": headers.map { [$0.0, $0.1] }, "protocol": "h2c"])
    }

    /// Upstream's WebSocket check (`WebSocketDialer.Dial` + `websocket.Message.Send/Receive`): the
    /// handshake for `target` with that Host and Origin, a text and a binary message echoed back.
    /// Throws with the reason when any step fails.
    static func webSocketEcho(address: String, port: Int, host: String, target: String, origin: String) async throws {
        _ = try await clientRoundTrip(["address": address, "port": port, "method": "GET", "target": target, "headers": [["Host", host]], "origin": origin, "protocol": "websocket"])
    }

    /// One run of `scripts/conformance-client.py` with this request.
    static func clientRoundTrip(_ spec: [String: Any]) async throws -> CapturedRoundTrip {
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let argument = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let directory = try RepositoryPaths.makeScratchDirectory("conformance-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output: String = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    let process = try ChildProcess(executable: python, arguments: [tlsClient.path, argument], logFile: directory.appendingPathComponent("client.log"))
                    guard process.waitForExit(timeout: 15) == 0 else { throw FixtureError("conformance-client.py failed: \(process.output)") }
                    return process.output
                })
            }
        }
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw FixtureError("conformance-client.py answered: \(output)")
        }
        let requested = json["certificateRequested"] as? Bool
        if let error = json["error"] as? String { throw ConformanceClientError(message: error, clientCertificateRequested: requested) }
        guard let status = json["status"] as? Int else { throw FixtureError("conformance-client.py answered: \(output)") }
        var captured = capture(status: status, headers: json["headers"] as? [String: String] ?? [:], body: Array((json["body"] as? String ?? "").utf8))
        captured.clientCertificateRequested = requested
        return captured
    }

    static func roundTrip(address: String, port: Int, method: String, target: String, headers: [(String, String)], timeout: TimeInterval = 5) async throws -> CapturedRoundTrip {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try roundTripBlocking(address: address, port: port, method: method, target: target, headers: headers, timeout: timeout) })
            }
        }
    }

    static func roundTripBlocking(address: String, port: Int, method: String, target: String, headers: [(String, String)], timeout: TimeInterval) throws -> CapturedRoundTrip {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket() failed") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_addr.s_addr = inet_addr(address)
        socketAddress.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FixtureError("connect to \(address):\(port) failed (errno \(errno))") }
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Connection: close\r\n\r\n"
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard result > 0 else { throw FixtureError("send failed (errno \(errno))") }
            sent += result
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !complete(received, method: method) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw FixtureError("no complete response from \(address):\(port) (errno \(errno))") }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parse(received)
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Range<Int>? { bytes.firstRange(of: [13, 10, 13, 10]) }

    /// Whether the whole response has arrived (by content-length; a HEAD answer has no body).
    private static func complete(_ bytes: [UInt8], method: String) -> Bool {
        guard let end = headerEnd(bytes) else { return false }
        if method == "HEAD" { return true }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
        let lines = head.components(separatedBy: "\r\n")
        if let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }), status == 204 || status == 304 || (100..<200).contains(status) { return true }
        guard let line = lines.first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count - end.upperBound >= length
    }

    static func parse(_ bytes: [UInt8]) throws -> CapturedRoundTrip {
        guard let end = headerEnd(bytes) else { throw FixtureError("malformed HTTP response: \(String(decoding: bytes, as: UTF8.self))") }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw FixtureError("malformed status line: \(head.first ?? "")") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0),\(value)" } ?? value
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return capture(status: status, headers: headers, body: body)
    }

    /// A response as the tests compare it, with the echo pod's JSON account when it is one.
    static func capture(status: Int, headers: [String: String], body: [UInt8]) -> CapturedRoundTrip {
        let text = String(decoding: body, as: UTF8.self)
        var echo: CapturedRoundTrip.Echo?
        if headers["content-type"] == "application/json", let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            var echoed: [String: String] = [:]
            for (name, values) in json["headers"] as? [String: [String]] ?? [:] { echoed[name.lowercased()] = values.joined(separator: ",") }
            echo = .init(path: json["path"] as? String ?? "", host: json["host"] as? String ?? "", method: json["method"] as? String ?? "",
                         proto: json["proto"] as? String ?? "", headers: echoed, namespace: json["namespace"] as? String ?? "", pod: json["pod"] as? String ?? "",
                         sni: (json["tls"] as? [String: Any])?["serverName"] as? String,
                         peerCertificates: (json["tls"] as? [String: Any])?["peerCertificates"] as? [String] ?? [])
        }
        return CapturedRoundTrip(status: status, headers: headers, body: text, echo: echo)
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? "0"
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            output.append(contentsOf: bytes[start..<min(start + size, bytes.count)])
            index = start + size + 2
        }
        return output
    }
}

extension ExpectedResponse {
    /// Why `captured` does not meet the expectation, or nil when it does (upstream's `CompareRoundTrip`).
    func mismatch(_ captured: CapturedRoundTrip, sentPath: String, sentMethod: String) -> String? {
        let codes = statusCodes
        let isTimeout = { (code: Int) in code == 408 || code == 504 }
        if isTimeout(captured.status), codes.contains(where: isTimeout) { return nil }
        guard codes.contains(captured.status) else {
            return "expected status code to be one of \(codes), got \(captured.status) (body: \(captured.body.prefix(300)))"
        }
        if captured.status == 200 || captured.status == 204 {
            var expected = expectedRequest ?? ExpectedRequest(host: request.host, method: request.method, path: request.path, sni: request.sni, clientCert: request.clientCert)
            if expected.method.isEmpty { expected.method = "GET" }
            // Not the echo server (a CORS preflight answered by the proxy): upstream assumes the
            // method was right and compares the rest as empty.
            let echo = captured.echo ?? .init(path: "", host: "", method: sentMethod, proto: "", headers: [:], namespace: "", pod: "")
            if !expected.host.isEmpty, expected.host != echo.host { return "expected host to be \(expected.host), got \(echo.host)" }
            if expected.path != echo.path { return "expected path to be \(expected.path), got \(echo.path)" }
            if expected.method != echo.method { return "expected method to be \(expected.method), got \(echo.method)" }
            if namespace != echo.namespace { return "expected namespace to be \(namespace), got \(echo.namespace)" }
            if let headers = expected.headers {
                for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
                    guard let actual = echo.headers[name.lowercased()] else { return "expected \(name) header to be set, actual headers: \(echo.headers)" }
                    if actual != value { return "expected \(name) header to be set to \(value), got \(actual)" }
                }
            }
            let spaces = { (text: String) in response.ignoreWhitespace ? text.replacingOccurrences(of: " ", with: "") : text }
            for (name, values) in response.validHeaderValues.sorted(by: { $0.key < $1.key }) {
                guard let actual = captured.headers[name.lowercased()] else { return "expected \(name) response header to be set, actual headers: \(captured.headers)" }
                if !values.map(spaces).contains(spaces(actual)) { return "expected \(name) response header to be set to one of \(values), got \(actual)" }
            }
            for (name, value) in response.headers.sorted(by: { $0.key < $1.key }) {
                guard let actual = captured.headers[name.lowercased()] else { return "expected \(name) response header to be set, actual headers: \(captured.headers)" }
                if spaces(actual) != spaces(value) { return "expected \(name) response header to be set to \(value), got \(actual)" }
            }
            for name in response.absentHeaders {
                if let value = captured.headers[name.lowercased()] { return "expected \(name) response header to not be set, got \(value)" }
            }
            for name in expected.absentHeaders {
                if let value = echo.headers[name.lowercased()] { return "expected \(name) header to not be set, got \(value)" }
            }
            if !echo.pod.hasPrefix(backend) { return "expected pod name to start with \(backend), got \(echo.pod)" }
            if !expected.sni.isEmpty, expected.sni != echo.sni { return "expected SNI \(echo.sni.map { "\"\($0)\"" } ?? "(no TLS)") to be equal to \"\(expected.sni)\"" }
            if !expected.clientCert.isEmpty, !echo.peerCertificates.contains(expected.clientCert) {
                return "expected client certificate was not captured (the backend saw \(echo.peerCertificates.count) certificates)"
            }
        } else if [301, 302, 303, 307, 308].contains(captured.status) {
            guard var redirect else { return nil }
            guard let location = captured.headers["location"], let url = URLComponents(string: location) else {
                return "a \(captured.status) without a usable Location header: \(captured.headers)"
            }
            let gotScheme = url.scheme ?? ""
            let gotHost = url.host ?? ""
            let gotPort = url.port.map(String.init) ?? ""
            let gotPath = url.path
            if redirect.host.isEmpty { redirect.host = gotHost }
            if redirect.scheme.isEmpty { redirect.scheme = "http" }
            if redirect.path.isEmpty { redirect.path = String(sentPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
            if redirect.host != gotHost { return "expected redirected hostname to be \"\(redirect.host)\", got \"\(gotHost)\" (Location: \(location))" }
            if redirect.port.isEmpty {
                if gotScheme.lowercased() == "http", gotPort != "80", !gotPort.isEmpty { return "for http scheme, expected redirected port to be 80 or not set, got \"\(gotPort)\" (Location: \(location))" }
                if gotScheme.lowercased() == "https", gotPort != "443", !gotPort.isEmpty { return "for https scheme, expected redirected port to be 443 or not set, got \"\(gotPort)\" (Location: \(location))" }
            } else if redirect.port != gotPort {
                return "expected redirected port to be \"\(redirect.port)\", got \"\(gotPort)\" (Location: \(location))"
            }
            if redirect.scheme != gotScheme { return "expected redirected scheme to be \"\(redirect.scheme)\", got \"\(gotScheme)\" (Location: \(location))" }
            if redirect.path != gotPath { return "expected redirected path to be \"\(redirect.path)\", got \"\(gotPath)\" (Location: \(location))" }
        }
        return nil
    }
}
