import Foundation
import Testing

/// Mirrors, backendRef filters, retries and named rules.
@Suite("Conformance: HTTPRoute mirrors, backend filters, retries", .timeLimit(.minutes(5)))
struct HTTPRouteMirrorConformance {
    static let modifiedHeaders: [String: String] = ["X-Header-Add": "header-val-1", "X-Header-Add-Append": "append-val-1,header-val-2", "X-Header-Set": "set-overwrites-values"]
    static let sentHeaders: [String: String] = ["X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1"]

    /// Each case with a fresh request id: the answer as expected, and the copy in each mirror's logs.
    static func expectMirroredCases(_ t: ConformanceTest, _ address: GatewayAddress, _ cases: [(ExpectedResponse, [MirroredBackend])]) async {
        await withTaskGroup(of: Void.self) { group in
            for (expected, mirrors) in cases {
                group.addTask {
                    var request = expected
                    request.addRequestID(UUID().uuidString.lowercased())
                    await t.expect(address, request)
                    await t.expectMirrored(mirrors, path: request.request.path)
                }
            }
        }
    }

    @Test func HTTPRouteRequestMirror() async throws {
        try await conformance("HTTPRouteRequestMirror", manifests: ["httproute-request-mirror.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "request-mirror")])
            let mirrors = [MirroredBackend(namespace: infra, name: v2)]
            await Self.expectMirroredCases(t, address, [
                (request("/mirror", backend: v1, namespace: infra, expected: seen("/mirror")), mirrors),
                (request("/mirror-and-modify-headers", headers: Self.sentHeaders, backend: v1, namespace: infra,
                         expected: seen("/mirror-and-modify-headers", headers: Self.modifiedHeaders, absent: ["X-Header-Remove"])), mirrors),
            ])
        }
    }

    @Test func HTTPRouteRequestMultipleMirrors() async throws {
        try await conformance("HTTPRouteRequestMultipleMirrors", manifests: ["httproute-request-multiple-mirrors.yaml"]) { t in
            let address = try await t.gatewayAndRoutesMustBeAccepted(nn(infra, "same-namespace"), routes: [nn(infra, "request-multiple-mirrors")])
            let mirrors = [MirroredBackend(namespace: infra, name: v2), MirroredBackend(namespace: infra, name: v3)]
            await Self.expectMirroredCases(t, address, [
                (request("/multi-mirror", backend: v1, namespace: infra, expected: seen("/multi-mirror")), mirrors),
                (request("/multi-mirror-and-modify-request-headers", headers: Self.sentHeaders, backend: v1, namespace: infra,
                         expected: seen("/multi-mirror-and-modify-request-headers", headers: Self.modifiedHeaders, absent: ["X-Header-Remove"])), mirrors),
            ])
        }
    }

    @Test func HTTPRouteRequestPercentageMirror() async throws {
        try await conformance("HTTPRouteRequestPercentageMirror", manifests: ["httproute-request-percentage-mirror.yaml"]) { t in
            let route = nn(infra, "request-percentage-mirror"), gateway = nn(infra, "same-namespace")
            let address = try await acceptedWithRefs(t, gateway, [route])
            let cases: [(ExpectedResponse, Int)] = [
                (request("/percent-mirror", backend: v1, namespace: infra, expected: seen("/percent-mirror")), 20),
                (request("/percent-mirror-fraction", backend: v1, namespace: infra, expected: seen("/percent-mirror-fraction")), 50),
                (request("/percent-mirror-and-modify-headers", headers: Self.sentHeaders, backend: v1, namespace: infra,
                         expected: seen("/percent-mirror-and-modify-headers", headers: Self.modifiedHeaders, absent: ["X-Header-Remove"])), 35),
            ]
            // Upstream runs these one after another (not in parallel).
            for (expected, percent) in cases {
                await t.expect(address, expected)
                await t.expectMirrorDistribution(address, expected, mirrors: [MirroredBackend(namespace: infra, name: v2, percent: percent)])
            }
        }
    }

    @Test func HTTPRouteRequestHeaderModifierBackendWeights() async throws {
        try await conformance("HTTPRouteRequestHeaderModifierBackendWeights", manifests: ["httproute-request-header-modifier-backend-weights.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "request-header-modifier-backend-weights")])
            let expected = request("/", namespace: infra, status: 200)
            await t.expect(address, expected)
            // 100 requests: each carries the one Backend header its own backendRef set, and
            // reached that backend's pod.
            for _ in 0..<100 {
                guard let echo = await t.roundTrip(address, expected).captured?.echo else {
                    throw t.fatal("a request got no answer from an echo pod")
                }
                let backends = echo.headers["backend"].map { $0.split(separator: ",", omittingEmptySubsequences: false) } ?? []
                guard backends.count == 1 else { throw t.fatal("expected a single 'Backend' header to have been set, got \(backends.count)") }
                guard echo.pod.hasPrefix(String(backends[0])) else {
                    throw t.fatal("expected the backendRef to have set the correct headers and sent the request to the correct pod, got \"\(echo.pod)\", want \"\(backends[0])\"")
                }
            }
        }
    }

    @Test func HTTPRouteRetry() async throws {
        try await conformance("HTTPRouteRetry", manifests: ["httproute-retry.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "retries")])
            let cases: [(path: String, code: Int, succeedAfter: Int, want: Int)] = [
                ("/retry/code-500-attempts-3", 500, 2, 200),
                ("/retry/code-500-attempts-3", 500, 4, 500),
                ("/retry/code-500-attempts-3", 503, 2, 503),
                ("/retry/code-all-attempts-2", 500, 1, 200),
                ("/retry/code-all-attempts-2", 500, 3, 500),
                ("/retry/code-all-attempts-2", 502, 1, 200),
                ("/retry/code-all-attempts-2", 502, 3, 502),
                ("/retry/code-all-attempts-2", 503, 1, 200),
                ("/retry/code-all-attempts-2", 503, 3, 503),
                ("/retry/code-all-attempts-2", 504, 1, 200),
                ("/retry/code-all-attempts-2", 504, 3, 504),
            ]
            await withTaskGroup(of: Void.self) { group in
                for (index, test) in cases.enumerated() {
                    group.addTask {
                        // A new uuid per probe: the echo pod counts the attempts of each uuid.
                        await t.expectConverging(address, name: "\(index) request to '\(test.path)' answered \(test.code) \(test.succeedAfter) times") {
                            let query = "responseCode=\(test.code)&succeedAfter=\(test.succeedAfter)&uuid=\(UUID().uuidString.lowercased())"
                            return request("\(test.path)?\(query)", backend: v3, namespace: infra, status: test.want)
                        }
                    }
                }
            }
        }
    }

    @Test func HTTPRouteNamedRule() async throws {
        try await conformance("HTTPRouteNamedRule", manifests: ["httproute-named-rule.yaml"]) { t in
            let address = try await acceptedWithRefs(t, nn(infra, "same-namespace"), [nn(infra, "http-named-rules")])
            await t.expectAll(address, [
                request("/named", namespace: infra, status: 200),
                request("/unnamed", namespace: infra, status: 200),
            ])
        }
    }
}
