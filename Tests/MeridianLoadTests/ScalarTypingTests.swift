import Testing
import MeridianLoad

/// YAML 1.1 (what Kubernetes reads) versus YAML 1.2 pitfalls, and Kubernetes' typing of fields.
@Suite struct ScalarTypingTests {
    private func service(port: String, name: String = "http", targetPort: String = "8080") -> String {
        """
        apiVersion: v1
        kind: Service
        metadata:
          name: svc
        spec:
          ports:
            - name: \(name)
              port: \(port)
              targetPort: \(targetPort)
        """
    }

    @Test func quotedNumberIsRefusedForAnIntegerField() {
        #expect(errorLines(service(port: "\"80\"")) == [
            "test.yaml:8:13: spec.ports[0].port: expected an integer, got the string \"80\"",
        ])
        #expect(load(service(port: "'80'")).errors.first?.code == .wrongType)
    }

    @Test func plainNumbersAreIntegers() throws {
        let result = load(service(port: "80"))
        #expect(result.errors.isEmpty)
        let port = try #require(result.services.first?.spec.ports.first)
        #expect(port.port == 80)
        #expect(port.targetPort == .number(8080))
        #expect(load(service(port: "0x50")).services.first?.spec.ports.first?.port == 80)
    }

    @Test func numbersThatDifferBetweenYAMLVersionsAreRefused() {
        #expect(errorLines(service(port: "0080")) == [
            "test.yaml:8:13: spec.ports[0].port: 0080 means different numbers in YAML 1.1 (which Kubernetes uses) and YAML 1.2; write the integer in decimal without leading zeros",
        ])
        #expect(errorLines(service(port: "8_080")).first?.hasSuffix("write the integer in decimal without leading zeros") == true)
        #expect(errorLines(service(port: "80.0")) == [
            "test.yaml:8:13: spec.ports[0].port: expected an integer, got the number 80.0",
        ])
        #expect(errorLines(service(port: "99999999999999999999")) == [
            "test.yaml:8:13: spec.ports[0].port: integer 99999999999999999999 is out of range",
        ])
    }

    @Test func stringFieldsAcceptPlainWordsButNotOtherTypes() {
        #expect(load(service(port: "80", name: "kgateway")).errors.isEmpty)
        // Quoted scalars are strings whatever they look like.
        #expect(load(service(port: "80", name: "\"true\"")).services.first?.spec.ports.first?.name == "true")
        #expect(errorLines(service(port: "80", name: "true")) == [
            "test.yaml:7:13: spec.ports[0].name: expected a string, got the boolean true; quote it to make it a string",
        ])
        #expect(errorLines(service(port: "80", name: "yes")) == [
            "test.yaml:7:13: spec.ports[0].name: expected a string, got yes, which Kubernetes (YAML 1.1) reads as the boolean true; quote it to make it a string",
        ])
        #expect(errorLines(service(port: "80", name: "1.10")) == [
            "test.yaml:7:13: spec.ports[0].name: expected a string, got the number 1.10; quote it to make it a string",
        ])
        #expect(errorLines(service(port: "80", name: "{a: b}")) == [
            "test.yaml:7:13: spec.ports[0].name: expected a string, got a mapping",
        ])
        #expect(errorLines(service(port: "80", name: "[http]")) == [
            "test.yaml:7:13: spec.ports[0].name: expected a string, got a list",
        ])
        #expect(load(service(port: "80", name: "!!str yes")).services.first?.spec.ports.first?.name == "yes")
    }

    @Test func intOrStringFollowsTheYAMLType() {
        #expect(load(service(port: "80", targetPort: "web")).services.first?.spec.ports.first?.targetPort == .name("web"))
        // A quoted number is a (bad) port name, exactly as Kubernetes reads it.
        #expect(errorLines(service(port: "80", targetPort: "\"8080\"")) == [
            "test.yaml:9:19: spec.ports[0].targetPort: \"8080\" must be a port number or an IANA service name (at most 15 characters of a-z, 0-9 and '-', with at least one letter, no '--', not starting or ending with '-')",
        ])
        #expect(errorLines(service(port: "80", targetPort: "true")) == [
            "test.yaml:9:19: spec.ports[0].targetPort: expected a string, got the boolean true; quote it to make it a string",
        ])
    }

    @Test func booleanFieldsAcceptYAML11BooleansButNotStrings() throws {
        func slice(ready: String) -> String {
            """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: svc-abc
            addressType: IPv4
            endpoints:
              - addresses: ["10.0.0.1"]
                conditions:
                  ready: \(ready)
            """
        }
        #expect(load(slice(ready: "true")).endpointSlices.first?.endpoints.first?.conditions.ready == true)
        #expect(load(slice(ready: "no")).endpointSlices.first?.endpoints.first?.conditions.ready == false)
        #expect(errorLines(slice(ready: "\"true\"")) == [
            "test.yaml:9:14: endpoints[0].conditions.ready: expected a boolean, got the string \"true\"",
        ])
    }

    @Test func nullMeansAbsent() throws {
        let yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: svc
          namespace: ~
          creationTimestamp: null
        spec:
          type:
          ports:
            - port: 80
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        let service = try #require(result.services.first)
        #expect(service.metadata.namespace == "default")
        #expect(service.metadata.creationTimestamp == nil)
        #expect(service.spec.type == .clusterIP)
    }
}
