import Testing
import MeridianLoad

@Suite struct ServiceAndEndpointSliceTests {
    @Test func loadsServices() throws {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: vllm-service
          namespace: ai-inference
        spec:
          selector:
            app: vllm
          ports:
            - name: http
              port: 8000
              targetPort: 8080
              appProtocol: kubernetes.io/h2c
            - name: metrics
              port: 9090
              targetPort: metrics
              protocol: UDP
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: headless
        spec:
          clusterIP: None
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let service = try #require(result.services.first)
        #expect(service.qualifiedName == "ai-inference/vllm-service")
        #expect(service.spec.type == .clusterIP)
        #expect(service.spec.selector == ["app": "vllm"])
        #expect(service.spec.ports == [
            ServicePort(name: "http", port: 8000, targetPort: .number(8080), protocol: .tcp, appProtocol: "kubernetes.io/h2c"),
            ServicePort(name: "metrics", port: 9090, targetPort: .name("metrics"), protocol: .udp),
        ])
        #expect(result.services.last?.spec.clusterIP == "None")
    }

    @Test func validatesServices() {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: 1bad
        spec:
          type: Magic
          ports:
            - port: 80
            - name: http
              port: 80
              protocol: SCTP
            - name: http
              port: 70000
        """
        #expect(errorLines(yaml) == [
            "test.yaml:4:9: metadata.name: \"1bad\" must be a lowercase RFC 1035 label (a-z, 0-9 and '-', starting with a letter and ending with a letter or digit)",
            "test.yaml:6:9: spec.type: unsupported value \"Magic\"; supported values: \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\"",
            "test.yaml:8:7: spec.ports[0].name: required when the Service has more than one port",
            "test.yaml:12:13: spec.ports[2].name: duplicate port name \"http\" (first at line 9)",
            "test.yaml:13:13: spec.ports[2].port: must be between 1 and 65535",
        ])
        #expect(errorLines("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: a}\n") == [
            "test.yaml:6:3: spec.ports: required field is missing",
        ])
    }

    @Test func loadsEndpointSlices() throws {
        let yaml = """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: vllm-service-abc12
          namespace: ai-inference
          labels:
            kubernetes.io/service-name: vllm-service
        addressType: IPv4
        endpoints:
          - addresses: ["10.0.0.1"]
            conditions: {ready: true, serving: true, terminating: false}
            zone: us-east-1a
          - addresses: ["10.0.0.2"]
        ports:
          - name: http
            port: 8080
            protocol: TCP
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let slice = try #require(result.endpointSlices.first)
        #expect(slice.serviceName == "vllm-service")
        #expect(slice.addressType == .ipv4)
        #expect(slice.endpoints.map(\.addresses) == [["10.0.0.1"], ["10.0.0.2"]])
        #expect(slice.endpoints[0].conditions == EndpointConditions(ready: true, serving: true, terminating: false))
        #expect(slice.endpoints[0].zone == "us-east-1a")
        #expect(slice.endpoints[1].conditions == EndpointConditions())
        #expect(slice.ports == [EndpointPort(name: "http", port: 8080, protocol: .tcp)])
    }

    @Test func validatesEndpointSlices() {
        let yaml = """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: s
        addressType: IPv6
        endpoints:
          - addresses: ["10.0.0.1", "fd00::1", "::ffff:10.0.0.1"]
          - addresses: []
          - hostname: pod-a
        """
        #expect(errorLines(yaml) == [
            "test.yaml:7:17: endpoints[0].addresses[0]: \"10.0.0.1\" is not an IPv6 address",
            "test.yaml:8:16: endpoints[1].addresses: must have at least 1 item",
            "test.yaml:9:5: endpoints[2].addresses: required field is missing",
        ])
        #expect(errorLines("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: s\n") == [
            "test.yaml:1:1: addressType: required field is missing",
        ])
    }
}
