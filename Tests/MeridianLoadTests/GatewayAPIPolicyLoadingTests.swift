import Testing
import MeridianLoad

private func duration(_ text: String) -> GatewayAPIDuration? {
    GatewayAPIDuration(text)
}

@Suite("Loading HTTPRoute retries and session persistence, and BackendLBPolicy")
struct GatewayAPIPolicyLoadingTests {
    @Test func ruleRetryAndSessionPersistence() throws {
        let loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r}
        spec:
          rules:
            - backendRefs: [{name: a, port: 80}]
              retry: {codes: [500, 502, 503], attempts: 2, backoff: 100ms}
              sessionPersistence:
                sessionName: model-session
                absoluteTimeout: 1h
                idleTimeout: 10m
                type: Cookie
                cookieConfig: {lifetimeType: Permanent}
            - backendRefs: [{name: b, port: 80}]
              sessionPersistence: {sessionName: x-session, type: Header}
            - backendRefs: [{name: c, port: 80}]
        """)
        #expect(loaded.errors.map(\.description) == [])
        let rules = try #require(loaded.httpRoutes.first?.spec.rules)
        #expect(rules.map(\.retry) == [HTTPRouteRetry(codes: [500, 502, 503], attempts: 2, backoff: duration("100ms")), nil, nil])
        #expect(rules.map(\.sessionPersistence) == [
            GatewayAPISessionPersistence(
                sessionName: "model-session", absoluteTimeout: duration("1h"), idleTimeout: duration("10m"),
                type: .cookie, cookieConfig: .init(lifetimeType: .permanent)
            ),
            GatewayAPISessionPersistence(sessionName: "x-session", type: .header),
            nil,
        ])
    }

    @Test func ruleRetryAndSessionPersistenceErrors() {
        #expect(errorLines("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r}
        spec:
          rules:
            - retry: {codes: [200, 503], attempts: two, backof: 1s}
              sessionPersistence: {type: Cookie, cookieConfig: {lifetimeType: Permanent}}
        """) == [
            "test.yaml:6:23: spec.rules[0].retry.codes[0]: must be between 400 and 599",
            "test.yaml:6:44: spec.rules[0].retry.attempts: expected an integer, got the string \"two\"",
            "test.yaml:6:49: spec.rules[0].retry.backof: unknown field; did you mean `backoff`?",
            "test.yaml:7:27: spec.rules[0].sessionPersistence.absoluteTimeout: AbsoluteTimeout must be specified when cookie lifetimeType is Permanent",
        ])
    }

    @Test func backendLBPolicy() throws {
        let loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: lb, namespace: ai}
        spec:
          targetRefs: [{group: "", kind: Service, name: primary}]
          sessionPersistence: {sessionName: s, idleTimeout: 30m, type: Cookie, cookieConfig: {lifetimeType: Session}}
          default:
            backendRef: {group: "", kind: Service, name: fallback, port: 8000}
        """)
        #expect(loaded.errors.map(\.description) == [])
        let policy = try #require(loaded.policies.backendLBPolicies.first)
        #expect(policy.spec == BackendLBPolicySpec(
            targetRefs: [PolicyTargetReference(group: "", kind: "Service", name: "primary")],
            sessionPersistence: .init(sessionName: "s", idleTimeout: duration("30m"), type: .cookie, cookieConfig: .init(lifetimeType: .session)),
            fallback: .init(backendRef: .init(group: "", kind: "Service", name: "fallback", port: 8000))
        ))
    }

    @Test func backendLBPolicyErrors() {
        #expect(errorLines("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: lb}
        spec:
          targetRefs: []
          default:
            backendRef: {name: fallback}
        """) == [
            "test.yaml:5:15: spec.targetRefs: must have at least 1 item",
            "test.yaml:7:17: spec.default.backendRef.port: required when referring to a Service",
        ])
        #expect(errorLines("""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: BackendLBPolicy
        metadata: {name: lb}
        spec:
          sessionPersistence: {type: Header, cookieConfig: {}}
        """) == [
            "test.yaml:5:3: spec.targetRefs: required field is missing",
            "test.yaml:5:52: spec.sessionPersistence.cookieConfig: must not be set when type is Header",
        ])
    }
}
