import GRPCCoreTransport
import Testing

/// Process-wide counts only mean something when nothing else runs in the
/// process, so the test script runs this suite in a process of its own
/// (`swift test --filter StreamLeakTests`) and skips it in the parallel run.
@Suite("gRPC core stream leaks", .serialized, .timeLimit(.minutes(3)))
struct StreamLeakTests {
    @Test("1,000 streams opened and closed leave no memory, descriptors or threads behind")
    func noLeaksAcrossManyStreams() async throws {
        let (server, port) = try makeEchoServer()
        let channel = GRPCChannel(target: "127.0.0.1:\(port)")

        func cycle(_ count: Int) async throws {
            for index in 0..<count {
                let stream = try await channel.openStream(method: echoMethod)
                var responses = stream.responses.makeAsyncIterator()
                let payload = Array(repeating: UInt8(truncatingIfNeeded: index), count: 4096)
                try await stream.send(payload)
                #expect(await responses.next() == payload)
                if index.isMultiple(of: 2) {
                    await stream.closeSend()
                } else {
                    stream.cancel()
                }
                _ = await stream.status()
            }
        }

        try await cycle(200)  // warm up allocator arenas and gRPC's own caches
        try await Task.sleep(for: .milliseconds(200))
        let before = ProcessResources.current()
        try await cycle(1_000)
        try await Task.sleep(for: .milliseconds(300))
        let after = ProcessResources.current()
        print("1,000 streams: before \(before), after \(after)")

        #expect(server.acceptedStreamCount == 1_200)
        #expect(server.openStreamCount == 0)
        #expect(before.openDescriptors > 0 && after.openDescriptors <= before.openDescriptors)
        #expect(before.threads > 0 && after.threads <= before.threads)
        #expect(after.residentBytes - before.residentBytes < 4 << 20, "resident memory grew by \((after.residentBytes - before.residentBytes) / 1024) KiB")

        await channel.close()
        await server.shutdown()
    }

    @Test("channels dropped without close() release their C channel and polling thread")
    func droppedChannels() async throws {
        let (server, port) = try makeEchoServer()
        func useAndDrop() async throws {
            let channel = GRPCChannel(target: "127.0.0.1:\(port)")
            let stream = try await channel.openStream(method: echoMethod)
            try await stream.send([1])
            var responses = stream.responses.makeAsyncIterator()
            #expect(await responses.next() == [1])
            await stream.closeSend()
            #expect(await stream.status() == .ok)
        }
        try await useAndDrop()
        try await Task.sleep(for: .milliseconds(200))
        let before = ProcessResources.current()
        for _ in 0..<20 { try await useAndDrop() }
        try await Task.sleep(for: .milliseconds(300))
        let after = ProcessResources.current()
        print("20 dropped channels: before \(before), after \(after)")
        #expect(before.threads > 0 && after.threads <= before.threads)
        await server.shutdown()
    }
}
