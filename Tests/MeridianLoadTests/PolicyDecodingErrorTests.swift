import Testing
import MeridianLoad

/// A document of `kind` with `spec` as written (indented under `spec:`).
private func policy(_ kind: String, _ apiVersion: String = "kgateway.dev/v1alpha1", spec: String) -> String {
    """
    apiVersion: \(apiVersion)
    kind: \(kind)
    metadata: {name: p}
    spec:
    \(spec)
    """
}

private let kgateway = "gateway.kgateway.dev/v1alpha1"

@Suite("Problems in policy documents: exact messages and positions")
struct PolicyDecodingErrorTests {
    @Test func unknownFieldSuggestsTheNearestField() {
        #expect(errorLines(policy("RetryPolicy", spec: "  numRetrys: 3\n  retryon: [5xx]\n  zzz: 1")) == [
            "test.yaml:5:3: spec.numRetrys: unknown field; did you mean `numRetries`?",
            "test.yaml:6:3: spec.retryon: unknown field; did you mean `retryOn`?",
            "test.yaml:7:3: spec.zzz: unknown field",
        ])
        // Nested objects and list items are checked too, and top-level fields of the object.
        #expect(errorLines("""
        apiVersion: kgateway.dev/v1alpha1
        kind: CircuitBreakerPolicy
        metadata: {name: p}
        spce: {}
        spec:
          targetRefs: [{kind: Service, nme: a}]
        """) == [
            "test.yaml:4:1: spce: unknown field; did you mean `spec`?",
            "test.yaml:6:16: spec.targetRefs[0].name: required field is missing",
            "test.yaml:6:32: spec.targetRefs[0].nme: unknown field; did you mean `name`?",
        ])
    }

    @Test("a very long unknown key costs no more than a short one: no suggestion is computed against names of far other lengths")
    func longUnknownKey() {
        let key = String(repeating: "x", count: 200_000)
        let started = ContinuousClock.now
        // An explicit key (`? key`): YAML caps implicit keys at 1,024 characters.
        let lines = errorLines(policy("RetryPolicy", spec: "  ? \(key)\n  : 1"))
        #expect(ContinuousClock.now - started < .milliseconds(400), "an edit-distance table per known name would take about a second here")
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix(": unknown field") == true)
    }

    @Test func wrongTypes() {
        #expect(errorLines(policy("CircuitBreakerPolicy", spec: """
          targetRefs: {kind: Service, name: a}
          maxConnections: "1000"
          interval: 10
          maxRequests: [1]
        """)) == [
            "test.yaml:5:15: spec.targetRefs: expected a list, got a mapping",
            "test.yaml:6:19: spec.maxConnections: expected an integer, got the string \"1000\"",
            "test.yaml:7:13: spec.interval: expected a string, got the number 10; quote it to make it a string",
            "test.yaml:8:16: spec.maxRequests: expected an integer, got a list",
        ])
        #expect(errorLines(policy("TrafficPolicy", kgateway, spec: "  [timeouts]")) == [
            "test.yaml:5:3: spec: expected a mapping, got a list",
        ])
        #expect(errorLines(policy("TrafficPolicy", kgateway, spec: "  targetSelectors: [{kind: HTTPRoute, matchLabels: {app: [a]}}]")) == [
            "test.yaml:5:58: spec.targetSelectors[0].matchLabels[app]: expected a string, got a list",
        ])
    }

    @Test func outOfRange() {
        #expect(errorLines(policy("CircuitBreakerPolicy", spec: "  maxEjectionPercent: 150\n  maxConnections: 0")) == [
            "test.yaml:5:23: spec.maxEjectionPercent: must be between 0 and 100",
            "test.yaml:6:19: spec.maxConnections: must be between 1 and 4294967295",
        ])
        #expect(errorLines(policy("DirectResponse", kgateway, spec: "  status: 700")) == [
            "test.yaml:5:11: spec.status: must be between 200 and 599",
        ])
    }

    @Test func badEnumValues() {
        #expect(errorLines(policy("ConnectionPoolSettings", spec: "  http: {h2UpgradePolicy: ALWAYS}")) == [
            "test.yaml:5:27: spec.http.h2UpgradePolicy: unsupported value \"ALWAYS\"; supported values: \"DEFAULT\", \"DO_NOT_UPGRADE\", \"UPGRADE\"",
        ])
        #expect(errorLines(policy("Backend", kgateway, spec: "  type: AWS\n  static: {hosts: [{host: a, port: 80}]}")) == [
            "test.yaml:5:9: spec.type: unsupported value \"AWS\"; supported values: \"Static\"",
        ])
    }

    @Test func badDurations() {
        #expect(errorLines(policy("RetryPolicy", spec: "  perTryTimeout: 1.5s\n  retryBackOff: {baseInterval: 0s, maxInterval: 10 s}")) == [
            "test.yaml:5:18: spec.perTryTimeout: invalid duration \"1.5s\": must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")",
            "test.yaml:6:32: spec.retryBackOff.baseInterval: must be at least 1ms",
            "test.yaml:6:49: spec.retryBackOff.maxInterval: invalid duration \"10 s\": must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")",
        ])
        #expect(errorLines(policy("RateLimitPolicy", spec: "  local: {tokenBucket: {maxTokens: 1, fillInterval: 10ms}}")) == [
            "test.yaml:5:53: spec.local.tokenBucket.fillInterval: must be at least 50ms",
        ])
    }

    @Test func aDurationWithTwentyDigitsIsRefusedNotOverflowed() {
        // Found by scripts/fuzz-loader: the digits were added up before their count was
        // checked, and the twentieth overflowed Int64, which stopped the process.
        let digits = String(repeating: "8", count: 20)
        #expect(GatewayAPIDuration(digits + "s") == nil)
        #expect(GatewayAPIDuration("99999h99999m99999s99999ms")?.duration == .milliseconds(99_999 * 3_600_000 + 99_999 * 60_000 + 99_999 * 1_000 + 99_999))
        #expect(errorLines(policy("BackendConfigPolicy", kgateway, spec: "  outlierDetection: {interval: \(digits)s}")) == [
            "test.yaml:5:32: spec.outlierDetection.interval: invalid duration \"\(digits)s\": must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")",
        ])
    }

    @Test func missingRequiredFields() {
        #expect(errorLines(policy("RateLimitPolicy", spec: "  descriptors: [{entries: [{key: x-tenant}], limit: {unit: HOUR}}]")) == [
            "test.yaml:5:53: spec.descriptors[0].limit.requestsPerUnit: required field is missing",
        ])
        #expect(errorLines("""
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: DirectResponse
        metadata: {name: p}
        """) == ["test.yaml:1:1: spec: required field is missing"])
        #expect(errorLines(policy("BackendConfigPolicy", kgateway, spec: "  healthCheck: {timeout: 1s, http: {path: /h}}")) == [
            "test.yaml:5:16: spec.healthCheck.interval: required field is missing",
            "test.yaml:5:16: spec.healthCheck.unhealthyThreshold: required field is missing",
            "test.yaml:5:16: spec.healthCheck.healthyThreshold: required field is missing",
        ])
    }

    @Test func unsupportedKgatewayFieldsAreRefusedByName() {
        #expect(errorLines(policy("TrafficPolicy", kgateway, spec: """
          targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r}]
          extProc: {extensionRef: {name: proc}}
          cors: {allowOrigins: ["*"]}
          rateLimit: {global: {descriptors: []}}
          retry: {retryOn: [5xx], retryHostPredicates: [PreviousHosts]}
          transformation: null
        """)) == [
            "test.yaml:6:3: spec.extProc: not supported by Meridian",
            "test.yaml:7:3: spec.cors: not supported by Meridian",
            "test.yaml:8:15: spec.rateLimit.global: not supported by Meridian",
            "test.yaml:9:27: spec.retry.retryHostPredicates: not supported by Meridian",
        ])
        #expect(errorLines(policy("BackendConfigPolicy", kgateway, spec: """
          tls: {sni: a}
          loadBalancer: {roundRobin: {slowStart: {window: 10s}}, zoneAware: {}}
          outlierDetection: {enforcingConsecutive5xx: 100}
        """)) == [
            "test.yaml:5:3: spec.tls: not supported by Meridian",
            "test.yaml:6:31: spec.loadBalancer.roundRobin.slowStart: not supported by Meridian",
            "test.yaml:6:58: spec.loadBalancer.zoneAware: not supported by Meridian",
            "test.yaml:7:22: spec.outlierDetection.enforcingConsecutive5xx: not supported by Meridian",
        ])
    }

    @Test func wrongAPIVersionOfAKnownKind() {
        #expect(errorLines(policy("TrafficPolicy", "gateway.kgateway.dev/v1beta1", spec: "  timeouts: {request: 1s}")) == [
            "test.yaml:1:13: apiVersion: apiVersion gateway.kgateway.dev/v1beta1 is not supported for kind TrafficPolicy; supported: gateway.kgateway.dev/v1alpha1",
        ])
        // The seed kinds' group and kgateway's group are not interchangeable.
        #expect(errorLines(policy("RetryPolicy", kgateway, spec: "  numRetries: 1")) == [
            "test.yaml:1:13: apiVersion: apiVersion gateway.kgateway.dev/v1alpha1 is not supported for kind RetryPolicy; supported: kgateway.dev/v1alpha1",
        ])
        // Another product's kind of the same name is not ours: ignored, as before.
        let other = load(policy("RetryPolicy", "policies.example.com/v1", spec: "  whatever: 1"))
        #expect(other.errors.isEmpty)
        #expect(other.ignored.map(\.reason) == ["Meridian does not read policies.example.com/v1 RetryPolicy objects"])
    }

    @Test func everyProblemIsReportedNotJustTheFirst() {
        #expect(errorLines(policy("BackendConfigPolicy", kgateway, spec: """
          targetRefs: [{group: "", kind: Pod, name: a}, {group: "", kind: Service, name: b, sectionName: http}]
          circuitBreakers: {}
          outlierDetection: {maxEjectionPercent: 101, interval: 0s}
          loadBalancer: {roundRobin: {}, random: {}}
          healthCheck: {timeout: 1s, interval: 1s, unhealthyThreshold: 1, healthyThreshold: 1}
          perConnectionBufferLimitBytes: -1
        """)) == [
            "test.yaml:5:16: spec.targetRefs[0]: TargetRefs must reference either a Kubernetes Service or a Backend API",
            "test.yaml:5:98: spec.targetRefs[1].sectionName: unknown field (BackendConfigPolicy targets have no sections)",
            "test.yaml:6:20: spec.circuitBreakers: at least one of maxConnections, maxPendingRequests, maxRequests, maxRetries must be set",
            "test.yaml:7:42: spec.outlierDetection.maxEjectionPercent: must be between 0 and 100",
            "test.yaml:7:57: spec.outlierDetection.interval: must be at least 1ms",
            "test.yaml:8:17: spec.loadBalancer: exactly one of leastRequest, roundRobin, ringHash, maglev, random must be set",
            "test.yaml:9:16: spec.healthCheck: exactly one of http, grpc must be set",
            "test.yaml:10:34: spec.perConnectionBufferLimitBytes: must be between 0 and 2147483647",
        ])
    }

    @Test func crossFieldRules() {
        #expect(errorLines(policy("TrafficPolicy", kgateway, spec: """
          targetRefs: [{group: gateway.networking.k8s.io, kind: Service, name: s}]
          timeouts: {request: 5s}
          retry: {attempts: 2, perTryTimeout: 5s}
        """)) == [
            "test.yaml:5:57: spec.targetRefs[0].kind: targetRefs may only reference Gateway, HTTPRoute, GRPCRoute, or ListenerSet resources",
            "test.yaml:7:10: spec.retry.retryOn: retryOn or statusCodes must be set.",
            "test.yaml:7:39: spec.retry.perTryTimeout: retry.perTryTimeout must be less than timeouts.request",
        ])
    }
}

@Suite("Kubernetes YAML semantics in policy documents")
struct PolicyScalarSemanticsTests {
    @Test func yaml11BooleansAreBooleans() throws {
        for (text, value) in [("yes", true), ("on", true), ("true", true), ("no", false), ("off", false), ("False", false)] {
            let loaded = load(policy("BackendConfigPolicy", kgateway, spec: "  loadBalancer: {maglev: {hashPolicies: [{sourceIP: {}, terminal: \(text)}]}}"))
            #expect(loaded.errors.map(\.description) == [], "\(text)")
            #expect(loaded.policies.backendConfigPolicies.first?.spec.loadBalancer?.maglev?.hashPolicies?.first?.terminal == value, "\(text)")
        }
        #expect(errorLines(policy("BackendConfigPolicy", kgateway, spec: "  loadBalancer: {maglev: {hashPolicies: [{sourceIP: {}, terminal: \"yes\"}]}}")) == [
            "test.yaml:5:67: spec.loadBalancer.maglev.hashPolicies[0].terminal: expected a boolean, got the string \"yes\"",
        ])
        // A YAML 1.1 boolean is not a string either.
        #expect(errorLines(policy("RateLimitPolicy", spec: "  descriptors: [{entries: [{key: on}], limit: {requestsPerUnit: 1, unit: DAY}}]")) == [
            "test.yaml:5:34: spec.descriptors[0].entries[0].key: expected a string, got on, which Kubernetes (YAML 1.1) reads as the boolean true; quote it to make it a string",
        ])
    }

    @Test func nullMeansAbsent() throws {
        let loaded = load(policy("CircuitBreakerPolicy", spec: "  maxConnections: null\n  interval: ~\n  maxRequests:"))
        #expect(loaded.errors.map(\.description) == [])
        #expect(loaded.policies.circuitBreakerPolicies.first?.spec == CircuitBreakerPolicySpec())
        #expect(errorLines(policy("DirectResponse", kgateway, spec: "  status: null")) == [
            "test.yaml:5:3: spec.status: required field is missing",
        ])
    }

    @Test func quotedNumbersAreStringsAndNumbersAreNot() throws {
        let loaded = load(policy("GatewayClassConfig", spec: "  proxy: {resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {cpu: 2, memory: \"4096\"}}}"))
        #expect(loaded.errors.map(\.description) == [])
        let resources = try #require(loaded.policies.gatewayClassConfigs.first?.spec.proxy?.resources)
        #expect(resources.requests?["cpu"]?.text == "500m")
        #expect(resources.limits?["cpu"]?.integerValue == 2)
        #expect(resources.limits?["memory"]?.integerValue == 4096)
        #expect(errorLines(policy("GatewayClassConfig", spec: "  proxy: {replicas: \"3\", resources: {limits: {cpu: 2 cores}}}")) == [
            "test.yaml:5:21: spec.proxy.replicas: expected an integer, got the string \"3\"",
            "test.yaml:5:52: spec.proxy.resources.limits[cpu]: invalid quantity \"2 cores\": must be a number with an optional suffix (e.g. \"1\", \"500m\", \"2Gi\")",
        ])
    }
}
