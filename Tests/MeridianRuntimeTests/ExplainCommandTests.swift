import Foundation
import MeridianTestSupport
import Testing

/// `meridian explain` as a user runs it: text for people, JSON for scripts, and the exit
/// status contract (0 served, 1 an error answer, 2 bad usage or configuration).
@Suite("meridian explain", .timeLimit(.minutes(2)))
struct ExplainCommandTests {
    static let example = CommandLineTests.example
    static let gateway = "ai-gateway/ai-inference-gateway"

    static func explain(_ arguments: [String]) throws -> (status: Int32?, output: String) {
        try CommandLineTests.meridian(["explain", "--config", example, "--gateway", gateway] + arguments)
    }

    @Test("the canary, as text: listener, virtual host, rule with file:line, both backends with weights, exit 0")
    func canaryText() throws {
        let (status, output) = try Self.explain(["--host", "inference.example.com", "--path", "/v1/chat/completions", "--method", "POST", "--header", "x-model-id=gpt-4"])
        #expect(status == 0, "\(output)")
        for line in [
            "POST http://inference.example.com/v1/chat/completions",
            "Listener      http-80 on 0.0.0.0:80 (HTTP)",
            "Virtual host  inference.example.com: the host is exactly inference.example.com (6 routes)",
            "Route         #2 ai-gateway/model-routing/rule0/match0",
            "HTTPRoute ai-gateway/model-routing rule 0, match 0 at \(Self.example)/routes.yaml:14:7",
            "Outcome       forwarded: 90% to Service ai-gateway/vllm-gpt4-stable port 8000, 10% to Service ai-gateway/vllm-gpt4-canary port 8000",
            "Backends      90%   ai-gateway/vllm-gpt4-stable:8000  weight 90",
            "10%   ai-gateway/vllm-gpt4-canary:8000  weight 10",
        ] {
            #expect(output.contains(line), "missing \(line) in:\n\(output)")
        }
    }

    @Test("JSON for scripts: the same answer, with every field")
    func json() throws {
        let (status, output) = try Self.explain([
            "--host", "inference.example.com:80", "--path", "/v1/chat/completions", "--header", "x-model-id=gpt-4", "--output", "json",
        ])
        #expect(status == 0, "\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let route = try #require(json["route"] as? [String: Any])
        #expect(route["name"] as? String == "ai-gateway/model-routing/rule0/match0")
        #expect(route["source"] as? String == "\(Self.example)/routes.yaml:14:7")
        let outcome = try #require(json["outcome"] as? [String: Any])
        #expect(outcome["kind"] as? String == "forwarded" && outcome["served"] as? Bool == true)
        let backends = try #require(json["backends"] as? [[String: Any]])
        #expect(backends.map { $0["weight"] as? Int } == [90, 10])
        #expect(backends.map { $0["cluster"] as? String } == ["ai-gateway/vllm-gpt4-stable:8000", "ai-gateway/vllm-gpt4-canary:8000"])
        #expect((json["virtualHost"] as? [String: Any])?["matchKind"] as? String == "exact")
    }

    @Test("404 and 500 exit 1 with the reason; the query string reaches the matcher")
    func errorAnswers() throws {
        let notFound = try Self.explain(["--host", "inference.example.com", "--path", "/v1/chat/completions", "--header", "x-model-id=llama-3"])
        #expect(notFound.status == 1, "\(notFound.output)")
        #expect(notFound.output.contains("404: none of the 6 routes of virtual host inference.example.com matches"))
        #expect(notFound.output.contains("✗ header x-model-id = gpt-4: x-model-id is llama-3"))

        let extra = try RepositoryPaths.makeScratchDirectory("explain-cli").appendingPathComponent("broken.yaml")
        try """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: images, namespace: ai-gateway}
            spec:
              parentRefs: [{name: ai-inference-gateway}]
              hostnames: [inference.example.com]
              rules:
                - matches: [{path: {type: PathPrefix, value: /v1/images}, queryParams: [{name: size, value: large}]}]
                  backendRefs: [{name: image-service, port: 8000}]
            """.write(to: extra, atomically: true, encoding: .utf8)
        let broken = try CommandLineTests.meridian([
            "explain", "--config", Self.example, "--config", extra.path, "--gateway", Self.gateway,
            "--host", "inference.example.com", "--path", "/v1/images", "--query", "size=large",
        ])
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("Outcome       500: the rule has no backend it can send to"), "\(broken.output)")
        #expect(broken.output.contains("BackendNotFound: Service ai-gateway/image-service is not declared (\(extra.path):9:"), "\(broken.output)")
    }

    @Test("bad usage and configurations that cannot be explained exit 2")
    func usage() throws {
        let missingHost = try Self.explain(["--path", "/"])
        #expect(missingHost.status == 2 && missingHost.output.contains("Missing expected argument '--host <host>'"), "\(missingHost.output)")
        let badHeader = try Self.explain(["--host", "h", "--path", "/", "--header", "x-model-id"])
        #expect(badHeader.status == 2 && badHeader.output.contains("--header must be name=value"), "\(badHeader.output)")
        let relative = try Self.explain(["--host", "h", "--path", "health"])
        #expect(relative.status == 2 && relative.output.contains("--path must start with /"), "\(relative.output)")
        let noGateway = try CommandLineTests.meridian(["explain", "--config", Self.example, "--gateway", "ai-gateway/other", "--host", "h", "--path", "/"])
        #expect(noGateway.status == 2 && noGateway.output.contains("no Gateway ai-gateway/other in the configuration; it declares ai-gateway/ai-inference-gateway"), "\(noGateway.output)")

        let unparsable = try RepositoryPaths.makeScratchDirectory("explain-cli").appendingPathComponent("bad.yaml")
        try "kind: [unclosed\n".write(to: unparsable, atomically: true, encoding: .utf8)
        let invalid = try CommandLineTests.meridian(["explain", "--config", unparsable.path, "--gateway", Self.gateway, "--host", "h", "--path", "/"])
        // The file is set aside, as serve sets it aside; what is left declares no Gateway.
        #expect(invalid.status == 2, "\(invalid.output)")
        #expect(invalid.output.contains("warning: \(unparsable.path):2:1: did not find expected ',' or ']'"), "\(invalid.output)")
        #expect(invalid.output.contains("no Gateway ai-gateway/ai-inference-gateway in the configuration (it declares no Gateway)"), "\(invalid.output)")
    }
}
