import EnvoyAPI
import Foundation
import GRPCCoreTransport
import MeridianTestSupport
import Testing

/// `meridian serve` under a connection flood at a low descriptor limit: it never reaches the
/// limit itself (its accept loop stops short of it), never crashes, and accepts again as
/// soon as the flood is gone.
@Suite("Descriptor storm", .serialized, .timeLimit(.minutes(2)))
struct DescriptorStormTests {
    /// A raw loopback TCP connection, never speaking HTTP/2; nil when connect failed.
    static func rawConnection(port: Int) -> Int32? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    @Test("at RLIMIT_NOFILE 256, 600 raw connections neither crash serve nor take it to the limit; freed, a new ADS client syncs within 2 s",
          .enabled(if: DescriptorLimits.current().hard >= 4_096, "the test process holds 600 sockets"))
    func floodAtALowLimit() async throws {
        try await Self.flood(tls: nil)
    }

    @Test("with TLS (gRPC core's listener), after a flood at RLIMIT_NOFILE 256 serve is still up and a new ADS client syncs within 2 s",
          .enabled(if: DescriptorLimits.current().hard >= 4_096, "the test process holds 600 sockets"))
    func floodWithTLS() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("descriptor-storm-certs"))
        try await Self.flood(tls: files)
    }

    static func flood(tls files: XDSTLSFiles?) async throws {
        DescriptorLimits.raiseSoftToHard()
        let tlsArguments = files.map { ["--xds-tls-certificate", $0.serverCertificatePath, "--xds-tls-key", $0.serverKeyPath] } ?? []
        let serve = try await ServeProcess("descriptor-storm", arguments: tlsArguments, wrapper: ["prlimit", "--nofile=256:256", "--"])
        defer { serve.stop() }
        #expect(serve.process.output.contains("soft=256"), "\(serve.process.output.prefix(2_000))")
        let pid = serve.process.processIdentifier

        // A proxy connected before the flood keeps its stream through it (and through a rebind).
        let early = try await XDSTestClient(port: serve.ports.xds, tls: files?.clientTLS())
        try await early.send(DiscoveryRequest(node: Node(id: "before-storm", cluster: ServeProcess.group), typeURL: ResourceType.cluster.typeURL))
        #expect(await early.next() != nil, "the first client did not sync")

        // Far more than the limit: with gRPC core's own listener this ends in EMFILE, after
        // which it never accepts again.
        var flood: [Int32] = []
        for _ in 0..<600 {
            if let descriptor = Self.rawConnection(port: serve.ports.xds) { flood.append(descriptor) }
        }
        var highest = 0
        let watchUntil = ContinuousClock.now.advanced(by: .seconds(2))
        while ContinuousClock.now < watchUntil {
            highest = max(highest, Self.openDescriptors(of: pid))
            try await Task.sleep(for: .milliseconds(20))
        }
        print("figure: \(files == nil ? "plaintext" : "TLS"): 600 raw connections (\(flood.count) connected) at limit 256: serve held at most \(highest) descriptors")
        #expect(flood.count >= 300, "the kernel's backlog took only \(flood.count)")
        #expect(highest > 150, "the flood did not reach serve: \(highest) descriptors")
        if files == nil { #expect(highest < 256, "serve reached its descriptor limit") }
        #expect(serve.process.isRunning, "serve died in the flood:\n\(serve.process.output.suffix(3_000))")

        for descriptor in flood { close(descriptor) }
        flood = []
        let freed = ContinuousClock.now
        let synced = await eventually(timeout: .seconds(5), every: .milliseconds(50)) {
            // Its own connection: the early client's would prove nothing about accepting.
            guard let client = try? await XDSTestClient(port: serve.ports.xds, tls: files?.clientTLS(), ownConnection: true) else { return false }
            try? await client.send(DiscoveryRequest(node: Node(id: "after-storm", cluster: ServeProcess.group), typeURL: ResourceType.cluster.typeURL))
            return await client.next(timeout: .milliseconds(500)) != nil
        }
        let elapsed = ContinuousClock.now - freed
        print("figure: \(files == nil ? "plaintext" : "TLS"): after the flood a new ADS client synced \(elapsed) after the descriptors were freed")
        #expect(synced, "no ADS client synced after the flood:\n\(serve.process.output.suffix(3_000))")
        #expect(elapsed < .seconds(2), "synced only after \(elapsed)")
        #expect(serve.process.isRunning)
        #expect(early.endedStatus == nil, "the stream opened before the flood ended: \(String(describing: early.endedStatus))")
    }
}
