import Testing
import MeridianLoad

/// Every kind is read strictly: a field the kind does not have is an error naming the
/// nearest field it does have, and fields of the API that Meridian does not use are accepted.
@Suite struct StrictDecodingTests {
    private let route = """
    apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: models
      namespace: ai
    spec:
      parentRefs:
      - name: gateway
      rules:
      - matches:
        - path: {type: PathPrefix, value: /v1}
        backendRef:
        - name: vllm
          port: 8000
      - matchs:
        - headers: [{name: x-model-id, value: gpt-4}]
        backendRefs:
        - {name: gpt4, port: 8000}
    """

    @Test func misspeltRuleFieldsAreErrorsWithTheNearestField() {
        // `backendRef` used to leave the rule without backends (500), `matchs` to make it a catch-all.
        #expect(errorLines(route, file: "routes.yaml") == [
            "routes.yaml:12:5: spec.rules[0].backendRef: unknown field; did you mean `backendRefs`?",
            "routes.yaml:15:5: spec.rules[1].matchs: unknown field; did you mean `matches`?",
        ])
        #expect(load(route).httpRoutes.isEmpty)
    }

    @Test func misspeltMetadataFieldsAreErrors() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namepsace: shop
          lables: {app: web}
        spec:
          ports: [{port: 80}]
        """
        #expect(errorLines(yaml) == [
            "test.yaml:5:3: metadata.namepsace: unknown field; did you mean `namespace`?",
            "test.yaml:6:3: metadata.lables: unknown field; did you mean `labels`?",
        ])
    }

    @Test func fieldsWrittenByTheAPIServerAndControllersAreAccepted() throws {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata:
          name: meridian
          namespace: ignored-for-cluster-scoped-kinds
          generateName: meridian-
          selfLink: /apis/gateway.networking.k8s.io/v1/gatewayclasses/meridian
          uid: 9b0f4f6e-1c52-4d0e-9a57-3f1f0f6b8c11
          resourceVersion: "4711"
          generation: 3
          creationTimestamp: "2024-05-01T12:00:00Z"
          deletionTimestamp: "2024-05-02T12:00:00Z"
          deletionGracePeriodSeconds: 30
          labels: {team: platform}
          annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}
          ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: 1}]
          finalizers: [gateway-exists-finalizer.gateway.networking.k8s.io]
          managedFields: [{manager: kubectl, operation: Apply, fieldsV1: {f:spec: {}}}]
        spec:
          controllerName: example.com/meridian
        status:
          conditions: [{type: Accepted, status: "True"}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec:
          type: LoadBalancer
          clusterIP: 10.0.0.10
          clusterIPs: [10.0.0.10]
          ipFamilies: [IPv4]
          ipFamilyPolicy: SingleStack
          sessionAffinity: None
          internalTrafficPolicy: Cluster
          externalTrafficPolicy: Local
          allocateLoadBalancerNodePorts: true
          ports: [{name: http, port: 80, targetPort: 8080, nodePort: 31080, protocol: TCP}]
        status:
          loadBalancer: {ingress: [{ip: 192.0.2.1}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        endpoints:
        - addresses: [10.1.0.5]
          conditions: {ready: true}
          targetRef: {kind: Pod, name: web-1, namespace: default, uid: abc}
          nodeName: node-1
          zone: a
          hints: {forZones: [{name: a}]}
        ports: [{name: http, port: 8080, protocol: TCP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: meridian
          infrastructure: {labels: {a: b}, annotations: {c: d}}
          listeners: [{name: http, port: 80, protocol: HTTP}]
        """
        let result = load(yaml)
        #expect(result.errors.map(\.description) == [])
        #expect(result.gatewayClasses.count == 1 && result.services.count == 1 && result.endpointSlices.count == 1 && result.gateways.count == 1)
    }

    @Test func unknownFieldsOfEveryHandDecodedKind() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: GatewayClass
        metadata: {name: meridian}
        spec: {controllerName: example.com/meridian, descripton: x}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spce: {}
        spec:
          gatewayClassName: meridian
          listeners:
          - {name: http, port: 80, protocol: HTTP, hostName: a.example.com, allowedRoutes: {namespace: {from: All}}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r}
        spec:
          parentRefs: [{name: gw, sectionname: http}]
          rules:
          - matches: [{path: {type: Exact, valeu: /a}, method: GET, header: []}]
            filters:
            - type: RequestHeaderModifier
              requestHeaderModifier: {set: [{name: a, value: b}], remvoe: [c]}
            backendRefs: [{name: a, port: 80, wieght: 1}]
            timeouts: {requst: 1s}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selctor: {app: web}, ports: [{port: 80, targetport: 8080}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-abc}
        addressType: IPv4
        endpoints: [{addresses: [10.1.0.5], condition: {ready: true}}]
        spec: {}
        ---
        apiVersion: gateway.networking.k8s.io/v1beta1
        kind: ReferenceGrant
        metadata: {name: g}
        spec:
          from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namepsace: a}]
          to: [{group: "", kind: Service}]
        """
        #expect(errorLines(yaml) == [
            "test.yaml:4:46: spec.descripton: unknown field; did you mean `description`?",
            "test.yaml:9:1: spce: unknown field; did you mean `spec`?",
            "test.yaml:13:44: spec.listeners[0].hostName: unknown field; did you mean `hostname`?",
            "test.yaml:13:85: spec.listeners[0].allowedRoutes.namespace: unknown field; did you mean `namespaces`?",
            "test.yaml:19:27: spec.parentRefs[0].sectionname: unknown field; did you mean `sectionName`?",
            "test.yaml:21:36: spec.rules[0].matches[0].path.valeu: unknown field; did you mean `value`?",
            "test.yaml:21:61: spec.rules[0].matches[0].header: unknown field; did you mean `headers`?",
            "test.yaml:24:59: spec.rules[0].filters[0].requestHeaderModifier.remvoe: unknown field; did you mean `remove`?",
            "test.yaml:25:39: spec.rules[0].backendRefs[0].wieght: unknown field; did you mean `weight`?",
            "test.yaml:26:16: spec.rules[0].timeouts.requst: unknown field; did you mean `request`?",
            "test.yaml:31:8: spec.selctor: unknown field; did you mean `selector`?",
            "test.yaml:31:48: spec.ports[0].targetport: unknown field; did you mean `targetPort`?",
            "test.yaml:37:37: endpoints[0].condition: unknown field; did you mean `conditions`?",
            "test.yaml:38:1: spec: unknown field",
            "test.yaml:44:10: spec.from[0].namespace: required field is missing",
            "test.yaml:44:62: spec.from[0].namepsace: unknown field; did you mean `namespace`?",
        ])
    }

    @Test func fieldsOfTheAPIThatMeridianDoesNotImplementAreRefusedByName() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: gw}
        spec:
          gatewayClassName: meridian
          defaultScope: All
          listeners: [{name: http, port: 80, protocol: HTTP}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r}
        spec:
          useDefaultGateways: All
          rules:
          - filters: [{type: CORS, cors: {allowOrigins: ["*"]}}]
        """
        #expect(errorLines(yaml) == [
            "test.yaml:6:3: spec.defaultScope: not supported by Meridian",
            "test.yaml:13:3: spec.useDefaultGateways: not supported by Meridian",
        ])
    }
}

