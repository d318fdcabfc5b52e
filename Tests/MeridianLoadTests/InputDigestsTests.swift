import MeridianLoad
import Testing

/// The digests snapshot history compares loads by: an object's digest follows its content,
/// not how it is written; a file's follows its bytes.
@Suite("Input digests")
struct InputDigestsTests {
    static let route = """
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata: {name: r, namespace: ns}
    spec:
      parentRefs: [{name: gw}]
      rules:
        - backendRefs: [{name: a, port: 80, weight: 1}]

    """

    static func digests(_ yaml: String) -> InputDigests {
        ConfigurationLoader.load(yaml: yaml, fileName: "routes.yaml").digests
    }

    @Test("layout, comments, quoting style of strings and key order are not changes")
    func sameContent() {
        let base = Self.digests(Self.route)
        let rewritten = Self.digests("""
        # the same route, written differently
        kind: HTTPRoute
        apiVersion: "gateway.networking.k8s.io/v1"
        metadata:
          namespace: ns
          name: 'r'
        spec:
          rules:
            - backendRefs:
                - weight: 1
                  port: 80
                  name: a
          parentRefs:
            - name: gw

        """)
        #expect(base.objects.keys.sorted() == ["HTTPRoute ns/r"])
        #expect(base.objects == rewritten.objects)
        #expect(base.files["routes.yaml"] != rewritten.files["routes.yaml"], "the file's bytes did change")
    }

    /// History saved on disk keeps these digests across restarts and upgrades: a change to
    /// the canonical form would make every object look changed once.
    @Test("an object's digest is the same as in earlier releases")
    func stableDigest() {
        #expect(Self.digests(Self.route).objects["HTTPRoute ns/r"] == "2b8da33f02bbdcd10902f5627ddead90565cd292160dcdcab2d125998219439d")
    }

    @Test("a changed value, a quoted number and list order are changes", arguments: [
        ("weight: 1", "weight: 2"),
        ("weight: 1", "weight: \"1\""),
        ("parentRefs: [{name: gw}]", "parentRefs: [{name: gw}, {name: gw2}]"),
    ])
    func changedContent(_ edit: (String, String)) {
        let changed = Self.route.replacingOccurrences(of: edit.0, with: edit.1)
        #expect(changed != Self.route)
        #expect(Self.digests(Self.route).objects != Self.digests(changed).objects)
    }

    @Test("cluster-scoped objects are named without a namespace; invalid objects have no digest")
    func keys() {
        let digests = Self.digests("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: meridian.dev/gateway-controller}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: s}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: broken, namespace: ns}
        spec: {rules: [{backendRefs: [{name: a, port: 99999999}]}]}

        """)
        #expect(digests.objects.keys.sorted() == ["GatewayClass meridian", "Service default/s"])
    }
}
