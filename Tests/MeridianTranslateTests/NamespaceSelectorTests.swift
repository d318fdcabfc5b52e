import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// Listeners that take routes from namespaces selected by label.
@Suite("Namespace selectors")
struct NamespaceSelectorTests {
    static let selectingGateway = gateway(listeners: """
          - name: http
            protocol: HTTP
            port: 8080
            allowedRoutes:
              namespaces:
                from: Selector
                selector:
                  matchLabels: {gateway-access: "true"}
          - name: by-name
            protocol: HTTP
            port: 9090
            allowedRoutes:
              namespaces:
                from: Selector
                selector:
                  matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [team-b]}]
    """)

    static func namespace(_ name: String, labels: String) -> String {
        "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: \(name), labels: \(labels)}\n"
    }

    static func route(_ name: String, namespace: String, section: String) -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          parentRefs: [{name: gw, namespace: ns, sectionName: \(section)}]
          rules: [{backendRefs: [{name: svc, port: 80}]}]
        """
    }

    @Test("a declared namespace with the label is allowed; one without it, or undeclared, is not; the name label is implicit")
    func selectors() throws {
        let yaml = Self.selectingGateway
            + Self.namespace("team-a", labels: "{gateway-access: \"true\"}")
            + Self.namespace("team-c", labels: "{gateway-access: \"false\"}")
            + service("svc", namespace: "team-a") + service("svc", namespace: "team-b") + service("svc", namespace: "team-c")
            + Self.route("a", namespace: "team-a", section: "http")
            + Self.route("c", namespace: "team-c", section: "http")
            + Self.route("b", namespace: "team-b", section: "http")
            + Self.route("b-by-name", namespace: "team-b", section: "by-name")
        let translation = translate(yaml)
        #expect(translation.condition("HTTPRoute", "team-a/a", "Accepted")?.status == true)
        #expect(translation.condition("HTTPRoute", "team-c/c", "Accepted")?.description
            == "Accepted=False NotAllowedByListeners: listener http selects route namespaces by labels gateway-access=true; namespace team-c has gateway-access=false, kubernetes.io/metadata.name=team-c")
        #expect(translation.condition("HTTPRoute", "team-b/b", "Accepted")?.description
            == "Accepted=False NotAllowedByListeners: listener http selects route namespaces by labels gateway-access=true; namespace team-b has kubernetes.io/metadata.name=team-b (not declared, so only its name label)")
        #expect(translation.condition("HTTPRoute", "team-b/b-by-name", "Accepted")?.status == true, "an undeclared namespace still has its name label")
        #expect(translation.status("Gateway", "ns/gw")?.listeners.map(\.attachedRoutes) == [1, 1])
    }

    @Test("label selector operators: In, NotIn, Exists, DoesNotExist; an empty selector matches everything")
    func operators() {
        let labels = ["tier": "gold", "env": "prod"]
        func requirement(_ key: String, _ op: LabelSelectorOperator, _ values: [String] = []) -> LabelSelector {
            LabelSelector(matchExpressions: [LabelSelectorRequirement(key: key, operator: op, values: values)])
        }
        #expect(requirement("tier", .in, ["gold", "silver"]).matches(labels))
        #expect(!requirement("tier", .in, ["bronze"]).matches(labels))
        #expect(requirement("tier", .notIn, ["bronze"]).matches(labels))
        #expect(requirement("missing", .notIn, ["x"]).matches(labels))
        #expect(requirement("env", .exists).matches(labels))
        #expect(!requirement("env", .doesNotExist).matches(labels))
        #expect(requirement("missing", .doesNotExist).matches(labels))
        #expect(LabelSelector().matches([:]))
        #expect(!LabelSelector(matchLabels: ["tier": "gold"], matchExpressions: [LabelSelectorRequirement(key: "env", operator: .in, values: ["dev"])]).matches(labels))
    }

    @Test("Namespace documents load with their labels; the implicit name label is added")
    func loading() throws {
        let loaded = ConfigurationLoader.load(yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {gateway-access: \"true\"}}\nspec: {finalizers: [kubernetes]}\n", fileName: "ns.yaml")
        #expect(loaded.errors.isEmpty, "\(loaded.errors)")
        let namespace = try #require(loaded.namespaces.first)
        #expect(namespace.metadata.namespace == nil)
        #expect(namespace.effectiveLabels == ["gateway-access": "true", "kubernetes.io/metadata.name": "team-a"])
        #expect(loaded.ignored.isEmpty)
    }
}
