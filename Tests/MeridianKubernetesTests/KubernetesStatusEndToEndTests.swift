import Foundation
import KubernetesAPIStandIn
import MeridianTestSupport
import Testing

/// Status write-back by the real `meridian serve --source kubernetes` against the stand-in:
/// what is written is what `translate` computes (the admin API's `/status`, the same report),
/// with `observedGeneration`, beside other controllers' entries, and only when it changed.
@Suite("meridian serve --source kubernetes writes status", .serialized, .timeLimit(.minutes(2)))
struct KubernetesStatusEndToEndTests {
    static let ours = "meridian.dev/gateway-controller"
    static let gateways = "/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways"

    /// Conditions without `lastTransitionTime` (a writer keeps the time of an unchanged
    /// condition; the report says now), as comparable JSON.
    static func comparable(_ status: Any?) -> String {
        func strip(_ value: Any) -> Any {
            if var object = value as? [String: Any] {
                object["lastTransitionTime"] = nil
                return object.mapValues(strip)
            }
            if let array = value as? [Any] { return array.map(strip) }
            return value
        }
        guard let status, let data = try? JSONSerialization.data(withJSONObject: strip(status), options: [.sortedKeys]) else { return "nil" }
        return String(decoding: data, as: UTF8.self)
    }

    static func status(_ tree: [String: Any]?) -> [String: Any]? { tree?["status"] as? [String: Any] }

