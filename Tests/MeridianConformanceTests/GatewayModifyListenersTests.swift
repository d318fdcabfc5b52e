import Testing

/// Editing a Gateway's listeners mid-test: `ConformanceEnvironment.patch` is the `kubectl patch`
/// (the harness rewrites the file `meridian serve` watches and bumps `metadata.generation` as the
/// API server would; every object starts at generation 1, as one created by the API server).
@Suite("Conformance: Gateway listener edits", .timeLimit(.minutes(5)))
struct GatewayModifyListenersConformance {
    static func listener(_ name: String) -> (name: String, attachedRoutes: Int, kinds: [String], conditions: [ConformanceTest.ExpectedCondition]) {
        (name, 1, ["HTTPRoute"], [.init("Accepted", "True"), .init("ResolvedRefs", "True")])
    }

    @Test func GatewayModifyListeners() async throws {
        try await conformance("GatewayModifyListeners", manifests: ["gateway-modify-listeners.yaml"], generations: true) { t in
            // "should be able to add a listener that then becomes available for routing traffic"
            let add = nn(infra, "gateway-add-listener")
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveLatestConditions(add)
            let added = try t.environment.patch(kind: "Gateway", name: add) { document in
                document + """

                  - name: http
                    port: 80
                    protocol: HTTP
                    hostname: data.test.com
                    allowedRoutes:
                      namespaces:
                        from: All
                """
            }
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveListeners(add, [Self.listener("https"), Self.listener("http")])
            t.gatewayMustHaveLatestConditions(add)
            if t.generation("Gateway", add) == added.before { t.fail("generation should change after an update") }

            // "should be able to remove listeners, which would then stop routing the relevant traffic"
            let remove = nn(infra, "gateway-remove-listener")
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveLatestConditions(remove)
            guard (t.environment.documents.first { $0.kind == "Gateway" && "\($0.namespace)/\($0.name)" == remove }?.listenerPorts.count) == 2 else {
                throw t.fatal("the gateway must have 2 listeners")
            }
            let removed = try t.environment.patch(kind: "Gateway", name: remove) { document in
                // Leave only the "http" listener: drop the "https" item (up to the next "  - name:").
                guard let start = document.range(of: "  - name: https\n"),
                      let next = document.range(of: "  - name: ", range: start.upperBound..<document.endIndex) else { return document }
                return String(document[..<start.lowerBound] + document[next.lowerBound...])
            }
            t.namespacesMustBeReady([infra])
            t.gatewayMustHaveListeners(remove, [Self.listener("http")])
            t.gatewayMustHaveLatestConditions(remove)
            if t.generation("Gateway", remove) == removed.before { t.fail("generation should change after an update") }
        }
    }
}
