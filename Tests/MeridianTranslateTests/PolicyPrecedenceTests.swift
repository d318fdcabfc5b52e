import Foundation
import MeridianIR
import MeridianLoad
import MeridianTranslate
import Testing

/// Gateway API's own resilience fields, precedence between policies, and policy status.
@Suite("Policy precedence, Gateway API fields and policy status")
struct PolicyPrecedenceTests {
    @Test("HTTPRoute retry (GEP-1731): codes, attempts, backoff; connection errors are always retried")
    func gatewayAPIRetry() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(rule: "retry: {codes: [500, 502], attempts: 3, backoff: 200ms}")
        let route = try #require(translate(yaml).route("ns/r"))
        #expect(route.retry == RetryPolicy(
            retryOn: ["connect-failure", "refused-stream", "reset", "retriable-status-codes"], numRetries: 3,
            backOffBase: .milliseconds(200), retriableStatusCodes: [500, 502]
        ))
    }

    @Test("HTTPRoute sessionPersistence: a session cookie, a permanent cookie, a header")
    func gatewayAPISessionPersistence() throws {
        func persistence(_ yaml: String) throws -> SessionPersistence? {
            try #require(translate(gateway(listeners: httpListener) + service("svc") + httpRoute(rule: "sessionPersistence: \(yaml)")).route("ns/r")).sessionPersistence
        }
        #expect(try persistence("{sessionName: sid}") == SessionPersistence(.cookie(name: "sid", ttl: nil, path: "/")))
        #expect(try persistence("{sessionName: sid, type: Cookie, absoluteTimeout: 1h, cookieConfig: {lifetimeType: Permanent}}") == SessionPersistence(.cookie(name: "sid", ttl: .seconds(3600), path: "/")))
        #expect(try persistence("{sessionName: X-Session, type: Header}") == SessionPersistence(.header(name: "x-session")))
    }

    @Test("BackendLBPolicy: session persistence on every route to the Service; the seed's fallback becomes priority-1 endpoints")
    func backendLBPolicy() throws {
        let yaml = gateway(listeners: httpListener) + service("primary", addresses: ["10.0.0.1"]) + service("fallback", addresses: ["10.0.1.1", "10.0.1.2"])
            + httpRoute().replacingOccurrences(of: "name: svc", with: "name: primary")
            + policy("gateway.networking.k8s.io/v1alpha2", "BackendLBPolicy", "lb", spec: """
            targetRefs: [{group: "", kind: Service, name: primary}]
            sessionPersistence: {sessionName: model-session, type: Cookie}
            default:
              backendRef: {name: fallback, port: 80}
            """)
        let translation = translate(yaml)
        #expect(translation.route("ns/r")?.sessionPersistence == SessionPersistence(.cookie(name: "model-session", ttl: nil, path: "/")))
        let cluster = try #require(translation.cluster("ns/primary:80"))
        #expect(cluster.discovery == .endpoints([
            Endpoint(address: "10.0.0.1", port: 9000),
            Endpoint(address: "10.0.1.1", port: 9000, priority: 1),
            Endpoint(address: "10.0.1.2", port: 9000, priority: 1),
        ]))
        #expect(cluster.outlierDetection == OutlierDetection(consecutive5xx: 3, interval: .seconds(5), baseEjectionTime: .seconds(30), maxEjectionPercent: 100), "failover needs a health signal")
        #expect(translation.policyConditions("BackendLBPolicy", "ns/lb") == ["Gateway ns/gw: Accepted=True Attached: in effect: fallback, sessionPersistence"])
    }

    @Test("a rule-level and a route-level TrafficPolicy on the same field: the rule-level one wins; different fields merge")
    func ruleOverRoute() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(ruleName: "chat")
            + policy(kgatewayV2, "TrafficPolicy", "route-wide", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]\ntimeouts: {request: 10s}\nretry: {attempts: 2, retryOn: [5xx]}")
            + policy(kgatewayV2, "TrafficPolicy", "rule", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: chat}]\ntimeouts: {request: 60s}")
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.timeout == .seconds(60), "the rule-level policy wins on timeouts.request")
        #expect(route.retry == RetryPolicy(retryOn: ["5xx"], numRetries: 2), "the route-level retry merges in")
        #expect(translation.policyConditions("TrafficPolicy", "ns/route-wide") == [
            "Gateway ns/gw: Accepted=True Merged: in effect: retry; not in effect: timeouts.request is set by TrafficPolicy ns/rule (rule level)",
        ])
        #expect(translation.policyConditions("TrafficPolicy", "ns/rule") == ["Gateway ns/gw: Accepted=True Merged: in effect: timeouts.request; merged with TrafficPolicy ns/route-wide"])
    }

    @Test("at the same level the oldest policy wins the field; the younger one is Conflicted")
    func oldestWins() throws {
        let target = "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]\ntimeouts: {request: "
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute()
            + policy(kgatewayV2, "TrafficPolicy", "a-young", timestamp: "2026-02-01T00:00:00Z", spec: target + "1s}")
            + policy(kgatewayV2, "TrafficPolicy", "z-old", timestamp: "2025-01-01T00:00:00Z", spec: target + "9s}")
        let translation = translate(yaml)
        #expect(translation.route("ns/r")?.timeout == .seconds(9))
        #expect(translation.policyConditions("TrafficPolicy", "ns/a-young") == [
            "Gateway ns/gw: Accepted=False Conflicted: timeouts.request is set by TrafficPolicy ns/z-old (route level)",
        ])
    }

    @Test("the HTTPRoute's own retry and timeouts outrank every policy, an ExtensionRef included")
    func routeFieldsOutrankPolicies() throws {
        let yaml = gateway(listeners: httpListener) + service("svc")
            + httpRoute(rule: """
            retry: {attempts: 1}
            timeouts: {request: 3s}
            filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: filter}}]
            """)
            + policy(kgatewayV2, "TrafficPolicy", "filter", spec: "timeouts: {request: 30s, streamIdle: 1m}\nretry: {attempts: 5, retryOn: [5xx]}")
        let translation = translate(yaml)
        let route = try #require(translation.route("ns/r"))
        #expect(route.timeout == .seconds(3))
        #expect(route.retry?.numRetries == 1)
        #expect(route.idleTimeout == .seconds(60), "fields the route does not set still come from the policy")
        #expect(translation.policyConditions("TrafficPolicy", "ns/filter") == [
            "Gateway ns/gw: Accepted=True Merged: in effect: timeouts.idle; not in effect: retry is set by the HTTPRoute's own field; timeouts.request is set by the HTTPRoute's own field",
        ])
    }

    @Test("targets that do not exist: TargetNotFound, and nothing else changes")
    func targetNotFound() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute(ruleName: "chat")
            + policy(kgatewayV2, "TrafficPolicy", "lost", spec: """
            targetRefs:
              - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: nowhere}
              - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: r, sectionName: missing}
              - {group: gateway.networking.k8s.io, kind: Gateway, name: gw, sectionName: nolistener}
            timeouts: {request: 1s}
            """)
            + policy(seedGroup, "CircuitBreakerPolicy", "breaker", spec: "targetRefs: [{kind: Service, name: ghost}]\nmaxConnections: 1")
        let translation = translate(yaml)
        #expect(translation.route("ns/r")?.timeout == nil)
        #expect(translation.cluster("ns/svc:80")?.circuitBreakers == nil)
        #expect(translation.policyConditions("TrafficPolicy", "ns/lost") == [
            "HTTPRoute ns/nowhere: Accepted=False TargetNotFound: HTTPRoute ns/nowhere is not declared",
            "HTTPRoute ns/r section missing: Accepted=False TargetNotFound: HTTPRoute ns/r has no rule named \"missing\"",
            "Gateway ns/gw section nolistener: Accepted=False TargetNotFound: Gateway ns/gw has no listener named \"nolistener\"",
        ])
        #expect(translation.policyConditions("CircuitBreakerPolicy", "ns/breaker") == [
            "Service ns/ghost: Accepted=False TargetNotFound: Service ns/ghost is not declared",
        ])
        #expect(translation.status("HTTPRoute", "ns/r")?.isHealthy == true)
    }

    @Test("invalid policies: a target kind the policy cannot take, a document that does not decode; an ExtensionRef to one answers 500")
    func invalidPolicies() throws {
        let yaml = gateway(listeners: httpListener) + service("svc")
            + httpRoute(rule: "filters: [{type: ExtensionRef, extensionRef: {group: gateway.kgateway.dev, kind: TrafficPolicy, name: too-fast}}]")
            + httpRoute("fine", path: "/fine")
            + policy(kgatewayV2, "TrafficPolicy", "too-fast", spec: "rateLimit: {local: {tokenBucket: {maxTokens: 5, fillInterval: 10ms}}}")
            + policy(seedGroup, "CircuitBreakerPolicy", "wrong-kind", spec: "targetRefs: [{kind: HTTPRoute, name: fine}]\nmaxConnections: 1")
        let (translation, loaded) = translateWithRejections(yaml)
        #expect(loaded.rejected.map(\.qualifiedName) == ["ns/too-fast"])
        let problem = try #require(loaded.rejected.first?.errors.first)
        let where_ = "test.yaml:\(problem.location.line):\(problem.location.column)"
        #expect(translation.policyConditions("TrafficPolicy", "ns/too-fast") == [
            "TrafficPolicy ns/too-fast: Accepted=False Invalid: \(where_): spec.rateLimit.local.tokenBucket.fillInterval: \(problem.message)",
        ])
        #expect(problem.message.contains("50ms"))
        #expect(translation.policyConditions("CircuitBreakerPolicy", "ns/wrong-kind") == [
            "HTTPRoute ns/fine: Accepted=False Invalid: spec.targetRefs[0]: gateway.networking.k8s.io/HTTPRoute cannot be a target of CircuitBreakerPolicy; it targets Service, gateway.kgateway.dev/Backend",
        ])
        #expect(translation.route("ns/r")?.action == .directResponse(status: 500, body: ""))
        #expect(translation.condition("HTTPRoute", "ns/r", "PartiallyInvalid")?.message == "spec.rules[0].filters[0]: ExtensionRef gateway.kgateway.dev/TrafficPolicy too-fast is invalid (\(where_): spec.rateLimit.local.tokenBucket.fillInterval: \(problem.message)); the rule answers 500")
        #expect(translation.route("ns/fine")?.action == .forward([WeightedBackend(clusterName: "ns/svc:80", weight: 1)]), "what an invalid policy does not target keeps working")
    }

    @Test("a policy whose every field a more specific policy sets is Overridden")
    func overridden() throws {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute()
            + policy(kgatewayV2, "TrafficPolicy", "gateway", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\ntimeouts: {request: 1s}")
            + policy(kgatewayV2, "TrafficPolicy", "route", spec: "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]\ntimeouts: {request: 2s}")
        let translation = translate(yaml)
        #expect(translation.route("ns/r")?.timeout == .seconds(2))
        #expect(translation.policyConditions("TrafficPolicy", "ns/gateway") == [
            "Gateway ns/gw: Accepted=False Overridden: timeouts.request is set by TrafficPolicy ns/route (route level)",
        ])
        #expect(translation.policyConditions("TrafficPolicy", "ns/route") == ["Gateway ns/gw: Accepted=True Merged: in effect: timeouts.request; merged with TrafficPolicy ns/gateway"])
    }
}

@Suite("Policy target hints")
struct PolicyTargetHintTests {
    @Test("a policy in another namespace than its target: TargetNotFound says where the target is")
    func targetInAnotherNamespace() {
        let yaml = gateway(listeners: httpListener) + service("svc") + httpRoute() + """

        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: ConnectionPoolSettings
        metadata: {name: pool}
        spec:
          targetRefs: [{kind: Service, name: svc}]
          tcp: {maxConnections: 10}
        """
        let translation = translate(yaml)
        #expect(translation.policyConditions("ConnectionPoolSettings", "default/pool") == [
            "Service default/svc: Accepted=False TargetNotFound: Service default/svc is not declared; targetRefs name objects in the policy's own namespace (default), and Service ns/svc is in ns",
        ])
        #expect(translation.cluster("ns/svc:80")?.circuitBreakers == nil)
    }
}
