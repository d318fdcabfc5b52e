import GRPCCoreTransport
import Synchronization
import Testing

/// gRPC core pools connections: channels with equal arguments to one target share a TCP
/// connection. A load generator simulating Envoys needs one connection per proxy.
@Suite("channels with a connection of their own", .timeLimit(.minutes(1)))
struct OwnConnectionTests {
    /// The peer address (client IP and port) of every stream a server saw.
    private final class Peers: Sendable {
        let seen = Mutex<[String]>([])
    }

    /// A server that remembers the peer address of every stream.
    private static func peerRecordingServer() throws -> (GRPCServer, Int, Peers) {
        let peers = Peers()
        let server = GRPCServer(handlers: [
            echoMethod: { [peers] stream in
                peers.seen.withLock { $0.append(stream.peer) }
                for await message in stream.requests { try await stream.send(message) }
            },
        ])
        return (server, try server.start(address: "127.0.0.1:0"), peers)
    }

    private static func roundTrip(_ channel: GRPCChannel) async throws {
        let stream = try await channel.openStream(method: echoMethod)
        try await stream.send([7])
        var responses = stream.responses.makeAsyncIterator()
        #expect(await responses.next() == [7])
        await stream.closeSend()
        _ = await stream.status()
    }

    @Test("channels on a shared completion queue each open their own TCP connection")
    func distinctConnections() async throws {
        let (server, port, peers) = try Self.peerRecordingServer()
        let queue = SharedCompletionQueue()
        let channels = (0..<4).map { _ in GRPCChannel(target: "127.0.0.1:\(port)", ownConnectionOn: queue) }
        for channel in channels { try await Self.roundTrip(channel) }
        let seen = peers.seen.withLock { $0 }
        #expect(seen.count == 4)
        #expect(Set(seen).count == 4, "peers: \(seen)")
        for channel in channels { await channel.close() }
        await server.shutdown()
    }
}
