import Testing

/// Backends behind different kinds of Service: headless (`clusterIP: None`, with a selector), and
/// Services without a selector whose EndpointSlices the test fills in itself.
@Suite("Conformance: Service types", .timeLimit(.minutes(5)))
struct HTTPRouteServiceTypesConformance {
    @Test func HTTPRouteServiceTypes() async throws {
        try await conformance("HTTPRouteServiceTypes", manifests: ["httproute-service-types.yaml"]) { t in
            let gateway = nn(infra, "same-namespace"), route = nn(infra, "service-types")
            let address = try await acceptedWithRefs(t, gateway, [route])
            // Upstream lists the pods of Deployment infra-backend-v1 and patches each manual
            // EndpointSlice with their IPs, per address family (ready, serving, not terminating;
            // targetRef the pod). Here the Deployment's pod is its echo process: address
            // 127.0.0.1 (IPv4 only, so the -ip6 slices are left empty, as upstream leaves a family
            // no pod has), and the slice's container port 3000 is where that process serves it.
            let pod = try await EchoPods.shared.pod(namespace: infra, deployment: v1)
            for prefix in ["manual-endpointslices", "headless-manual-endpointslices"] {
                try t.environment.patch(kind: "EndpointSlice", name: nn(infra, "\(prefix)-ip4")) { document in
                    document.replacingOccurrences(of: "  port: 3000\n", with: "  port: \(pod.port(forTarget: 3000))\n") + """

                    endpoints:
                    - addresses: ["127.0.0.1"]
                      conditions: {ready: true, serving: true, terminating: false}
                      targetRef: {kind: Pod, name: \(pod.name), namespace: \(infra)}
                    """
                }
            }
            await t.expectAll(address, ["manual-endpointslices", "headless-manual-endpointslices", "headless"].map {
                request("/\($0)", backend: v1, namespace: infra, status: 200)
            })
        }
    }
}
