import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 client for a running `serve`'s admin API (`--admin-address`): one
/// request per connection, on swift-nio, which the admin server already brings in.
///
/// Chosen over URLSession (libcurl: proxies from `http_proxy` apply to it, and it is one
/// more shared library at run time) and AsyncHTTPClient (TLS, HTTP/2 and pooling that a
/// loopback call does not need, at minutes of first build). See README, Snapshot history.
struct AdminClient {
    let host: String
    let port: Int
    /// Bounds the whole exchange: connecting, sending, reading.
    var timeout: Duration = .seconds(30)
    /// Answers larger than this are refused rather than held in memory.
    var maximumBodySize = 256 << 20

    struct Response {
        var status: Int
        var body: String
    }

    /// Why no answer came back: the process exits 2 for these (1 is for a refusal).
    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }

    func send(_ method: HTTPMethod, _ path: String) async throws(Unreachable) -> Response {
        do {
            return try await withThrowingTaskGroup(of: Response?.self) { tasks in
                tasks.addTask { try await exchange(method, path) }
                tasks.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { tasks.cancelAll() }
                guard let response = try await tasks.next() ?? nil else {
                    throw Unreachable(description: "no answer from \(host):\(port) within \(timeout)")
                }
                return response
            }
        } catch let error as Unreachable {
            throw error
        } catch {
            throw Unreachable(description: "cannot reach meridian serve's admin API at \(host):\(port): \(error)")
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String) async throws -> Response {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "Host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "Content-Length", value: "0")
            try await outbound.write(.head(head))
            try await outbound.write(.end(nil))
            var status = 0
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let response):
                    status = Int(response.status.code)
                case .body(var chunk):
                    guard body.readableBytes + chunk.readableBytes <= maximumBodySize else {
                        throw Unreachable(description: "the answer from \(host):\(port) is over \(maximumBodySize) bytes")
                    }
                    body.writeBuffer(&chunk)
                case .end:
                    return Response(status: status, body: String(buffer: body))
                }
            }
            throw Unreachable(description: "\(host):\(port) closed the connection before answering")
        }
    }
}
