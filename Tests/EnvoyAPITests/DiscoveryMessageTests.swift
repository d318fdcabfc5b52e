import EnvoyAPI
import Testing

@Suite("Discovery messages over protobuf-c")
struct DiscoveryMessageTests {
    @Test("a request survives encode and decode with every field, including a NACK's error detail")
    func requestRoundTrip() throws {
        let request = DiscoveryRequest(
            versionInfo: "v1",
            node: Node(id: "edge-1", cluster: "default/gw", userAgentName: "envoy"),
            resourceNames: ["a", "b"],
            typeURL: ResourceType.route.typeURL,
            responseNonce: "7",
            errorDetail: .init(code: 13, message: "bad route")
        )
        let decoded = try DiscoveryRequest(decoding: request.encoded())
        #expect(decoded == request)
    }

    @Test("a response survives encode and decode, each resource wrapped in Any with the type URL")
    func responseRoundTrip() throws {
        let resources = [SerializedMessage([0x0a, 0x01, 0x61]), SerializedMessage([UInt8]())]
        let response = DiscoveryResponse(versionInfo: "abc", resources: resources, typeURL: ResourceType.cluster.typeURL, nonce: "1", controlPlaneIdentifier: "meridian")
        let bytes = response.encoded()
        #expect(try DiscoveryResponse(decoding: bytes) == response)
        // Any { type_url = 1, value = 2 } inside field 2 of the response.
        let typeURL = Array(ResourceType.cluster.typeURL.utf8)
        #expect(bytes.starts(with: [0x0a, 0x03] + Array("abc".utf8) + [0x12, UInt8(typeURL.count + 2 + 5), 0x0a, UInt8(typeURL.count)] + typeURL))
    }

    @Test("garbage is refused with a wire-format error")
    func garbage() {
        #expect(throws: WireFormatError.self) { try DiscoveryRequest(decoding: [0xff, 0xff, 0xff]) }
    }
}
