import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

@Suite("Encoding the IR as Envoy resources")
struct EnvoyResourceEncoderTests {
    /// Every feature the IR has, in one proxy group.
    static let configuration = ProxyConfiguration(
        group: "ai-gateway/ai-inference-gateway",
        listeners: [
            Listener(name: "http-8080", address: "127.0.0.1", port: 8080, routeTableName: "http-8080",
                     localRateLimit: LocalRateLimit(tokenBucket: TokenBucket(maxTokens: 100, tokensPerFill: 10, fillInterval: .seconds(1)))),
        ],
        routeTables: [
            RouteTable(name: "http-8080", virtualHosts: [
                VirtualHost(name: "inference.example.com", domains: ["inference.example.com", "*.example.com"], routes: [
                    Route(
                        name: "canary",
                        match: RouteMatch(path: .segmentPrefix("/v1/chat/completions"), headers: [HeaderMatch(name: "x-model-id", value: .exact("gpt-4"))],
                                          queryParameters: [QueryParameterMatch(name: "debug", value: .regularExpression("t.*"))], method: "POST"),
                        action: .forward([WeightedBackend(clusterName: "stable", weight: 90), WeightedBackend(clusterName: "canary", weight: 10)]),
                        timeout: .milliseconds(120_500),
                        retry: RetryPolicy(retryOn: ["5xx", "reset"], numRetries: 3, perTryTimeout: .seconds(30), backOffBase: .milliseconds(100), backOffMax: .seconds(1))
                    ),
                    Route(name: "health", match: RouteMatch(path: .exact("/health")), action: .forward([WeightedBackend(clusterName: "dns", weight: 1)]),
                          requestHeaders: HeaderModifications(overwrite: [HeaderValue(name: "x-tier", value: "gold")], append: [HeaderValue(name: "x-trace", value: "1")], remove: ["x-debug"]),
                          responseHeaders: HeaderModifications(overwrite: [HeaderValue(name: "x-served-by", value: "meridian")]),
                          rewrite: URLRewrite(hostname: "internal.svc", path: .fullPath("/healthz"))),
                    Route(name: "strip", match: RouteMatch(path: .segmentPrefix("/api")), action: .forward([WeightedBackend(clusterName: "stable", weight: 1)]),
                          rewrite: URLRewrite(path: .prefix("/"))),
                    Route(name: "moved", match: RouteMatch(path: .segmentPrefix("/old")), action: .redirect(Redirect(scheme: "https", hostname: "new.example.com", path: .prefix("/new"), statusCode: 301))),
                    Route(name: "regex", match: RouteMatch(path: .regularExpression("/v[0-9]+/.*")), action: .directResponse(status: 500, body: "no backend")),
                    Route(name: "grpc", match: RouteMatch(path: .exact("/echo.Echo/Ping")),
                          action: .forward([WeightedBackend(clusterName: "stable", weight: 3), WeightedBackend(clusterName: "canary", weight: 1)]),
                          unresolvedBackendStatus: 503, honorsGRPCTimeout: true),
                ]),
            ]),
        ],
        clusters: [
            Cluster(name: "canary", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9001), Endpoint(address: "127.0.0.2", port: 9001, ready: false)])),
            Cluster(name: "dns", discovery: .dns([Endpoint(address: "health.ai-gateway.svc.cluster.local", port: 8080)]), connectTimeout: .milliseconds(250)),
            Cluster(name: "stable", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9000)])),
        ]
    )

    @Test("encoding is deterministic: the same IR gives the same bytes")
    func deterministic() {
        #expect(EnvoyResourceEncoder.encode(Self.configuration) == EnvoyResourceEncoder.encode(Self.configuration))
    }

    @Test("resources carry what the IR says, in Envoy's field names")
    func content() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        #expect(snapshot.resources[.listener]?.map(\.name) == ["http-8080"])
        #expect(snapshot.resources[.cluster]?.map(\.name) == ["canary", "dns", "stable"])
        #expect(snapshot.resources[.endpoint]?.map(\.name) == ["canary", "stable"], "DNS clusters carry their endpoints inline")

        let route = try #require(ProtobufJSON.render(typeURL: ResourceType.route.typeURL, bytes: snapshot.resource(.route, named: "http-8080")!.message.bytes))
        let json = route.json()
        #expect(json.contains(#""path_separated_prefix": "/v1/chat/completions""#))
        #expect(json.contains(#""ignore_port_in_host_matching": true"#))
        #expect(json.contains(#""name": ":method""#))
        #expect(json.contains(#""timeout": "120.500s""#))
        #expect(json.contains(#""retry_on": "5xx,reset""#))
        #expect(json.contains(#""per_try_timeout": "30s""#))
        #expect(json.contains(#""weight": 90"#) && json.contains(#""weight": 10"#))
        #expect(json.contains(#""inline_string": "no backend""#))
        #expect(json.contains(#""append_action": "OVERWRITE_IF_EXISTS_OR_ADD""#) && json.contains(#""request_headers_to_remove": ["#))
        #expect(json.contains(#""host_rewrite_literal": "internal.svc""#))
        #expect(json.contains(#""regex": "^/api/*""#), "replacing a prefix with / also drops the separator")
        #expect(json.contains(#""scheme_redirect": "https""#) && !json.contains(#""port_redirect""#) && json.contains(#""prefix_rewrite": "/new""#))
        // The gRPC route: the client's grpc-timeout as its only deadline, 503 (SERVICE_UNAVAILABLE,
        // the enum's zero, so not rendered) for an unresolved share; the three HTTP forwards say 500.
        #expect(json.contains(#""grpc_timeout_header_max": "0s""#))
        #expect(json.components(separatedBy: #""cluster_not_found_response_code": "INTERNAL_SERVER_ERROR""#).count - 1 == 3)

        let listener = try #require(ProtobufJSON.render(typeURL: ResourceType.listener.typeURL, bytes: snapshot.resource(.listener, named: "http-8080")!.message.bytes)).json()
        #expect(listener.contains(#""@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager""#))
        #expect(listener.contains(#""route_config_name": "http-8080""#))
        #expect(listener.contains(#""upgrade_type": "websocket""#), "WebSocket upgrades are always allowed")
        #expect(listener.range(of: "envoy.filters.http.local_ratelimit")!.lowerBound < listener.range(of: "envoy.filters.http.router")!.lowerBound, "router last")

        let endpoints = try #require(ProtobufJSON.render(typeURL: ResourceType.endpoint.typeURL, bytes: snapshot.resource(.endpoint, named: "canary")!.message.bytes)).json()
        #expect(endpoints.contains(#""health_status": "UNHEALTHY""#))
        let dns = try #require(ProtobufJSON.render(typeURL: ResourceType.cluster.typeURL, bytes: snapshot.resource(.cluster, named: "dns")!.message.bytes)).json()
        #expect(dns.contains(#""type": "STRICT_DNS""#) && dns.contains(#""connect_timeout": "0.250s""#))
    }

    @Test("the served resources pass envoy --mode validate when embedded as static resources")
    func envoyValidates() throws {
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(Self.configuration))
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        let directory = try RepositoryPaths.makeScratchDirectory("validate")
        let result = try StaticBootstrap.validate(bootstrap, directory: directory)
        #expect(result.valid, "envoy --mode validate: \(result.output)")
    }

    @Test("envoy --mode validate catches what it must: the check can fail")
    func validationCanFail() throws {
        var broken = Self.configuration
        broken.routeTables[0].virtualHosts[0].routes[0].match.path = .regularExpression("/(unclosed")
        let snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(broken))
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-broken"))
        #expect(!result.valid)
        #expect(result.output.contains("missing )"), "\(result.output)")
    }
}
