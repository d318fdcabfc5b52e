import EnvoyAPI
import GRPCCoreTransport
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// What a hostile or broken client sends, over real gRPC with a scripted client:
/// a NACK text at the receive limit, control characters in every string it
/// controls, type URLs that are not type URLs.
@Suite("client input is bounded, escaped and checked", .timeLimit(.minutes(2)))
struct ClientInputHardeningTests {
    let log = CapturedLog()
    let server: XDSServer
    let port: Int

    init() throws {
        server = XDSServer(cache: SnapshotCache(unmatchedProxyPolicy: .none), logger: log.logger(label: "meridian.ads"))
        port = try server.start(address: "127.0.0.1:0")
        _ = try server.cache.setSnapshot(SampleConfigurations.snapshot(ADSProtocolTests.configuration()), for: ADSProtocolTests.group)
    }

    /// No record may carry a character that ends a line or drives a terminal.
    func expectOneLineRecords(sourceLocation: SourceLocation = #_sourceLocation) {
        for record in log.records {
            let bad = record.unicodeScalars.filter { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
            #expect(bad.isEmpty, "raw control characters \(bad.map(\.value)) in a log record: \(record.prefix(300))", sourceLocation: sourceLocation)
        }
    }

    @Test("a NACK with 16 MiB of error text is kept, shown and logged as its first 4 KiB")
    func hugeNACKText() async throws {
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: ADSProtocolTests.node, typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        // 16 MiB less room for the rest of the request, which must fit the 16 MiB receive limit.
        // One ASCII byte, then two-byte "é"s: the 4,096-byte cut falls inside a character.
        let size = (16 << 20) - 1_024
        let message = "x" + String(repeating: "é", count: (size - 1) / 2) + "\nforged line"
        try await client.send(DiscoveryRequest(
            typeURL: ResourceType.cluster.typeURL, responseNonce: response.nonce, errorDetail: .init(code: 3, message: message)
        ))
        #expect(await eventually { server.proxies.rejections.count == 1 })
        let stored = try #require(server.proxies.rejections.last?.rejection.message)
        let kept = 1 + 2 * 2_047  // 4,095 bytes: the next "é" would pass 4,096
        #expect(stored == String(message.utf8.prefix(kept))! + "… (\(message.utf8.count - kept) more bytes)")
        #expect(server.proxies.proxies.first?.types[.cluster]?.lastRejection?.message == stored, "what /proxies shows")

        let nack = try #require(log.records.first { $0.contains(" NACK ") })
        #expect(nack.utf8.count < 6_000, "the NACK record is \(nack.utf8.count) bytes")
        #expect(nack.contains("more bytes)"))
        expectOneLineRecords()
        await client.close()
        await server.shutdown()
    }

    @Test("the rejection history keeps the newest 1,000 NACKs, each at most 4 KiB of text")
    func rejectionHistoryBound() async throws {
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: ADSProtocolTests.node, typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        // Each answers the same response: every one is a NACK, and every one is recorded.
        for index in 0..<1_010 {
            try await client.send(DiscoveryRequest(
                typeURL: ResourceType.cluster.typeURL, responseNonce: response.nonce,
                errorDetail: .init(code: 3, message: "\(index) " + String(repeating: "e", count: 8_192))
            ))
        }
        #expect(await eventually(timeout: .seconds(30)) { server.proxies.rejections.first?.rejection.message.hasPrefix("10 ") == true })
        let rejections = server.proxies.rejections
        #expect(rejections.count == 1_000)
        #expect(rejections.last?.rejection.message.hasPrefix("1009 ") == true)
        let bytes = rejections.map(\.rejection.message.utf8.count).reduce(0, +)
        #expect(bytes <= 1_000 * (ClientText.rejectionMessageLimit + 32), "\(bytes) bytes of NACK text kept")
        await client.close()
        await server.shutdown()
    }

    @Test("newlines, CR, ESC and NUL in node id, cluster, names, nonce and NACK text are escaped in the log")
    func forgedLogLines() async throws {
        let forged = "\n2026-11-21T14:00:00+0000 error meridian : forged line"
        let node = Node(id: "proxy-1\(forged)\u{1b}[2J\u{1b}[31m", cluster: "\(ADSProtocolTests.group)\r\(forged)\u{7}")
        _ = try server.cache.setSnapshot(SampleConfigurations.snapshot(ADSProtocolTests.configuration()), for: node.cluster)
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: node, resourceNames: ["a\(forged)", "b\u{1b}]0;title\u{7}"], typeURL: ResourceType.route.typeURL))
        try await client.send(DiscoveryRequest(node: node, typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        try await client.send(DiscoveryRequest(typeURL: ResourceType.cluster.typeURL, responseNonce: "stale\(forged)"))
        try await client.send(DiscoveryRequest(
            versionInfo: "v\(forged)", typeURL: ResourceType.cluster.typeURL, responseNonce: response.nonce,
            errorDetail: .init(code: 3, message: "bad cluster\(forged)\u{1b}[0m\u{2028}")
        ))
        try await client.send(DiscoveryRequest(typeURL: "type.googleapis.com/envoy.service.runtime.v3.Runtime"))
        #expect(await eventually { log.records.contains { $0.contains(" NACK ") } })

        expectOneLineRecords()
        let all = log.records.joined(separator: "\n")
        #expect(!all.contains("\u{2028}"))
        #expect(all.contains(#"proxy=proxy-1\n2026-11-21T14:00:00+0000 error meridian : forged line\u{1b}[2J\u{1b}[31m"#), "\(all)")
        #expect(all.contains(#"group=ns/a\r\n2026-11-21T14:00:00+0000 error meridian : forged line\u{7}"#))
        #expect(all.contains(#"error=bad cluster\n2026-11-21T14:00:00+0000"#))
        #expect(all.contains(#"\u{1b}[0m\u{2028}"#))
        #expect(all.contains(#"nonce=stale\n2026"#))
        #expect(all.contains(#"b\u{1b}]0;title\u{7}"#))
        await client.close()
        await server.shutdown()
    }

    @Test("a Cluster type URL with an embedded NUL is refused with INVALID_ARGUMENT, never served as Cluster")
    func typeURLWithNUL() async throws {
        let client = try await XDSTestClient(port: port)
        try await client.send(
            DiscoveryRequest(node: ADSProtocolTests.node, typeURL: ResourceType.cluster.typeURL),
            typeURLBytes: Array(ResourceType.cluster.typeURL.utf8) + [0] + Array("junk".utf8)
        )
        #expect(await client.next(timeout: .seconds(1)) == nil, "nothing is served for it")
        let status = await client.status()
        #expect(status.code == .invalidArgument)
        #expect(status.message.contains(#"type_url contains \u{0}"#), "\(status.message)")
        expectOneLineRecords()
        await client.close()
        await server.shutdown()
    }

    @Test("type URLs with invalid UTF-8, control characters or over 512 bytes are refused", arguments: [
        [0x74, 0x79, 0x70, 0x65, 0xFF, 0xFE],
        Array("type.googleapis.com/envoy.config.cluster.v3.Cluster\n".utf8),
        Array("type.googleapis.com/\u{1b}[31m".utf8),
        Array(("type.googleapis.com/" + String(repeating: "a", count: 600)).utf8),
    ] as [[UInt8]])
    func malformedTypeURLs(bytes: [UInt8]) async throws {
        let client = try await XDSTestClient(port: port)
        try await client.send(DiscoveryRequest(node: ADSProtocolTests.node, typeURL: ResourceType.cluster.typeURL), typeURLBytes: bytes)
        #expect(await client.status().code == .invalidArgument)
        expectOneLineRecords()
        await client.close()
        await server.shutdown()
    }

    @Test("a well-formed type URL Meridian does not serve is ignored, logged once, and the stream goes on")
    func unknownTypeURL() async throws {
        let client = try await XDSTestClient(port: port)
        let runtime = "type.googleapis.com/envoy.service.runtime.v3.Runtime"
        try await client.send(DiscoveryRequest(node: ADSProtocolTests.node, typeURL: runtime))
        try await client.send(DiscoveryRequest(typeURL: runtime))
        try await client.send(DiscoveryRequest(typeURL: ResourceType.cluster.typeURL))
        let response = try #require(await client.next())
        #expect(response.typeURL == ResourceType.cluster.typeURL)
        #expect(log.records.filter { $0.contains("does not serve") }.count == 1)
        await client.close()
        await server.shutdown()
    }
}
