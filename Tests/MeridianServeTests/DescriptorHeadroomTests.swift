import EnvoyAPI
import Foundation
import GRPCCoreTransport
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// The xDS server keeps descriptor headroom: near the limit it refuses new ADS streams with
/// RESOURCE_EXHAUSTED instead of letting the process reach EMFILE, and serves again as soon
/// as descriptors are free.
@Suite("Descriptor headroom", .serialized, .timeLimit(.minutes(2)))
struct DescriptorHeadroomTests {
    static let group = "ns/a"

    /// Opens an ADS stream and asks for clusters; returns whether it synced, or the status it was refused with.
    static func subscribe(port: Int, id: Int) async throws -> (client: XDSTestClient, synced: Bool, refusal: GRPCStatus?) {
        let client = try await XDSTestClient(port: port)
        do {
            try await client.send(DiscoveryRequest(node: Node(id: "proxy-\(id)", cluster: group), typeURL: ResourceType.cluster.typeURL))
        } catch {
            // A refused stream may already be over when the request goes out.
            return (client, false, await client.status())
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < deadline {
            if let status = client.endedStatus { return (client, false, status) }
            if await client.next(timeout: .milliseconds(50)) != nil { return (client, true, nil) }
        }
        return (client, false, nil)
    }

    @Test("near the descriptor limit new streams get RESOURCE_EXHAUSTED; once descriptors are free a new proxy syncs within 2 s",
          .enabled(if: DescriptorLimits.current().hard >= 4_096, "holds 500 descriptors at once"))
    func refusesNearTheLimit() async throws {
        // As serve does; the files held below must stay far from the real limit.
        DescriptorLimits.raiseSoftToHard()
        // A limit 300 descriptors above what the test process holds now, rather than a lowered
        // RLIMIT_NOFILE: other suites run in this process at the same time, and a real EMFILE
        // would hurt them. Descriptors are then taken with real open files: gRPC core shares
        // one connection among all of this process's channels to the same address, so clients
        // here cannot use up descriptors the way a fleet of proxies does. The files held go far
        // past the limit, so the other suites opening and closing descriptors meanwhile (Envoys,
        // backends) cannot move the count back under it.
        let base = DescriptorLimits.openCount()
        var configuration = GRPCServer.Configuration()
        configuration.descriptorHeadroom = 20
        configuration.descriptorLimitOverride = base + 300
        let server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none), configuration: configuration)
        let port = try server.start(address: "127.0.0.1:0")
        let snapshot = try SampleConfigurations.snapshot(SampleConfigurations.singleBackend(
            group: Self.group, listenerPort: 10_000, cluster: "backend", endpoints: [Endpoint(address: "127.0.0.1", port: 8080)]))
        server.cache.setSnapshot(snapshot, for: Self.group)

        var clients: [XDSTestClient] = []
        for id in 0..<5 {
            let attempt = try await Self.subscribe(port: port, id: id)
            #expect(attempt.synced, "proxy-\(id) did not sync below the headroom: \(String(describing: attempt.refusal))")
            clients.append(attempt.client)
        }

        // 500 more descriptors: 200 past the planned limit, far from the real one (the test
        // process runs with the hard limit, 20,000 on the project machine).
        var held = (0..<500).compactMap { _ in FileHandle(forReadingAtPath: "/dev/null") }
        #expect(held.count == 500)
        try await Task.sleep(for: .milliseconds(150))
        for id in 5..<10 {
            let attempt = try await Self.subscribe(port: port, id: id)
            #expect(!attempt.synced)
            #expect(attempt.refusal?.code == .resourceExhausted, "refused with \(String(describing: attempt.refusal))")
            clients.append(attempt.client)
        }
        print("figure: headroom 20 of a limit 300 above the start, 500 descriptors taken: \(server.refusedStreamCount) streams refused")
        #expect(server.refusedStreamCount == 5)
        #expect(server.proxies.proxies.count == 5, "a refused stream never reaches the registry")

        for handle in held { try handle.close() }
        held = []
        let freed = ContinuousClock.now
        var late: XDSTestClient?
        while ContinuousClock.now - freed < .seconds(5) {
            let attempt = try await Self.subscribe(port: port, id: 1_000)
            if attempt.synced { late = attempt.client; break }
            await attempt.client.close()
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = ContinuousClock.now - freed
        print("figure: descriptors freed to a new proxy synced: \(elapsed)")
        #expect(late != nil && elapsed < .seconds(2), "no new proxy synced within 2 s of the descriptors being free (\(elapsed))")
        #expect(server.proxies.proxies.count == 6, "the streams admitted before are still open")
        for client in clients { await client.close() }
        await late?.close()
        await server.shutdown()
    }
}
