import MeridianLoad
import Testing

@Suite("Loading ReferenceGrants")
struct ReferenceGrantLoadingTests {
    @Test("a v1beta1 ReferenceGrant loads with its from and to entries")
    func loads() throws {
        let result = ConfigurationLoader.load(yaml: """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: allow, namespace: models}
        spec:
          from:
            - {group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: gateways}
          to:
            - {group: "", kind: Service}
            - {group: "", kind: Service, name: gpt4}
        """, fileName: "grant.yaml")
        #expect(result.errors.isEmpty)
        let grant = try #require(result.referenceGrants.first)
        #expect(grant.metadata.namespace == "models")
        #expect(grant.spec.from == [ReferenceGrantFrom(group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "gateways")])
        #expect(grant.spec.to.map(\.name) == [nil, "gpt4"])
    }

    @Test("from and to are required, with group, kind and namespace in each entry")
    func required() {
        let result = ConfigurationLoader.load(yaml: """
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: broken, namespace: models}
        spec:
          from:
            - {kind: HTTPRoute}
        """, fileName: "grant.yaml")
        #expect(result.errors.map(\.description) == [
            "grant.yaml:5:3: spec.to: required field is missing",
            "grant.yaml:6:7: spec.from[0].group: required field is missing",
            "grant.yaml:6:7: spec.from[0].namespace: required field is missing",
        ])
        #expect(result.referenceGrants.isEmpty)
    }
}
