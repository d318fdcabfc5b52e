import ArgumentParser
import Foundation
import MeridianAdmin
import NIOCore
import NIOHTTP1
import NIOPosix

/// The `--admin-address` of the verbs that talk to a running `serve`.
struct AdminAddressFlag: ParsableArguments {
    @Option(help: ArgumentHelp("The admin address of the running meridian serve.", valueName: "host:port"))
    var adminAddress = "127.0.0.1:19100"

    var client: AdminClient { AdminClient(address: adminAddress) }
}

/// A client of `serve`'s admin API: HTTP/1.1, one request per connection, on swift-nio, which
/// the admin server (Hummingbird) already builds, so it adds no module to the build.
/// Exit codes of the verbs that use it: 0 when the server answered 2xx, 1 when it refused
/// (its message is printed), 2 when it cannot be reached.
///
/// Not URLSession: on Linux that is libcurl, which sends even 127.0.0.1 through the
/// `http_proxy` of the environment (`meridian status` then cannot reach a local serve), and
/// is one more shared library at run time. Not AsyncHTTPClient: TLS, HTTP/2 and pooling that
/// a loopback call does not need, for more than twice the first build (see README).
struct AdminClient {
    let address: String
    /// Bounds the whole exchange: connecting, sending, reading.
    var timeout: Duration = .seconds(30)
    /// Answers larger than this are refused rather than held in memory.
    var maximumBodySize = 256 << 20

    struct Answer {
        var status: Int
        var body: String
    }

    /// GET or POST `path` (with its query); the answer whatever its status.
    func request(_ path: String, method: String = "GET") async throws(ExitCode) -> Answer {
        guard let (host, port) = AdminServer.parseAddress(address) else {
            printError("meridian: --admin-address \(address) is not host:port")
            throw ExitCode(2)
        }
        do {
            return try await withThrowingTaskGroup(of: Answer?.self) { tasks in
                tasks.addTask { try await exchange(host: host, port: port, method: HTTPMethod(rawValue: method), path: path) }
                tasks.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { tasks.cancelAll() }
                guard let answer = try await tasks.next() ?? nil else { throw AdminClientError("no answer within \(timeout)") }
                return answer
            }
        } catch {
            printError("meridian: cannot reach the admin API at \(address): \(error) (is meridian serve running with --admin-address \(address)?)")
            throw ExitCode(2)
        }
    }

    /// Prints the body of a 2xx answer; otherwise prints it to standard error and exits 1.
    func printAnswer(_ path: String, method: String = "GET") async throws(ExitCode) {
        let answer = try await request(path, method: method)
        guard (200..<300).contains(answer.status) else {
            printError(answer.body.trimmingCharacters(in: .whitespacesAndNewlines))
            throw ExitCode(1)
        }
        print(answer.body, terminator: answer.body.hasSuffix("\n") ? "" : "\n")
    }

    private func exchange(host: String, port: Int, method: HTTPMethod, path: String) async throws -> Answer {
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
                        throw AdminClientError("the answer is over \(maximumBodySize) bytes")
                    }
                    body.writeBuffer(&chunk)
                case .end:
                    return Answer(status: status, body: String(buffer: body))
                }
            }
            throw AdminClientError("the connection closed before the answer ended")
        }
    }
}

/// Why no whole answer came back.
struct AdminClientError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

/// Percent-encodes a query parameter value (`ns/name` keeps its slash readable to the server).
func queryValue(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? value
}