/// The apiVersion and kind of every document: what Meridian reads, what is a mistake, what is not Kubernetes.
@Suite struct DocumentKindTests {
    @Test func unknownKindsAndVersionsInGroupsMeridianReadsAreErrors() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata: {name: t}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoutes
        metadata: {name: r}
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: HTTPRoute
        metadata: {name: old}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: GatewayParameters
        metadata: {name: params}
        ---
        apiVersion: discovery.k8s.io/v1beta1
        kind: EndpointSlice
        metadata: {name: s}
        ---
        apiVersion: v2
        kind: Service
        metadata: {name: s}
        ---
        apiVersion: v1
        kind: HTTPRoute
        metadata: {name: no-group}
        """
        #expect(errorLines(yaml) == [
            "test.yaml:2:7: kind: kind TLSRoute is not one Meridian reads in gateway.networking.k8s.io; supported kinds: BackendLBPolicy, BackendTLSPolicy, GRPCRoute, Gateway, GatewayClass, HTTPRoute, ListenerSet, ReferenceGrant",
            "test.yaml:6:7: kind: kind HTTPRoutes is not one Meridian reads in gateway.networking.k8s.io; did you mean HTTPRoute? supported kinds: BackendLBPolicy, BackendTLSPolicy, GRPCRoute, Gateway, GatewayClass, HTTPRoute, ListenerSet, ReferenceGrant",
            "test.yaml:9:13: apiVersion: apiVersion gateway.networking.k8s.io/v1alpha2 is not supported for kind HTTPRoute; supported: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1",
            "test.yaml:14:7: kind: kind GatewayParameters is not one Meridian reads in gateway.kgateway.dev; supported kinds: Backend, BackendConfigPolicy, DirectResponse, TrafficPolicy",
            "test.yaml:17:13: apiVersion: apiVersion discovery.k8s.io/v1beta1 is not supported for kind EndpointSlice; supported: discovery.k8s.io/v1",
            "test.yaml:21:13: apiVersion: apiVersion v2 is not supported for kind Service; supported: v1",
            "test.yaml:25:13: apiVersion: apiVersion v1 is not supported for kind HTTPRoute; supported: gateway.networking.k8s.io/v1, gateway.networking.k8s.io/v1beta1",
        ])
        #expect(load(yaml).errors.allSatisfy { $0.code == .unsupportedKind })
    }

    @Test func aDocumentWithoutAPIVersionAndKindIsNotAnObject() {
        let yaml = """
        replicaCount: 2
        image: {repository: meridian, tag: latest}
        """
        #expect(errorLines(yaml, file: "values.yaml") == [
            "values.yaml:1:1: not a Kubernetes object: the document has neither apiVersion nor kind",
        ])
        #expect(load(yaml).errors.first?.code == .notAnObject)
    }

    @Test func aBareStringDocumentIsNamedWithoutItsContent() {
        let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl"
        let lines = errorLines(token + "\n", file: "token.yaml")
        #expect(lines == ["token.yaml:1:1: not a Kubernetes object: the document is a string, not a mapping with apiVersion and kind"])
        #expect(!lines.joined().contains("eyJ"))
        #expect(errorLines("42\n") == ["test.yaml:1:1: not a Kubernetes object: the document is a number, not a mapping with apiVersion and kind"])
    }
}
