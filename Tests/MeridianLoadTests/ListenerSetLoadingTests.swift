import MeridianLoad
import Testing

/// ListenerSet documents and a Gateway's `allowedListeners`: the CRDs' rules, with positions.
@Suite("Loading ListenerSets")
struct ListenerSetLoadingTests {
    @Test("a ListenerSet loads with its parentRef (namespace defaulted later) and listeners; allowedListeners loads")
    func loads() throws {
        let loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw, namespace: infra}
        spec:
          gatewayClassName: meridian
          listeners: [{name: web, protocol: HTTP, port: 80}]
          allowedListeners:
            namespaces:
              from: Selector
              selector: {matchLabels: {team: edge}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: extra, namespace: edge}
        spec:
          parentRef: {name: gw, namespace: infra}
          listeners:
            - {name: web, protocol: HTTP, port: 80, hostname: extra.example.com, allowedRoutes: {namespaces: {from: All}}}
        """)
        #expect(loaded.errors.isEmpty)
        let set = try #require(loaded.listenerSets.first)
        #expect(set.qualifiedName == "edge/extra")
        #expect(set.spec.parentRef.kind == "Gateway" && set.spec.parentRef.group == "gateway.networking.k8s.io")
        #expect(set.spec.parentRef.namespace == "infra" && set.spec.parentRef.name == "gw")
        #expect(set.spec.listeners.map(\.hostname) == ["extra.example.com"])
        let allowed = try #require(loaded.gateways.first?.spec.allowedListeners)
        #expect(allowed.from == .selector && allowed.selector?.matchLabels == ["team": "edge"])
    }

    @Test("a Gateway without allowedListeners allows none; an omitted from is None")
    func defaults() throws {
        let loaded = load("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: meridian
          listeners: [{name: web, protocol: HTTP, port: 80}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw2}
        spec:
          gatewayClassName: meridian
          listeners: [{name: web, protocol: HTTP, port: 80}]
          allowedListeners: {namespaces: {}}
        """)
        #expect(loaded.errors.isEmpty)
        #expect(loaded.gateways.map(\.spec.allowedListeners.from) == [.none, .none])
    }

    @Test("the CRD's rules: parentRef and listeners required, listener names unique, tls only for TLS protocols, Selector needs a selector, from is an enum")
    func errors() {
        #expect(errorLines("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: bad, namespace: ns}
        spec:
          listeners:
            - {name: a, protocol: HTTP, port: 80, hostname: a.example.com}
            - {name: a, protocol: HTTP, port: 80, hostname: b.example.com, tls: {certificateRefs: [{name: c}]}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: empty, namespace: ns}
        spec:
          parentRef: {name: gw}
          listenerz: []
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: meridian
          listeners: [{name: web, protocol: HTTP, port: 80}]
          allowedListeners: {namespaces: {from: Selector}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw2}
        spec:
          gatewayClassName: meridian
          listeners: [{name: web, protocol: HTTP, port: 80}]
          allowedListeners: {namespaces: {from: Some}}
        """) == [
            "test.yaml:5:3: spec.parentRef: required field is missing",
            "test.yaml:7:14: spec.listeners[1].name: duplicate listener name \"a\" (first at line 6)",
            "test.yaml:7:73: spec.listeners[1].tls: must not be set for protocol HTTP",
            "test.yaml:13:3: spec.listeners: required field is missing",
            "test.yaml:14:3: spec.listenerz: unknown field; did you mean `listeners`?",
            "test.yaml:22:34: spec.allowedListeners.namespaces.selector: required when from is Selector",
            "test.yaml:30:41: spec.allowedListeners.namespaces.from: unsupported value \"Some\"; supported values: \"All\", \"Selector\", \"Same\", \"None\"",
        ])
    }
}
