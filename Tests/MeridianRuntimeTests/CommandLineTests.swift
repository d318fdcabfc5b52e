import EnvoyAPI
import Foundation
import MeridianTestSupport
import Testing

/// The `meridian` command as a user runs it.
@Suite("meridian translate, validate, bootstrap", .timeLimit(.minutes(2)))
struct CommandLineTests {
    static let example = RepositoryPaths.root.appendingPathComponent("deploy/examples/inference-gateway").path

    /// Runs `meridian` with arguments; returns its exit code and combined output.
    static func meridian(_ arguments: [String]) throws -> (status: Int32?, output: String) {
        let directory = try RepositoryPaths.makeScratchDirectory("cli")
        let process = try ChildProcess(executable: try ServeFixture.meridianBinary, arguments: arguments, logFile: directory.appendingPathComponent("out.log"))
        let status = process.waitForExit(timeout: 60)
        return (status, process.output)
    }

    @Test("translate prints Envoy's config_dump shape for each proxy group, then every resource's status")
    func translateJSON() throws {
        let (status, output) = try Self.meridian(["translate", "--config", Self.example, "--output", "json"])
        #expect(status == 0, "\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let proxies = try #require(json["proxies"] as? [[String: Any]])
        #expect(proxies.map { $0["group"] as? String } == ["ai-gateway/ai-inference-gateway"])
        let dump = try #require(proxies[0]["config_dump"] as? [String: Any])
        let applied = EnvoyConfigDump(dump)
        #expect(applied.listenerNames == ["http-80"])
        #expect(applied.clusterNames.count == 7)
        #expect(applied.routeVersions.keys.sorted() == ["http-80"])
        let status2 = try #require(json["status"] as? [String: Any])
        #expect(status2["valid"] as? Bool == true)
        let resources = try #require(status2["resources"] as? [[String: Any]])
        #expect(resources.map { $0["kind"] as? String } == ["GatewayClass", "Gateway", "HTTPRoute", "HTTPRoute", "CircuitBreakerPolicy", "RetryPolicy", "RateLimitPolicy"])
        // Each resource is in the Gateway API's own status shape: parentRef and ancestorRef as
        // objects, the controller's name, conditions with lastTransitionTime.
        let route = try #require(resources[2]["status"] as? [String: Any])
        let parent = try #require((route["parents"] as? [[String: Any]])?.first)
        let parentRef = try #require(parent["parentRef"] as? [String: Any])
        #expect(parentRef["kind"] as? String == "Gateway" && parentRef["namespace"] as? String == "ai-gateway" && parentRef["name"] as? String == "ai-inference-gateway")
        #expect(parent["controllerName"] as? String == "meridian.dev/gateway-controller")
        let routeCondition = try #require((parent["conditions"] as? [[String: Any]])?.first)
        #expect((routeCondition["lastTransitionTime"] as? String)?.hasSuffix("Z") == true)
        let gatewayStatus = try #require(resources[1]["status"] as? [String: Any])
        let listener = try #require((gatewayStatus["listeners"] as? [[String: Any]])?.first)
        #expect((listener["supportedKinds"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["HTTPRoute", "GRPCRoute"])
        #expect(listener["attachedRoutes"] as? Int == 2)
        // Policies report Gateway API policy ancestors, each accepted where it takes effect.
        for policy in resources.suffix(3) {
            let status = try #require(policy["status"] as? [String: Any], "\(policy)")
            let ancestors = try #require(status["ancestors"] as? [[String: Any]], "\(policy)")
            #expect(ancestors.map { ($0["ancestorRef"] as? [String: Any])?["name"] as? String } == ["ai-inference-gateway"])
            let condition = try #require((ancestors.first?["conditions"] as? [[String: Any]])?.first)
            #expect(condition["type"] as? String == "Accepted" && condition["status"] as? String == "True" && condition["reason"] as? String == "Attached", "\(policy)")
        }
    }

    @Test("translate --output yaml gives one document per proxy group, then a status document")
    func translateYAML() throws {
        let (status, output) = try Self.meridian(["translate", "--config", Self.example, "--privileged-port-offset", "8000"])
        #expect(status == 0)
        #expect(output.hasPrefix("# proxy group ai-gateway/ai-inference-gateway, version "))
        #expect(output.contains("\n---\n# status\nvalid: true\n"))
        #expect(output.contains("port_value: 8080"), "the port offset applies")
    }

