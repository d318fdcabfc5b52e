import EnvoyAPI
import Testing

@Suite("Delta discovery messages over protobuf-c")
struct DeltaDiscoveryMessageTests {
    @Test("a delta request survives encode and decode: subscribe, unsubscribe, initial versions, nonce, NACK detail")
    func requestRoundTrip() throws {
        let request = DeltaDiscoveryRequest(
            node: Node(id: "edge-1", cluster: "default/gw", userAgentName: "envoy"),
            typeURL: ResourceType.cluster.typeURL,
            resourceNamesSubscribe: ["*", "a"],
            resourceNamesUnsubscribe: ["b"],
            initialResourceVersions: ["a": "1f2e", "c": "3d4c"],
            responseNonce: "9",
            errorDetail: .init(code: 3, message: "bad cluster")
        )
        #expect(try DeltaDiscoveryRequest(decoding: request.encoded()) == request)
        let empty = DeltaDiscoveryRequest(typeURL: ResourceType.route.typeURL)
        #expect(try DeltaDiscoveryRequest(decoding: empty.encoded()) == empty)
    }

    @Test("a delta response survives encode and decode: per-resource versions, removed names, nonce")
    func responseRoundTrip() throws {
        let response = DeltaDiscoveryResponse(
            systemVersionInfo: "abc",
            resources: [.init(name: "a", version: "v-a", message: SerializedMessage([0x0a, 0x01, 0x61])), .init(name: "b", version: "v-b", message: SerializedMessage([UInt8]()))],
            typeURL: ResourceType.listener.typeURL,
            removedResources: ["gone"],
            nonce: "4",
            controlPlaneIdentifier: "meridian"
        )
        #expect(try DeltaDiscoveryResponse(decoding: response.encoded()) == response)
    }

    @Test("garbage is refused with a wire-format error")
    func garbage() {
        #expect(throws: WireFormatError.self) { try DeltaDiscoveryRequest(decoding: [0xff, 0xff, 0xff]) }
    }
}
