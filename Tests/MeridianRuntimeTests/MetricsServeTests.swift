import Foundation
import MeridianTestSupport
import Testing

/// `/metrics` of a running serve, read by Prometheus' own parser: every documented metric is
/// there, and moves when it should (reloads, versions, pushes, ACKs, proxies, rejected objects).
@Suite("Meridian's own metrics", .timeLimit(.minutes(3)))
struct MetricsServeTests {
    typealias Sample = AdminServeTests.Sample

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    @Test("documented metrics exist and move: reloads by result, snapshot version and counts, pushes, ACKs, latency, proxies, rejected objects")
    func documentedMetricsMove() async throws {
        let fixture = try await ServeFixture("metrics", backendNames: ["a", "b"], routes: AdminServeTests.routes)
        defer { fixture.stop() }
        let first = try #require(fixture.expectedVersion())
        #expect(await eventually(timeout: .seconds(20)) {
            let samples = (try? await AdminServeTests.metrics(fixture)) ?? []
            return Self.value(samples, "meridian_xds_acks_total", ["type": "RouteConfiguration"]) ?? 0 >= 1
        })
        let before = try await AdminServeTests.metrics(fixture)
        let group = ["group": "ns/gw"]
        #expect(Self.value(before, "meridian_build_info") == 1)
        #expect(Self.value(before, "meridian_reloads_total", ["result": "valid"]) == 1)
        #expect(Self.value(before, "meridian_reloads_total", ["result": "invalid"]) == nil)
        for stage in ["load", "translation", "encode"] {
            #expect(Self.value(before, "meridian_\(stage)_duration_seconds_count") == 1, "\(stage)")
        }
        #expect(Self.value(before, "meridian_snapshot_info", ["group": "ns/gw", "version": first]) == 1)
        #expect(Self.value(before, "meridian_snapshot_resources", ["group": "ns/gw", "type": "Cluster"]) == 1)
        #expect(Self.value(before, "meridian_snapshot_resources", ["group": "ns/gw", "type": "Listener"]) == 1)
        #expect((Self.value(before, "meridian_snapshot_bytes", group) ?? 0) > 100)
        #expect(Self.value(before, "meridian_xds_connected_proxies", group) == 1)
        #expect((Self.value(before, "meridian_xds_pushes_total", ["group": "ns/gw", "type": "Cluster"]) ?? 0) >= 1)
        #expect((Self.value(before, "meridian_xds_push_duration_seconds_count", ["type": "Listener"]) ?? 0) >= 1)
        #expect((Self.value(before, "meridian_xds_convergence_seconds_count", ["type": "Listener"]) ?? 0) >= 1)
        #expect(Self.value(before, "meridian_rejected_objects") == 0)

        // An edit that breaks one object: served without it ("partial"), nothing else moves.
        try fixture.writeRoutes("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: ns}\nspec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: a, port: x}]}]}\n")
        #expect(await eventually(timeout: .seconds(10)) {
            Self.value((try? await AdminServeTests.metrics(fixture)) ?? [], "meridian_reloads_total", ["result": "partial"]) == 1
        })
        // A valid edit to another backend: a new version, its series replaces the old one, it is pushed and ACKed.
        let pushesBefore = Self.value(try await AdminServeTests.metrics(fixture), "meridian_xds_pushes_total", group) ?? 0
        try fixture.writeRoutes(AdminServeTests.routes.replacingOccurrences(of: "name: a, port: 80", with: "name: b, port: 80"))
        let second = try #require(fixture.expectedVersion())
        #expect(second != first)
        #expect(await eventually(timeout: .seconds(20)) {
            let samples = (try? await AdminServeTests.metrics(fixture)) ?? []
            return Self.value(samples, "meridian_snapshot_info", ["version": second]) == 1 && Self.value(samples, "meridian_xds_acks_total", ["type": "RouteConfiguration"]) ?? 0 >= 2
        })
        let after = try await AdminServeTests.metrics(fixture)
        #expect(Self.value(after, "meridian_snapshot_info", ["version": first]) == nil, "the replaced version's series is gone")
        #expect(Self.value(after, "meridian_reloads_total", ["result": "valid"]) == 2)
        #expect((Self.value(after, "meridian_xds_pushes_total", group) ?? 0) > pushesBefore)
        #expect(Self.value(after, "meridian_translation_duration_seconds_count") == 3)

        // A policy document with an error is set aside: counted as a rejected object.
        try fixture.write("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: broken, namespace: ns}
        spec: {targetRefs: [{group: "", kind: Service, name: a}], sessionPersistence: {type: Nope}}
        """, to: "policy.yaml")
        #expect(await eventually(timeout: .seconds(10)) {
            Self.value((try? await AdminServeTests.metrics(fixture)) ?? [], "meridian_rejected_objects") == 1
        })

        // The proxy leaves: the group has no connected proxy.
        fixture.envoy.stop()
        #expect(await eventually(timeout: .seconds(10)) {
            Self.value((try? await AdminServeTests.metrics(fixture)) ?? [], "meridian_xds_connected_proxies", group) == 0
        })
    }
}
