import EnvoyAPI
import Testing

extension ConformanceTest {
    /// Upstream's `*MustHaveLatestConditions`: every condition of the object, and of each of its
    /// parents (routes) or ancestors (policies), observed its current `metadata.generation`.
    func mustHaveLatestConditions(_ kind: String, _ name: String) {
        guard let status = resource(kind, name) else { return fail("\(kind) \(name) has no status") }
        var lists: [(String, JSONValue?)] = [("", status["conditions"])]
        for key in ["parents", "ancestors"] {
            if case .array(let entries)? = status[key] {
                lists += entries.map { ("\(key) \($0["parentRef"]?.string ?? $0["ancestorRef"]?["name"]?.string ?? "")", $0["conditions"]) }
            }
        }
        let generation = generation(kind, name)
        var checked = 0
        for (owner, list) in lists {
            guard case .array(let conditions)? = list else { continue }
            for condition in conditions {
                checked += 1
                var observed: Int?
                if case .integer(let value)? = condition["observedGeneration"] { observed = Int(value) }
                if observed == nil || observed != generation {
                    fail("\(kind) \(name)\(owner.isEmpty ? "" : " \(owner)"): condition \(condition["type"]?.string ?? "") observed generation \(observed.map(String.init) ?? "none"), the object is at \(generation.map(String.init) ?? "none")")
                }
            }
        }
        if checked == 0 { fail("\(kind) \(name) has no conditions") }
    }

    /// `kubectl patch` of one field, and upstream's `require.NotEqual(original.Generation, updated.Generation)`.
    func patchMustBumpGeneration(_ kind: String, _ name: String, replacing old: String, with new: String) throws {
        let (before, _) = try environment.patch(kind: kind, name: name) { $0.replacingOccurrences(of: old, with: new) }
        if generation(kind, name) == before { fail("\(kind) \(name): generation should change after an update (still \(before))") }
    }
}

/// Upstream's `*ObservedGenerationBump` tests: after a spec change, every condition reports the
/// new generation. The API server keeps generations; here the harness does (`generations: true`:
/// every object starts at 1 and `patch` adds one on a change), and Meridian must report each
/// object's current one after it reloads the edited file.
@Suite("Conformance: observedGeneration after an edit", .timeLimit(.minutes(5)))
struct ObservedGenerationConformance {
    @Test func GatewayClassObservedGenerationBump() async throws {
        try await conformance("GatewayClassObservedGenerationBump", manifests: ["gatewayclass-observed-generation-bump.yaml"], generations: true) { t in
            let name = "gatewayclass-observed-generation-bump"
            // GWCMustHaveAcceptedConditionAny: an Accepted condition, whatever its status.
            if !ConformanceTest.has(ConformanceTest.conditions(t.resource("GatewayClass", name)?["conditions"]), .init("Accepted", "")) {
                t.fail("GatewayClass \(name) has no Accepted condition")
            }
            t.mustHaveLatestConditions("GatewayClass", name)
            try t.patchMustBumpGeneration("GatewayClass", name, replacing: "description: \"old\"", with: "description: \"new\"")
            t.mustHaveLatestConditions("GatewayClass", name)
        }
    }

    @Test func GatewayObservedGenerationBump() async throws {
        try await conformance("GatewayObservedGenerationBump", manifests: ["gateway-observed-generation-bump.yaml"], generations: true) { t in
            let gateway = nn(infra, "gateway-observed-generation-bump")
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveLatestConditions(gateway)
            let (before, _) = try t.environment.patch(kind: "Gateway", name: gateway) { document in
                // The manifest indents its listeners by four spaces.
                document + """

                    - name: alternate
                      hostname: foo.com
                      port: 80
                      protocol: HTTP
                      allowedRoutes:
                        namespaces:
                          from: All
                """
            }
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveLatestConditions(gateway)
            if t.generation("Gateway", gateway) == before { t.fail("generation should change after an update") }
        }
    }

    @Test func HTTPRouteObservedGenerationBump() async throws {
        try await conformance("HTTPRouteObservedGenerationBump", manifests: ["httproute-observed-generation-bump.yaml"], generations: true) { t in
            let route = nn(infra, "observed-generation-bump")
            let gateway = nn(infra, "same-namespace")
            t.namespacesMustBeReady([infra])
            t.mustHaveLatestConditions("HTTPRoute", route)
            try t.patchMustBumpGeneration("HTTPRoute", route, replacing: "name: \(v1)", with: "name: \(v2)")
            t.routeMustHaveCondition(route, gateway: gateway, .init("Accepted", "True"))
            t.routeMustHaveCondition(route, gateway: gateway, .init("ResolvedRefs", "True"))
            t.mustHaveLatestConditions("HTTPRoute", route)
        }
    }

    @Test func BackendTLSPolicyObservedGenerationBump() async throws {
        try await conformance("BackendTLSPolicyObservedGenerationBump", manifests: ["backendtlspolicy-observed-generation-bump.yaml"], generations: true) { t in
            let policy = nn(infra, "observed-generation-bump")
            t.namespacesMustBeReady([infra])
            t.mustHaveLatestConditions("BackendTLSPolicy", policy)
            try t.patchMustBumpGeneration("BackendTLSPolicy", policy, replacing: "hostname: \"abc.example.com\"", with: "hostname: \"foo.example.com\"")
            t.policyMustHaveCondition(policy, gateway: nn(infra, "same-namespace"), .init("Accepted", "True"))
            t.mustHaveLatestConditions("BackendTLSPolicy", policy)
        }
    }
}
