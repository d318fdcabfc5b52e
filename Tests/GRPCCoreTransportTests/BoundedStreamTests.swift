import Foundation
import GRPCCoreTransport
import Synchronization
import Testing

/// A server stream's memory does not grow with what the client sends or what many streams
/// are sent: requests are read only when the handler asks for one (HTTP/2 flow control holds
/// the client back), and a shared message is sent to many streams without a copy each.
@Suite("bounded server streams", .timeLimit(.minutes(2)))
struct BoundedStreamTests {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    @Test("a client that sends faster than the handler works is held back, not buffered")
    func requestsReadWhenAsked() async throws {
        let handled = Counter()
        let server = GRPCServer(handlers: [
            "/meridian.test.Slow/Stream": { stream in
                for await _ in stream.requests {
                    handled.value.add(1, ordering: .relaxed)
                    try? await Task.sleep(for: .milliseconds(100))
                }
            },
        ])
        let port = try server.start(address: "127.0.0.1:0")
        let channel = GRPCChannel(target: "127.0.0.1:\(port)")
        let stream = try await channel.openStream(method: "/meridian.test.Slow/Stream")
        let sent = Counter()
        let message = [UInt8](repeating: 0x61, count: 256 << 10)
        let sender = Task {
            for _ in 0..<200 {
                guard (try? await stream.send(message)) != nil else { return }
                sent.value.add(1, ordering: .relaxed)
            }
        }
        // Until the handler took ten (a second alone; longer on a loaded machine): meanwhile the
        // client had every chance to push all 200 (50 MiB) if the server read ahead.
        let deadline = ContinuousClock.now + .seconds(60)
        while handled.value.load(ordering: .relaxed) < 10, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let (sentCount, handledCount) = (sent.value.load(ordering: .relaxed), handled.value.load(ordering: .relaxed))
        print("figure: a flooding client sent \(sentCount) messages of 256 KiB while the handler took \(handledCount)")
        // Unread data is what HTTP/2 windows and gRPC core's buffers hold: megabytes, not 50 MiB.
        // gRPC core's bandwidth-delay estimator widens the windows while the stream runs, so
        // the excess is 11-21 messages (3-5 MiB) on an idle machine and more on a loaded one
        // where taking ten requests lasts longer (43 seen during a full parallel test run);
        // reading ahead without bound would have taken all 200 in milliseconds.
        #expect(handledCount >= 10)
        #expect(sentCount - handledCount <= 64, "sent \(sentCount), handled \(handledCount): requests were buffered ahead of the handler")
        stream.cancel()
        sender.cancel()
        await channel.close()
        await server.shutdown()
    }

    @Test("a shared message goes to several streams, each with its own tail")
    func sharedMessage() async throws {
        let body = try #require(SharedMessage(Array(repeating: 0x42, count: 100_000)))
        let server = GRPCServer(handlers: [
            "/meridian.test.Shared/Stream": { stream in
                for await tail in stream.requests {
                    try await stream.send(body, appending: tail)
                }
            },
        ])
        let port = try server.start(address: "127.0.0.1:0")
        let channel = GRPCChannel(target: "127.0.0.1:\(port)")
        for index in 0..<3 {
            let stream = try await channel.openStream(method: "/meridian.test.Shared/Stream")
            var responses = stream.responses.makeAsyncIterator()
            let tail: [UInt8] = [0x2a, 1, UInt8(index)]
            try await stream.send(tail)
            let received = try #require(await responses.next())
            #expect(received.count == 100_003)
            #expect(received.prefix(100_000).allSatisfy { $0 == 0x42 } && Array(received.suffix(3)) == tail)
            await stream.closeSend()
        }
        await channel.close()
        await server.shutdown()
    }
}
