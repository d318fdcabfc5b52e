import Testing

/// Backend application protocols: a Service port marked `appProtocol: kubernetes.io/h2c` is
/// spoken to in HTTP/2 clear text, one marked `kubernetes.io/ws` carries WebSocket upgrades.
@Suite("Conformance: backend protocols", .timeLimit(.minutes(5)))
struct HTTPRouteBackendProtocolConformance {
    @Test func HTTPRouteBackendProtocolH2C() async throws {
        try await conformance("HTTPRouteBackendProtocolH2C", manifests: ["httproute-backend-protocol-h2c.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "backend-protocol-h2c")])
            // "http2 prior knowledge request should reach backend" (the h2c upgrade is not tested upstream).
            await t.expect(address.h2c(), request("/", backend: v1, namespace: infra, status: 200))
        }
    }

    @Test func HTTPRouteBackendProtocolWebSocket() async throws {
        try await conformance("HTTPRouteBackendProtocolWebSocket", manifests: ["httproute-backend-protocol-websocket.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "backend-protocol-ws")])
            // "websocket connection should reach backend": ws://GW/ws, Origin ws://gateway/<t.Name()>.
            await t.expectWebSocketEcho(address, path: "/ws", origin: "ws://gateway/TestConformance/HTTPRouteBackendProtocolWebSocket/websocket_connection_should_reach_backend")
        }
    }
}
