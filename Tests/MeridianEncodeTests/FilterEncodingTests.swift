import EnvoyAPI
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

@Suite("Encoding backend header changes, mirrors, CORS and redirect ports")
struct FilterEncodingTests {
    static let configuration = ProxyConfiguration(
        group: "ns/gw",
        listeners: [Listener(name: "http-8080", address: "127.0.0.1", port: 8080, routeTableName: "http-8080")],
        routeTables: [
            RouteTable(name: "http-8080", virtualHosts: [
                VirtualHost(name: "any-host", domains: ["*"], routes: [
                    Route(name: "one-backend", match: RouteMatch(path: .segmentPrefix("/one")), action: .forward([
                        WeightedBackend(clusterName: "a", weight: 1, requestHeaders: HeaderModifications(overwrite: [HeaderValue(name: "backend", value: "a")], remove: ["x-drop"]),
                                        responseHeaders: HeaderModifications(append: [HeaderValue(name: "x-from", value: "a")], remove: ["server"])),
                    ])),
                    Route(name: "split", match: RouteMatch(path: .segmentPrefix("/split")), action: .forward([
                        WeightedBackend(clusterName: "a", weight: 1, requestHeaders: HeaderModifications(overwrite: [HeaderValue(name: "backend", value: "a")])),
                        WeightedBackend(clusterName: "b", weight: 1, hostRewrite: "b.internal"),
                    ])),
                    Route(name: "mirrored", match: RouteMatch(path: .segmentPrefix("/mirror")), action: .forward([WeightedBackend(clusterName: "a", weight: 1)]),
                          mirrors: [RequestMirror(clusterName: "b"), RequestMirror(clusterName: "b", partsPerMillion: 200_000), RequestMirror(clusterName: "b", partsPerMillion: 333_333)]),
                    Route(name: "cors", match: RouteMatch(path: .segmentPrefix("/cors")), action: .forward([WeightedBackend(clusterName: "a", weight: 1)]),
                          cors: CORSPolicy(allowOrigins: [.exact("https://www.foo.com"), .regularExpression(#"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.bar\.com$"#)],
                                           allowMethods: ["GET", "OPTIONS"], allowHeaders: ["x-header-1", "x-header-2"], exposeHeaders: ["x-header-3"],
                                           maxAgeSeconds: 3600, allowCredentials: true)),
                    Route(name: "redirect", match: RouteMatch(path: .segmentPrefix("/redirect")), action: .redirect(Redirect(scheme: "https", port: 443))),
                ]),
                // A listener host name with no route attached (listener isolation): Envoy answers 404.
                VirtualHost(name: "abc.example.com", domains: ["abc.example.com"], routes: []),
            ]),
        ],
        clusters: [
            Cluster(name: "a", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9000)])),
            Cluster(name: "b", discovery: .endpoints([Endpoint(address: "127.0.0.1", port: 9001)])),
        ]
    )

    @Test("the resources pass envoy --mode validate")
    func envoyValidates() throws {
        let rendered = try RenderedResources(Self.configuration)
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(rendered.snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-filters"))
        #expect(result.valid, "envoy --mode validate: \(result.output)")
    }

    @Test("a backend's header changes go on its weighted cluster entry, even when it is the only backend")
    func backendHeaders() throws {
        let rendered = try RenderedResources(Self.configuration)
        let one = try #require(try rendered.route("one-backend", in: "http-8080").at("route"))
        #expect(one.at("cluster") == nil)
        let entry = try #require(one.at("weighted_clusters", "clusters", 0))
        #expect(entry.at("name") == .string("a") && entry.at("weight") == .integer(1))
        #expect(entry.at("request_headers_to_add", 0, "header") == .object([("key", .string("backend")), ("value", .string("a"))]))
        #expect(entry.at("request_headers_to_add", 0, "append_action") == .string("OVERWRITE_IF_EXISTS_OR_ADD"))
        #expect(entry.at("request_headers_to_remove") == .array([.string("x-drop")]))
        #expect(entry.at("response_headers_to_add", 0, "header", "key") == .string("x-from"))
        #expect(entry.at("response_headers_to_add", 0, "append_action") == nil, "APPEND_IF_EXISTS_OR_ADD, the default")
        #expect(entry.at("response_headers_to_remove") == .array([.string("server")]))

        let split = try #require(try rendered.route("split", in: "http-8080").at("route", "weighted_clusters", "clusters"))
        #expect(split.at(0, "request_headers_to_add", 0, "header", "value") == .string("a"))
        #expect(split.at(1, "request_headers_to_add") == nil, "the other backend's requests are left alone")
        #expect(split.at(1, "host_rewrite_literal") == .string("b.internal") && split.at(0, "host_rewrite_literal") == nil)
    }

    @Test("mirrors: every request without a runtime fraction, whole percents of a hundred, finer shares in millionths")
    func mirrors() throws {
        let policies = try #require(try RenderedResources(Self.configuration).route("mirrored", in: "http-8080").at("route", "request_mirror_policies"))
        #expect(policies.at(0) == .object([("cluster", .string("b"))]))
        #expect(policies.at(1, "runtime_fraction", "default_value") == .object([("numerator", .integer(20))]), "HUNDRED is the default denominator")
        #expect(policies.at(2, "runtime_fraction", "default_value") == .object([("numerator", .integer(333_333)), ("denominator", .string("MILLION"))]))
    }

    @Test("CORS: the route's CorsPolicy in typed_per_filter_config; preflights from other origins are not forwarded")
    func cors() throws {
        let rendered = try RenderedResources(Self.configuration)
        let policy = try #require(try rendered.route("cors", in: "http-8080").at("typed_per_filter_config", "envoy.filters.http.cors"))
        #expect(policy.at("@type") == .string("type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"))
        #expect(policy.at("allow_origin_string_match", 0, "exact") == .string("https://www.foo.com"))
        #expect(policy.at("allow_origin_string_match", 1, "safe_regex", "regex") == .string(#"^https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.bar\.com$"#))
        #expect(policy.at("allow_methods") == .string("GET, OPTIONS"))
        #expect(policy.at("allow_headers") == .string("x-header-1, x-header-2"))
        #expect(policy.at("expose_headers") == .string("x-header-3"))
        #expect(policy.at("max_age") == .string("3600"))
        #expect(policy.at("allow_credentials") == .bool(true))
        #expect(policy.at("forward_not_matching_preflights") == .bool(false))
        #expect(try rendered.route("split", in: "http-8080").at("typed_per_filter_config") == nil)
    }

    @Test("a redirect's port is written as the IR has it; an empty virtual host is kept")
    func redirectAndEmptyHost() throws {
        let rendered = try RenderedResources(Self.configuration)
        #expect(try rendered.route("redirect", in: "http-8080").at("redirect", "port_redirect") == .integer(443))
        let hosts = try rendered.json(.route, "http-8080").at("virtual_hosts")
        #expect(hosts?.at(1, "domains") == .array([.string("abc.example.com")]))
        #expect(hosts?.at(1, "routes") == nil)
    }
}
