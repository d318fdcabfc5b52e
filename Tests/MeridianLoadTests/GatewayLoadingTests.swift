import Testing
import MeridianLoad

@Suite struct GatewayLoadingTests {
    /// A Gateway whose `listeners:` key is on line 7; listener text starts on line 8.
    private func gateway(listeners: String, apiVersion: String = "gateway.networking.k8s.io/v1") -> String {
        """
        apiVersion: \(apiVersion)
        kind: Gateway
        metadata:
          name: gw
        spec:
          gatewayClassName: kgateway
          listeners:
        \(listeners)
        """
    }

    @Test func loadsListenersWithDefaults() throws {
        let yaml = gateway(listeners: """
            - name: http
              protocol: HTTP
              port: 80
            - name: https
              protocol: HTTPS
              port: 443
              hostname: "*.example.com"
              tls:
                certificateRefs:
                  - name: cert
            - name: custom
              protocol: example.com/grpc
              port: 9000
              allowedRoutes:
                namespaces:
                  from: Selector
                  selector:
                    matchLabels:
                      team: a
                    matchExpressions:
                      - key: env
                        operator: In
                        values: [prod]
                kinds:
                  - kind: HTTPRoute
        """)
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let gateway = try #require(result.gateways.first)
        #expect(gateway.metadata.namespace == "default")
        #expect(gateway.spec.gatewayClassName == "kgateway")
        #expect(gateway.spec.listeners.map(\.name) == ["http", "https", "custom"])
        let http = gateway.spec.listeners[0]
        #expect(http.protocol == .http)
        #expect(http.hostname == nil)
        #expect(http.tls == nil)
        #expect(http.allowedRoutes == .default)
        #expect(http.source == FieldSource(location: SourceLocation(file: "test.yaml", line: 8, column: 7), fieldPath: "spec.listeners[0]"))
        let tls = try #require(gateway.spec.listeners[1].tls)
        #expect(tls.mode == .terminate)
        #expect(tls.certificateRefs == [SecretObjectReference(group: "", kind: "Secret", name: "cert", namespace: nil)])
        #expect(gateway.spec.listeners[1].hostname == "*.example.com")
        let custom = gateway.spec.listeners[2]
        #expect(custom.protocol == .custom("example.com/grpc"))
        #expect(custom.allowedRoutes.namespaces.from == .selector)
        #expect(custom.allowedRoutes.namespaces.selector?.matchLabels == ["team": "a"])
        #expect(custom.allowedRoutes.namespaces.selector?.matchExpressions == [
            LabelSelectorRequirement(key: "env", operator: .in, values: ["prod"]),
        ])
        #expect(custom.allowedRoutes.kinds == [RouteGroupKind(group: "gateway.networking.k8s.io", kind: "HTTPRoute")])
    }

    @Test func acceptsV1beta1() {
        let result = load(gateway(listeners: "    - {name: http, protocol: HTTP, port: 80}", apiVersion: "gateway.networking.k8s.io/v1beta1"))
        #expect(result.errors.isEmpty)
        #expect(result.gateways.first?.apiVersion == "gateway.networking.k8s.io/v1beta1")
    }

    @Test func refusesAPortWrittenAsAString() {
        let yaml = gateway(listeners: """
            - name: http
              protocol: HTTP
              port: "80"
        """)
        #expect(errorLines(yaml) == ["test.yaml:10:13: spec.listeners[0].port: expected an integer, got the string \"80\""])
        #expect(load(yaml).gateways.isEmpty)
    }

    @Test func refusesListenersWrittenAsAMapping() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
        spec:
          gatewayClassName: kgateway
          listeners: {}
        """
        #expect(errorLines(yaml) == ["test.yaml:7:14: spec.listeners: expected a list, got a mapping"])
        #expect(load(yaml).errors.first?.code == .wrongType)
    }

    @Test func reportsMissingRequiredFieldsAtTheMappingThatLacksThem() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: gw
          namespace: infra
        spec:
          listeners:
            - name: http
              port: 80
        """
        let result = load(yaml)
        #expect(result.errors.map(\.description) == [
            "test.yaml:7:3: spec.gatewayClassName: required field is missing",
            "test.yaml:8:7: spec.listeners[0].protocol: required field is missing",
        ])
        #expect(result.errors.map(\.code) == [.missingField, .missingField])
        #expect(result.gateways.isEmpty)
        #expect(errorLines("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: gw\nspec:\n  gatewayClassName: a\n  listeners: []\n") == [
            "test.yaml:7:14: spec.listeners: must have at least 1 item",
        ])
    }

    @Test func refusesDuplicateListenerNames() {
        let yaml = gateway(listeners: """
            - name: http
              protocol: HTTP
              port: 80
            - name: http
              protocol: HTTP
              port: 8080
        """)
        #expect(errorLines(yaml) == ["test.yaml:11:13: spec.listeners[1].name: duplicate listener name \"http\" (first at line 8)"])
        #expect(load(yaml).errors.first?.code == .duplicateEntry)
    }

    @Test func refusesRepeatedPortProtocolAndHostname() {
        let yaml = gateway(listeners: """
            - name: a
              protocol: HTTP
              port: 80
            - name: b
              protocol: HTTP
              port: 80
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:11:7: spec.listeners[1]: port 80, protocol HTTP and no hostname are already used by listener \"a\" (line 8); the combination must be unique",
        ])
    }

    @Test func refusesBadHostnames() {
        func hostnameError(_ hostname: String) -> [String] {
            errorLines(gateway(listeners: """
                - name: http
                  protocol: HTTP
                  port: 80
                  hostname: \(hostname)
            """))
        }
        #expect(hostnameError("Example.com") == [
            "test.yaml:11:17: spec.listeners[0].hostname: invalid hostname \"Example.com\": must be lowercase",
        ])
        #expect(hostnameError("10.0.0.1") == [
            "test.yaml:11:17: spec.listeners[0].hostname: invalid hostname \"10.0.0.1\": IP addresses are not allowed",
        ])
        #expect(hostnameError("foo.*.example.com") == [
            "test.yaml:11:17: spec.listeners[0].hostname: invalid hostname \"foo.*.example.com\": a wildcard is only allowed as the entire first label (\"*.example.com\")",
        ])
        #expect(hostnameError("-bad.example.com") == [
            "test.yaml:11:17: spec.listeners[0].hostname: invalid hostname \"-bad.example.com\": each dot-separated label must consist of a-z, 0-9 and '-' and start and end with a letter or digit",
        ])
        #expect(hostnameError("a..b") == [
            "test.yaml:11:17: spec.listeners[0].hostname: invalid hostname \"a..b\": each dot-separated label must consist of a-z, 0-9 and '-' and start and end with a letter or digit",
        ])
        #expect(hostnameError("\"\"") == ["test.yaml:11:17: spec.listeners[0].hostname: must not be empty"])
        #expect(hostnameError("\"*.example.com\"").isEmpty)
    }

    @Test func appliesProtocolRules() {
        let yaml = gateway(listeners: """
            - name: secure
              protocol: HTTPS
              port: 443
            - name: plain
              protocol: HTTP
              port: 80
              tls:
                certificateRefs: [{name: c}]
            - name: raw
              protocol: TCP
              port: 9000
              hostname: tcp.example.com
            - name: bad
              protocol: SPDY/3
              port: 1
            - name: passthrough
              protocol: HTTPS
              port: 8443
              tls:
                mode: Passthrough
            - name: empty-tls
              protocol: TLS
              port: 8444
              tls:
                mode: Terminate
        """)
        #expect(errorLines(yaml) == [
            "test.yaml:8:7: spec.listeners[0].tls: required for protocol HTTPS",
            "test.yaml:15:9: spec.listeners[1].tls: must not be set for protocol HTTP",
            "test.yaml:19:17: spec.listeners[2].hostname: must not be set for protocol TCP",
            "test.yaml:21:17: spec.listeners[3].protocol: invalid protocol \"SPDY/3\": must be a name of letters, digits and '-' (HTTP, HTTPS, TLS, TCP, UDP, ...) or a domain-prefixed protocol such as \"example.com/custom\"",
            "test.yaml:27:15: spec.listeners[4].tls.mode: must be Terminate for protocol HTTPS",
            "test.yaml:32:9: spec.listeners[5].tls.certificateRefs: certificateRefs or options must be specified when mode is Terminate",
        ])
    }

    @Test func loadsGatewayClass() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: kgateway
          namespace: ignored-for-cluster-scoped-kinds
        spec:
          controllerName: kgateway.dev/kgateway-controller
          parametersRef:
            group: kgateway.dev
            kind: GatewayClassConfig
            name: config
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let gatewayClass = try #require(result.gatewayClasses.first)
        #expect(gatewayClass.metadata.namespace == nil)
        #expect(gatewayClass.spec.controllerName == "kgateway.dev/kgateway-controller")
        #expect(gatewayClass.spec.parametersRef == ParametersReference(group: "kgateway.dev", kind: "GatewayClassConfig", name: "config", namespace: nil))

        #expect(errorLines("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: c\nspec:\n  controllerName: kgateway\n") == [
            "test.yaml:6:19: spec.controllerName: \"kgateway\" must be a domain-prefixed path such as \"example.com/gateway-controller\"",
        ])
    }
}
