import EnvoyAPI
import Foundation
import MeridianEncode
import MeridianIR
import MeridianServe
import MeridianTestSupport
import Testing

/// Rendered resources of `ResilienceConfiguration`, by type and name.
struct RenderedResources {
    let snapshot: Snapshot

    init(_ configuration: ProxyConfiguration = ResilienceConfiguration.configuration) throws {
        snapshot = try Snapshot(resources: EnvoyResourceEncoder.encode(configuration))
    }

    func json(_ type: ResourceType, _ name: String) throws -> JSONValue {
        let resource = try #require(snapshot.resource(type, named: name), "no \(type) \(name)")
        return try #require(ProtobufJSON.render(typeURL: type.typeURL, bytes: resource.message.bytes))
    }

    /// The route named `name` in route configuration `table`.
    func route(_ name: String, in table: String = "policy-8080") throws -> JSONValue {
        let routes = try json(.route, table).at("virtual_hosts", 0, "routes")
        guard case .array(let items)? = routes, let route = items.first(where: { $0["name"] == .string(name) }) else {
            throw FixtureError("no route \(name) in \(table)")
        }
        return route
    }
}

@Suite("Encoding routes and listeners with resilience policies")
struct ResilienceEncodingTests {
    @Test("a configuration using every resilience field passes envoy --mode validate")
    func envoyValidates() throws {
        let rendered = try RenderedResources()
        let bootstrap = try StaticBootstrap.embedding(configDump: ConfigDump.render(rendered.snapshot))
        let result = try StaticBootstrap.validate(bootstrap, directory: try RepositoryPaths.makeScratchDirectory("validate-resilience"))
        #expect(result.valid, "envoy --mode validate: \(result.output)")
    }

    @Test("retry policy, timeouts and hash policies land in the RouteAction")
    func routeAction() throws {
        let action = try #require(try RenderedResources().route("limited").at("route"))
        #expect(action.at("timeout") == .string("30s"))
        #expect(action.at("idle_timeout") == .string("300s"))
        let retry = try #require(action.at("retry_policy"))
        #expect(retry.at("retry_on") == .string("5xx,retriable-status-codes"))
        #expect(retry.at("num_retries") == .integer(2))
        #expect(retry.at("per_try_timeout") == .string("2s"))
        #expect(retry.at("retry_back_off", "base_interval") == .string("0.100s"))
        #expect(retry.at("retry_back_off", "max_interval") == .string("1s"))
        #expect(retry.at("retriable_status_codes") == .array([.integer(503), .integer(429)]))

        #expect(action.at("hash_policy")?.count == 3)
        #expect(action.at("hash_policy", 0, "header", "header_name") == .string("x-user"))
        #expect(action.at("hash_policy", 0, "terminal") == .bool(true))
        #expect(action.at("hash_policy", 1, "cookie", "name") == .string("affinity"))
        #expect(action.at("hash_policy", 1, "cookie", "ttl") == .string("3600s"))
        #expect(action.at("hash_policy", 1, "cookie", "path") == .string("/"))
        #expect(action.at("hash_policy", 1, "terminal") == nil, "terminal false is the default")
        #expect(action.at("hash_policy", 2, "connection_properties", "source_ip") == .bool(true))
        let cookieWithoutTTL = try #require(try RenderedResources().route("header-session").at("route", "hash_policy", 0, "cookie"))
        #expect(cookieWithoutTTL.keys == ["name"], "no ttl: Envoy hashes an existing cookie and never sets one")
    }

