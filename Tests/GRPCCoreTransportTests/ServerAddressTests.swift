import Foundation
import GRPCCoreTransport
import Testing

/// One server per address: gRPC core's default SO_REUSEPORT is off, so a second
/// server on a busy address fails to start and says why.
@Suite("one gRPC server per address", .timeLimit(.minutes(1)))
struct ServerAddressTests {
    @Test("a second server on the same address fails with addressInUse; the first keeps serving")
    func secondServerRefused() async throws {
        let (first, port) = try makeEchoServer()
        let second = GRPCServer(handlers: [:])
        do {
            try second.start(address: "127.0.0.1:\(port)")
            Issue.record("the second server started on a busy address")
            await second.shutdown()
        } catch {
            #expect(error.code == .addressInUse)
            #expect(error.message == "address 127.0.0.1:\(port) is in use")
        }

        // Every call still reaches the first server (with SO_REUSEPORT, some went to the second).
        for _ in 0..<8 {
            let channel = GRPCChannel(target: "127.0.0.1:\(port)")
            let stream = try await channel.openStream(method: echoMethod)
            try await stream.send([1, 2, 3])
            var responses = stream.responses.makeAsyncIterator()
            #expect(await responses.next() == [3, 2, 1])
            await stream.closeSend()
            #expect(await stream.status().code == .ok)
            await channel.close()
        }
        await first.shutdown()

        // Once the first is gone the address is free again.
        let third = GRPCServer(handlers: [:])
        #expect(try third.start(address: "127.0.0.1:\(port)") == port)
        await third.shutdown()
    }

    @Test("an address that cannot be bound for another reason is bindFailed, not in use")
    func otherBindFailure() async {
        let server = GRPCServer(handlers: [:])
        do {
            // TEST-NET-1: no interface of this machine has that address.
            try server.start(address: "192.0.2.1:0")
            Issue.record("bound an address this machine does not have")
        } catch {
            #expect(error.code == .bindFailed, "\(error)")
        }
    }
}