    @Test("invalid input: translate and validate exit 1 and name file, line, column, field and reason")
    func invalidInput() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("cli-invalid")
        let file = directory.appendingPathComponent("routes.yaml")
        try """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: r, namespace: ns}
        spec:
          parentRefs: [{name: gw}]
          rules:
            - backendRefs: [{name: svc, port: 80, weight: -1}]
        """.write(to: file, atomically: true, encoding: .utf8)
        let expected = "\(file.path):7:51: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000"
        let translated = try Self.meridian(["translate", "--config", file.path])
        #expect(translated.status == 1)
        #expect(translated.output.contains(expected), "\(translated.output)")
        let validated = try Self.meridian(["validate", "--config", file.path])
        #expect(validated.status == 1)
        #expect(validated.output.contains(expected))
        #expect(validated.output.contains("invalid: 1 files, 0 Gateways, 0 HTTPRoutes, 0 GRPCRoutes, 1 errors"))
    }

    @Test("validate exits 0 on valid input; --strict also fails on refused resources")
    func validateStrict() throws {
        let valid = try Self.meridian(["validate", "--config", Self.example])
        #expect(valid.status == 0)
        #expect(valid.output.contains("valid: 4 files, 1 Gateways, 2 HTTPRoutes, 0 GRPCRoutes, 0 errors"))
        let seed = RepositoryPaths.seedManifests.appendingPathComponent("08-httproute-canary.yaml").path
        #expect(try Self.meridian(["validate", "--config", seed]).status == 0)
        let strict = try Self.meridian(["validate", "--strict", "--config", seed])
        #expect(strict.status == 1)
        #expect(strict.output.contains("Accepted=False NoMatchingParent: Gateway ai-gateway/ai-inference-gateway is not declared"))
    }

    @Test("bootstrap prints a bootstrap Envoy accepts, pointing ADS at Meridian for the Gateway")
    func bootstrap() throws {
        let (status, output) = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ai-gateway/ai-inference-gateway"])
        #expect(status == 0)
        #expect(output.contains("cluster: \"ai-gateway/ai-inference-gateway\""))
        #expect(output.contains("socket_address: { address: \"127.0.0.1\", port_value: 18000 }"))
        let directory = try RepositoryPaths.makeScratchDirectory("cli-bootstrap")
        let file = directory.appendingPathComponent("envoy.yaml")
        try output.write(to: file, atomically: true, encoding: .utf8)
        let envoy = try ChildProcess(
            executable: try #require(RepositoryPaths.executable(named: "envoy")),
            arguments: ["--mode", "validate", "-c", file.path, "--use-dynamic-base-id", "--log-level", "error"],
            logFile: directory.appendingPathComponent("validate.log")
        )
        #expect(envoy.waitForExit(timeout: 60) == 0, "\(envoy.output)")

        let bad = try Self.meridian(["bootstrap", "--xds-address", "nowhere", "--gateway", "ai-gateway/x"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("--xds-address must be host:port"))
    }

    @Test("bootstrap --xds-protocol sotw|delta sets ads_config.api_type, and Envoy accepts both", arguments: [("sotw", "GRPC"), ("delta", "DELTA_GRPC")])
    func bootstrapProtocol(_ choice: String, _ apiType: String) throws {
        let (status, output) = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--xds-protocol", choice])
        #expect(status == 0)
        #expect(output.contains("api_type: \(apiType)\n"))
        let directory = try RepositoryPaths.makeScratchDirectory("cli-bootstrap-\(choice)")
        let file = directory.appendingPathComponent("envoy.yaml")
        try output.write(to: file, atomically: true, encoding: .utf8)
        let envoy = try ChildProcess(
            executable: try #require(RepositoryPaths.executable(named: "envoy")),
            arguments: ["--mode", "validate", "-c", file.path, "--use-dynamic-base-id", "--log-level", "error"],
            logFile: directory.appendingPathComponent("validate.log")
        )
        #expect(envoy.waitForExit(timeout: 60) == 0, "\(envoy.output)")
        #expect(try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--xds-protocol", "incremental"]).status != 0)
    }

    @Test("bootstrap --stats-address adds a listener for /stats/prometheus that Envoy accepts; it needs a fixed admin port")
    func bootstrapStatsListener() throws {
        let (status, output) = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--stats-address", "0.0.0.0:19001"])
        #expect(status == 0)
        #expect(output.contains("socket_address: { address: \"0.0.0.0\", port_value: 19001 }"))
        #expect(output.contains("- name: envoy_admin") && output.contains("port_value: 19000 }"), "forwards to the admin")
        let directory = try RepositoryPaths.makeScratchDirectory("cli-bootstrap-stats")
        let file = directory.appendingPathComponent("envoy.yaml")
        try output.write(to: file, atomically: true, encoding: .utf8)
        let envoy = try ChildProcess(
            executable: try #require(RepositoryPaths.executable(named: "envoy")),
            arguments: ["--mode", "validate", "-c", file.path, "--use-dynamic-base-id", "--log-level", "error"],
            logFile: directory.appendingPathComponent("validate.log")
        )
        #expect(envoy.waitForExit(timeout: 60) == 0, "\(envoy.output)")

        let (_, withoutRoutes) = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--no-route-stats"])
        #expect(withoutRoutes.contains("exclusion_list: { patterns: [{ prefix: \"vhost.\" }] }"))
        #expect(!output.contains("stats_matcher"), "route statistics are kept by default")

        let floating = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ns/gw", "--admin-address", "127.0.0.1:0", "--stats-address", "0.0.0.0:19001"])
        #expect(floating.status != 0)
        #expect(floating.output.contains("--stats-address needs a fixed --admin-address port, not 0"))
    }

    @Test("the example's checked-in Envoy bootstrap is exactly what meridian bootstrap prints")
    func exampleBootstrapIsCurrent() throws {
        let (status, output) = try Self.meridian(["bootstrap", "--xds-address", "127.0.0.1:18000", "--gateway", "ai-gateway/ai-inference-gateway", "--admin-address", "127.0.0.1:19000"])
        #expect(status == 0)
        let checkedIn = try String(contentsOfFile: RepositoryPaths.root.appendingPathComponent("deploy/bootstrap/inference-gateway.yaml").path, encoding: .utf8)
        #expect(output == checkedIn, "regenerate deploy/bootstrap/inference-gateway.yaml with meridian bootstrap")
    }
}