    @Test("a route's rate limit: its bucket, 429 with x-envoy-ratelimited, one bucket per header value")
    func routeRateLimit() throws {
        let route = try RenderedResources().route("limited")
        let limit = try #require(route.at("typed_per_filter_config", "envoy.filters.http.local_ratelimit"))
        #expect(limit.at("@type") == .string("type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"))
        #expect(limit.at("stat_prefix") == .string("limited_local_rate_limit"))
        #expect(limit.at("status", "code") == .string("TooManyRequests"))
        #expect(limit.at("token_bucket") == .object([("max_tokens", .integer(3)), ("tokens_per_fill", .integer(3)), ("fill_interval", .string("60s"))]))
        #expect(limit.at("filter_enabled", "default_value", "numerator") == .integer(100))
        #expect(limit.at("filter_enabled", "default_value", "denominator") == nil, "HUNDRED is the default")
        #expect(limit.at("filter_enforced", "default_value", "numerator") == .integer(100))
        #expect(limit.at("response_headers_to_add", 0, "header") == .object([("key", .string("x-envoy-ratelimited")), ("value", .string("true"))]))
        #expect(limit.at("always_consume_default_token_bucket") == nil, "the route bucket takes a token from every request (Envoy's default)")

        // Descriptors: wildcard entries (empty value, so absent from JSON) keyed by header name.
        #expect(limit.at("descriptors")?.count == 2)
        #expect(limit.at("descriptors", 0, "entries") == .array([.object([("key", .string("x-tenant-id"))])]))
        #expect(limit.at("descriptors", 0, "token_bucket", "max_tokens") == .integer(2))
        #expect(limit.at("descriptors", 1, "entries") == .array([.object([("key", .string("x-tenant-id"))]), .object([("key", .string("x-user"))])]))
        #expect(limit.at("descriptors", 1, "token_bucket", "fill_interval") == .string("0.500s"))
        #expect(limit.at("max_dynamic_descriptors") == .integer(10_000))
        // The request's descriptors come from the LocalRateLimit's own rate_limits.
        #expect(limit.at("rate_limits")?.count == 2)
        #expect(limit.at("rate_limits", 0, "actions", 0, "request_headers") == .object([("header_name", .string("x-tenant-id")), ("descriptor_key", .string("x-tenant-id"))]),
                "skip_if_absent is false (so absent): a request without the header makes no descriptor")
        #expect(limit.at("rate_limits", 1, "actions", 1, "request_headers", "header_name") == .string("x-user"))
        #expect(route.at("route", "rate_limits") == nil, "nothing in RouteAction.rate_limits")
    }

    @Test("descriptors without a route bucket get a bucket that never runs dry, used only when no descriptor matches")
    func descriptorsOnly() throws {
        let limit = try #require(try RenderedResources().route("header-session").at("typed_per_filter_config", "envoy.filters.http.local_ratelimit"))
        #expect(limit.at("token_bucket", "max_tokens") == .integer(Int64(UInt32.max)))
        #expect(limit.at("token_bucket", "tokens_per_fill") == .integer(Int64(UInt32.max)))
        #expect(limit.at("token_bucket", "fill_interval") == .string("1s"))
        #expect(limit.at("always_consume_default_token_bucket") == .bool(false))
        #expect(limit.at("descriptors", 0, "entries", 0, "key") == .string("x-api-key"))
    }

    @Test("session persistence: a cookie or a header as the stateful session's state")
    func sessionPersistence() throws {
        let rendered = try RenderedResources()
        let cookie = try #require(try rendered.route("limited").at("typed_per_filter_config", "envoy.filters.http.stateful_session"))
        #expect(cookie.at("@type") == .string("type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute"))
        let cookieState = try #require(cookie.at("stateful_session", "session_state"))
        #expect(cookieState.at("name") == .string("envoy.http.stateful_session.cookie"))
        #expect(cookieState.at("typed_config", "@type") == .string("type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState"))
        #expect(cookieState.at("typed_config", "cookie") == .object([("name", .string("session")), ("path", .string("/"))]), "no ttl: a session cookie")

        let timed = try #require(try rendered.route("timed-cookie").at("typed_per_filter_config", "envoy.filters.http.stateful_session", "stateful_session", "session_state", "typed_config", "cookie"))
        #expect(timed == .object([("name", .string("pinned")), ("ttl", .string("120s")), ("path", .string("/grpc"))]))
        #expect(try rendered.route("timed-cookie").at("typed_per_filter_config")?.keys == ["envoy.filters.http.stateful_session"])

        let header = try #require(try rendered.route("header-session").at("typed_per_filter_config", "envoy.filters.http.stateful_session", "stateful_session", "session_state"))
        #expect(header.at("name") == .string("envoy.http.stateful_session.header"))
        #expect(header.at("typed_config") == .object([
            ("@type", .string("type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState")), ("name", .string("x-session")),
        ]))
    }

    @Test("a route without policies has no per-filter config and keeps the listener's")
    func plainRoute() throws {
        let route = try RenderedResources().route("plain")
        #expect(route.at("typed_per_filter_config") == nil)
        #expect(route.at("route", "hash_policy") == nil && route.at("route", "retry_policy") == nil && route.at("route", "idle_timeout") == nil)
    }

    @Test("every listener installs CORS, local rate limit and stateful session before the router; without policies they are no-ops")
    func listenerFilters() throws {
        let rendered = try RenderedResources()
        for name in ["policy-8080", "descriptors-8081", "plain-8082"] {
            let filters = try #require(try rendered.json(.listener, name).at("filter_chains", 0, "filters", 0, "typed_config", "http_filters"))
            #expect((0..<filters.count).map { filters.at(.index($0), "name") } == [
                .string("envoy.filters.http.cors"), .string("envoy.filters.http.local_ratelimit"), .string("envoy.filters.http.stateful_session"), .string("envoy.filters.http.router"),
            ], "\(name)")
        }
        let plain = try #require(try rendered.json(.listener, "plain-8082").at("filter_chains", 0, "filters", 0, "typed_config", "http_filters"))
        #expect(plain.at(0, "typed_config") == .object([
            ("@type", .string("type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors")),
        ]), "no settings: only routes with a CorsPolicy get CORS")
        #expect(plain.at(1, "typed_config") == .object([
            ("@type", .string("type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit")), ("stat_prefix", .string("plain-8082_local_rate_limit")),
        ]), "no bucket and filter_enabled unset (0%): limits nothing")
        #expect(plain.at(2, "typed_config") == .object([
            ("@type", .string("type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSession")),
        ]), "no session_state: sticks nothing")

        let policy = try #require(try rendered.json(.listener, "policy-8080").at("filter_chains", 0, "filters", 0, "typed_config", "http_filters", 1, "typed_config"))
        #expect(policy.at("token_bucket", "max_tokens") == .integer(100))
        #expect(policy.at("token_bucket", "tokens_per_fill") == .integer(10))
        #expect(policy.at("descriptors", 0, "token_bucket", "max_tokens") == .integer(5))
        #expect(policy.at("rate_limits", 0, "actions", 0, "request_headers", "descriptor_key") == .string("x-tenant-id"))
        #expect(policy.at("response_headers_to_add", 0, "header", "key") == .string("x-envoy-ratelimited"))

        let descriptorsOnly = try #require(try rendered.json(.listener, "descriptors-8081").at("filter_chains", 0, "filters", 0, "typed_config", "http_filters", 1, "typed_config"))
        #expect(descriptorsOnly.at("token_bucket") == nil, "the listener-wide filter limits by descriptors alone")
        #expect(descriptorsOnly.at("descriptors", 0, "entries", 0, "key") == .string("x-tenant-id"))
    }

    @Test("adding route policies changes only the RouteConfiguration, never the Listener")
    func policiesLeaveListenerAlone() throws {
        var bare = ResilienceConfiguration.configuration
        for index in bare.routeTables[0].virtualHosts[0].routes.indices {
            bare.routeTables[0].virtualHosts[0].routes[index].rateLimit = nil
            bare.routeTables[0].virtualHosts[0].routes[index].sessionPersistence = nil
        }
        let before = try RenderedResources(bare).snapshot
        let after = try RenderedResources().snapshot
        for listener in ResilienceConfiguration.configuration.listeners {
            #expect(before.resource(.listener, named: listener.name)?.message.bytes == after.resource(.listener, named: listener.name)?.message.bytes)
        }
        #expect(before.resource(.route, named: "policy-8080")?.message.bytes != after.resource(.route, named: "policy-8080")?.message.bytes)
        #expect(before.resource(.route, named: "plain-8081")?.message.bytes == after.resource(.route, named: "plain-8081")?.message.bytes)
    }
}
