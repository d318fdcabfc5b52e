import Foundation
import MeridianRuntime
import MeridianTestSupport
import Testing

/// The unit of rejection is the object, as with `kubectl apply`.
@Suite("Per-object isolation through meridian serve and Envoy", .serialized, .timeLimit(.minutes(2)))
struct ObjectIsolationServeTests {
    static func route(_ name: String, path: String, backend: String, weight: Int = 1) -> String {
        """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - matches: [{path: {type: PathPrefix, value: \(path)}}]
              backendRefs: [{name: \(backend), port: 80, weight: \(weight)}]

        """
    }

    @Test("one valid and one invalid route file at start-up: the valid one is served; a change that breaks one object keeps its last good version while another object's edit applies")
    func isolation() async throws {
        let fixture = try await ServeFixture("isolation-objects", backendNames: ["a", "b"], routes: Self.route("one", path: "/one", backend: "a"))
        defer { fixture.stop() }
        let broken = fixture.configDirectory.appendingPathComponent("broken.yaml")
        // `backendRef:` for `backendRefs:` — an unknown field: this HTTPRoute is set aside at start.
        try Self.route("two", path: "/two", backend: "a").replacingOccurrences(of: "backendRefs:", with: "backendRef:").write(to: broken, atomically: true, encoding: .utf8)
        #expect(await eventually(timeout: .seconds(15)) { await fixture.request(path: "/one")?.backend == "a" }, "\(fixture.meridianLog)")
        #expect(await fixture.request(path: "/two")?.status == 404, "the invalid route never had a good version")
        #expect(await eventually(timeout: .seconds(5)) { fixture.meridianLog.contains("broken.yaml:8:7: spec.rules[0].backendRef: unknown field; did you mean `backendRefs`?") }, "\(fixture.meridianLog)")

        // Fixed: served.
        try Self.route("two", path: "/two", backend: "a").write(to: broken, atomically: true, encoding: .utf8)
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request(path: "/two")?.backend == "a" })

        // One change: route one moves to b, route two breaks (weight out of range). One applies, two keeps its last good version.
        try Self.route("two", path: "/two", backend: "b", weight: 2_000_000).write(to: broken, atomically: true, encoding: .utf8)
        try fixture.writeRoutes(Self.route("one", path: "/one", backend: "b"))
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request(path: "/one")?.backend == "b" }, "the valid edit applies")
        #expect(await fixture.distribution(count: 20, path: "/two") == ["a": 20], "the broken route keeps its last good version")
        #expect(await eventually(timeout: .seconds(5)) { fixture.meridianLog.contains("invalid HTTPRoute ns/two: set aside; its last good version is still served") })

        // A file that no longer parses keeps what it held.
        try "apiVersion: [unclosed".write(to: broken, atomically: true, encoding: .utf8)
        try fixture.writeRoutes(Self.route("one", path: "/one", backend: "a"))
        #expect(await eventually(timeout: .seconds(10)) { await fixture.request(path: "/one")?.backend == "a" })
        #expect(await fixture.distribution(count: 10, path: "/two") == ["a": 10], "route two, in the unparsable file, is still served")
        #expect(fixture.meridianLog.contains("file set aside; what it held keeps its last good version"))
    }
}
