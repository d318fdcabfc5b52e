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
    /// Opens `count` raw loopback TCP connections (never speaking HTTP/2) from a child
    /// process, so that this test process's descriptor count, which DescriptorHeadroomTests
    /// plans against, does not move; they close when `release` exists.
    static let floodScript = """
    import os, socket, sys, time
    port, count, release = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    held = []
    for _ in range(count):
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            pass
    print("connected", len(held), flush=True)
    deadline = time.time() + 60
    while not os.path.exists(release) and time.time() < deadline:
        time.sleep(0.005)
    for connection in held:
        connection.close()
    print("released", flush=True)
    """

    static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// Waits for a whole line starting with `prefix` in the child's output; returns the line.
    static func line(_ prefix: String, of process: ChildProcess, timeout: Duration = .seconds(30)) async -> Substring? {
        var found: Substring?
        _ = await eventually(timeout: timeout, every: .milliseconds(5)) {
            // The piece after the last newline may be a line still being written.
            found = process.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first { $0.hasPrefix(prefix) }
            return found != nil
        }
        return found
    }

    @Test("at RLIMIT_NOFILE 256, 600 raw connections neither crash serve nor take it to the limit; freed, a new ADS client syncs within 2 s",
          .enabled(if: DescriptorLimits.current().hard >= 4_096, "the test process holds 600 sockets"))
    func floodAtALowLimit() async throws {
        try await Self.flood(tls: nil)
    }

    @Test("with TLS (gRPC core's listener), after a flood at RLIMIT_NOFILE 256 serve is still up and a new ADS client syncs within 2 s",
          .enabled(if: DescriptorLimits.current().hard >= 4_096, "the flooding child holds 600 sockets"))
    func floodWithTLS() async throws {
        let files = try XDSTLSFiles(directory: try RepositoryPaths.makeScratchDirectory("descriptor-storm-certs"))
        try await Self.flood(tls: files)
    }

    static func flood(tls files: XDSTLSFiles?) async throws {
        DescriptorLimits.raiseSoftToHard()
        let tlsArguments = files.map { ["--xds-tls-certificate", $0.serverCertificatePath, "--xds-tls-key", $0.serverKeyPath] } ?? []
        // Other suites in this process hold descriptors (DescriptorHeadroomTests: 500 files) that
        // a spawned child inherits unless they are close-on-exec; at a limit of 256 those would
        // leave serve no room at all. The wrapper closes everything past stderr, then execs serve.
        let closeInherited = "import os, sys; os.closerange(3, 1 << 20); os.execvp(sys.argv[1], sys.argv[1:])"
        let serve = try await ServeProcess("descriptor-storm", arguments: tlsArguments,
                                           wrapper: ["prlimit", "--nofile=256:256", "--", "python3", "-c", closeInherited])
        defer { serve.stop() }
        #expect(serve.process.output.contains("soft=256"), "\(serve.process.output.prefix(2_000))")
        let pid = serve.process.processIdentifier

        // A proxy connected before the flood keeps its stream through it (and through a rebind).
        let early = try await XDSTestClient(port: serve.ports.xds, tls: files?.clientTLS())
        try await early.send(DiscoveryRequest(node: Node(id: "before-storm", cluster: ServeProcess.group), typeURL: ResourceType.cluster.typeURL))
        #expect(await early.next() != nil, "the first client did not sync")

        // Far more than the limit: with gRPC core's own listener this ends in EMFILE, after
        // which it never accepts again.
        guard let python = RepositoryPaths.executable(named: "python3") else { throw FixtureError("python3 not found on PATH") }
        let release = serve.directory.appendingPathComponent("release-flood")
        let flooder = try ChildProcess(executable: python, arguments: ["-c", Self.floodScript, String(serve.ports.xds), "600", release.path],
                                       logFile: serve.directory.appendingPathComponent("flood.log"))
        defer { flooder.stop() }
        let connected = await Self.line("connected", of: flooder).flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        var highest = 0
        let watchUntil = ContinuousClock.now.advanced(by: .seconds(2))
        while ContinuousClock.now < watchUntil {
            highest = max(highest, Self.openDescriptors(of: pid))
            try await Task.sleep(for: .milliseconds(20))
        }
        print("figure: \(files == nil ? "plaintext" : "TLS"): 600 raw connections (\(connected) connected) at limit 256: serve held at most \(highest) descriptors")
        #expect(connected >= 300, "the kernel's backlog took only \(connected)")
        #expect(highest > 150, "the flood did not reach serve: \(highest) descriptors")
        if files == nil { #expect(highest < 256, "serve reached its descriptor limit") }
        #expect(serve.process.isRunning, "serve died in the flood:\n\(serve.process.output.suffix(3_000))")

        FileManager.default.createFile(atPath: release.path, contents: nil)
        #expect(await Self.line("released", of: flooder) != nil)
        let freed = ContinuousClock.now
        let synced = await eventually(timeout: .seconds(5), every: .milliseconds(50)) {
            // Its own connection: the early client's would prove nothing about accepting.
            guard let client = try? await XDSTestClient(port: serve.ports.xds, tls: files?.clientTLS(), ownConnection: true) else { return false }
            try? await client.send(DiscoveryRequest(node: Node(id: "after-storm", cluster: ServeProcess.group), typeURL: ResourceType.cluster.typeURL))
            // A refused attempt ends its stream: try the next one at once.
            let deadline = ContinuousClock.now.advanced(by: .milliseconds(500))
            while ContinuousClock.now < deadline, client.endedStatus == nil {
                if await client.next(timeout: .milliseconds(20)) != nil { return true }
            }
            return false
        }
        let elapsed = ContinuousClock.now - freed
        print("figure: \(files == nil ? "plaintext" : "TLS"): after the flood a new ADS client synced \(elapsed) after the descriptors were freed")
        #expect(synced, "no ADS client synced after the flood:\n\(serve.process.output.suffix(3_000))")
        #expect(elapsed < .seconds(2), "synced only after \(elapsed)")
        #expect(serve.process.isRunning)
        #expect(early.endedStatus == nil, "the stream opened before the flood ended: \(String(describing: early.endedStatus))")
    }
}
