import Foundation

/// A minimal HTTP/1.1 client over a plain socket, one connection per request.
///
/// A fresh connection per request makes every request an independent routing
/// decision in Envoy, and keeps the client free of pooling surprises.
public enum HTTPProbe {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// Sends one request to 127.0.0.1:`port`; runs off Swift's cooperative pool.
    public static func send(
        port: Int,
        path: String = "/",
        method: String = "GET",
        host: String = "example.com",
        headers: [(String, String)] = [],
        body: String? = nil,
        timeout: TimeInterval = 5
    ) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try sendBlocking(port: port, path: path, method: method, host: host, headers: headers, body: body, timeout: timeout) })
            }
        }
    }

    /// Like `send`, but returns nil instead of throwing when nothing answers.
    public static func trySend(port: Int, path: String = "/", host: String = "example.com", headers: [(String, String)] = []) async -> Response? {
        try? await send(port: port, path: path, host: host, headers: headers, timeout: 2)
    }

    /// One request of a concurrent batch (see `sendConcurrently`).
    public struct Request: Sendable {
        public var path: String
        public var method: String
        public var host: String
        public var headers: [(String, String)]

        public init(path: String = "/", method: String = "GET", host: String = "example.com", headers: [(String, String)] = []) {
            self.path = path
            self.method = method
            self.host = host
            self.headers = headers
        }
    }

    /// The most requests `sendConcurrently` sends at once (one thread and one connection each).
    public static let maximumConcurrentRequests = 64

    /// Sends every request at the same moment, each from its own thread on its own connection,
    /// and returns the outcomes in the order given. Threads, not Dispatch's pool: Dispatch
    /// widens its pool for blocked workers only gradually, which would stagger the requests.
    /// All threads are started, then released together once each is ready.
    public static func sendConcurrently(port: Int, _ requests: [Request], timeout: TimeInterval = 10) async throws -> [Result<Response, any Error>] {
        guard requests.count <= maximumConcurrentRequests else {
            throw FixtureError("at most \(maximumConcurrentRequests) concurrent requests, not \(requests.count)")
        }
        guard !requests.isEmpty else { return [] }
        let batch = ConcurrentBatch(count: requests.count)
        return await withCheckedContinuation { continuation in
            batch.onFinished { continuation.resume(returning: $0) }
            for (index, request) in requests.enumerated() {
                let thread = Thread {
                    batch.arriveAndWaitForAll()
                    let outcome = Result<Response, any Error> {
                        try sendBlocking(port: port, path: request.path, method: request.method, host: request.host, headers: request.headers, timeout: timeout)
                    }
                    batch.finish(index, outcome)
                }
                thread.stackSize = 512 * 1024
                thread.start()
            }
        }
    }

    /// The shared state of one `sendConcurrently` call: a start gate and the collected outcomes.
    private final class ConcurrentBatch: @unchecked Sendable {
        private let condition = NSCondition()
        private let count: Int
        private var arrived = 0
        private var outcomes: [Result<Response, any Error>?]
        private var finished = 0
        private var completion: (@Sendable ([Result<Response, any Error>]) -> Void)?

        init(count: Int) {
            self.count = count
            outcomes = Array(repeating: nil, count: count)
        }

        func onFinished(_ completion: @escaping @Sendable ([Result<Response, any Error>]) -> Void) {
            condition.lock()
            self.completion = completion
            condition.unlock()
        }

        /// Blocks until every thread of the batch has arrived (bounded: 10 s, then goes anyway).
        func arriveAndWaitForAll() {
            condition.lock()
            arrived += 1
            if arrived == count { condition.broadcast() }
            let deadline = Date().addingTimeInterval(10)
            while arrived < count, condition.wait(until: deadline) {}
            condition.unlock()
        }

        func finish(_ index: Int, _ outcome: Result<Response, any Error>) {
            condition.lock()
            outcomes[index] = outcome
            finished += 1
            let done = finished == count ? completion : nil
            let results = done == nil ? [] : outcomes.map { $0! }
            condition.unlock()
            done?(results)
        }
    }

    static func sendBlocking(port: Int, path: String, method: String, host: String, headers: [(String, String)], body: String? = nil, timeout: TimeInterval) throws -> Response {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FixtureError("socket() failed") }
        defer { close(descriptor) }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - floor(timeout)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw FixtureError("connect to 127.0.0.1:\(port) failed (errno \(errno))") }

        var request = "\(method) \(path) HTTP/1.1\r\nhost: \(host)\r\nconnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "content-length: \(body.utf8.count)\r\n\r\n\(body)" } else { request += "\r\n" }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let result = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard result > 0 else { throw FixtureError("send failed (errno \(errno))") }
            sent += result
        }

        // Stop at content-length rather than EOF: after a local reply Envoy
        // holds the connection open for its delayed-close timeout (1 s).
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while !isComplete(received) {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count == 0 { break }
            guard count > 0 else { throw FixtureError("no complete response from 127.0.0.1:\(port) (errno \(errno))") }
            received.append(contentsOf: buffer[0..<count])
        }
        return try parse(received)
    }

    /// Whether `bytes` hold the whole response, as far as a content-length tells.
    static func isComplete(_ bytes: [UInt8]) -> Bool {
        guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else { return false }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
        guard let line = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count - end.upperBound >= length
    }

    static func parse(_ bytes: [UInt8]) throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.firstRange(of: separator) else { throw FixtureError("malformed HTTP response: \(String(decoding: bytes, as: UTF8.self))") }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw FixtureError("malformed status line: \(head.first ?? "")") }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
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