    @Test("status written back is translate's, beside another controller's entry, with observedGeneration, only when it changed")
    func writesStatus() async throws {
        let directory = try RepositoryPaths.makeScratchDirectory("kubernetes-status")
        defer { try? FileManager.default.removeItem(at: directory) }
        let standIn = KubernetesAPIStandIn()
        let (apiPort, server) = try await standIn.start()
        defer { server.cancel() }
        try KubernetesServeFixture.cluster(standIn, listenerPort: try freeListenerPort(), backends: [("a", 1)])
        let routes = KubernetesServeFixture.routes
        try standIn.put(routes, json: KubernetesServeFixture.route("r", to: "a"))
        // A route on Meridian's Gateway and another controller's, whose entry is already there.
        let theirs = #"{"parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "other", "name": "gw"}, "controllerName": "example.com/other-controller", "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted", "message": "theirs", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}"#
        try standIn.put(routes, json: KubernetesServeFixture.route("r2", to: "a", path: "/two", parents: [#"{"name": "gw", "namespace": "other"}"#], status: #"{"parents": [\#(theirs)]}"#))
        try standIn.put("/apis/gateway.networking.k8s.io/v1/namespaces/other/gateways",
                        json: #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "other"}, "spec": {"gatewayClassName": "other", "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}}"#)

        let kubeconfig = try KubernetesServeFixture.kubeconfig(in: directory, server: "http://127.0.0.1:\(apiPort)", token: standIn.token)
        let (serve, ports) = try KubernetesServeFixture.serve(kubeconfig: kubeconfig, in: directory, arguments: ["--lease-namespace", "meridian", "--lease-identity", "one"])
        defer { serve.stop() }

        let r2Written = await eventually(timeout: .seconds(20)) {
            (Self.status(KubernetesServeFixture.tree(standIn, routes, key: "ns/r2"))?["parents"] as? [Any])?.count == 2
        }
        #expect(r2Written, "no status written:\n\(serve.output.suffix(3_000))")
        let written = { (collection: String, key: String) in Self.status(KubernetesServeFixture.tree(standIn, collection, key: key)) }
        #expect(await eventually(timeout: .seconds(10)) {
            written(Self.gateways, "ns/gw")?["listeners"] != nil && written(KubernetesServeFixture.gatewayClasses, "meridian") != nil && written(routes, "ns/r") != nil
        })
        // The holder of the Lease is this replica.
        let lease = KubernetesServeFixture.tree(standIn, KubernetesServeFixture.leases, key: "meridian/meridian-status")
        #expect((lease?["spec"] as? [String: Any])?["holderIdentity"] as? String == "one")

        // Another controller's entry first, as it was; ours after it.
        let parents = try #require(written(routes, "ns/r2")?["parents"] as? [[String: Any]])
        #expect(Self.comparable(parents[0]) == Self.comparable(try JSONSerialization.jsonObject(with: Data(theirs.utf8))))
        #expect((parents[0]["conditions"] as? [[String: Any]])?.first?["lastTransitionTime"] as? String == "2026-01-01T00:00:00Z")
        #expect(parents[1]["controllerName"] as? String == Self.ours)
        // Nothing written to another controller's GatewayClass or Gateway.
        #expect(written(KubernetesServeFixture.gatewayClasses, "other") == nil)
        #expect(written("/apis/gateway.networking.k8s.io/v1/namespaces/other/gateways", "other/gw") == nil)

        // What was written is what the report computes, for Meridian's controller.
        let report = try await HTTPProbe.send(port: ports.admin, path: "/status")
        let resources = try #require((try JSONSerialization.jsonObject(with: Data(report.body.utf8)) as? [String: Any])?["resources"] as? [[String: Any]])
        func reported(_ kind: String, _ name: String, _ namespace: String?) -> [String: Any]? {
            let resource = resources.first { resource in
                let metadata = resource["metadata"] as? [String: Any]
                return resource["kind"] as? String == kind && metadata?["name"] as? String == name && metadata?["namespace"] as? String == namespace
            }
            guard var status = resource?["status"] as? [String: Any] else { return nil }
            if let parents = status["parents"] as? [[String: Any]] {
                status["parents"] = parents.filter { $0["controllerName"] as? String == Self.ours }
            }
            return status
        }
        for (kind, collection, name, namespace) in [("GatewayClass", KubernetesServeFixture.gatewayClasses, "meridian", nil as String?),
                                                    ("Gateway", Self.gateways, "gw", "ns"), ("HTTPRoute", routes, "r", "ns")] {
            let key = namespace.map { "\($0)/\(name)" } ?? name
            let expected = try #require(reported(kind, name, namespace), "\(kind) \(key) not in /status")
            #expect(Self.comparable(written(collection, key)) == Self.comparable(expected), "\(kind) \(key)")
        }
        #expect(Self.comparable(parents[1]) == Self.comparable((reported("HTTPRoute", "r2", "ns")?["parents"] as? [Any])?.first))
        // Conditions carry the generation they were computed from.
        let accepted = ((written(routes, "ns/r")?["parents"] as? [[String: Any]])?.first?["conditions"] as? [[String: Any]])?.first
        #expect((accepted?["observedGeneration"] as? NSNumber)?.intValue == 1)

        // A change to the spec is a new generation: its status follows.
        try standIn.put(routes, json: KubernetesServeFixture.route("r", to: "a", path: "/changed"))
        #expect(await eventually(timeout: .seconds(10)) {
            let conditions = (written(routes, "ns/r")?["parents"] as? [[String: Any]])?.first?["conditions"] as? [[String: Any]]
            return (conditions?.first?["observedGeneration"] as? NSNumber)?.intValue == 2
        }, "observedGeneration did not follow:\n\(serve.output.suffix(2_000))")

        // A change that leaves every status as it is writes nothing (each object was written
        // about once: its first status, and r its new generation).
        let statusWrites = { standIn.requests.filter { $0.hasPrefix("PUT ") && $0.hasSuffix("/status") }.count }
        try await Task.sleep(for: .milliseconds(500))
        let before = statusWrites()
        try standIn.put("/api/v1/namespaces/ns/services", json: #"{"metadata": {"name": "unused", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 80}]}}"#)
        try await Task.sleep(for: .seconds(2))
        #expect(statusWrites() == before, "statuses written again though none changed")
        #expect(before <= 6, "\(before) status writes for 4 objects and one change")
    }
}
