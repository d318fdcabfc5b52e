import MeridianIR
import MeridianLoad
import MeridianTestSupport
import MeridianTranslate
import Testing

/// ListenerSets: listeners added to a Gateway from other objects, when the Gateway allows them.
@Suite("Translating ListenerSets")
struct ListenerSetTranslationTests {
    /// Gateway `ns/gw` with one HTTP listener on 8080 for `gw.example.com`, and `allowedListeners`.
    static func gateway(allowed: String?, extraListeners: String = "") -> String {
        MeridianTranslateTests.gateway(listeners: """
              - {name: web, protocol: HTTP, port: 8080, hostname: gw.example.com, allowedRoutes: {namespaces: {from: All}}}
        \(extraListeners)
        """) + (allowed.map { "\n  allowedListeners: {namespaces: \($0)}" } ?? "")
    }

    static func listenerSet(_ name: String, namespace: String = "ns", timestamp: String? = nil, listeners: String) -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: \(name), namespace: \(namespace)\(timestamp.map { ", creationTimestamp: \"\($0)\"" } ?? "")}
        spec:
          parentRef: {name: gw, namespace: ns}
          listeners:
        \(listeners)
        """
    }

    /// A route `<namespace>/<name>` sending `path` to `ns/svc`, with the given parentRefs (flow YAML).
    static func route(_ name: String, namespace: String = "ns", parents: String, path: String) -> String {
        """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          parentRefs: \(parents)
          rules: [{matches: [{path: {type: PathPrefix, value: \(path)}}], backendRefs: [{name: svc, namespace: ns, port: 80}]}]
        """
    }

    static func conditions(_ status: ResourceStatus?) -> [String] {
        (status?.conditions ?? []).map { "\($0.type.rawValue)=\($0.status) \($0.reason.rawValue)" }
    }

    static func listenerConditions(_ status: ResourceStatus?, _ listener: String) -> [String] {
        (status?.listeners.first { $0.name == listener }?.conditions ?? []).map { "\($0.type.rawValue)=\($0.status) \($0.reason.rawValue)" }
    }

    /// Host → the paths its virtual host routes, in the proxy's single HTTP route table.
    static func pathsByHost(_ translation: Translation) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for host in translation.proxy("ns/gw")?.routeTables.flatMap(\.virtualHosts) ?? [] {
            for domain in host.domains {
                result[domain, default: []] += host.routes.compactMap { route in
                    switch route.match.path {
                    case .prefix(let path), .segmentPrefix(let path): path
                    default: nil
                    }
                }
            }
        }
        return result
    }

    @Test("without allowedListeners, or with from: None, a Gateway takes no ListenerSet: NotAllowed, and nothing of it is served")
    func notAllowedByDefault() throws {
        for allowed in [nil, "{from: None}"] {
            let yaml = Self.gateway(allowed: allowed) + service("svc")
                + Self.listenerSet("extra", listeners: "  - {name: more, protocol: HTTP, port: 8080, hostname: ls.example.com}")
            let translation = translate(yaml)
            #expect(Self.conditions(translation.status("ListenerSet", "ns/extra")) == ["Accepted=false NotAllowed", "Programmed=false NotAllowed"])
            #expect(translation.status("ListenerSet", "ns/extra")?.conditions.first?.message
                == "Gateway ns/gw allows no ListenerSets (spec.allowedListeners.namespaces.from is None, the default)")
            #expect(translation.status("Gateway", "ns/gw")?.attachedListenerSets == 0)
            #expect(Self.pathsByHost(translation)["ls.example.com"] == nil)
        }
    }

    @Test("from: Same takes ListenerSets of the Gateway's namespace; Selector those of namespaces with the labels")
    func namespaces() throws {
        let listener = "  - {name: more, protocol: HTTP, port: 8080, hostname: ls.example.com}"
        let same = translate(Self.gateway(allowed: "{from: Same}") + service("svc")
            + Self.listenerSet("here", listeners: listener)
            + Self.listenerSet("there", namespace: "other", listeners: "  - {name: more, protocol: HTTP, port: 8080, hostname: other.example.com}"))
        #expect(Self.conditions(same.status("ListenerSet", "ns/here")) == ["Accepted=true Accepted", "Programmed=true Programmed"])
        #expect(Self.conditions(same.status("ListenerSet", "other/there")) == ["Accepted=false NotAllowed", "Programmed=false NotAllowed"])
        #expect(same.status("Gateway", "ns/gw")?.attachedListenerSets == 1)

        let selected = translate(Self.gateway(allowed: "{from: Selector, selector: {matchLabels: {team: edge}}}") + service("svc")
            + "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: edge, labels: {team: edge}}\n"
            + Self.listenerSet("chosen", namespace: "edge", listeners: listener)
            + Self.listenerSet("unlabelled", namespace: "ns", listeners: "  - {name: more, protocol: HTTP, port: 8080, hostname: x.example.com}"))
        #expect(Self.conditions(selected.status("ListenerSet", "edge/chosen")) == ["Accepted=true Accepted", "Programmed=true Programmed"])
        #expect(selected.status("ListenerSet", "ns/unlabelled")?.conditions.first?.description
            == "Accepted=False NotAllowed: Gateway ns/gw selects ListenerSet namespaces by labels team=edge; namespace ns has kubernetes.io/metadata.name=ns")
    }

    @Test("routes attach to the Gateway's own listeners or to a ListenerSet's, by parentRef, and are served only on those host names")
    func routing() throws {
        let yaml = Self.gateway(allowed: "{from: All}") + service("svc")
            + Self.listenerSet("extra", listeners: """
              - {name: one, protocol: HTTP, port: 8080, hostname: one.example.com}
              - {name: two, protocol: HTTP, port: 8080, hostname: two.example.com}
            """)
            + Self.route("to-gateway", parents: "[{name: gw}]", path: "/gateway")
            + Self.route("to-set", parents: "[{kind: ListenerSet, group: gateway.networking.k8s.io, name: extra}]", path: "/set")
            + Self.route("to-section", parents: "[{kind: ListenerSet, group: gateway.networking.k8s.io, name: extra, sectionName: one}]", path: "/section")
            + Self.route("both", parents: "[{name: gw}, {kind: ListenerSet, group: gateway.networking.k8s.io, name: extra}]", path: "/both")
            + Self.route("wrong-parent", parents: "[{name: gw, sectionName: one}]", path: "/wrong")
        let translation = translate(yaml)
        let paths = Self.pathsByHost(translation)
        #expect(paths["gw.example.com"]?.sorted() == ["/both", "/gateway"])
        #expect(paths["one.example.com"]?.sorted() == ["/both", "/section", "/set"])
        #expect(paths["two.example.com"]?.sorted() == ["/both", "/set"])
        let set = translation.status("ListenerSet", "ns/extra")
        #expect(set?.listeners.map { "\($0.name) \($0.attachedRoutes)" } == ["one 3", "two 2"])
        #expect(translation.status("Gateway", "ns/gw")?.listeners.map { "\($0.name) \($0.attachedRoutes)" } == ["web 2"])
        #expect(translation.condition("HTTPRoute", "ns/wrong-parent", "Accepted")?.description
            == "Accepted=False NoMatchingParent: Gateway ns/gw has no listener named \"one\"")
        let both = try #require(translation.status("HTTPRoute", "ns/both"))
        #expect(both.parents.map { "\($0.reference.kind) \($0.controllerName ?? "-") \($0.conditions[0].status)" }
            == ["Gateway meridian.dev/gateway-controller true", "ListenerSet meridian.dev/gateway-controller true"])
    }

    @Test("allowedRoutes Same means the ListenerSet's namespace, not the Gateway's")
    func sameIsTheListenerSetsNamespace() throws {
        let yaml = Self.gateway(allowed: "{from: All}") + service("svc")
            + Self.listenerSet("team", namespace: "team", listeners: "  - {name: mine, protocol: HTTP, port: 8080, hostname: team.example.com}")
            + Self.route("own", namespace: "team", parents: "[{kind: ListenerSet, group: gateway.networking.k8s.io, name: team}]", path: "/own")
            + Self.route("foreign", parents: "[{kind: ListenerSet, group: gateway.networking.k8s.io, name: team, namespace: team}]", path: "/foreign")
            + """

            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: team-routes, namespace: ns}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: team}]
              to: [{group: "", kind: Service}]
            """
        let translation = translate(yaml)
        #expect(translation.condition("HTTPRoute", "team/own", "Accepted")?.status == true)
        #expect(translation.condition("HTTPRoute", "ns/foreign", "Accepted")?.description
            == "Accepted=False NotAllowedByListeners: listener mine allows routes from namespace team only, not ns")
        #expect(Self.pathsByHost(translation)["team.example.com"] == ["/own"])
    }

    @Test("conflicts: the Gateway's listener beats a ListenerSet's, an older ListenerSet a newer one; a ListenerSet with no valid listener is not accepted")
    func conflicts() throws {
        let yaml = Self.gateway(allowed: "{from: Same}") + service("svc")
            // Named to sort first, but created last: the timestamp decides.
            + Self.listenerSet("a-newest", timestamp: "2026-03-01T00:00:00Z", listeners: """
              - {name: dup, protocol: HTTP, port: 8080, hostname: shared.example.com}
            """)
            + Self.listenerSet("b-oldest", timestamp: "2026-01-01T00:00:00Z", listeners: """
              - {name: web, protocol: HTTP, port: 8080, hostname: gw.example.com}
              - {name: own, protocol: HTTP, port: 8080, hostname: shared.example.com}
              - {name: raw, protocol: TCP, port: 8080}
            """)
        let translation = translate(yaml)
        let oldest = translation.status("ListenerSet", "ns/b-oldest")
        #expect(Self.conditions(oldest) == ["Accepted=true ListenersNotValid", "Programmed=true Programmed"])
        #expect(Self.listenerConditions(oldest, "web") == ["Accepted=false HostnameConflict", "ResolvedRefs=true ResolvedRefs", "Conflicted=true HostnameConflict", "Programmed=false HostnameConflict"])
        #expect(Self.listenerConditions(oldest, "own") == ["Accepted=true Accepted", "ResolvedRefs=true ResolvedRefs", "Conflicted=false NoConflicts", "Programmed=true Programmed"])
        // A protocol conflict, not "unsupported protocol": the port is already HTTP.
        #expect(Self.listenerConditions(oldest, "raw").prefix(1) == ["Accepted=false ProtocolConflict"])
        #expect(oldest?.listeners.first { $0.name == "raw" }?.conditions.first?.message == "port 8080 is already used with protocol HTTP by listener web")
        let newest = translation.status("ListenerSet", "ns/a-newest")
        #expect(Self.conditions(newest) == ["Accepted=false ListenersNotValid", "Programmed=false ListenersNotValid"])
        #expect(newest?.listeners.first?.conditions.first?.message == "listener ns/b-oldest/own already serves host shared.example.com on port 8080")
        #expect(Self.listenerConditions(translation.status("Gateway", "ns/gw"), "web").first == "Accepted=true Accepted")
        #expect(translation.status("Gateway", "ns/gw")?.attachedListenerSets == 1)
        #expect(translation.status("Gateway", "ns/gw")?.conditions.first?.reason == .accepted)
    }

    @Test("a ListenerSet's HTTPS listener needs a ReferenceGrant from ListenerSets, not the Gateway's; its name may repeat a Gateway listener's")
    func certificates() throws {
        let certificate = try TestCertificates.make(["ls.example.com"])
        func grant(_ kind: String) -> String {
            """

            ---
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: ReferenceGrant
            metadata: {name: from-\(kind.lowercased()), namespace: certs}
            spec:
              from: [{group: gateway.networking.k8s.io, kind: \(kind), namespace: ns}]
              to: [{group: "", kind: Secret}]
            """
        }
        let base = Self.gateway(allowed: "{from: Same}", extraListeners: """
              - {name: secure, protocol: HTTPS, port: 8443, hostname: gw.example.com, tls: {certificateRefs: [{name: cert, namespace: certs}]}}
        """) + service("svc") + TestCertificates.secretYAML(name: "cert", namespace: "certs", certificate) + grant("Gateway")
            + Self.listenerSet("tls", listeners: """
              - {name: secure, protocol: HTTPS, port: 8443, hostname: ls.example.com, tls: {certificateRefs: [{name: cert, namespace: certs}]}}
            """)
        let refused = translate(base)
        #expect(Self.listenerConditions(refused.status("ListenerSet", "ns/tls"), "secure").contains("ResolvedRefs=false RefNotPermitted"))
        #expect(Self.conditions(refused.status("ListenerSet", "ns/tls")) == ["Accepted=false ListenersNotValid", "Programmed=false ListenersNotValid"])
        #expect(refused.proxy("ns/gw")?.listeners.flatMap(\.filterChains).map(\.name) == ["http-8080", "https-8443-secure"])

        let granted = translate(base + grant("ListenerSet"))
        #expect(Self.conditions(granted.status("ListenerSet", "ns/tls")) == ["Accepted=true Accepted", "Programmed=true Programmed"])
        // Both listeners are named "secure": their filter chains and route tables are not.
        #expect(granted.proxy("ns/gw")?.listeners.flatMap(\.filterChains).map(\.name).sorted() == ["http-8080", "https-8443-ns/tls/secure", "https-8443-secure"])
        #expect(granted.proxy("ns/gw")?.routeTables.map(\.name).sorted() == ["http-8080", "https-8443-ns/tls/secure", "https-8443-secure"])
    }

    @Test("a ListenerSet whose parent is not an accepted Gateway says so; a route naming it is not attached")
    func orphans() throws {
        let yaml = Self.gateway(allowed: "{from: All}") + service("svc") + """

        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: ListenerSet
        metadata: {name: lost, namespace: ns}
        spec:
          parentRef: {name: nowhere}
          listeners: [{name: l, protocol: HTTP, port: 8080, hostname: lost.example.com}]
        """ + Self.route("r", parents: "[{kind: ListenerSet, group: gateway.networking.k8s.io, name: lost}]", path: "/")
        let translation = translate(yaml)
        #expect(translation.status("ListenerSet", "ns/lost")?.conditions.first?.description == "Accepted=False ParentNotAccepted: Gateway ns/nowhere is not declared")
        #expect(translation.condition("HTTPRoute", "ns/r", "Accepted")?.description == "Accepted=False NoMatchingParent: ListenerSet ns/lost is not accepted by a Gateway")
    }
}
