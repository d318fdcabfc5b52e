import EnvoyAPI
import Foundation
import MeridianLoad
import MeridianRuntime
import MeridianTranslate
import Testing

/// `translate`'s status is what a Kubernetes controller would write.
@Suite("Status in the Gateway API's own shape")
struct StatusShapeTests {
    @Test("observedGeneration comes from metadata.generation; lastTransitionTime is RFC 3339 in UTC")
    func generations() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian, generation: 2}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: ns, generation: 7}
        spec:
          gatewayClassName: meridian
          listeners: [{name: http, protocol: HTTP, port: 8080}]
        """
        let build = ConfigurationPipeline.build(ConfigurationLoader.load(yaml: yaml, fileName: "g.yaml"), options: TranslationOptions())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let value = StatusReport.statusValue(build, now: now)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(value.json().utf8)) as? [String: Any])
        let resources = try #require(json["resources"] as? [[String: Any]])
        let gateway = try #require(resources.first { $0["kind"] as? String == "Gateway" })
        #expect((gateway["metadata"] as? [String: Any])?["generation"] as? Int == 7)
        let conditions = try #require((gateway["status"] as? [String: Any])?["conditions"] as? [[String: Any]])
        #expect(conditions.allSatisfy { $0["observedGeneration"] as? Int == 7 })
        #expect(conditions.allSatisfy { $0["lastTransitionTime"] as? String == "2027-01-15T08:00:00Z" })
        let listener = try #require(((gateway["status"] as? [String: Any])?["listeners"] as? [[String: Any]])?.first)
        #expect((listener["conditions"] as? [[String: Any]])?.allSatisfy { $0["observedGeneration"] as? Int == 7 } == true)
        let gatewayClass = try #require(resources.first { $0["kind"] as? String == "GatewayClass" })
        #expect(((gatewayClass["status"] as? [String: Any])?["conditions"] as? [[String: Any]])?.first?["observedGeneration"] as? Int == 2)
    }
}
